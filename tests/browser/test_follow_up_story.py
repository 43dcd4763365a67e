# ruff: noqa: E501 (the sources are pasted paragraphs, one line each, as an editor pastes them)
"""A follow-up story entered through the pages only, as a desk would over a
few days, starting from the demo desk: new sources with their text, new actors
(one with a parent, one with a Korean alias), attributions recorded from the
source workbench (one via an intermediary, one hedged, one direct quote that
is not in the text), actors and a source created in place; the reviewer sees
the quote checks and the evidence, rejects one and approves the rest; the
author mends and resubmits the rejected one and withdraws another; a viewer
reads the result and downloads the CSV. No JavaScript errors."""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from claimtracker.claims.models import Actor, Attribution, Claim, Source
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

TEN_THOUSAND = "North Korea will have sent about 10,000 troops to Russia by the end of 2024"
KURSK = "North Korean troops are deployed to Russia's Kursk region"

BRIEFING = """WASHINGTON, Oct. 28 -- The Pentagon said Monday that North Korea has sent about 10,000 soldiers to eastern Russia to train, and that some of them have moved closer to Ukraine.

"We believe that North Korea has sent around 10,000 soldiers total to train in eastern Russia," Deputy Pentagon Press Secretary Sabrina Singh told reporters.

She said a portion of those soldiers had moved closer to Ukraine and that the troops could potentially be used in combat against Ukrainian forces in the Kursk region, adding that the department was still assessing what they would do there."""

HUR_STATEMENT = """KYIV, Nov. 4 -- Ukraine's Defence Intelligence said the first units of North Korean troops had come under fire.

"The first units of the North Korean army have already come under fire in the Kursk region," the agency said in a statement on Monday.

It said 11,000 North Korean soldiers were now in the Kursk region, where Russia is trying to push Ukrainian forces back across the border."""


def select_passage(page: Page, passage: str) -> None:
    """Select ``passage`` in the source's text as a mouse would, across highlight marks."""
    page.evaluate(
        """(passage) => {
            const body = document.querySelector('.source-body');
            const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
            const nodes = []; let text = '';
            while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
            const start = text.indexOf(passage), end = start + passage.length;
            if (start < 0) throw new Error('passage not in the text: ' + passage);
            const at = (offset) => { for (const [node, from] of nodes) { if (offset <= from + node.data.length) return [node, offset - from]; } };
            const range = document.createRange();
            range.setStart(...at(start)); range.setEnd(...at(end));
            const selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
            body.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        }""",
        passage,
    )
    expect(page.get_by_label("Passage (quote)")).to_have_value(passage)


def create_actor_in_dialog(page: Page, button_for: str, name: str, fields: dict[str, str]) -> None:
    form = page.locator("#record-form")
    form.get_by_label(button_for, exact=True).fill(name)
    form.get_by_label(button_for, exact=True).locator("xpath=..").get_by_role("button", name="New actor…").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_label("Name", exact=True)).to_have_value(name)
    for label, value in fields.items():
        field = dialog.get_by_label(label, exact=True)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    dialog.get_by_role("button", name="Record actor").click()
    expect(page.locator("dialog")).to_have_count(0)
    expect(form.get_by_label(button_for, exact=True)).to_have_value(name)


def record(page: Page, *, claim: str = "", new_claim: str = "", actor: str = "", stance: str, **fields: str) -> None:
    form = page.locator("#record-form")
    if claim:
        form.get_by_label("Claim", exact=True).fill(claim)
    if new_claim:
        form.get_by_label("Claim", exact=True).fill("")
        form.get_by_label("Or a new claim").fill(new_claim)
    if actor:
        form.get_by_label("Actor", exact=True).fill(actor)
    form.get_by_label("Stance").select_option(label=stance)
    for label, value in fields.items():
        field = form.get_by_label(label, exact=True)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    page.evaluate("document.getElementById('workbench').dataset.stale = 'yes'")
    form.get_by_role("button", name="Record attribution").click()
    # The workbench is swapped in afresh, ready for the next passage.
    expect(page.locator("#workbench:not([data-stale]) #record-form .done")).to_contain_text("waits for a reviewer")


