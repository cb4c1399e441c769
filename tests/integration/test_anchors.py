"""Issue 14 #9: a day is anchored only once it has ended (by the injected clock), and `anchors --check`
recomputes every anchored head from the stored events and every day's list of heads.

The service on SQLite, PostgreSQL and the in-memory storage; the tampering (the append-only triggers
dropped, as an administrator could) on the databases.
"""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from db import tables as t
from services.anchors import AnchorDayNotEnded, list_anchors, verify_anchors, write_anchor
from statemachines.events import digest
from tests.conftest import SHANGHAI
from tests.integration import test_audit
from tests.integration.test_audit import BASE_A, add_people, forge, stored_events, update_row
from tests.story import INSPECTOR, Story

D = date
untriggered = test_audit.untriggered  # the append-only triggers dropped for the test, put back after


@pytest.fixture
def story(rt, clock) -> Story:
    add_people(rt)
    s = Story(rt, clock)
    s.apply(D(2025, 4, 10), seed=1, base=BASE_A)
    s.act("inspect", D(2025, 4, 12), actor=INSPECTOR, outcome="pass")
    return s


@pytest.mark.memory
def test_issue14_9_a_day_to_come_is_not_anchored(rt, story):
    """The attack: `audit anchor --day 2099-01-01` was accepted, a permanent false alarm once its day came."""
    with pytest.raises(AnchorDayNotEnded) as refused:
        write_anchor(rt, D(2099, 1, 1))
    assert refused.value.details == {"day": "2099-01-01", "today": "2025-04-12"}
    assert "still to come" in str(refused.value)
    assert list_anchors(rt) == []


@pytest.mark.memory
def test_issue14_9_today_is_anchored_only_once_it_has_ended(rt, story, clock):
    """The attack: anchoring a day before it ends left its later events never anchored."""
    with pytest.raises(AnchorDayNotEnded, match="has not ended yet"):
        write_anchor(rt, D(2025, 4, 12))
    clock.set_day(D(2025, 4, 12), at=time(23, 59, 59))
    with pytest.raises(AnchorDayNotEnded):
        write_anchor(rt, D(2025, 4, 12))
    assert list_anchors(rt) == []
    clock.set_day(D(2025, 4, 13), at=time(0, 0))  # midnight in Asia/Shanghai: the day is over
    anchor = write_anchor(rt, D(2025, 4, 12))
    assert anchor.cases == 1 and verify_anchors(rt) == []
    assert write_anchor(rt, D(2025, 4, 12)) == anchor  # and it stays the one written


@pytest.mark.memory
def test_issue14_9_the_check_holds_a_history_left_alone(rt, story, clock):
    clock.set_day(D(2025, 5, 20))
    for day in (D(2025, 4, 10), D(2025, 4, 11), D(2025, 4, 12)):
        write_anchor(rt, day)
    story.act("approve", D(2025, 5, 20), actor="supervisor.li")
    clock.set_day(D(2025, 5, 21))
    write_anchor(rt, D(2025, 5, 20))
    assert verify_anchors(rt) == []


def test_issue14_9_the_check_recomputes_the_anchored_head_from_its_text(rt, untriggered, story, clock):
    """The attack the old check missed: the anchored head's text rewritten, its `hash` column left as
    it was, so looking the hash up still found the anchored one."""
    clock.set_day(D(2025, 4, 13))
    write_anchor(rt, D(2025, 4, 12))
    head = stored_events(untriggered, story.case_id)[-1]
    update_row(untriggered, story.case_id, head.seq,
               canonical=head.canonical.replace('"outcome":"pass"', '"outcome":"fail"'))
    problems = verify_anchors(rt)
    assert [(p.day, p.case_id, p.seq, p.message) for p in problems] == [
        (D(2025, 4, 12), story.case_id, head.seq, "the history up to the event anchored then no longer chains")]


def test_issue14_9_the_check_recomputes_every_link_before_the_head(rt, untriggered, story, clock):
    clock.set_day(D(2025, 4, 13))
    write_anchor(rt, D(2025, 4, 12))
    first = stored_events(untriggered, story.case_id)[0]
    update_row(untriggered, story.case_id, 1, canonical=first.canonical.replace("受理申报材料", "篡改"))
    assert [(p.seq, p.message) for p in verify_anchors(rt)] == [
        (2, "the history up to the event anchored then no longer chains")]


def test_issue14_9_a_history_rewritten_and_rechained_changes_the_recomputed_head(rt, untriggered, story, clock):
    clock.set_day(D(2025, 4, 13))
    write_anchor(rt, D(2025, 4, 12))
    forge(untriggered, story.case_id, 2, payload={"outcome": "pass", "inspectors": [INSPECTOR], "findings": "无"})
    assert [(p.seq, p.message) for p in verify_anchors(rt)] == [(2, "the event anchored then was changed")]


def test_issue14_9_the_check_recomputes_each_days_heads(rt, untriggered, story, clock):
    """An event of an anchored day taken away, or one slipped in with an anchored day's time, changes
    the heads the day's events give: both are named."""
    clock.set_day(D(2025, 4, 13))
    write_anchor(rt, D(2025, 4, 10))
    write_anchor(rt, D(2025, 4, 12))
    inspection = stored_events(untriggered, story.case_id)[1]
    # the inspection, recorded on 04-12, re-dated into 04-10 (its text and hash agree: re-sealed)
    moved = (inspection.recorded_at - timedelta(days=2)).astimezone(SHANGHAI)
    forge(untriggered, story.case_id, 2, recorded_at=moved)
    found = {(p.day, p.message) for p in verify_anchors(rt)}
    assert (D(2025, 4, 10), "the last event recorded by the day's end is now seq 2") in found
    assert (D(2025, 4, 12), "the anchor holds this case, and no event of it is recorded on this day now") in found


@pytest.fixture
def anchors_untriggered(engine):
    """The anchors' update trigger dropped; put back afterwards (PostgreSQL's database is the session's)."""
    pg = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER anchors_append_only ON anchors" if pg else "DROP TRIGGER anchors_no_update"))
    yield engine
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TRIGGER anchors_append_only BEFORE UPDATE OR DELETE ON anchors "
                             "FOR EACH ROW EXECUTE FUNCTION incubase_refuse_change()" if pg else
                             "CREATE TRIGGER anchors_no_update BEFORE UPDATE ON anchors "
                             "BEGIN SELECT RAISE(ABORT, 'anchors is append-only: UPDATE refused'); END"))


def test_issue14_9_an_anchor_whose_text_is_no_list_of_heads_is_named(rt, anchors_untriggered, story, clock):
    clock.set_day(D(2025, 4, 13))
    anchor = write_anchor(rt, D(2025, 4, 12))
    text = '{"day":"2025-04-12","heads":"none","prev_digest":"' + anchor.prev_digest + '"}'
    with anchors_untriggered.begin() as conn:
        conn.execute(t.anchors.update().values(canonical=text, digest=digest(text)))
    assert [p.message for p in verify_anchors(rt)] == ["the anchored text is not a list of heads"]
