"""Issue 15, training mode: a database records its purpose when it is created (migration 0016), once;
training mode runs the whole service on the training database's date — acts, the API and sweeps —
and never on a production database, nor a training database without it.

Each test has a database of its own, created by the migrations (SQLite and PostgreSQL).
"""
from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import create_app
from bootstrap import build_runtime
from cli.main import app
from config import Settings, get_settings
from db import tables as t
from db.engine import make_engine
from db.migrate import PurposeFixed, alembic_config, upgrade
from flows import wiring
from services import audit, training, users
from services.sweep import sweep
from tests.conftest import PG_SKIPPED, FakeClock, own_postgres_database

D = date
START = D(2027, 3, 1)
BAO_AN = {"base": {"name": "宝安区培训创业园", "address": "深圳市宝安区新桥街道"},
          "operator": {"name": "深圳培训创业服务有限公司", "credit_code": "91440306MA5G8XQK35"},
          "level": "county", "jurisdiction": "440306"}


def _database(backend: str, tmp_path, name: str, **creation):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / f'{name}.db'}"
        upgrade(url, **creation)
        yield url
        return
    try:
        with own_postgres_database(f"incubase_{name}", **creation) as url:
            yield url
    except sa.exc.OperationalError:
        pytest.skip(PG_SKIPPED)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_backend(request) -> str:
    return request.param


@pytest.fixture
def training_url(db_backend, tmp_path):
    """A database created by `incubase db upgrade --training --date 2027-03-01`'s choice."""
    yield from _database(db_backend, tmp_path, "training", training_date=START)


@pytest.fixture
def production_url(db_backend, tmp_path):
    yield from _database(db_backend, tmp_path, "production")


@pytest.fixture
def engine_of():
    engines = []

    def make(url):
        engines.append(make_engine(url))
        return engines[-1]

    yield make
    for e in engines:
        e.dispose()


@pytest.fixture
def wall() -> FakeClock:
    """The real clock of these tests: 2026-12-03 10:00 in Beijing."""
    return FakeClock(datetime(2026, 12, 3, 2, 0, tzinfo=UTC))


def _runtime(url, engine, wall, training_on=True):
    return build_runtime(Settings(database_url=url, training=training_on), clock=wall, engine=engine)


def _purpose(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.select(t.deployment.c.purpose)).scalar_one()


def test_issue15_the_purpose_is_recorded_at_creation_production_by_default(training_url, production_url, engine_of):
    training_db, production_db = engine_of(training_url), engine_of(production_url)
    assert (_purpose(training_db), _purpose(production_db)) == ("training", "production")
    with training_db.connect() as conn:
        assert conn.execute(sa.select(t.training_days.c.business_date)).scalars().all() == [START]
    with production_db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.training_days)).scalar_one() == 0


def test_issue15_a_database_created_before_training_mode_counts_as_production_and_stays_so(tmp_path, engine_of):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0015")
    with pytest.raises(PurposeFixed, match="created for production, not training"):
        upgrade(url, training_date=START)
    upgrade(url)
    assert _purpose(engine_of(url)) == "production"
    with pytest.raises(PurposeFixed):  # at the head already: still refused, nothing changed
        upgrade(url, training_date=START)
    assert _purpose(engine_of(url)) == "production"


def test_issue15_a_production_database_goes_back_before_0016_and_a_training_one_never(training_url,
                                                                                      production_url, engine_of):
    command.downgrade(alembic_config(production_url), "0015")
    upgrade(production_url)
    assert _purpose(engine_of(production_url)) == "production"
    with pytest.raises(RuntimeError, match="cannot go back before revision 0016"):
        command.downgrade(alembic_config(training_url), "0015")
    assert _purpose(engine_of(training_url)) == "training"


def test_issue15_the_purpose_and_the_training_dates_are_append_only(training_url, engine_of):
    """Not changeable by anyone with only the application's rights: the rows refuse UPDATE and DELETE."""
    engine = engine_of(training_url)
    for statement in ("UPDATE deployment SET purpose = 'production'", "DELETE FROM deployment",
                      "UPDATE training_days SET business_date = '2026-01-01'", "DELETE FROM training_days"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert _purpose(engine) == "training"


def test_issue15_no_route_of_the_api_writes_the_purpose_or_the_date():
    paths = {r.path for r in create_app().routes if hasattr(r, "methods") and r.methods - {"GET", "HEAD"}}
    assert not [p for p in paths if "training" in p or "deployment" in p]


def test_issue15_training_mode_is_refused_on_a_production_database(production_url, engine_of, wall):
    with pytest.raises(training.TrainingOnProduction, match="training mode never runs on one"):
        _runtime(production_url, engine_of(production_url), wall)
    rt = _runtime(production_url, engine_of(production_url), wall, training_on=False)
    assert rt.today() == D(2026, 12, 3) and not rt.training
    with pytest.raises(training.NotTrainingDatabase):
        training.set_date(rt, D(2027, 1, 1), "cli:trainer")


def test_issue15_a_training_database_is_refused_without_training_mode(training_url, engine_of, wall):
    with pytest.raises(training.TrainingDatabaseNeedsTrainingMode, match="INCUBASE_TRAINING=true"):
        _runtime(training_url, engine_of(training_url), wall, training_on=False)


def test_issue15_the_clock_follows_the_training_date_forward_only(training_url, engine_of, wall):
    rt = _runtime(training_url, engine_of(training_url), wall)
    assert rt.today() == START
    # the real time of day, in Beijing, on the training date
    assert rt.clock().astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None) == datetime(2027, 3, 1, 10, 0)
    assert rt.real_time() == wall()
    assert training.set_date(rt, D(2028, 3, 1), "cli:trainer") == START
    assert rt.today() == D(2028, 3, 1) == training.current_day(rt)
    for day in (D(2028, 3, 1), D(2027, 12, 31)):
        with pytest.raises(training.TrainingDateNotForward, match="only moves forward"):
            training.set_date(rt, day, "cli:trainer")
    assert rt.today() == D(2028, 3, 1)
    # another process (the API, a flow run) on the same database reads the same date
    assert _runtime(training_url, engine_of(training_url), wall).today() == D(2028, 3, 1)