def test_a_follow_up_story_from_sources_to_a_reviewed_timeline(page: Page, demo_live: str) -> None:
    base = demo_live
    ten_thousand = Claim.objects.get(text=TEN_THOUSAND)

    # --- The editor records the Pentagon briefing and the actors it quotes. ---------------
    log_in(page, base, "editor")
    page.get_by_role("link", name="Actors", exact=True).click()
    page.get_by_role("link", name="New actor").click()
    page.get_by_label("Name", exact=True).fill("Pentagon")
    page.get_by_label("Kind").select_option(label="Government body")
    page.get_by_label("Country").fill("US")
    page.get_by_label("Part of (parent)").fill("Government of the United States")
    page.get_by_label("Also known as").fill("US Department of Defense\nDoD")
    page.get_by_role("button", name="Record actor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Pentagon"))
    expect(page.locator(".facts")).to_contain_text("Government of the United States")

    page.get_by_role("link", name="New source").first.click()
    page.get_by_label("Title").fill("Pentagon says North Korea sent 10,000 troops to Russia")
    page.get_by_label("URL").fill("https://news.example.org/2024/10/28/pentagon-north-korea")
    page.get_by_label("Published at").fill("2024-10-28T15:30")
    page.get_by_label("Time zone").select_option("America/New_York")
    page.get_by_label("Dateline").fill("WASHINGTON, Oct. 28")
    page.get_by_label("Kind").select_option(label="Briefing transcript")
    page.get_by_label("Text", exact=True).fill(BRIEFING)
    page.get_by_role("button", name="Record source").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Pentagon says"))
    expect(page.locator(".facts")).to_contain_text("28 Oct 2024 15:30 America/New_York")
    expect(page.locator(".facts")).to_contain_text("28 Oct 2024 19:30 UTC")
    expect(page.get_by_label("Stated on")).to_have_value("2024-10-28")  # the source's own date

    # 1: the Pentagon confirms the 10,000 figure: a passage selected in the text.
    select_passage(page, "North Korea has sent around 10,000 soldiers total to train in eastern Russia")
    record(
        page, claim=f"{TEN_THOUSAND} [#{ten_thousand.pk}]", actor="Pentagon", stance="confirms", Certainty="definite"
    )
    expect(page.get_by_label("Claim", exact=True)).to_have_value(re.compile(re.escape(TEN_THOUSAND)))  # kept
    expect(page.get_by_label("Passage (quote)")).to_have_value("")
    expect(page.locator(".source-body mark.pending")).to_have_count(1)

    # 2: hedged, on a new claim, by a spokeswoman created in place, via the Pentagon.
    select_passage(page, "the troops could potentially be used in combat against Ukrainian forces in the Kursk region")
    create_actor_in_dialog(
        page, "Actor", "Sabrina Singh", {"Kind": "Person", "Part of (parent)": "Pentagon", "Country": "US"}
    )
    record(
        page,
        new_claim=KURSK,
        stance="asserts",
        Certainty="possible",
        **{"Via (intermediary)": "Pentagon", "Quote kind": "Reported by the source"},
    )

    # 3: a direct quote typed in by hand that the text does not hold.
    page.get_by_label("Passage (quote)").fill("Eight thousand North Korean troops are already in Kursk")
    record(page, claim=KURSK, actor="Pentagon", stance="asserts", Certainty="definite")
    expect(page.locator("#workbench .errors")).to_contain_text("Eight thousand North Korean troops")

    # --- Ukraine's Defence Intelligence, a second source, with an actor made in place. --------
    page.goto(f"{base}/sources/new/")
    page.get_by_label("Title").fill("Ukraine says North Korean troops came under fire in Kursk")
    page.get_by_label("Published at").fill("2024-11-04T18:00")
    page.get_by_label("Time zone").select_option("Europe/Kyiv")
    page.get_by_label("Kind").select_option(label="Official statement")
    page.get_by_label("Language").fill("en")
    page.get_by_label("Text", exact=True).fill(HUR_STATEMENT)
    page.get_by_role("button", name="Record source").click()
    expect(page.get_by_label("Stated on")).to_have_value("2024-11-04")

    # 4: a direct quote found in the text, by an agency with a Korean alias made in place.
    select_passage(page, "The first units of the North Korean army have already come under fire in the Kursk region")
    create_actor_in_dialog(
        page,
        "Actor",
        "Defence Intelligence of Ukraine",
        {"Kind": "Intelligence agency", "Country": "UA", "Also known as": "HUR\n우크라이나 국방정보국"},
    )
    record(page, claim=KURSK, stance="asserts", Certainty="definite")

    # 5: the same agency backs the troops claim, in a paraphrase (typed, not selected).
    page.get_by_label("Passage (quote)").fill("11,000 North Korean soldiers are in the Kursk region")
    record(
        page,
        claim="North Korea has sent troops to Russia",
        actor="HUR",
        stance="confirms",
        Certainty="definite",
        **{"Quote kind": "Paraphrase"},
    )
    assert Attribution.objects.filter(created_by__username="editor", review_state="pending").count() == 5

    # A status change on the Kursk claim, citing the agency's quote as evidence.
    kursk = Claim.objects.get(text=KURSK)
    page.goto(f"{base}/claims/{kursk.pk}/")
    status_form = page.locator("#status-form")
    status_form.get_by_label("Status").select_option(label="Reported")
    status_form.get_by_label("Effective on").fill("2024-11-04")
    status_form.get_by_label("Rationale").fill("Ukraine's intelligence reports the first clashes.")
    status_form.get_by_label(re.compile("Defence Intelligence of Ukraine asserts")).check()
    status_form.get_by_role("button", name="Propose status change").click()
    expect(page.locator("ol.timeline")).to_contain_text("Ukraine's intelligence reports the first clashes.")
    expect(page.locator("ol.timeline .evidence")).to_contain_text("Defence Intelligence of Ukraine asserts")
    assert page.console_errors == []  # type: ignore[attr-defined]

    # --- The reviewer sees what decides, rejects one and approves the rest. ----------------
    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "reviewer")
    page.get_by_role("link", name=re.compile("^Review")).click()
    not_found = Attribution.objects.get(quote__startswith="Eight thousand")
    item = page.locator(f"#review-attribution-{not_found.pk}")
    expect(item).to_contain_text("Quote not found in the source.")
    expect(item.get_by_role("button", name="Approve anyway")).to_be_visible()
    found = Attribution.objects.get(quote__startswith="The first units")
    expect(page.locator(f"#review-attribution-{found.pk} mark")).to_have_text(found.quote)
    expect(page.locator(f"#review-attribution-{found.pk}")).to_contain_text("Quote found in the source.")
    change = kursk.status_changes.get()
    expect(page.locator(f"#review-status-change-{change.pk} .evidence")).to_contain_text("The first units")

    item.get_by_label("Note (required to reject)").fill("Not in the briefing's text: check the transcript.")
    item.get_by_role("button", name="Reject").click()
    expect(item).to_contain_text("Rejected by reviewer")
    count = page.locator("#review-count .count")
    waiting = page.locator(".review-item:has(button:text-is('Approve'))").evaluate_all("items => items.map(i => i.id)")
    assert len(waiting) == 5  # four attributions and the status change
    for item_id in waiting:
        pending = page.locator(f"#{item_id}")
        before = int(count.inner_text())
        pending.get_by_role("button", name="Approve", exact=True).click()
        expect(pending).to_contain_text("Approved by reviewer")
        expect(count if before > 1 else page.locator("#review-count")).to_have_text(
            str(before - 1) if before > 1 else ""
        )
    assert Attribution.objects.filter(created_by__username="editor", review_state="approved").count() >= 4
    kursk.refresh_from_db()
    assert kursk.current_status and kursk.current_status.label == "Reported"
    assert page.console_errors == []  # type: ignore[attr-defined]

    # --- The author mends the rejected entry, resubmits it, and withdraws another. ------------
    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "editor")
    expect(page.get_by_role("link", name=re.compile(r"My work\s+1"))).to_be_visible()
    page.get_by_role("link", name=re.compile("My work")).click()
    expect(page.locator(".mine")).to_contain_text("Not in the briefing's text: check the transcript.")
    page.get_by_role("link", name="Mend and resubmit").click()
    page.get_by_label("Quote", exact=True).fill("a portion of those soldiers had moved closer to Ukraine")
    page.get_by_role("button", name="Resubmit for review").click()
    expect(page.locator(".messages")).to_contain_text("Resubmitted")
    not_found.refresh_from_db()
    assert (not_found.review_state, not_found.review_round, not_found.quote_check) == ("pending", 2, "found")

    # A late attribution on the claim page, with its source created in place, then withdrawn.
    page.goto(f"{base}/claims/{kursk.pk}/")
    form = page.locator("#attribution-form")
    form.get_by_label("Source").fill("Kremlin readout of 5 November")
    form.get_by_role("button", name="New source…").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_label("Title")).to_have_value("Kremlin readout of 5 November")
    dialog.get_by_label("Kind").select_option(label="Official statement")
    dialog.get_by_role("button", name="Record source").click()
    expect(page.locator("dialog")).to_have_count(0)
    expect(form.get_by_label("Source")).to_have_value(re.compile(r"Kremlin readout of 5 November \[#\d+\]"))
    form.get_by_label("Actor", exact=True).fill("Pentagon")
    form.get_by_label("Stance").select_option(label="declines to comment")
    form.get_by_label("Stated on").fill("2024-11-05")
    form.get_by_label("Quote", exact=True).fill("We have nothing to add")
    form.get_by_role("button", name="Add attribution").click()
    expect(page.locator("ol.timeline")).to_contain_text("declines to comment")
    page.goto(f"{base}/mine/?state=pending")
    late = page.locator(".review-item", has_text="We have nothing to add")
    late.get_by_role("link", name="Withdraw…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw your entry?")
    page.get_by_role("button", name="Withdraw").click()
    expect(page.locator(".messages")).to_contain_text("Withdrawn")
    assert Attribution.objects.get(quote="We have nothing to add").review_state == "withdrawn"
    assert Source.objects.filter(title="Kremlin readout of 5 November").exists()
    assert Actor.objects.get(name="Sabrina Singh").parent == Actor.objects.get(name="Pentagon")
    assert page.console_errors == []  # type: ignore[attr-defined]

    # --- A viewer reads the result and downloads the CSV. ---------------------------------
    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "viewer")
    page.goto(f"{base}/claims/{kursk.pk}/")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("The first units of the North Korean army")
    expect(timeline).to_contain_text("Sabrina Singh asserts")
    expect(timeline).not_to_contain_text("We have nothing to add")  # withdrawn
    expect(timeline).not_to_contain_text("a portion of those soldiers")  # resubmitted, in review
    expect(page.locator(".current")).to_contain_text("Reported")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    quotes = [row["quote"] for row in rows]
    assert "The first units of the North Korean army have already come under fire in the Kursk region" in quotes
    assert "We have nothing to add" not in quotes
    assert {row["review_state"] for row in rows} == {"approved"}
    assert page.console_errors == []  # type: ignore[attr-defined]
