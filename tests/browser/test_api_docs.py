"""The API's docs in a browser (issue 14 part 4): /api/v1/docs/ is Swagger UI
served by the app itself, under the site's Content-Security-Policy; it shows
every operation, and a logged-in viewer tries one out with their session."""

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

OPERATIONS = [
    "/api/v1/claims/",
    "/api/v1/claims/{id}/",
    "/api/v1/actors/",
    "/api/v1/actors/{id}/",
    "/api/v1/sources/",
    "/api/v1/sources/{id}/",
]


def test_the_docs_show_every_operation_and_a_viewer_tries_one(page: Page, demo_live: str) -> None:
    problems: list[str] = []
    page.on("console", lambda message: _note(message, problems))
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(demo_live) else None)
    log_in(page, demo_live, "viewer")
    page.goto(f"{demo_live}/api/v1/docs/")
    expect(page.get_by_role("heading", name="Claim Tracker API")).to_be_visible()
    for path in OPERATIONS:
        expect(page.locator(f'.opblock-summary-path[data-path="{path}"]')).to_be_visible()

    claims = page.locator("#operations-claims-claims_list")
    claims.locator(".opblock-summary").click()
    claims.get_by_role("button", name="Try it out").click()
    claims.get_by_placeholder("q").fill("troops")
    claims.get_by_role("button", name="Execute").click()
    response = claims.locator(".live-responses-table .response")
    expect(response.locator(".response-col_status")).to_contain_text("200")
    expect(response.locator(".response-col_description")).to_contain_text("North Korea has sent troops to Russia")
    page.screenshot(path="/tmp/api-docs.png", full_page=False)
    assert outside == [], "the docs load nothing from outside the app"
    assert problems == [], problems


def _note(message: ConsoleMessage, problems: list[str]) -> None:
    if message.type == "error" or "Content Security Policy" in message.text:
        problems.append(message.text)
