"""Demo cases: a handful of realistic paths through the lifecycle, Chinese names included.

The credit codes are synthetic but valid (GB 32100-2015 check character computed). Loading is
idempotent: a demo case already present (same id) is left as it is.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services import cases, two_factor, users
from services.ports import CaseNotFound
from services.runtime import Runtime
from services.sweep import sweep
from services.values import SYSTEM_ORIGIN
from statemachines.credit_code import check_character

CASEWORKER = "caseworker.wang"  # 王芳，经办人
INSPECTOR = "caseworker.zhao"   # 赵磊，考察组
SUPERVISOR = "supervisor.li"    # 李强，审批人


def code(first17: str) -> str:
    return first17 + check_character(first17)


# an act of a demo case: (act, business date, actor, reason, the act's fields)
Step = tuple[str, date, str, str, dict[str, Any]]


@dataclass(frozen=True)
class DemoCase:
    id: str
    operator: str
    credit_code: str
    base: str
    address: str
    level: str
    jurisdiction: str
    applied_on: date
    steps: tuple[Step, ...]
    prerequisite_document: str | None = None  # R18: a lower recognition not recorded here


DEMO = (
    DemoCase("demo-gy-daxuesheng", "贵阳高新创业服务有限公司", code("91520100MA6DGY001"),
             "贵阳市大学生创业园", "贵州省贵阳市观山湖区长岭北路8号", "provincial", "520000", date(2023, 4, 10), (
                 ("inspect", date(2023, 5, 20), INSPECTOR, "现场考察：场地、服务团队、入驻企业均符合条件",
                  {"outcome": "pass"}),
                 ("approve", date(2023, 6, 30), SUPERVISOR, "经厅务会研究，同意认定", {}),
                 ("submit_annual_report", date(2024, 3, 15), CASEWORKER, "收到2023年度工作报告", {"year": 2023}),
                 ("submit_annual_report", date(2025, 3, 20), CASEWORKER, "收到2024年度工作报告", {"year": 2024}),
                 ("record_assessment", date(2025, 7, 2), CASEWORKER, "2025年绩效考核：达标", {"outcome": "pass"}),
             )),
    DemoCase("demo-zy-tuiyi", "遵义红创孵化器管理有限公司", code("91520300MA6D2Y002"),
             "遵义市退役军人创业孵化基地", "贵州省遵义市汇川区上海路100号", "provincial", "520000", date(2025, 4, 8), (
                 ("inspect", date(2025, 5, 16), INSPECTOR, "现场考察通过", {"outcome": "pass"}),
                 ("approve", date(2025, 6, 14), SUPERVISOR, "同意认定", {}),
                 ("record_complaint", date(2025, 9, 1), CASEWORKER, "12333热线转来投诉",
                  {"summary": "承诺的免费场地未兑现", "complaint_id": "ts-2025-001"}),
                 ("verify_complaint", date(2025, 9, 20), CASEWORKER, "经核实属实",
                  {"complaint_id": "ts-2025-001", "valid": True}),
                 ("record_complaint", date(2025, 11, 3), CASEWORKER, "入驻企业来信",
                  {"summary": "水电费超标收取", "complaint_id": "ts-2025-002"}),
                 ("verify_complaint", date(2025, 11, 25), CASEWORKER, "经核实属实",
                  {"complaint_id": "ts-2025-002", "valid": True}),
                 ("record_complaint", date(2026, 2, 10), CASEWORKER, "入驻企业投诉",
                  {"summary": "创业导师服务未按约提供", "complaint_id": "ts-2026-003"}),
                 ("verify_complaint", date(2026, 3, 2), CASEWORKER, "经核实属实，达到投诉次数上限",
                  {"complaint_id": "ts-2026-003", "valid": True}),
             )),
    DemoCase("demo-lps-fanxiang", "六盘水返乡创业发展有限公司", code("91520200MA6DLP003"),
             "六盘水市农民工返乡创业园", "贵州省六盘水市钟山区凉都大道21号", "provincial", "520000", date(2023, 4, 3), (
                 ("inspect", date(2023, 5, 10), INSPECTOR, "现场考察通过", {"outcome": "pass"}),
                 ("approve", date(2023, 6, 1), SUPERVISOR, "同意认定", {}),
                 ("submit_annual_report", date(2024, 3, 28), CASEWORKER, "收到2023年度报告", {"year": 2023}),
                 ("record_assessment", date(2025, 6, 3), CASEWORKER, "绩效考核不达标：孵化企业数量不足",
                  {"outcome": "fail"}),
                 ("record_rectification", date(2025, 9, 10), CASEWORKER, "整改后复评仍不达标", {"outcome": "fail"}),
             )),
    DemoCase("demo-as-kechuang", "安顺科创园区运营有限公司", code("91520400MA6DA4004"),
             "安顺市科创孵化基地", "贵州省安顺市西秀区黄果树大街5号", "provincial", "520000", date(2026, 4, 15), ()),
    DemoCase("demo-bj-shuangchuang", "毕节双创服务中心有限公司", code("91520500MA6DBJ005"),
             "毕节市双创示范基地", "贵州省毕节市七星关区招商大道3号", "provincial", "520000", date(2026, 4, 20), (
                 ("inspect", date(2026, 5, 30), INSPECTOR, "现场考察通过，待批复", {"outcome": "pass"}),
             )),
    DemoCase("demo-sh-yangpu", "上海杨浦创业服务有限公司", code("91310110MA1GYP006"),
             "杨浦区创业孵化示范基地", "上海市杨浦区国定路335号", "municipal", "310000", date(2023, 9, 1), (
                 ("inspect", date(2023, 10, 12), INSPECTOR, "现场考察通过", {"outcome": "pass"}),
                 ("approve", date(2023, 11, 1), SUPERVISOR, "同意认定", {}),
                 ("record_assessment", date(2024, 11, 5), CASEWORKER, "年度考核B等", {"outcome": "pass", "grade": "B"}),
                 ("record_assessment", date(2025, 11, 4), CASEWORKER, "年度考核不达标",
                  {"outcome": "fail", "grade": "不达标"}),
             )),
    DemoCase("demo-fz-gulou", "福州鼓楼创新创业服务有限公司", code("91350102MA2YFG007"),
             "福州市鼓楼区创业孵化示范基地", "福建省福州市鼓楼区软件大道89号", "provincial", "350100",
             date(2024, 11, 4), (
                 ("inspect", date(2024, 12, 2), INSPECTOR, "现场考察通过", {"outcome": "pass"}),
                 ("approve", date(2025, 1, 13), SUPERVISOR, "同意认定为省级创业孵化示范基地", {}),
                 ("record_payment", date(2025, 2, 10), CASEWORKER, "省级补助资金已拨付",
                  {"number": 1, "amount_fen": 50_000_000}),
             ), prerequisite_document="榕人社就〔2022〕15号"),
    DemoCase("demo-ba-xixiang", "深圳市西乡创业服务有限公司", code("91440300MA5GBA008"),
             "宝安区西乡创业孵化基地", "广东省深圳市宝安区西乡街道宝源路1号", "county", "440306", date(2023, 9, 4), (
                 ("inspect", date(2023, 10, 9), INSPECTOR, "现场考察通过", {"outcome": "pass"}),
                 ("approve", date(2023, 11, 6), SUPERVISOR, "同意认定为区级创业孵化基地", {}),
                 ("record_assessment", date(2024, 12, 20), CASEWORKER, "2024年度考核合格",
                  {"outcome": "pass", "grade": "合格"}),
                 ("record_assessment", date(2025, 12, 22), CASEWORKER, "2025年度考核合格",
                  {"outcome": "pass", "grade": "合格"}),
             )),
)


# the jurisdictions of the demo cases: the caseworkers and the supervisor work in each of them
DEMO_SCOPES = ("520000", "310000", "350000", "440306")

DEMO_USERS = (
    ("caseworker.wang", "王芳", "caseworker", DEMO_SCOPES),
    ("caseworker.zhao", "赵磊", "caseworker", DEMO_SCOPES),
    ("supervisor.li", "李强", "supervisor", DEMO_SCOPES),
    ("auditor.chen", "陈静", "auditor", ("000000",)),
    # 三员分立: three administrators, three accounts (services.duties)
    ("sysadmin.zhou", "周敏（系统管理员）", "sysadmin", ("000000",)),
    ("secadmin.wu", "吴刚（安全管理员）", "secadmin", ("000000",)),
    ("auditadmin.zheng", "郑红（安全审计员）", "auditadmin", ("000000",)),
)


# the demo users' password for the web pages (printed by `incubase demo`); demo data only
DEMO_PASSWORD = "incubase-demo"
# the TOTP secret of the demo users who sign in with a second factor (the supervisor and the
# three administrators, issue 14), printed by `incubase demo` for an authenticator app; demo data only
DEMO_TOTP_SECRET = "INCUBASEDEMOTOTPSECRETXXXXXXXXXX"


def ensure_demo_users(rt: Runtime) -> list[str]:
    """Creates the demo users that are missing, and gives each without a password the demo
    password (one changed with `incubase users password` is kept); returns the usernames."""
    present = {u.username for u in users.list_users(rt)}
    for username, name, role, scopes in DEMO_USERS:
        if username not in present:
            users.add_user(rt, username, name, [(role, code) for code in scopes])
        if not users.has_password(rt, username):
            users.set_password(rt, username, DEMO_PASSWORD)
        user = users.user_named(rt, username)
        if two_factor.requires_two_factor(rt, user) and not two_factor.state(rt, user).enrolled:
            two_factor.enrol_known_secret(rt, user, DEMO_TOTP_SECRET, SYSTEM_ORIGIN)
    return [u for u, *_ in DEMO_USERS]


def demo_tokens(rt: Runtime) -> dict[str, tuple[str, str]]:
    """(username, a fresh token) per demo role (tokens are stored hashed, so old ones cannot be shown again)."""
    wanted = {"caseworker": "caseworker.wang", "supervisor": "supervisor.li", "auditor": "auditor.chen",
              "sysadmin": "sysadmin.zhou", "secadmin": "secadmin.wu", "auditadmin": "auditadmin.zheng"}
    return {role: (username, users.create_token(rt, username, "demo")) for role, username in wanted.items()}


def load_demo(rt: Runtime, today: date) -> list[str]:
    """Records every demo case not yet present, sweeping timers up to each act's date."""
    ensure_demo_users(rt)
    loaded = []
    for demo in DEMO:
        try:
            cases.get_case(rt, demo.id)
            continue
        except CaseNotFound:
            pass
        sweep(rt, demo.applied_on)
        cases.open_case(rt, case_id=demo.id, operator_name=demo.operator, credit_code=demo.credit_code,
                    base_name=demo.base, base_address=demo.address, level=demo.level,
                    jurisdiction=demo.jurisdiction, on=demo.applied_on, actor=CASEWORKER, reason="受理申报材料",
                    prerequisite_document=demo.prerequisite_document)
        for act, on, actor, reason, fields in demo.steps:
            sweep(rt, on)
            cases.ACTS[act](rt, demo.id, on=on, actor=actor, reason=reason, **fields)
        loaded.append(demo.id)
    sweep(rt, today)
    return loaded
