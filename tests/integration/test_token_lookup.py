"""Bearer tokens: every API request looks its token up in one statement (user, token and grants
joined), and that statement must answer exactly what the separate queries did."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from db import tables as t
from services import users
from services.users import Unauthenticated


def test_the_token_brings_its_user_with_every_grant_in_grant_order_revoked_ones_dated(rt, clock):
    users.add_user(rt, "wang", "王芳", [("caseworker", "520100"), ("supervisor", "520000")], email="w@example.org")
    token = users.create_token(rt, "wang", "laptop")
    clock.set_day(date(2022, 3, 1))
    users.revoke_grant(rt, "wang", "supervisor", "520000")
    users.grant(rt, "wang", "auditor", "520000")

    user = users.authenticate(rt, token)

    with rt.uow() as uow:
        assert user == uow.users.by_username("wang")  # the same User the by-name lookup builds
    assert (user.username, user.display_name, user.email) == ("wang", "王芳", "w@example.org")
    assert [(g.role, g.jurisdiction, g.revoked_at is not None) for g in user.grants] == [
        ("caseworker", "520100", False), ("supervisor", "520000", True), ("auditor", "520000", False)]
    assert user.grants[1].revoked_at.tzinfo is not None
    assert user.roles_in("520102") == {"caseworker", "auditor"}


def test_a_user_without_grants_still_signs_in_with_none(rt):
    users.add_user(rt, "nobody", "无角色", [])
    user = users.authenticate(rt, users.create_token(rt, "nobody"))
    assert (user.username, user.grants) == ("nobody", ())


def test_each_token_names_its_own_user(rt):
    users.add_user(rt, "wang", "王芳", [("caseworker", "520100")])
    users.add_user(rt, "li", "李强", [("supervisor", "520000")])
    wang, li = users.create_token(rt, "wang"), users.create_token(rt, "li")
    assert users.authenticate(rt, wang).username == "wang"
    assert [g.role for g in users.authenticate(rt, li).grants] == ["supervisor"]


def test_a_revoked_or_unknown_token_is_refused_at_once(rt, clock):
    users.add_user(rt, "wang", "王芳", [("caseworker", "520100")])
    token, other = users.create_token(rt, "wang"), users.create_token(rt, "wang")
    assert users.authenticate(rt, token).username == "wang"
    with rt.uow() as uow:  # no service revokes tokens yet: an operator does it in the database
        uow.users.conn.execute(t.api_tokens.update().where(t.api_tokens.c.token_hash == users.hash_token(token))
                               .values(revoked_at=clock()))
        uow.commit()
    for refused in (token, token + "x", "ib_unknown"):
        with pytest.raises(Unauthenticated):
            users.authenticate(rt, refused)
    assert users.authenticate(rt, other).username == "wang"


def test_the_lookup_is_one_statement(rt, engine):
    users.add_user(rt, "wang", "王芳", [("caseworker", "520100"), ("supervisor", "520000")])
    token = users.create_token(rt, "wang")
    users.authenticate(rt, token)  # warm the statement cache
    seen: list[str] = []

    def count(conn, cursor, statement, *_):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        users.authenticate(rt, token)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(seen) == 1, seen
