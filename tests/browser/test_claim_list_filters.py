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


def test_the_list_as_of_a_day_from_its_date_picker(page: Page, demo_live: str) -> None:
    """On 24 October 2024 the dispatch was disputed (North Korea's denial of the 21st);
    from the 25th it was corroborated."""
    log_in(page, demo_live, "viewer")
    heading = page.locator("#results").get_by_role("heading", level=2)
    expect(heading).to_have_text("6 claims")
    page.get_by_role("group", name="Status").get_by_label("Disputed").check()
    expect(heading).to_have_text("0 claims")
    page.evaluate("window.__sameDocument = true")

    picker = page.get_by_role("group", name="The record on a date")
    picker.get_by_label("As of", exact=True).fill("2024-10-24")
    expect(heading).to_have_text("1 claim")
    expect(page).to_have_url(re.compile(r"as_of=2024-10-24"))
    note = page.get_by_role("note")
    expect(note).to_contain_text("A view of the past. As of 24 October 2024")
    row = page.locator("table.claims tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("North Korea has sent troops to Russia")
    expect(row.locator("td.side-counts")).to_have_text("2 support · 1 oppose")
    assert page.evaluate("window.__sameDocument") is True, "results must be swapped in, not reloaded"

    note.get_by_role("link", name="Back to today").click()
    expect(heading).to_have_text("0 claims")
    expect(page).not_to_have_url(re.compile(r"as_of="))
    expect(page.get_by_role("note")).to_have_count(0)
    assert page.console_errors == []  # type: ignore[attr-defined]
