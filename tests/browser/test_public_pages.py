"""Published fact-checks in a browser (issue 14 part 1): a reviewer publishes a
claim from its page; a reader with no account and no JavaScript finds it in
/public/, reads it, and prints it; axe-core finds no serious or critical
violation on the public pages, at desktop and phone widths."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import log_in
from tests.browser.test_accessibility import run_axe

pytestmark = pytest.mark.django_db(transaction=True)

SENT = "North Korea has sent troops to Russia"


def test_a_reviewer_publishes_and_a_reader_reads_without_an_account(
    page: Page, browser: Browser, demo_live: str
) -> None:
    log_in(page, demo_live, "reviewer")
    page.get_by_role("link", name=SENT).click()
    publication = page.locator("#publication")
    expect(publication).to_contain_text("Published")
    # Taking a public page down asks first: "Cancel" leaves it up.
    asked: list[str] = []

    def answer(accept: bool) -> None:
        page.once(
            "dialog", lambda dialog: (asked.append(dialog.message), dialog.accept() if accept else dialog.dismiss())
        )

    answer(False)
    publication.get_by_role("button", name="Unpublish").click()
    assert asked and asked[-1].startswith("Unpublish this claim?")
    page.reload()
    expect(page.locator("#publication")).to_contain_text("Published")
    answer(True)
    publication.get_by_role("button", name="Unpublish").click()
    expect(page.locator("#publication")).to_contain_text("Not published: only the desk can read it.")
    claim_url = page.url.split("#")[0]

    reader = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    public = reader.new_page()
    public.goto(f"{demo_live}/public/")
    expect(public.get_by_role("heading", level=1)).to_have_text("Fact-checks")
    expect(public.get_by_role("link", name=SENT)).to_have_count(0)

    page.goto(claim_url)
    answer(True)
    page.locator("#publication").get_by_role("button", name="Publish").click()
    assert asked[-1].startswith("Publish this claim? Its approved timeline")
    expect(page.locator("#publication")).to_contain_text("Published")
    expect(page.locator("section.history")).to_contain_text("reviewer changed the claim: published")

    # The list this reader saw may be kept by their browser for a minute (max-age=60):
    # a reload asks the server again.
    public.reload()
    public.get_by_role("link", name=SENT).click()
    expect(public.get_by_role("heading", level=1)).to_have_text(SENT)
    expect(public.locator(".current")).to_contain_text("Corroborated")
    expect(public.locator("#timeline")).to_contain_text("groundless rumor")
    assert reader.cookies() == [], "the public pages set no cookie"
    assert public.evaluate("document.documentElement.scrollWidth") <= 390, "nothing scrolls sideways on a phone"
    public.emulate_media(media="print")
    expect(public.locator(".site-header")).to_be_hidden()
    expect(public.locator("#timeline")).to_be_visible()
    assert public.pdf()[:4] == b"%PDF"
    reader.close()


def test_the_public_pages_pass_axe(page: Page, demo_live: str) -> None:
    found: list[str] = []
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{demo_live}/public/")
        run_axe(page, f"/public/ at {width}", found)
        claim = page.get_by_role("link", name=SENT).get_attribute("href")
        assert claim and re.fullmatch(r"/public/claims/\d+/", claim)
        page.goto(f"{demo_live}{claim}")
        run_axe(page, f"{claim} at {width}", found)
    assert found == []
