"""Runs the Alembic migrations, for `incubase db upgrade`, `make run` and the tests."""
from __future__ import annotations

from datetime import date

from alembic import command
from alembic.config import Config

from config import PROJECT_ROOT


class HashAlgorithmFixed(Exception):
    """The database was created with another hash algorithm: a chain's algorithm never changes."""

    def __init__(self, requested: str, recorded: str) -> None:
        super().__init__(f"this database was created with the hash algorithm {recorded}, not {requested}: "
                         f"the algorithm is chosen once, when a database is created "
                         f"(本数据库创建时选定的哈希算法为 {recorded}，创建后不能更改)")
        self.requested, self.recorded = requested, recorded


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "db" / "migrations"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class PurposeFixed(Exception):
    """A training database is made new: one created for production (or before the choice) stays one."""

    def __init__(self, recorded: str) -> None:
        super().__init__(f"this database was created for {recorded}, not training: a training database is "
                         f"created new, by `incubase db upgrade --training` on an empty one "
                         f"(本数据库创建时用途为 {recorded}，不能改为培训数据库)")
        self.recorded = recorded


def upgrade(url: str, revision: str = "head", *, hash_algorithm: str | None = None,
            training_date: date | None = None) -> None:
    """Migrates to `revision`. `hash_algorithm` (sha256 or sm3): the choice of a database being
    created (migration 0012 records it); on one created before, it must be the one recorded then.
    `training_date`: the database being created is a training database starting on that business date
    (migration 0016); any other is refused."""
    cfg = alembic_config(url)
    cfg.attributes["hash_algorithm"] = hash_algorithm
    if training_date is not None:
        cfg.attributes.update(purpose="training", training_date=training_date, fresh=current_revision(url) is None)
    try:
        command.upgrade(cfg, revision)
    except RuntimeError as exc:
        if hash_algorithm is not None and "cannot be changed" in str(exc):
            raise HashAlgorithmFixed(hash_algorithm, "sha256") from None
        if training_date is not None and "counts as production" in str(exc):
            raise PurposeFixed("production") from None
        raise
    if training_date is not None:
        from db.deployment import database_purpose

        purpose = _read(url, database_purpose)
        if purpose != "training":
            raise PurposeFixed(purpose)
    if hash_algorithm is not None:
        from db.deployment import recorded_algorithm

        recorded = _read(url, lambda engine: _on_connection(engine, recorded_algorithm))
        if recorded != hash_algorithm:
            raise HashAlgorithmFixed(hash_algorithm, recorded)


def head_revision() -> str:
    """The newest schema revision this code knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "db/migrations has no revision"
    return head


def current_revision(url: str) -> str | None:
    """The database's Alembic revision (before an upgrade): None for one never migrated (being created)."""
    from alembic.runtime.migration import MigrationContext

    return _read(url, lambda engine: _on_connection(
        engine, lambda conn: MigrationContext.configure(conn).get_current_revision()))


def _on_connection(engine, read):
    with engine.connect() as conn:
        return read(conn)


def _read(url: str, read):
    from db.engine import make_engine

    engine = make_engine(url)
    try:
        return read(engine)
    finally:
        engine.dispose()
