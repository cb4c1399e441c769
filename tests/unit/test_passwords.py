"""Passwords (issue 14, level 3): scrypt at OWASP's parameters or above, old hashes recognised for
re-hashing, and the policy a new password meets. No storage: services.passwords is pure."""
from __future__ import annotations

import pytest

from services import passwords
from services.passwords import WeakPassword


def test_scrypt_parameters_are_at_least_owasps_and_stored_with_the_hash(product_password_cost):
    """OWASP Password Storage Cheat Sheet: scrypt N=2^17, r=8, p=1 at the least."""
    assert (passwords.SCRYPT_N, passwords.SCRYPT_R, passwords.SCRYPT_P) >= (2**17, 8, 1)
    stored = passwords.hash_password("a long enough passphrase")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2**17, 8, 1)
    assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) == 32
    assert passwords.password_matches("a long enough passphrase", stored)
    assert not passwords.needs_rehash(stored)


@pytest.mark.parametrize("stored", ["scrypt$16384$8$1$00$00", "scrypt$131072$4$1$00$00", "md5$x", "garbage"])
def test_a_weaker_or_foreign_hash_needs_a_rehash(stored, product_password_cost):
    assert passwords.needs_rehash(stored)


@pytest.mark.parametrize("password, reason", [
    ("elevenchars", "too-short"),
    ("1234567890123", "common"), ("QWERTYUIOP123", "common"), ("Password2024!", "common"),
    ("ｐａｓｓｗｏｒｄ１２３４", "common"),  # full-width: NFKC makes it password1234
    ("!!woaini1314!!", "common"), ("my name is li.qiang ok", "username"),
])
def test_the_policy_refuses(password, reason):
    with pytest.raises(WeakPassword) as refused:
        passwords.check_policy(password, "li.qiang", 12)
    assert refused.value.details["reason"] == reason and refused.value.field == "password"


@pytest.mark.parametrize("password", ["correct horse battery", "一段足够长也难猜的口令句子", "Q7!v#pL2@xZ9"])
def test_the_policy_accepts_a_long_uncommon_password(password):
    passwords.check_policy(password, "li.qiang", 12)


def test_the_common_list_is_shipped_small_and_folded():
    common = passwords.common_passwords()
    assert 200 < len(common) < 5000
    assert {"password", "123456", "woaini1314", "qwertyuiop"} <= common
    assert all(word == word.casefold() for word in common)
