"""The claim list's filters in a browser: the status checkboxes and the date range
refresh the results in place (htmx) and push the URL; on a phone the two dates
share a row and nothing scrolls sideways."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_status_checkboxes_and_dates_refresh_the_results_in_place(page: Page, demo_live: str) -> None:
    log_in(page, demo_live, "viewer")
    heading = page.locator("#results").get_by_role("heading", level=2)
    expect(heading).to_have_text("6 claims")
    page.evaluate("window.__sameDocument = true")  # lost if the browser loaded a new page

    statuses = page.get_by_role("group", name="Status")
    statuses.get_by_label("Corroborated").check()
    expect(heading).to_have_text("3 claims")
    expect(page).to_have_url(re.compile(r"[?&]status=corroborated(&|$)"))
    statuses.get_by_label("Reported").check()
    expect(heading).to_have_text("6 claims")
    expect(page).to_have_url(re.compile(r"status=reported&status=corroborated"))

    dates = page.get_by_role("group", name="Said or changed")
    dates.get_by_label("From", exact=True).fill("2024-10-21")
    dates.get_by_label("To", exact=True).fill("2024-10-21")
    expect(heading).to_have_text("1 claim")
    expect(page).to_have_url(re.compile(r"date_from=2024-10-21&date_to=2024-10-21"))
    expect(page.locator("td.side-counts")).to_have_text(["3 support · 1 oppose"])
    assert page.evaluate("window.__sameDocument") is True, "results must be swapped in, not reloaded"
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_on_a_phone_the_dates_share_a_row_and_nothing_overflows(page: Page, demo_live: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, demo_live, "viewer")
    start = page.get_by_label("From", exact=True).bounding_box()
    end = page.get_by_label("To", exact=True).bounding_box()
    assert start and end and start["y"] == end["y"] and start["x"] + start["width"] <= end["x"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for cell in page.locator("td.side-counts").all():
        box = cell.bounding_box()
        assert box and box["x"] + box["width"] <= 390
