"""Issue 16, deployment mode (INCUBASE_MODE=deployment, bootstrap/readiness.py): a process of a
several-machine deployment starts only on the database it was given, existing and migrated to the
newest schema; otherwise it stops with one line and creates nothing (a worker without the database URL
once created, and swept, an empty SQLite file of its own). Local mode keeps creating one, as a demo wants.

The refusal through the installed console script and a real flow run of a worker:
tests/acceptance/test_deployments.py.
"""
from __future__ import annotations

import os
import tempfile

import pytest
import sqlalchemy as sa

from bootstrap import build_runtime, check_deployment
from bootstrap.readiness import NotReady, check_ready, engine_for
from config import Settings, get_settings
from db.migrate import head_revision, upgrade
from flows import wiring
from tests.conftest import PG_SKIPPED, own_postgres_database


def _settings(**values) -> Settings:
    # no .env of the working directory: each test says exactly what the process was given
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def no_database_in_env(monkeypatch):
    for name in ("INCUBASE_DATABASE_URL", "INCUBASE_MODE"):
        monkeypatch.delenv(name, raising=False)


def test_issue16_deployment_mode_without_a_database_url_refuses_and_creates_nothing(no_database_in_env):
    settings = _settings(mode="deployment")
    default = sa.engine.make_url(settings.database_url).database
    existed = os.path.exists(default)
    with pytest.raises(NotReady, match=r"^deployment mode \(INCUBASE_MODE=deployment\) needs INCUBASE_DATABASE_URL"):
        build_runtime(settings)
    with pytest.raises(NotReady) as refused:
        check_deployment(settings)
    assert refused.value.localized("zh").startswith("部署模式（INCUBASE_MODE=deployment）须配置 INCUBASE_DATABASE_URL")
    assert os.path.exists(default) == existed  # no SQLite file made on the way


def test_issue16_deployment_mode_refuses_a_sqlite_file_that_does_not_exist(tmp_path):
    missing = tmp_path / "nowhere" / "incubase.db"
    with pytest.raises(NotReady, match=f"the SQLite database {missing} does not exist.*incubase db upgrade"):
        build_runtime(_settings(mode="deployment", database_url=f"sqlite:///{missing}"))
    assert not missing.exists() and not missing.parent.exists()


def test_issue16_deployment_mode_refuses_a_database_not_migrated_to_the_head(tmp_path):
    empty, behind = tmp_path / "empty.db", tmp_path / "behind.db"
    empty.touch()
    upgrade(f"sqlite:///{behind}", "0015")
    with pytest.raises(NotReady, match="has no schema; run `incubase db upgrade`"):
        check_ready(_settings(mode="deployment", database_url=f"sqlite:///{empty}"))
    with pytest.raises(NotReady, match=f"is at schema revision 0015, not {head_revision()}; run `incubase db upgrade`"):
        check_ready(_settings(mode="deployment", database_url=f"sqlite:///{behind}"))
    upgrade(f"sqlite:///{behind}")
    build_runtime(_settings(mode="deployment", database_url=f"sqlite:///{behind}"))  # at the head: it starts


def test_issue16_deployment_mode_refuses_a_postgresql_server_that_does_not_answer():
    url = "postgresql+psycopg://incubase@127.0.0.1:1/incubase"
    with pytest.raises(NotReady, match=r"^deployment mode: the database at postgresql\+psycopg://incubase@127\.0\.0\.1"
                                       r":1/incubase does not answer: "):
        check_ready(_settings(mode="deployment", database_url=url))


def test_issue16_local_mode_still_creates_its_sqlite_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'incubase.db'}"
    check_ready(_settings(database_url=url))  # local mode checks nothing
    engine_for(_settings(database_url=url)).connect().close()
    assert (tmp_path / "new" / "incubase.db").exists()


def test_issue16_a_flow_run_in_deployment_mode_without_a_database_refuses(no_database_in_env, monkeypatch):
    """What a deployed flow run meets on a worker that lacks INCUBASE_DATABASE_URL (prefect.yaml sets the mode)."""
    monkeypatch.setenv("INCUBASE_MODE", "deployment")
    monkeypatch.chdir(tempfile.gettempdir())  # no .env of the checkout
    get_settings.cache_clear()
    try:
        with pytest.raises(NotReady, match="needs INCUBASE_DATABASE_URL"):
            wiring.runtime()
    finally:
        get_settings.cache_clear()


@pytest.mark.postgres
def test_issue16_each_process_takes_its_share_of_the_connection_budget():
    """The connection budget (README): the API's pool and each flow run's pool are their own settings."""
    try:
        with own_postgres_database("incubase_budget") as url:
            settings = _settings(mode="deployment", database_url=url, db_pool_size=7, db_max_overflow=3,
                                 flow_db_pool_size=1, flow_db_max_overflow=1)
            api, flow = engine_for(settings), engine_for(settings, flow_run=True)
            try:
                assert (api.pool.size(), api.pool._max_overflow) == (7, 3)  # type: ignore[attr-defined]
                assert (flow.pool.size(), flow.pool._max_overflow) == (1, 1)  # type: ignore[attr-defined]
            finally:
                api.dispose(), flow.dispose()
    except sa.exc.OperationalError:
        pytest.skip(PG_SKIPPED)
