"""Runs the Alembic migrations, for `incubase db upgrade`, `make run` and the tests."""
from __future__ import annotations

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


def upgrade(url: str, revision: str = "head", *, hash_algorithm: str | None = None) -> None:
    """Migrates to `revision`. `hash_algorithm` (sha256 or sm3): the choice of a database being
    created (migration 0012 records it); on one created before, it must be the one recorded then."""
    cfg = alembic_config(url)
    cfg.attributes["hash_algorithm"] = hash_algorithm
    try:
        command.upgrade(cfg, revision)
    except RuntimeError as exc:
        if hash_algorithm is not None and "cannot be changed" in str(exc):
            raise HashAlgorithmFixed(hash_algorithm, "sha256") from None
        raise
    if hash_algorithm is not None:
        from db.deployment import recorded_algorithm
        from db.engine import make_engine

        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                recorded = recorded_algorithm(conn)
        finally:
            engine.dispose()
        if recorded != hash_algorithm:
            raise HashAlgorithmFixed(hash_algorithm, recorded)
