"""issue 15: the installed console script prints a refusal on one line, in Chinese where the locale
asks for it (LC_ALL, LC_MESSAGES, then LANG), else in English."""
from __future__ import annotations

import pytest

from cli.main import console_language
from tests.acceptance.conftest import INCUBASE, clean_env, run


def test_issue15_a_refusal_in_the_consoles_language(tmp_path):
    env = clean_env(INCUBASE_DATABASE_URL=f"sqlite:///{tmp_path / 'incubase.db'}")
    assert run([INCUBASE, "db", "upgrade"], tmp_path, env).returncode == 0
    said = {}
    for lang in ("zh_CN.UTF-8", "C.UTF-8"):
        done = run([INCUBASE, "tokens", "list", "nobody"], tmp_path,
                   {**env, "LANG": lang, "LC_ALL": "", "LC_MESSAGES": ""})
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        said[lang] = done.stderr.strip()
    assert said == {"zh_CN.UTF-8": "错误：没有用户名为 nobody 的用户。", "C.UTF-8": "error: no user 'nobody'"}


@pytest.mark.parametrize("environ, lang", [
    ({}, "en"), ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh"), ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "C"}, "en"),
    ({"LANG": "zh_TW.UTF-8", "LC_ALL": ""}, "zh"),
])
def test_issue15_the_consoles_language_follows_the_locale_as_posix_reads_it(environ, lang):
    assert console_language(environ) == lang