def test_issue15_an_act_is_dated_on_the_training_date_and_the_api_says_so(training_url, engine_of, wall):
    rt = _runtime(training_url, engine_of(training_url), wall)
    users.add_user(rt, "caseworker.wang", "王芳", [("caseworker", "440306")])
    token = users.create_token(rt, "caseworker.wang")
    training.set_date(rt, D(2028, 3, 1), "cli:trainer")
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(runtime=rt)) as client:
        # 2028-03-01 is after the real today: only the training date lets it be recorded
        answer = client.post("/api/v1/cases", json={**BAO_AN, "applied_on": "2028-03-01"}, headers=auth)
        assert answer.status_code == 201, answer.text
        assert answer.headers["Incubase-Training"] == "2028-03-01"
        later = client.post("/api/v1/cases", json={**BAO_AN, "applied_on": "2028-03-02"}, headers=auth)
        assert later.status_code == 422 and later.json()["type"].endswith("/future-date")
    case_id = answer.json()["id"]
    with rt.reads() as uow:
        applied = uow.cases.events(case_id)[0]
    assert applied.on == D(2028, 3, 1) == applied.recorded_at.astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert audit.verify_case(rt, case_id).ok


def test_issue15_no_training_header_outside_training_mode(production_url, engine_of, wall):
    rt = _runtime(production_url, engine_of(production_url), wall, training_on=False)
    with TestClient(create_app(runtime=rt)) as client:
        assert "Incubase-Training" not in client.get("/healthz").headers


def test_issue15_sweeps_run_for_the_training_date(training_url, engine_of, wall, monkeypatch):
    """The flows' runs, scheduled ones too (whose scheduler plans real days), take the training date as
    their as_of; `incubase sweep`: tests/acceptance/test_training_mode.py."""
    rt = _runtime(training_url, engine_of(training_url), wall)
    training.set_date(rt, D(2031, 3, 1), "cli:trainer")
    monkeypatch.setattr(wiring, "_scheduled_day", lambda: D(2026, 12, 3))  # as in a scheduled run
    with wiring.using(rt, time_travel=False):
        assert wiring.resolve_as_of(None) == D(2031, 3, 1)
    with wiring.using(dataclasses.replace(rt, clock=wall, training=False), time_travel=False):
        assert wiring.resolve_as_of(None) == D(2026, 12, 3)  # outside training mode: the scheduled day
    assert sweep(rt, rt.today()).failed == []


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    monkeypatch.setenv("INCUBASE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _incubase(*args: str):
    return CliRunner().invoke(app, list(args))


def test_issue15_the_training_commands_say_what_is_wrong_in_one_line(cli_db):
    done = _incubase("db", "upgrade", "--date", "2027-03-01")
    assert done.exit_code == 2 and "give --training too" in done.output
    assert _incubase("db", "upgrade").exit_code == 0  # a production database
    shown = _incubase("training", "show")
    assert shown.exit_code == 1 and "error: this is not a training database" in shown.output
    moved = _incubase("training", "set-date", "2027-03-01")
    assert moved.exit_code == 1 and "error: this is not a training database" in moved.output
    assert _incubase("training", "set-date", "2027-3-1").exit_code == 2  # not a date as written


def test_issue15_the_training_commands_move_the_date_the_demo_follows(cli_db):
    assert _incubase("db", "upgrade", "--training", "--date", "2027-03-01").exit_code == 0
    cli_db.setenv("INCUBASE_TRAINING", "true")
    get_settings.cache_clear()
    assert _incubase("training", "show").output == "training date 2027-03-01\n"
    assert _incubase("training", "set-date", "2027-09-01").output == "training date 2027-09-01 (was 2027-03-01)\n"
    assert _incubase("demo").exit_code == 0
    swept = _incubase("sweep")
    assert swept.exit_code == 0 and swept.output.startswith("swept to 2027-09-01: ")
