"""Issue 15, training mode: every page says so, with the business date it runs on, in the page's
language (the sign-in page too); outside training mode no page shows it."""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from api.main import create_app
from services.training import TrainingClock
from tests.signing_in import sign_in_page
from tests.story import CASEWORKER

from .conftest import PASSWORD, PageClient

TRAINING_DAY = date(2027, 3, 1)
BANNER_ZH = "培训模式 · 办理日期 2027年3月1日 — 非真实数据"
BANNER_EN = "Training mode · business date 2027-03-01 — not real data"


def in_training(rt, day: date = TRAINING_DAY):
    """The test runtime in training mode: its clock on `day`, as on a training database's (services.training)."""
    return dataclasses.replace(rt, clock=TrainingClock(lambda: day, rt.clock), training=True, wall=rt.clock)


@pytest.fixture
def training_rt(rt):
    return in_training(rt)


@pytest.fixture
def signed_in(training_rt, people):
    with PageClient(create_app(runtime=training_rt), follow_redirects=False) as client:
        assert sign_in_page(client, CASEWORKER, PASSWORD, training_rt.clock, None).status_code == 303
        yield client


def test_issue15_every_page_shows_the_training_banner_with_its_date(signed_in):
    for path in ("/queue", "/cases", "/dashboard", "/reminders", "/account", "/cases/no-such-case"):
        page = signed_in.get(path)
        assert BANNER_ZH in page.text, path
        assert page.headers["Incubase-Training"] == "2027-03-01", path
    assert BANNER_EN in signed_in.get("/queue?lang=en").text


def test_issue15_the_sign_in_page_shows_it_too(training_rt, people):
    with PageClient(create_app(runtime=training_rt)) as client:
        assert BANNER_ZH in client.get("/login").text


def test_issue15_no_banner_outside_training_mode(app_client):
    page = app_client.get("/login")
    assert "training-banner" not in page.text and "Incubase-Training" not in page.headers
