"""Passwords: the scrypt hash they are kept as, and the policy a new one must meet.

scrypt at OWASP's current recommendation for it (Password Storage Cheat Sheet: N=2^17, r=8, p=1,
128 MiB and about half a second here). The parameters are stored with each hash, so a hash made
with weaker ones is recognised (`needs_rehash`) and replaced at the next sign-in, when the
password is at hand. At 128 MiB a hash, a burst of sign-ins could exhaust memory: at most
`CONCURRENT_HASHES` are computed at once, the others wait their turn.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import threading
import unicodedata
from pathlib import Path
from typing import Any

from statemachines.errors import InvalidAct

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
CONCURRENT_HASHES = 2
_hashing = threading.BoundedSemaphore(CONCURRENT_HASHES)
COMMON = Path(__file__).parent / "data" / "common-passwords.txt"
# punctuation, digits and spaces cut off either end of a password before it is looked up
_PADDING = re.compile(r"^[\W\d_]+|[\W\d_]+$")


class WeakPassword(InvalidAct):
    """A new password the policy refuses: too short, a common one, or the username in it."""

    code = "weak-password"

    def __init__(self, message: str, reason: str, **details: Any) -> None:
        super().__init__(message, field="password", key=f"weak-password.{reason}", reason=reason, **details)


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$hash`, salt and hash in hex; a fresh random salt each time."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str | None) -> bool:
    """Constant-time comparison against a stored hash; False for no hash or a malformed one."""
    try:
        scheme, n, r, p, salt, digest = (stored or "").split("$")
        if scheme != "scrypt":
            return False
        expected = bytes.fromhex(digest)
        actual = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p), len(expected))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str) -> bool:
    """Whether a stored hash was made with weaker parameters than today's."""
    try:
        scheme, n, r, p, _salt, _digest = stored.split("$")
        return scheme != "scrypt" or int(n) < SCRYPT_N or int(r) < SCRYPT_R or int(p) < SCRYPT_P
    except ValueError:
        return True


@functools.cache
def dummy_hash() -> str:
    """A hash of nothing anyone knows: checked against when there is no user or no password, so
    that the answer takes as long as for a real one."""
    return hash_password(secrets.token_urlsafe(16))


def check_policy(password: str, username: str, min_length: int) -> None:
    """WeakPassword unless the password is long enough, not a common one and not made of the username."""
    if len(password) < min_length:
        raise WeakPassword(f"a password has at least {min_length} characters", "too-short", min_length=min_length)
    folded = unicodedata.normalize("NFKC", password).casefold()
    if folded in common_passwords() or _PADDING.sub("", folded) in common_passwords():
        raise WeakPassword("this password is one of the most common ones: choose another", "common")
    name = unicodedata.normalize("NFKC", username).casefold()
    if name and name in folded:
        raise WeakPassword("a password may not contain the username", "username")


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int = 32) -> bytes:
    with _hashing:
        return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length,
                              maxmem=2 * 128 * r * n * p + 1024 * 1024)
