"""Deployment mode (issue 16): a process of a several-machine deployment starts only on the database it
was given, existing and migrated to the newest schema.

Locally, a missing SQLite file is created on first use, which is what a demo wants. On a Prefect worker
that lacked INCUBASE_DATABASE_URL it was not: the flow run created an empty SQLite file next to the
checkout and reported success, and, had that file been migrated, would have swept the wrong database.
In deployment mode (INCUBASE_MODE=deployment, which prefect.yaml sets for every deployed flow run)
such a process stops at once with one line saying what is wrong, and creates nothing.
"""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from config import Settings
from db.engine import make_engine

_UPGRADE = {"en": "run `incubase db upgrade` with this INCUBASE_DATABASE_URL first",
            "zh": "请先以此 INCUBASE_DATABASE_URL 运行 `incubase db upgrade`"}


class NotReady(Exception):
    """The database of a deployment-mode process is missing, empty or behind: nothing may start. Said in
    English by str() (logs, a flow run's state) and in the console's language by `localized`."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.words = {"en": en, "zh": zh}

    def localized(self, lang: str) -> str:
        return self.words.get(lang, self.words["en"])


def check_ready(settings: Settings) -> None:
    """Raises NotReady in deployment mode unless the configured database exists and is at the newest
    schema; does nothing in local mode. Run before any engine is made: one would create a SQLite file."""
    if settings.mode != "deployment":
        return
    if not settings.database_configured:
        raise NotReady("deployment mode (INCUBASE_MODE=deployment) needs INCUBASE_DATABASE_URL: no database is "
                       "configured for this process, and none is created",
                       "部署模式（INCUBASE_MODE=deployment）须配置 INCUBASE_DATABASE_URL："
                       "本进程未配置数据库，也不会新建数据库")
    url = settings.database_url
    shown = sa.engine.make_url(url).render_as_string(hide_password=True)
    database = sa.engine.make_url(url).database
    if url.startswith("sqlite") and (not database or database == ":memory:" or not Path(database).is_file()):
        where = database or "(in memory)"
        raise NotReady(f"deployment mode: the SQLite database {where} does not exist, and none is created; "
                       f"{_UPGRADE['en']}",
                       f"部署模式：SQLite 数据库 {where} 不存在，也不会新建；{_UPGRADE['zh']}")
    from db.migrate import current_revision, head_revision

    try:
        current = current_revision(url)
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise NotReady(f"deployment mode: the database at {shown} does not answer: {reason}",
                       f"部署模式：数据库 {shown} 无法连接：{reason}") from None
    head = head_revision()
    if current is None:
        raise NotReady(f"deployment mode: the database at {shown} has no schema; {_UPGRADE['en']}",
                       f"部署模式：数据库 {shown} 尚未建表；{_UPGRADE['zh']}")
    if current != head:
        raise NotReady(f"deployment mode: the database at {shown} is at schema revision {current}, not {head}; "
                       f"{_UPGRADE['en']}",
                       f"部署模式：数据库 {shown} 的结构版本为 {current}，不是最新的 {head}；{_UPGRADE['zh']}")


def engine_for(settings: Settings, *, flow_run: bool = False) -> sa.engine.Engine:
    """The engine of this process, with its share of the connection budget (README "When one machine is
    not enough")."""
    check_ready(settings)
    size, overflow = ((settings.flow_db_pool_size, settings.flow_db_max_overflow) if flow_run
                      else (settings.db_pool_size, settings.db_max_overflow))
    return make_engine(settings.database_url, pgbouncer=settings.pgbouncer, pool_size=size, max_overflow=overflow)
