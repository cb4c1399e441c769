"""A reviewer checking a policy file, and an operator whose policy folder holds a wrong one, as they
run the installed `incubase` from a directory of their own: every problem on a line naming the file
and the field, exit status 2, never a traceback."""
from __future__ import annotations

import shutil
from pathlib import Path

from tests.acceptance.conftest import CHECKOUT, INCUBASE, clean_env, run

GUIZHOU = CHECKOUT / "policies" / "guizhou-provincial-2022.v1.toml"


def broken_copy(folder: Path, *changes: tuple[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = GUIZHOU.read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = folder / GUIZHOU.name
    path.write_text(text, encoding="utf-8")
    return path


def test_policies_check_prints_every_problem_of_a_file_and_exits_2(tmp_path):
    path = broken_copy(tmp_path / "review", ('period = "5y"', 'period = "five years"'),
                       ("threshold = 3", "threshold = 0"))
    result = run([INCUBASE, "policies", "check", path], tmp_path, clean_env())
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines == [f"error: {path}: recognition.period: 'five years' is not a duration "
                     "(e.g. 3y, 6m, 15d, 1y6m, 20wd)",
                     f"error: {path}: complaints.threshold: must be 1 or more"]


def test_policies_check_names_a_key_no_policy_has(tmp_path):
    path = broken_copy(tmp_path / "review", ('period = "5y"', 'period = "5y"\nlength = "5y"'))
    result = run([INCUBASE, "policies", "check", path], tmp_path, clean_env())
    assert (result.returncode, result.stderr) == (2, f"error: {path}: recognition.length: is not a key of a "
                                                     "policy file\n")


def test_a_wrong_or_duplicate_file_in_the_policy_folder_is_one_line_not_a_traceback(tmp_path):
    folder = tmp_path / "policies"
    shutil.copytree(CHECKOUT / "policies", folder)
    env = clean_env(INCUBASE_POLICIES_DIR=str(folder))
    shutil.copy(folder / GUIZHOU.name, folder / "guizhou-copy.toml")
    duplicate = run([INCUBASE, "policies", "list"], tmp_path, env)
    assert duplicate.returncode == 2 and "Traceback" not in duplicate.stderr
    assert f"{folder / GUIZHOU.name}" in duplicate.stderr and f"{folder / 'guizhou-copy.toml'}" in duplicate.stderr
    (folder / "guizhou-copy.toml").unlink()
    broken_copy(folder, ("threshold = 3", "threshold = 0"))
    wrong = run([INCUBASE, "policies", "list"], tmp_path, env)
    assert (wrong.returncode, wrong.stdout) == (2, "")
    assert wrong.stderr == f"error: {folder / GUIZHOU.name}: complaints.threshold: must be 1 or more\n"


def test_the_service_does_not_start_on_a_wrong_policy_folder_and_says_why_in_one_line(tmp_path):
    folder = tmp_path / "policies"
    shutil.copytree(CHECKOUT / "policies", folder)
    broken_copy(folder, ("threshold = 3", "threshold = 0"))
    env = clean_env(INCUBASE_POLICIES_DIR=str(folder), INCUBASE_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}",
                    INCUBASE_PREFECT_HOME=str(tmp_path / "prefect"))
    for command in (["serve", "--port", "1"], ["run"]):
        result = run([INCUBASE, *command], tmp_path, env, timeout=60)
        assert (result.returncode, result.stderr) == (
            2, f"error: {folder / GUIZHOU.name}: complaints.threshold: must be 1 or more\n"), command


def test_policies_check_reads_when_annual_reports_are_due(tmp_path):
    same_year = broken_copy(tmp_path / "same", ('year = "next"', 'year = "same"'))
    result = run([INCUBASE, "policies", "check", same_year], tmp_path, clean_env())
    assert result.returncode == 0 and result.stdout.startswith("ok: guizhou-provincial-2022 v1"), result.stderr
    later = broken_copy(tmp_path / "later", ('year = "next"', 'year = "later"'))
    result = run([INCUBASE, "policies", "check", later], tmp_path, clean_env())
    assert (result.returncode, result.stderr) == (
        2, f"error: {later}: annual_report.year: 'later' is not one of next, same\n")


def test_policies_check_accepts_a_ground_with_no_ban(tmp_path):
    path = broken_copy(tmp_path / "no-ban", ('complaints = "5y"', 'complaints = "none"'))
    result = run([INCUBASE, "policies", "check", path], tmp_path, clean_env())
    assert result.returncode == 0 and result.stdout.startswith("ok: guizhou-provincial-2022 v1"), result.stderr


def test_r23_a_department_adds_a_programme_at_a_level_it_already_runs_by_writing_a_file(tmp_path):
    """A second programme of Guizhou at the provincial level, beside 001's (R23): `policies check`
    accepts it, `policies list` names its programme; a programme id that is not one, or a
    prerequisite of its own programme at its own level, is refused on a line naming the key."""
    folder = tmp_path / "policies"
    shutil.copytree(CHECKOUT / "policies", folder)
    park = GUIZHOU.read_text(encoding="utf-8").replace(
        'id = "guizhou-provincial-2022"', 'id = "guizhou-park"\nprogramme = "park"').replace(
        "[recognition]", '[prerequisite]\nlevel = "provincial"\nprogramme = "base"\n'
        'clause = "须为省级创业孵化示范基地"\n\n[recognition]')
    (folder / "guizhou-park.v1.toml").write_text(park, encoding="utf-8")
    env = clean_env(INCUBASE_POLICIES_DIR=str(folder))
    checked = run([INCUBASE, "policies", "check", folder / "guizhou-park.v1.toml"], tmp_path, env)
    assert checked.returncode == 0 and checked.stdout.startswith("ok: guizhou-park v1"), checked.stderr
    listed = run([INCUBASE, "policies", "list"], tmp_path, env)
    assert listed.returncode == 0, listed.stderr
    assert any(line.startswith("guizhou-park v1  520000 provincial [park] from 2022-07-22")
               for line in listed.stdout.splitlines()), listed.stdout

    wrong = tmp_path / "review" / "guizhou-park.v1.toml"
    wrong.parent.mkdir()
    wrong.write_text(park.replace('programme = "park"', 'programme = "Park 2"').replace(
        'programme = "base"', 'programme = "Park 2"'), encoding="utf-8")
    refused = run([INCUBASE, "policies", "check", wrong], tmp_path, clean_env())
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr == (f"error: {wrong}: programme: 'Park 2': lower-case letters, digits and '-', "
                              "starting with a letter\n")
