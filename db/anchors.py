"""Daily anchors of the case heads."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db import tables as t
from services.anchors import Anchor

a, e = t.anchors.c, t.case_events.c


class SqlAnchorRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, day: date) -> Anchor | None:
        row = self.conn.execute(sa.select(t.anchors).where(a.day == day)).mappings().first()
        return _anchor(row) if row else None

    def latest_before(self, day: date) -> Anchor | None:
        latest = sa.select(t.anchors).where(a.day < day).order_by(a.day.desc()).limit(1)
        row = self.conn.execute(latest).mappings().first()
        return _anchor(row) if row else None

    def all(self, since: date | None = None) -> list[Anchor]:
        q = sa.select(t.anchors).order_by(a.day)
        if since is not None:
            q = q.where(a.day >= since)
        return [_anchor(r) for r in self.conn.execute(q).mappings()]

    def add(self, anchor: Anchor, now: datetime) -> None:
        self.conn.execute(t.anchors.insert().values(
            day=anchor.day, cases=anchor.cases, canonical=anchor.canonical, prev_digest=anchor.prev_digest,
            digest=anchor.digest, created_at=now, hash_algorithm=anchor.hash_algorithm))

    def heads_changed(self, start: datetime, end: datetime) -> list[tuple[str, int, str]]:
        """(case, seq, hash) of the last event by `end` of each case with an event in [start, end)."""
        changed = sa.select(e.case_id).where(e.recorded_at >= start, e.recorded_at < end).distinct().subquery()
        last = (sa.select(e.case_id, sa.func.max(e.seq).label("seq"))
                .where(e.case_id.in_(sa.select(changed.c.case_id)), e.recorded_at < end)
                .group_by(e.case_id).subquery())
        rows = self.conn.execute(
            sa.select(e.case_id, e.seq, e.hash).join(last, sa.and_(last.c.case_id == e.case_id, last.c.seq == e.seq))
            .order_by(e.case_id))
        return [(r.case_id, r.seq, r.hash) for r in rows]


def _anchor(row) -> Anchor:
    return Anchor(row["day"], row["cases"], row["canonical"], row["prev_digest"], row["digest"], row["hash_algorithm"])
