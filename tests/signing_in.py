"""Two-factor sign-in in the tests: a user enrolled through the services as a person enrols, and
the code an authenticator shows at the test clock's moment.

A code is accepted once per 30-second time step (RFC 6238 §5.2, services.two_factor), and the
tests' clock stands still unless moved: `code_now` moves it on by a step first, as the wall
clock would have moved between two sign-ins of a person.
"""
from __future__ import annotations

import functools
import re
from datetime import timedelta

import pyotp

from services import passwords, two_factor, users
from services.values import Origin

STEP = timedelta(seconds=30)


def stored_hash(password: str) -> str:
    """`password`'s scrypt hash at the cost in force (the suite's cheap one, or the product's where a
    test asks for it), made once per cost: a user's hash is set from it instead of hashed anew."""
    return _hash_at(password, passwords.SCRYPT_N)


@functools.cache
def _hash_at(password: str, _cost: int) -> str:  # the cost is a key of the cache: hash_password reads it
    return passwords.hash_password(password)


def enrol(rt, clock, username: str) -> str:
    """Turns on the user's two-factor sign-in; its TOTP secret."""
    user = users.user_named(rt, username)
    origin = Origin(username, "testclient")
    secret = two_factor.begin(rt, user, origin)
    two_factor.turn_on(rt, user, code_now(clock, secret), origin)
    return secret


def code_now(clock, secret: str) -> str:
    clock.now += STEP
    return pyotp.TOTP(secret).at(clock.now)


def ticket_of(html: str) -> str:
    found = re.search(r'name="ticket" value="([^"]+)"', html)
    assert found, "no sign-in step on the page"
    return found.group(1)


def sign_in_page(client, username: str, password: str, clock=None, secret: str | None = None,
                 next_url: str = "/queue"):
    """Signs the TestClient in through the pages: the password, then the code where the account has
    two-factor sign-in on; the last answer (a 303 to `next_url` when signed in)."""
    answer = client.post("/login", data={"username": username, "password": password, "next": next_url})
    if answer.status_code == 200 and 'name="stage" value="totp"' in answer.text:
        assert secret is not None and clock is not None, f"{username} signs in with a code: give its secret"
        answer = client.post("/login/step", data={"ticket": ticket_of(answer.text), "stage": "totp",
                                                  "code": code_now(clock, secret), "next": next_url})
    return answer
