"""The words of the decisions-of-a-round pages (issue 15), in 简体中文 and English (merged into
api.web.i18n's tables): each key with its two words side by side, so neither is forgotten."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "round_decisions": ("批量批复", "Decide a round"),
    "round_decisions_note": (
        "同一申报批次中已考察的认定事项，可按同一批复文号一并批复认定或不予认定；每件事项单独记录、单独核验（含“考察人不得批复”）。",
        "The inspected cases of one application round may be approved or refused together under one decision "
        "number; each case is recorded and checked on its own (four eyes included)."),
    "rounds_waiting": ("待批复的申报批次", "Rounds waiting for a decision"),
    "no_round_waiting": ("您的辖区内暂无待批复的事项。", "No case of your jurisdictions waits for a decision."),
    "round_of": ("{year}年度申报批次", "The {year} round"),
    "cases_waiting": ("待批复件数", "Cases waiting"),
    "open_round": ("进入批量批复", "Decide this round"),
    "inspected_on": ("考察日期", "Inspected on"),
    "inspectors": ("考察人员", "Inspectors"),
    "pick": ("选择", "Pick"),
    "took_part": ("您参加了考察，须由其他主管批复", "You took part in the inspection: another supervisor decides it"),
    "decision_kind": ("批复结果", "Decision"),
    "decide_approve": ("予以认定", "Approve"),
    "decide_reject": ("不予认定", "Refuse"),
    "decide_picked": ("批复所选事项", "Decide the cases picked"),
    "nothing_picked": ("请至少选择一件事项", "Pick at least one case"),
    "round_result": ("批量批复结果", "Decisions of the round"),
    "outcome": ("办理结果", "Outcome"),
    "o.decided.approve": ("已批复认定", "Approved"),
    "o.decided.reject": ("已不予认定", "Refused"),
    "o.already_decided": ("此前已按该批复文号办理，未重复记录",
                          "Already decided under this number: nothing recorded again"),
    "o.refused": ("未办理", "Not decided"),
    "result_counts": ("办理 {decided} 件，此前已办理 {already_decided} 件，未办理 {refused} 件",
                      "{decided} decided, {already_decided} decided before, {refused} not decided"),
    "back_to_round": ("返回本批次", "Back to the round"),
    "e.not-in-round": ("该事项不属于本申报批次", "The case is not one of this round's"),
    "queue_round_decisions": ("按申报批次批量批复", "Decide a round's cases together"),
}
ZH = {key: zh for key, (zh, _) in WORDS.items()}
EN = {key: en for key, (_, en) in WORDS.items()}
