from datetime import date

from tests.story import Story


def test_r5_r6_recognition_starts_a_five_year_period(rt, clock):
    story = Story(rt, clock)
    result = story.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14))
    assert result.case.state == "recognized"
    assert (result.case.period.start, result.case.period.end) == (date(2024, 6, 14), date(2029, 6, 14))
    assert [e.act for e in story.events] == ["apply", "inspect", "approve"]
