"""The security log holds under a database administrator (issue 14, level 3: append-only and
hash-chained like the case events): UPDATE and DELETE are refused by the database itself, and a
change made around the triggers is found by the chain's check, in the service and on the command
line. SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cli.main import app
from config import get_settings
from db.migrate import upgrade
from services import security_log, users
from services.values import Origin

ADMIN = Origin("admin", "10.0.0.1")


@pytest.fixture
def logged(rt) -> None:
    users.add_user(rt, "wang", "王芳", [("caseworker", "520000")], origin=ADMIN)
    users.grant(rt, "wang", "auditor", "520000", origin=ADMIN)
    users.create_token(rt, "wang", "程序", origin=ADMIN)
    security_log.record(rt, Origin("wang", "10.0.0.5"), "signin", "wang", "failed", {"step": "password"})


def test_the_database_refuses_to_change_or_remove_an_entry(engine, logged):
    for statement in ("UPDATE security_log SET result = 'ok' WHERE action = 'signin'",
                      "DELETE FROM security_log WHERE action = 'signin'"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(statement))


@pytest.fixture
def triggers_back(engine):
    """PostgreSQL's test database is the session's: the triggers a test dropped are put back."""
    yield
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE OR REPLACE TRIGGER security_log_append_only BEFORE UPDATE OR DELETE ON "
                                 "security_log FOR EACH ROW EXECUTE FUNCTION incubase_refuse_change()"))


def _around_the_triggers(engine, *statements: str) -> None:
    """What a database administrator can still do: drop the triggers, change the rows."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("DROP TRIGGER IF EXISTS security_log_append_only ON security_log"))
        else:
            conn.execute(sa.text("DROP TRIGGER security_log_no_update"))
            conn.execute(sa.text("DROP TRIGGER security_log_no_delete"))
        for statement in statements:
            conn.execute(sa.text(statement))


@pytest.mark.parametrize("tamper, found", [
    # a failed sign-in turned into a success: the columns no longer say what was hashed
    ("UPDATE security_log SET result = 'ok' WHERE action = 'signin'", "the stored columns differ"),
    # the grant removed: a seq is missing, and the next entry names a hash that is gone
    ("DELETE FROM security_log WHERE action = 'grant' AND seq = 3", "seq 4 where 3 was due"),
    # its text rewritten too: the hash no longer matches it
    ("UPDATE security_log SET canonical = replace(canonical, 'auditor', 'admin'), details = '{}' "
     "WHERE seq = 3", "the hash is not the SHA-256"),
])
def test_a_change_made_around_the_triggers_breaks_the_chain(rt, engine, logged, triggers_back, tamper, found):
    count, problems = security_log.verify(rt)
    assert count == 5 and problems == []
    _around_the_triggers(engine, tamper)
    _, problems = security_log.verify(rt)
    assert any(found in p.message for p in problems), problems


def test_a_rehashed_entry_breaks_the_link_of_the_next_one(rt, engine, logged, triggers_back):
    from statemachines.events import canonical_text, digest

    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT canonical FROM security_log WHERE seq = 3")).scalar_one()
    forged = row.replace('"auditor"', '"admin"')  # the grant made to look like one of admin, sealed anew
    _around_the_triggers(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE security_log SET canonical = :text, hash = :hash, details = :details "
                             "WHERE seq = 3"), {"text": forged, "hash": digest(forged),
                                                "details": '{"role": "admin", "jurisdiction": "520000"}'})
    _, problems = security_log.verify(rt)
    assert [(p.seq, p.message) for p in problems] == [
        (4, "prev_hash does not name the hash of the entry before")]
    assert canonical_text({"a": 1}) == '{"a":1}'


def test_the_command_line_checks_the_chain_and_exits_1_on_a_break(tmp_path, monkeypatch):
    path = tmp_path / "incubase.db"
    monkeypatch.setenv("INCUBASE_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    try:
        upgrade(f"sqlite:///{path}")
        runner = CliRunner()
        assert runner.invoke(app, ["users", "add", "wang", "--name", "王芳", "--role", "caseworker",
                                   "--jurisdiction", "520000"]).exit_code == 0
        result = runner.invoke(app, ["audit", "security-log", "--verify"])
        assert result.exit_code == 0 and "2 entries, the chain holds" in result.stdout
        listed = runner.invoke(app, ["audit", "security-log"]).stdout
        assert " cli:" in listed and "user_add" in listed and "grant" in listed
        engine = sa.create_engine(f"sqlite:///{path}")
        _around_the_triggers(engine, "UPDATE security_log SET actor = 'someone else' WHERE seq = 1")
        engine.dispose()
        result = runner.invoke(app, ["audit", "security-log", "--verify"])
        assert result.exit_code == 1
        assert "BROKEN seq 1: the stored columns differ from the text that was hashed" in result.stdout
        out = tmp_path / "log.csv"
        result = runner.invoke(app, ["audit", "security-log", "--csv", str(out)])
        assert result.exit_code == 0 and out.read_text(encoding="utf-8-sig").startswith("seq,at,actor,client,")
    finally:
        get_settings.cache_clear()


def test_writers_at_once_chain_one_after_the_other(rt):
    """Two sign-ins at the same moment must not both chain onto the same head (PostgreSQL: the
    advisory lock of the log's end; SQLite: its write lock): every entry lands, the chain holds."""
    import threading

    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(5):
                security_log.record(rt, Origin(f"user{n}", "10.0.0.5"), "signin", f"user{n}", "failed", {"i": i})
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert security_log.verify(rt) == (30, [])
