"""Loads the reviewed policy files (policies/*.toml) into a PolicyBook."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from config import get_settings
from statemachines.policy import Policy, PolicyBook, PolicyError, policy_from_mapping


def load_policy_file(path: Path) -> Policy:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(str(path), f"not valid TOML: {exc}") from None
    except OSError as exc:
        raise PolicyError(str(path), f"cannot be read: {exc.strerror}") from None
    return policy_from_mapping(data, where=str(path))


def load_policies(directory: Path) -> PolicyBook:
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise PolicyError(str(directory), "holds no policy files (*.toml)")
    loaded = [(f, load_policy_file(f)) for f in files]
    first: dict[tuple[str, int], Path] = {}
    for path, policy in loaded:
        if policy.key in first:
            raise PolicyError(str(path), f"id {policy.id!r} version {policy.version} is also that of "
                                         f"{first[policy.key]}")
        first[policy.key] = path
    return PolicyBook([policy for _, policy in loaded])


@lru_cache(maxsize=1)
def default_policies() -> PolicyBook:
    return load_policies(get_settings().policies_dir)
