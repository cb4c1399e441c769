"""The words of every refusal, in Chinese and English, from one table (issue 15).

Each message is found by its key (an error's `code`, or `code.variant` where one error says
several things) and has a template per language with named parameters. A parameter's kind is
written in its placeholder, `{on:date}`, and decides how the value is said in each language:
2026年12月2日 / 2026-12-02, a state or an act by its name, an amount of fen in 元 with two
decimals. The English text is what `str(error)` gives (logs, API clients); the Chinese is what
the pages show. The services' refusals are here too, so that one table answers every page,
the API and the console alike.
"""
from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from statemachines.catalogue import labels
from statemachines.states import STATE_NAMES_EN, STATE_NAMES_ZH

LANGS = ("zh", "en")
BEIJING = ZoneInfo("Asia/Shanghai")
ROLE_NAMES = {
    "zh": {"caseworker": "经办人", "supervisor": "审批人", "auditor": "审计/监督", "sysadmin": "系统管理员",
           "secadmin": "安全管理员", "auditadmin": "安全审计员"},
    "en": {"caseworker": "Caseworker", "supervisor": "Supervisor", "auditor": "Auditor",
           "sysadmin": "System administrator", "secadmin": "Security administrator",
           "auditadmin": "Audit administrator"},
}
LEVEL_NAMES = {
    "zh": {"county": "区县级", "municipal": "市州级", "provincial": "省级", "national": "国家级"},
    "en": {"county": "county", "municipal": "municipal", "provincial": "provincial", "national": "national"},
}
# a level as a heading or a table cell says it (in a sentence the English is lower-case, above)
LEVEL_LABELS = {"zh": {f"l.{k}": v for k, v in LEVEL_NAMES["zh"].items()},
                "en": {"l.county": "County/district", "l.municipal": "Municipal", "l.provincial": "Provincial",
                       "l.national": "National"}}


