"""Application rounds per policy and year."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db import tables as t
from db.repository import insert_new
from services.values import Announcement, Round

ar = t.application_rounds.c


class SqlRoundRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def ensure(self, policy_id: str, year: int, opens_on: date, closes_on: date) -> None:
        self.conn.execute(insert_new(self.conn, t.application_rounds).values(
            policy_id=policy_id, year=year, opens_on=opens_on, closes_on=closes_on))

    def open(self, policy_id: str, year: int, now: datetime) -> None:
        self.conn.execute(t.application_rounds.update().where(
            ar.policy_id == policy_id, ar.year == year, ar.opened_at.is_(None)).values(opened_at=now))

    def close(self, policy_id: str, year: int, now: datetime, applications: int) -> None:
        self.conn.execute(t.application_rounds.update().where(
            ar.policy_id == policy_id, ar.year == year, ar.closed_at.is_(None)
        ).values(closed_at=now, applications=applications, opened_at=sa.func.coalesce(ar.opened_at, now)))

    def applications(self, policy_id: str, opens_on: date, closes_on: date) -> int:
        c = t.cases.c
        return self.conn.execute(sa.select(sa.func.count()).where(
            c.policy_id == policy_id, c.applied_on >= opens_on, c.applied_on <= closes_on)).scalar_one()

    def get(self, policy_id: str, year: int) -> Round:
        found = self.find(policy_id, year)
        if found is None:
            raise LookupError(f"no round {policy_id} {year}")
        return found

    def find(self, policy_id: str, year: int) -> Round | None:
        row = self.conn.execute(sa.select(t.application_rounds).where(
            ar.policy_id == policy_id, ar.year == year)).mappings().one_or_none()
        return None if row is None else _round(row)

    def announce(self, policy_id: str, year: int, opens_on: date, closes_on: date, quota: int | None,
                 announcement: Announcement) -> None:
        self.conn.execute(t.application_rounds.insert().values(
            policy_id=policy_id, year=year, opens_on=opens_on, closes_on=closes_on, quota=quota,
            announced_by=announcement.by, announced_at=announcement.at, document=announcement.document,
            reason=announcement.reason))

    def of_policy(self, policy_id: str) -> list[Round]:
        rows = self.conn.execute(sa.select(t.application_rounds).where(
            ar.policy_id == policy_id).order_by(ar.year)).mappings()
        return [_round(row) for row in rows]

    def approvals(self, policy_id: str, year: int, opens_on: date, closes_on: date) -> int:
        self.ensure(policy_id, year, opens_on, closes_on)
        self.conn.execute(sa.select(ar.year).where(ar.policy_id == policy_id, ar.year == year).with_for_update())
        c = t.cases.c
        return self.conn.execute(sa.select(sa.func.count()).where(
            c.policy_id == policy_id, c.applied_on >= opens_on, c.applied_on <= closes_on,
            sa.or_(c.period_start.is_not(None), c.state == "publicized"))).scalar_one()


def _round(row) -> Round:
    announcement = None if row["announced_by"] is None else Announcement(
        row["announced_by"], row["announced_at"], row["document"], row["reason"])
    return Round(row["policy_id"], row["year"], row["opens_on"], row["closes_on"],
                 row["opened_at"] is not None, row["closed_at"] is not None, row["applications"],
                 row["quota"], announcement)
