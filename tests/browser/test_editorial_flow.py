"""What only a browser shows: htmx swaps and URL pushes, the back button, in-place
forms and review, and the chart, on the demo data as users would click through it."""

import re

import pytest
from playwright.sync_api import Page, expect

from claimtracker.claims.lookups import source_label
from claimtracker.claims.models import Claim, Source, StatusChange
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

TROOPS = "North Korea has sent troops to Russia"


def test_search_updates_results_in_place_and_back_restores_them(page: Page, demo_live: str) -> None:
    log_in(page, demo_live, "editor")
    results = page.locator("#results")
    expect(results.get_by_role("heading", level=2)).to_have_text("6 claims")
    page.evaluate("window.__sameDocument = true")  # lost if the browser loaded a new page

    page.get_by_label("Search claims, quotes and actors").fill("groundless")

    expect(results.get_by_role("heading", level=2)).to_have_text("1 claim")
    expect(results.get_by_role("link", name=TROOPS)).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]q=groundless"))
    assert page.evaluate("window.__sameDocument") is True, "results must be swapped in, not reloaded"

    page.go_back()
    expect(results.get_by_role("heading", level=2)).to_have_text("6 claims")
    expect(page).to_have_url(f"{demo_live}/claims/")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_editor_adds_attribution_and_proposes_change_then_reviewer_approves(page: Page, demo_live: str) -> None:
    claim = Claim.objects.get(text=TROOPS)
    log_in(page, demo_live, "editor")
    page.get_by_label("Search claims, quotes and actors").fill("troops Russia")
    page.locator("#results").get_by_role("link", name=TROOPS).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TROOPS)

    form = page.locator("#attribution-form")
    form.get_by_label("Actor").fill("Jake Sull")
    # Suggestions arrive in the input's datalist as the editor types.
    expect(form.locator("datalist#id_actor_options option")).to_have_attribute("value", "Jake Sullivan")
    form.get_by_label("Actor").fill("Jake Sullivan")
    form.get_by_label("Stance").select_option(label="confirms")
    form.get_by_label("Certainty").select_option(label="definite")
    form.get_by_label("Source").fill(source_label(Source.objects.get()))
    form.get_by_label("Quote kind").select_option(label="Reported by the source")
    form.get_by_label("Stated on").fill("2024-10-25")
    form.get_by_label("Quote", exact=True).fill("Seoul and Washington have confirmed")
    form.get_by_role("button", name="Add attribution").click()

    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Jake Sullivan confirms")
    expect(timeline.locator("li", has_text="Jake Sullivan confirms").locator(".review-state")).to_have_text("Pending")

    status_form = page.locator("#status-form")
    status_form.get_by_label("Status").select_option(label="Confirmed")
    status_form.get_by_label("Effective on").fill("2024-10-28")
    status_form.get_by_label("Rationale").fill("The Pentagon confirmed it on Monday.")
    status_form.get_by_role("button", name="Propose status change").click()
    expect(page.locator("ol.timeline")).to_contain_text("The Pentagon confirmed it on Monday.")

    assert page.get_by_role("button", name="Approve").count() == 0
    assert page.get_by_role("link", name="Review").count() == 0
    assert page.console_errors == []  # type: ignore[attr-defined]

    page.get_by_role("button", name="Log out").click()
    log_in(page, demo_live, "reviewer")
    expect(page.get_by_role("link", name=re.compile(r"Review\s+2"))).to_be_visible()
    page.get_by_role("link", name=re.compile("Review")).click()
    change = StatusChange.objects.get(rationale="The Pentagon confirmed it on Monday.")
    item = page.locator(f"#review-status-change-{change.pk}")
    item.get_by_label("Note (required to reject)").fill("Checked the briefing.")
    item.get_by_role("button", name="Approve").click()
    expect(item).to_contain_text("Approved by reviewer: Checked the briefing.")
    expect(page).to_have_url(f"{demo_live}/review/")  # approved in place

    page.goto(f"{demo_live}{claim.get_absolute_url()}")
    expect(page.locator(".claim-header .status")).to_have_text("Confirmed")
    expect(page.locator("ol.timeline li.status-change").last).to_contain_text("Confirmed")
    expect(page.locator("svg g.band").last).to_have_attribute("data-status", "Confirmed")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_reviewer_cannot_approve_own_proposal(page: Page, demo_live: str) -> None:
    claim = Claim.objects.get(text="The troops were moved by ship")
    log_in(page, demo_live, "reviewer")
    page.goto(f"{demo_live}{claim.get_absolute_url()}")
    status_form = page.locator("#status-form")
    status_form.get_by_label("Status").select_option(label="Confirmed")
    status_form.get_by_label("Effective on").fill("2024-10-30")
    status_form.get_by_label("Rationale").fill("My own proposal.")
    status_form.get_by_role("button", name="Propose status change").click()
    expect(page.locator("ol.timeline")).to_contain_text("My own proposal.")

    page.goto(f"{demo_live}/review/")
    change = StatusChange.objects.get(rationale="My own proposal.")
    item = page.locator(f"#review-status-change-{change.pk}")
    expect(item).to_contain_text("Your own proposal: another reviewer must review it.")
    expect(item.get_by_role("button", name="Approve")).to_have_count(0)


def test_invalid_form_shows_errors_in_place_and_focuses_the_field(page: Page, demo_live: str) -> None:
    claim = Claim.objects.get(text=TROOPS)
    log_in(page, demo_live, "editor")
    page.goto(f"{demo_live}{claim.get_absolute_url()}")
    form = page.locator("#status-form")
    form.get_by_label("Effective on").fill("2024-10-28")
    form.get_by_label("Date precision").select_option(label="Month")
    form.get_by_label("Rationale").fill("   ")  # passes the browser's "required", not the server
    form.get_by_role("button", name="Propose status change").click()

    rationale = page.locator("#status-form").get_by_label("Rationale")
    expect(page.locator("#status-form")).to_contain_text("This field is required.")
    expect(rationale).to_be_focused()
    expect(page.locator("#status-form").get_by_label("Effective on")).to_have_value("2024-10-28")


def test_review_works_from_the_keyboard(page: Page, demo_live: str) -> None:
    from django.contrib.auth.models import User

    from claimtracker.claims import services

    claim = Claim.objects.get(text="The troops were moved by ship")
    change = services.propose_status_change(
        claim,
        status=claim.current_status,
        effective_on=claim.status_since,
        effective_on_precision=claim.status_since_precision,
        rationale="Keyboard check.",
        by=User.objects.get(username="editor"),
    )
    log_in(page, demo_live, "reviewer")
    page.goto(f"{demo_live}/review/")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()

    note = page.locator(f"#review-status-change-{change.pk}").get_by_label("Note (required to reject)")
    note.focus()
    page.keyboard.type("Fine by keyboard.")
    page.keyboard.press("Tab")
    expect(page.locator(f"#review-status-change-{change.pk}").get_by_role("button", name="Approve")).to_be_focused()
    page.keyboard.press("Enter")

    outcome = page.locator(f"#review-status-change-{change.pk} .done")
    expect(outcome).to_have_text("Approved by reviewer: Fine by keyboard.")
    expect(outcome).to_be_focused()  # focus follows the swap, so screen readers hear the result