@dataclass(frozen=True)
class Words:
    """A parameter its raiser already has in both languages (a role's name, say)."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.en


def day_text(value: date | str, lang: str) -> str:
    """2026年12月2日 in Chinese, 2026-12-02 in English."""
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()


def _time(value: datetime | str, lang: str) -> str:
    moment = (datetime.fromisoformat(value) if isinstance(value, str) else value).astimezone(BEIJING)
    return f"{day_text(moment.date(), lang)} {moment:%H:%M}" + ("" if lang == "zh" else " (Beijing time)")


def _fen(value: object, lang: str) -> str:
    fen = int(str(value))
    whole, cents = divmod(abs(fen), 100)
    said = f"{'-' if fen < 0 else ''}{whole:,}.{cents:02d}"
    return f"{said} 元" if lang == "zh" else f"{said} yuan"


# the fields every act has, beside those its declaration names (statemachines/catalogue.py)
_COMMON_FIELDS = {
    "zh": {"f.on": "办理日期", "f.reason": "办理理由", "f.base_name": "基地名称", "f.base_address": "基地地址",
           "f.operator_name": "运营机构名称", "f.document": "公布文号", "f.display_name": "姓名",
           "f.username": "用户名", "f.email": "电子邮箱"},
    "en": {"f.on": "Business date", "f.reason": "Reason", "f.base_name": "Base name", "f.base_address": "Base address",
           "f.operator_name": "Operator name", "f.document": "Notice number", "f.display_name": "Display name",
           "f.username": "Username", "f.email": "E-mail"},
}


def _named(prefix: str) -> Callable[[object, str], str]:
    def say(value: object, lang: str) -> str:
        key = f"{prefix}.{value}"
        return labels(lang).get(key) or _COMMON_FIELDS[lang].get(key, str(value)) if value else "—"
    return say


def _joined(one: Callable[[object, str], str]) -> Callable[[object, str], str]:
    def say(values: object, lang: str) -> str:
        items = [one(v, lang) for v in values] if isinstance(values, Iterable) and not isinstance(values, str) \
            else [one(values, lang)]
        return ("、" if lang == "zh" else ", ").join(items) or ("无" if lang == "zh" else "none")
    return say


def _plain(value: object, lang: str) -> str:
    return getattr(value, lang) if isinstance(value, Words) else str(value)


def _state(value: object, lang: str) -> str:
    return (STATE_NAMES_ZH if lang == "zh" else STATE_NAMES_EN).get(str(value), str(value))


def _level(value: object, lang: str) -> str:
    return LEVEL_NAMES[lang].get(str(value), str(value))


def _role(value: object, lang: str) -> str:
    return ROLE_NAMES[lang].get(str(value), str(value))


# the kinds a placeholder may name, and how each says its value in a language
KINDS: dict[str, Callable[[object, str], str]] = {
    "": _plain,
    "date": lambda v, lang: day_text(v, lang) if isinstance(v, date | str) else str(v),
    "time": lambda v, lang: _time(v, lang) if isinstance(v, datetime | str) else str(v),
    "state": _state,
    "act": _named("a"),
    "acts": _joined(_named("a")),
    "field": _named("f"),
    "choice": _named("c"),
    "choices": _joined(_named("c")),
    "level": _level,
    "role": _role,
    "roles": _joined(_role),
    "levels": _joined(_level),
    "fen": _fen,
    "list": _joined(_plain),
}


@dataclass(frozen=True)
class Message:
    zh: str
    en: str

    def template(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


M = Message
_EXCEPTION_ZH = "（审批人可记录说明理由的例外）"
_EXCEPTION_EN = " (a supervisor may record a reasoned exception)"
MESSAGES: dict[str, Message] = {
    # --- the lifecycle's refusals (statemachines/errors.py) ---------------------------------
    "domain-error": M("请求无法办理。", "the request cannot be carried out"),
    "illegal-transition": M("当前状态为“{state:state}”，不能办理“{act:act}”；现在可以办理：{allowed_actions:acts}。",
                            "'{act:act}' is not allowed in the state '{state:state}'; allowed now: "
                            "{allowed_actions:acts}"),
    "future-date": M("办理日期{on:date}晚于今天（{today:date}），不能预先办理。",
                     "business date {on:date} is after today ({today:date})"),
    "date-out-of-order": M("办理日期{on:date}早于本认定事项上一次办理的日期（{previous:date}“{previous_act:act}”）。",
                           "business date {on:date} is before the case's last act ('{previous_act:act}' on "
                           "{previous:date})"),
    "window-closed": M("{on:date}不在申报期内；{year}年度申报期为{opens:date}至{closes:date}" + _EXCEPTION_ZH + "。",
                       "{on:date} is outside the application window; the {year} round is {opens:date} to "
                       "{closes:date}" + _EXCEPTION_EN),
    "no-round-announced": M("{policy}尚未公布包含{on:date}的申报批次" + _EXCEPTION_ZH + "。",
                            "no application round of {policy} is announced that is open on {on:date}" + _EXCEPTION_EN),
    "quota-reached": M("{year}年度批次的{quota}个认定名额已用完（已批准{approved}个）。",
                       "the {year} round's quota of {quota} recognitions is used up ({approved} approved)"),
    "round-already-announced": M("{policy}的{year}年度申报批次已经公布。",
                                 "the {year} round of {policy} is already announced"),
    "ban-in-force": M("该基地因“{ground:choice}”被撤销{level:level}认定，限制申报至{last_day:date}，"
                      "{next_day:date}起方可重新申报。",
                      "a reapplication ban at the {level:level} level for '{ground:choice}' runs until "
                      "{last_day:date}; a new application is possible from {next_day:date}"),
    "ban-in-force.permanent": M("该基地因“{ground:choice}”被撤销{level:level}认定，不得再次申报该级别。",
                                "a reapplication ban at the {level:level} level for '{ground:choice}' is permanent: "
                                "no new application is possible at this level"),
    "open-case-exists": M("该基地已有一件在办的{level:level}认定事项，办结前不能再次申报。",
                          "the base already has an open case at the {level:level} level"),
    "prerequisite-missing": M("申报{level:level}认定，须先取得该基地有效的{required_level:level}认定，而该基地没有。",
                              "an application at the {level:level} level needs the base's recognition at the "
                              "{required_level:level} level in force, and it has none"),
    "prerequisite-missing.document": M("申报{level:level}认定，须先取得该基地有效的{required_level:level}认定"
                                       "（或提交该认定的文件），而该基地没有。",
                                       "an application at the {level:level} level needs the base's recognition at the "
                                       "{required_level:level} level in force (or the document of that recognition, "
                                       "prerequisite_document), and it has none"),
    "assessment-not-open": M("第{period}个认定期的第{index}次考核自{opens:date}起方可记录（截止{due:date}），"
                             "{on:date}尚早。",
                             "assessment {index} of period {period} may be recorded from {opens:date} (due by "
                             "{due:date}); {on:date} is before that"),
    "assessment-not-open.campaign": M("{index}年度考核自{opens:date}起方可记录（截止{due:date}），{on:date}尚早。",
                                      "the assessment of campaign year {index} may be recorded from {opens:date} "
                                      "(due by {due:date}); {on:date} is before that"),
    "outside-notice": M("异议须在公示期内（{first_day:date}至{last_day:date}）提出，{on:date}不在公示期内。",
                        "objections are received during the public notice, {first_day:date} to {last_day:date}; "
                        "{on:date} is outside it"),
    "four-eyes": M("“{act:act}”须由办理“{earlier_act:act}”以外的另一位工作人员办理（双人复核）。",
                   "'{act:act}' must be recorded by someone other than the user who recorded '{earlier_act:act}' "
                   "(four eyes)"),
    "stale-version": M("您打开本页后，已有人（也可能是您本人在另一个标签页或窗口中）在本认定事项上办理了新的事项。"
                       "请刷新页面查看最新情况后再办理。",
                       "the case changed since version {expected}: someone (possibly you, in another tab or window) "
                       "recorded an act on it after you opened it; reload it to see what changed, then try again"),
    "not-due": M("“{act:act}”现在没有可办理的内容。", "'{act:act}' cannot be recorded now: nothing is due for it"),
    "not-due.complaint": M("没有待核实的投诉举报，现在不能办理“{act:act}”。",
                           "'{act:act}' cannot be recorded now: no complaint is waiting for verification"),
    "not-due.payment": M("没有到期待支付的补贴，现在不能办理“{act:act}”。",
                         "'{act:act}' cannot be recorded now: no subsidy instalment is due for payment"),
    "not-due.repayment": M("没有应退回的补贴（未因需追回补贴的理由撤销，或已全部退回），现在不能办理“{act:act}”。",
                           "'{act:act}' cannot be recorded now: nothing is owed back (the case was not revoked on a "
                           "clawback ground, or all of it is repaid)"),
    "not-due.assessments-done": M("本认定期的考核均已记录，现在不能办理“{act:act}”。",
                                  "'{act:act}' cannot be recorded now: every assessment of this period is recorded"),
    "not-due.assessment-opens": M("下一次考核自{opens:date}起方可记录，现在不能办理“{act:act}”。",
                                  "'{act:act}' cannot be recorded now: the next assessment may be recorded from "
                                  "{opens:date}"),
    "not-due.reevaluation": M("复评在认定期满时开始，现在不能办理“{act:act}”。",
                              "'{act:act}' cannot be recorded now: re-evaluation opens at the end of the period"),
    "not-due.objection": M("没有待决定的异议，现在不能办理“{act:act}”。",
                           "'{act:act}' cannot be recorded now: no objection is waiting for a decision"),
    # the decisions of a round (issue 15)
    "not-in-round": M("系统编号为 {case_id} 的认定事项不属于 {policy_id} 的{year}年度申报批次。",
                      "case {case_id} is not a case of the {year} round of {policy_id}"),
    "decisions.decision": M("决定须为{choices:acts}之一，不能是“{decision}”。",
                            "the decision is one of {choices:acts}, got '{decision}'"),
    "decisions.role": M("您没有办理此事项的权限：“{act:act}”须由{needed:roles}办理。",
                        "'{act:act}' needs the role {needed:roles}"),
    "decisions.none-picked": M("请至少勾选一个认定事项。", "pick at least one case to decide"),
    "decisions.too-many": M("一次批复最多 {most} 个认定事项，本次勾选了 {picked} 个。",
                            "at most {most} cases in one decision, got {picked}"),
    "decisions.twice": M("每个认定事项只能勾选一次：{cases:list} 被重复勾选。",
                         "each case once: {cases:list} picked more than once"),
    "decisions.number-missing": M("请填写批复文号：一个批次的批复须注明其文号。",
                                  "a decision of a round names its document (批复文号)"),
    # training mode (issue 15)
    "training-on-production": M("培训模式（{setting}）已开启，但这是生产数据库："
                                "培训模式不能在生产数据库上运行。",
                                "training mode is on ({setting}) but this is a production database: "
                                "training mode never runs on one"),
    "training-database": M("这是培训数据库，只能在培训模式下运行（{setting}）。",
                           "this is a training database: run it with {setting}"),
    "not-training-database": M("这不是培训数据库：其办理日期即真实日期，不能设定。",
                               "this is not a training database: its business date is the real one"),
    "training-date-not-forward": M("培训办理日期只能向后调整：{day:date}不晚于当前的{current:date}。",
                                   "the training date only moves forward: {day:date} is not after {current:date}"),
    "unknown-policy": M("没有适用的政策。", "no such policy"),
    "unknown-policy.id": M("没有编号为 {policy_id} 的政策。", "no policy {policy_id}"),
    "unknown-policy.version": M("没有编号为 {policy_id} 的政策第{version}版。",
                                "no policy {policy_id} version {version}"),
    "unknown-policy.in-force": M("{on:date}，辖区 {jurisdiction} 没有有效的{level:level}认定政策。",
                                 "no policy in force on {on:date} for jurisdiction {jurisdiction} at the {level:level} "
                                 "level"),
    "calendar-unavailable": M("{year}年的工作日历（国务院办公厅节假日安排通知）尚未载入，无法计算该年的期限。",
                              "no work calendar for {year}: neither its official notice nor its festival dates are "
                              "loaded"),
    "unknown-jurisdiction": M("辖区代码 {jurisdiction} 不是GB/T 2260中现行的行政区划代码。",
                              "jurisdiction {jurisdiction} is not a division in force in GB/T 2260"),
    "invalid-credit-code": M("统一社会信用代码有误：须为18位，只用GB 32100-2015规定的字符，第3至8位为行政区划代码，"
                             "且校验位正确。", "malformed unified social credit code"),
    "invalid-credit-code.length": M("统一社会信用代码须为18位，这里是{length}位。",
                                    "a unified social credit code has 18 characters, not {length}"),
    "invalid-credit-code.character": M("统一社会信用代码含有GB 32100-2015不使用的字符“{character}”。",
                                       "the credit code contains '{character}', which GB 32100-2015 does not use"),
    "invalid-credit-code.division": M("统一社会信用代码的第3至8位须为行政区划代码。",
                                      "characters 3-8 of a credit code are a division code"),
    "invalid-credit-code.check": M("统一社会信用代码的校验位不正确，请核对后重新填写。",
                                   "the credit code's check character is wrong"),
    # --- a field of an act (InvalidAct) ----------------------------------------------------
    "invalid-act": M("填写有误，请检查后重新提交。", "a field of the act is invalid"),
    "if-match": M("请求头 If-Match 须为认定事项的版本号（整数）。", "If-Match must be a case version (a whole number)"),
    "act.actor-missing": M("每次办理都须记录办理人。", "every act names who recorded it"),
    "act.reason-missing": M("请填写办理理由：每次办理都须说明理由。", "every act says why (reason)"),
    "act.choice": M("“{field:field}”须为以下之一：{choices:choices}。", "{field} must be one of {choices:list}"),
    "apply.required": M("请填写“{field:field}”。", "{field} is required"),
    "apply.level": M("级别须为以下之一：{levels:levels}。", "level must be one of {levels:levels}"),
    "round.no-policy": M("政策 {policy_id} 在{opens_on:date}没有有效的版本。",
                         "no version of {policy_id} is in force on {opens_on:date}"),
    "round.forbidden": M("公布{policy}的申报批次，须在辖区 {jurisdiction} 担任审批人。",
                         "announcing a round of {policy} needs the role supervisor for {jurisdiction}"),
    "round.fixed-window": M("{policy}的申报期由政策规定，不另行公布申报批次。",
                            "{policy} fixes its window in the policy; its rounds are not announced"),
    "round.required": M("公布申报批次须填写“{field:field}”。", "an announcement names its {field}"),
    "round.year": M("{year}年度批次须在{year}年内开始，不能开始于{opens_on:date}。",
                    "the {year} round opens in {year}, not on {opens_on:date}"),
    "round.order": M("截止日期（{closes_on:date}）早于开始日期（{opens_on:date}）。",
                     "the round closes ({closes_on:date}) before it opens ({opens_on:date})"),
    "round.quota": M("名额至少为1个（不限名额请留空）。", "a quota is 1 or more (leave it out for none)"),
    "round.overlap": M("与{other_year}年度批次（{other_opens:date}至{other_closes:date}）的日期重叠。",
                       "the {other_year} round ({other_opens:date} to {other_closes:date}) overlaps it"),
    "apply.window-exception": M("申报期外受理的例外须说明理由。",
                                "an exception to the application window must give its reason"),
    "apply.no-document": M("{policy}不接受以下级认定文件代替下级认定。",
                           "{policy} accepts no document for a lower recognition"),
    "inspect.expert-name": M("外部专家须填写姓名。", "an outside expert needs a name"),
    "approve.policy-ended": M("{policy}已于{ended:date}失效，其认定随之终止，现在不能开始新的认定期。",
                              "{policy} ended on {ended:date}, and its recognitions with it: none can start now"),
    "approve.no-tiers": M("{policy}不设补贴档次，请不要选择档次。",
                          "{policy} has no subsidy tiers; leave the tier out"),
    "approve.tier": M("补贴档次须为以下之一：{tiers:list}。", "the subsidy tier must be one of {tiers:list}"),
    "objection.recorded": M("异议 {objection_id} 已经记录过。", "objection {objection_id} is already recorded"),
    "objection.summary": M("请填写异议的摘要。", "an objection needs a summary"),
    "objection.not-waiting": M("异议 {objection_id} 不在待决定之列；待决定的异议：{waiting:list}。",
                               "objection {objection_id} is not waiting for a decision; waiting: {waiting:list}"),
    "report.none": M("{policy}不要求提交年度工作报告。", "{policy} asks for no annual reports"),
    "report.year": M("报告年度须在{first}年至{last}年之间，不能是{year}年。",
                     "the report year must be between {first} and {last}, got {year}"),
    "report.submitted": M("{year}年度工作报告已于{submitted:date}提交。",
                          "the {year} report was already submitted on {submitted:date}"),
    "assessment.no-campaigns": M("{policy}按认定期考核，不按年度集中考核，无需填写考核年度。",
                                 "{policy} assesses by period, not in yearly campaigns: campaign_year does not apply"),
    "assessment.not-owed": M("没有待记录的{campaign_year}年度考核；待记录的考核年度：{owed:list}。",
                             "no assessment of campaign year {campaign_year} is owed; owed now: {owed:list}"),
    "assessment.grade": M("考核结果为“{outcome:choice}”时，等次须为以下之一：{grades:list}。",
                          "grade for outcome '{outcome:choice}' must be one of {grades:list}"),
    "reevaluate.policy-ended": M("{policy}已于{ended:date}失效，其认定随之终止，不能延续认定期。",
                                 "{policy} ended on {ended:date}, and its recognitions with it: the recognition "
                                 "cannot be extended"),
    "payment.not-due": M("第{number}期补贴不在待支付之列；待支付的期次：{due:list}。",
                         "instalment {number} is not due for payment; due now: {due:list}"),
    "payment.over": M("金额{amount_fen:fen}超过第{number}期尚未结清的{outstanding_fen:fen}。",
                      "instalment {number} has {outstanding_fen:fen} outstanding; {amount_fen:fen} is more than that"),
    "payment.whole": M("本政策不支持部分支付：第{number}期补贴为{instalment_fen:fen}，"
                       "须一次付清，不能只付{amount_fen:fen}。",
                       "instalment {number} is {instalment_fen:fen}, not {amount_fen:fen} (this policy takes no part "
                       "payments)"),
    "repayment.over": M("金额{amount_fen:fen}超过应退回的{outstanding_fen:fen}。",
                        "{outstanding_fen:fen} is owed back; {amount_fen:fen} is more than that"),
    "complaint.recorded": M("投诉举报 {complaint_id} 已经记录过。", "complaint {complaint_id} is already recorded"),
    "complaint.summary": M("请填写投诉举报的摘要。", "a complaint needs a summary"),
    "complaint.not-waiting": M("投诉举报 {complaint_id} 不在待核实之列；待核实的投诉举报：{waiting:list}。",
                               "complaint {complaint_id} is not waiting for verification; waiting: {waiting:list}"),
    "revoke.rectification": M("以整改不合格为由撤销，须在整改复核不合格之后，或在整改期满的复核中办理。",
                              "revocation for failed rectification follows a failed re-assessment or the review "
                              "opened at the rectification deadline"),
    "revoke.by-hand": M("撤销理由“{ground:choice}”由考核结果产生，不能手工办理。",
                        "ground '{ground:choice}' follows from assessments and is not revoked by hand"),
    "correction-refused": M("更正后的记录不符合该事项的办理规则（日期、金额、状态或双人复核）。",
                            "the correction would not be a legal record of the act"),
    "correction.after-recorded": M("该事项于{recorded:date}记录，不可能发生在其后的{on:date}。",
                                   "the act was recorded on {recorded:date}: it cannot have happened on {on:date}, "
                                   "after that (R17)"),
    "correction.refused-act": M("更正后的事项不能这样办理：{why}", "the corrected act would not be recorded: {why}"),
    "correction.reason": M("更正须说明理由。", "a correction says why"),
    "correction.not-an-act": M("第{corrects}条不是本认定事项的办理记录。", "seq {corrects} is not an act of the case"),
    # --- the application's refusals (services/) --------------------------------------------
    "case-not-found": M("没有这个认定事项。", "no such case"),
    "unknown-user": M("没有用户名为 {username} 的用户。", "no user '{username}'"),
    "unknown-inspector": M("考察人员须为系统用户（填写用户名），外部专家请填在“外部专家”一栏：{named} 不是用户名。",
                           "not a user of the system: {named}; name inspecting users by username, and outside "
                           "experts under 'experts'"),
    "forbidden": M("您没有办理此事项的权限。", "not allowed for this user"),
    "forbidden.act": M("您没有办理此事项的权限：办理“{act:act}”须在辖区 {jurisdiction} 担任{needed:roles}。",
                       "'{act:act}' needs the role {needed:roles} for jurisdiction {jurisdiction}"),
    "forbidden.grants-at-add": M("系统管理员只新增账号，角色须由安全管理员另行授予。",
                                 "a system administrator adds the account; its roles are granted by a security "
                                 "administrator afterwards"),
    "forbidden.console": M("{role:role}只能在服务器控制台任命，不能由其他管理员授予或撤销。",
                           "{role:role} is appointed at the server's console, not by another administrator"),
    "forbidden.secadmin-scope": M("为辖区 {jurisdiction} 授予或撤销角色，须是覆盖该辖区的安全管理员；"
                                  "您的安全管理辖区：{scopes:list}。",
                                  "granting or revoking a role for {jurisdiction} needs the role secadmin for a "
                                  "jurisdiction covering it; yours: {scopes:list}"),
    "forbidden.role": M("{what}须由{role:role}办理。", "{what} needs the role {role:role}"),
    "forbidden.administrator": M("查看账号须由系统管理员、安全管理员或安全审计员办理。",
                                 "reading the accounts needs an administrator's role"),
    "own-grants": M("不能为本人授予或撤销角色，须由另一位安全管理员办理。",
                    "nobody grants or revokes a role of their own; another security administrator must"),
    "separation-of-duties": M("三员分立：该账号已担任{held:role}，不能再担任{role:role}"
                              "（系统管理员、安全管理员、安全审计员须由不同账号担任）。",
                              "separation of duties: the account holds {held:role}, so cannot also hold "
                              "{role:role} (the system, security and audit administrators are three different "
                              "accounts)"),
    "unauthenticated": M("请先登录。", "not signed in"),
    "unauthenticated.session": M("登录已失效（令牌未知、已撤销或已过期；闲置{minutes}分钟后会话也会结束），"
                                 "请重新登录。",
                                 "the token is unknown, revoked or expired (a session also ends after {minutes} "
                                 "minutes unused)"),
    "unauthenticated.password": M("当前密码不正确。", "the present password is wrong"),
    "user.username": M("用户名只能使用小写字母、数字以及“.”“_”“-”。",
                       "a username has lower-case letters, digits, '.', '_' or '-'"),
    "user.display-name": M("请填写用户的姓名。", "a user needs a display name"),
    "user.exists": M("用户名 {username} 已被使用。", "user {username} already exists"),
    "user.no-grant": M("该用户在辖区 {jurisdiction} 没有{role:role}的授权。",
                       "no {role:role} grant for {jurisdiction}"),
    "user.email": M("电子邮箱地址格式有误。", "not an e-mail address"),
    "user.role": M("角色须为以下之一：{roles:roles}。", "role must be one of {roles:list}"),
    "sign-in-failed": M("用户名或密码错误。", "wrong username or password"),
    "sign-in-expired": M("本次登录已过期或已完成，请重新输入密码登录。",
                         "this sign-in has expired or was already completed: sign in again with your password"),
    "password-expired": M("密码已超过规定的使用期限，请设置新密码。",
                          "the password is older than the policy allows: choose a new one (new_password)"),
    "second-factor-required": M("本账号登录须输入身份验证器上的一次性验证码。",
                                "this account signs in with a one-time code from its authenticator (code)"),
    "second-factor-required.enrol": M("本账号须使用一次性验证码登录，但尚未绑定身份验证器：请在登录页面绑定，"
                                      "或由管理员在服务器控制台办理。",
                                      "this account must sign in with a one-time code but has no authenticator yet: "
                                      "enrol in the web pages (/login) or with `incubase users two-factor-enrol`"),
    "locked-out.account": M("登录失败次数过多：本账号已锁定至{until:time}（北京时间），管理员可提前解锁。",
                            "too many failed sign-ins: this account is locked until {until:time}; an administrator "
                            "can unlock it sooner"),
    "locked-out.client": M("登录失败次数过多：本客户端地址已锁定至{until:time}（北京时间），管理员可提前解锁。",
                           "too many failed sign-ins: this client address is locked until {until:time}; an "
                           "administrator can unlock it sooner"),
    "weak-password": M("密码不符合要求。", "the password does not meet the policy"),
    "locked-out": M("登录失败次数过多，已锁定。", "locked after failed sign-ins"),
    "weak-password.too-short": M("密码至少须有{min_length}个字符。", "a password has at least {min_length} characters"),
    "weak-password.common": M("这是最常见的密码之一，请另选一个。",
                              "this password is one of the most common ones: choose another"),
    "weak-password.username": M("密码中不能包含用户名。", "a password may not contain the username"),
    "weak-password.unchanged": M("新密码不能与当前密码相同。", "the new password must differ from the present one"),
    "two-factor-enrolled": M("该账号已使用一次性验证码登录；须先由管理员重置，才能重新绑定。",
                             "the account already signs in with a one-time code; an administrator resets it before "
                             "a new one is issued"),
    "two-factor-not-enrolling": M("尚未开始绑定身份验证器，请先开始绑定。",
                                  "no one-time code secret was issued: start the enrolment first"),
    "wrong-code": M("一次性验证码错误或已使用过：请输入身份验证器当前显示的验证码，或一个未用过的恢复码。",
                    "the one-time code is wrong or was already used: enter the code your authenticator shows now, "
                    "or an unused recovery code"),
    "idempotency-key-reused": M("该幂等键（Idempotency-Key）已用于另一项请求。",
                                "Idempotency-Key {idempotency_key} was already used for a different request"),
    "request-in-progress": M("使用同一幂等键（Idempotency-Key）的请求正在处理中，请稍后重试。",
                             "a request with Idempotency-Key {idempotency_key} is being processed; retry shortly"),
    "invalid-text": M("“{field:field}”含有无法保存的字符（空字符或不成对的代理字符），请删去后重新提交。",
                      "{field} holds characters that cannot be stored (a NUL character or a lone surrogate)"),
    "anchor-day-not-ended": M("{day:date}尚未结束（今天是{today:date}）：一天结束后，最早次日方可锚定。",
                              "{day:date} has not ended yet (today is {today:date}): a day is anchored once it has "
                              "ended, the day after at the earliest"),
}


class _Formatter(string.Formatter):
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: object, format_spec: str) -> str:
        return KINDS[format_spec](value, self.lang)


def placeholders(template: str) -> list[tuple[str, str]]:
    """The (name, kind) of each parameter a template names."""
    return [(name, spec or "") for _, name, spec, _ in string.Formatter().parse(template) if name is not None]


def render(key: str, params: Mapping[str, object], lang: str, fallback: str = "domain-error") -> str:
    """The message `key` in `lang`, its parameters said as people say them; a key the table lacks,
    or a parameter its raiser did not give, says the generic words of `fallback` (the error's code)
    rather than fail."""
    generic = MESSAGES.get(fallback, MESSAGES["domain-error"])
    try:
        return _Formatter(lang).format(MESSAGES.get(key, generic).template(lang), **params)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):  # a refusal never fails to be said
        said = generic.template(lang)
        return MESSAGES["domain-error"].template(lang) if placeholders(said) else said


def plain(value: object) -> object:
    """A parameter as the API's JSON carries it: dates as ISO text, lists as lists."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Words):
        return value.en
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
