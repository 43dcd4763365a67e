"""The story over time (issue 13), walked through the pages: the estimate rising
from "more than 3,000" (the White House, 25 October) to "about 10,000" (the
Pentagon's briefing, 28 October) on the 10,000 forecast, a link added between
claims, the forecast shown come true early once a reviewer approves the status,
and the dispatch's claim page as of 24 October (Disputed) and 26 October
(Corroborated), reached with the page's date picker."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from claimtracker.claims import services
from claimtracker.claims.models import Attribution, Claim, Source, SourceKind
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

TEN_THOUSAND = "North Korea will have sent about 10,000 troops to Russia by the end of 2024"
SENT = "North Korea has sent troops to Russia"
UKRAINE = "The troops may be used against Ukraine"
BRIEFING = (
    "WASHINGTON, Oct. 28 -- The Pentagon said Monday that North Korea has sent about 10,000 soldiers "
    'to eastern Russia. "We believe that North Korea has sent around 10,000 soldiers total to train in '
    'eastern Russia," Deputy Pentagon Press Secretary Sabrina Singh told reporters.'
)


def add_attribution(page: Page, *, actor: str, stance: str, source: str, day: str, figure: tuple[str, str]) -> None:
    form = page.locator("#attribution-form")
    form.get_by_label("Actor", exact=True).fill(actor)
    form.get_by_label("Stance").select_option(label=stance)
    form.get_by_label("Source", exact=True).fill(source)
    form.get_by_label("Quote kind").select_option(label="Paraphrase")
    form.get_by_label("Stated on").fill(day)
    bound, number = figure
    form.get_by_label("Given as").select_option(label=bound)
    form.get_by_label("Number").fill(number)
    form.get_by_label("Unit").fill("troops")
    # The page is swapped in place: wait for this answer, not the message the last one left.
    with page.expect_response(lambda response: "/attributions/" in response.url):
        form.get_by_role("button", name="Add attribution").last.click()
    expect(page.locator("#attribution-form .done")).to_contain_text("waits for a reviewer")


def test_the_story_over_time(page: Page, demo_live: str) -> None:
    base = demo_live
    briefing = services.save_source(
        Source(
            title="Pentagon: about 10,000 North Korean troops in Russia",
            published_at=datetime.datetime(2024, 10, 28, 19, 30, tzinfo=datetime.UTC),
            kind=SourceKind.NEWS_REPORT,
            body=BRIEFING,
        ),
        by=User.objects.get(username="editor"),
    )
    yonhap = Source.objects.exclude(pk=briefing.pk).get()
    forecast = Claim.objects.get(text=TEN_THOUSAND)

    # --- The editor records the rising estimate, links a claim and proposes the status. ----
    log_in(page, base, "editor")
    page.goto(f"{base}{forecast.get_absolute_url()}")
    add_attribution(
        page,
        actor="White House",
        stance="asserts",
        source=f"{yonhap.title} [#{yonhap.pk}]",
        day="2024-10-25",
        figure=("more than", "3,000"),
    )
    add_attribution(
        page,
        actor="Government of the United States",
        stance="confirms",
        source=f"{briefing.title} [#{briefing.pk}]",
        day="2024-10-28",
        figure=("about", "10,000"),
    )
    relations = page.locator("#relations")
    relations.get_by_label("This claim").select_option(label="Related to")
    relations.get_by_label("Claim", exact=True).fill(UKRAINE)
    relations.get_by_role("button", name="Link claims").click()
    expect(page.locator("#relations .done")).to_have_text("Link added.")
    expect(page.locator("#relations ul.links")).to_contain_text(UKRAINE)

    status_form = page.locator("#status-form")
    status_form.get_by_label("Status").select_option(label="Confirmed")
    status_form.get_by_label("Effective on").fill("2024-10-31")
    status_form.get_by_label("Rationale").fill("The Pentagon puts the dispatch at about 10,000.")
    status_form.get_by_label(re.compile("Government of the United States confirms")).check()
    status_form.get_by_role("button", name="Propose status change").click()
    expect(page.locator("#status-form .done")).to_contain_text("waits for a reviewer")
    assert page.console_errors == []  # type: ignore[attr-defined]

    # --- The reviewer approves the two statements, then the status they are evidence for. --
    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "reviewer")
    page.get_by_role("link", name=re.compile("^Review")).click()
    for attribution in Attribution.objects.filter(claim=forecast, review_state="pending").order_by("pk"):
        item = page.locator(f"#review-attribution-{attribution.pk}")
        item.get_by_role("button", name="Approve", exact=True).click()
        expect(item).to_contain_text("Approved by reviewer")
    change = forecast.status_changes.get(review_state="pending")
    item = page.locator(f"#review-status-change-{change.pk}")
    item.get_by_role("button", name="Approve", exact=True).click()
    expect(item).to_contain_text("Approved by reviewer")

    # --- A viewer reads the story. --------------------------------------------------------
    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "viewer")
    page.goto(f"{base}{forecast.get_absolute_url()}")
    expect(page.locator("#forecast")).to_have_text("Came true 61 days early")
    rows = page.locator("#figures tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_contain_text("more than 3,000 troops")
    expect(rows.nth(2)).to_contain_text("about 10,000 troops")
    # The chart draws the estimates as a series, the larger one higher.
    points = page.locator("figure.chart circle.figure-point")
    expect(points).to_have_count(3)
    heights = [float(points.nth(i).get_attribute("cy") or 0) for i in (1, 2)]
    assert heights[1] < heights[0], "about 10,000 stands above more than 3,000"
    expect(page.locator("#relations ul.links")).to_contain_text(UKRAINE)
    # A chart marker takes the keyboard to its entry in the timeline.
    marker = page.locator("figure.chart a").first
    marker.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#a\d+$"))  # waits: a busy machine may follow the link after press returns

    # --- The dispatch, as the record had it on 24 and on 26 October. -----------------------
    page.goto(f"{base}/claims/")
    page.get_by_role("link", name=SENT, exact=True).click()
    page.get_by_label("As of").fill("2024-10-24")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#past-view")).to_contain_text("As of 24 October 2024")
    expect(page.locator("p.current")).to_contain_text("Disputed since 21 Oct 2024")
    page.get_by_label("As of").fill("2024-10-26")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("p.current")).to_contain_text("Corroborated since 25 Oct 2024")
    page.get_by_role("link", name="Back to today").click()
    expect(page.locator("#past-view")).to_have_count(0)
    assert page.console_errors == []  # type: ignore[attr-defined]
