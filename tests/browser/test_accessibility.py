"""Accessibility: axe-core runs on every page each role can open, the admin's
claim pages included, and finds no serious or critical violation.

Moderate and minor findings are not failures here; they are printed (run with
-s to see them) so that they can be looked at."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from claimtracker.claims import services
from claimtracker.claims.models import Actor, Attribution, Claim, ReviewState, Source, Stance
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

FAILING_IMPACTS = {"serious", "critical"}
# Stock Django admin markup that our templates/admin/ overrides do not render and
# that only Django's own templates, JavaScript and CSS could mend:
# - link-in-text-block: the breadcrumbs' links differ from their text by colour
#   only (admin/css/base.css, no underline);
# - aria-prohibited-attr: SelectFilter2.js puts an aria-label on the help-tooltip
#   <span> of the filter_horizontal widget (the claim's topics).
# Excluded on /admin/ pages only; our own pages are checked for every rule.
ADMIN_EXCLUDED_RULES = {"link-in-text-block", "aria-prohibited-attr"}
AXE = Axe()


def run_axe(page: Page, name: str, found: list[str], *, admin: bool = False) -> None:
    # axe is injected with page.evaluate, which the Content-Security-Policy does not block.
    results = AXE.run(page)
    for violation in results.response["violations"]:
        target = violation["nodes"][0]["target"] if violation["nodes"] else "?"
        line = f"{name}: {violation['id']} ({violation['impact']}) at {target}"
        if admin and violation["id"] in ADMIN_EXCLUDED_RULES:
            print(f"axe, excluded on admin pages: {line}")
        elif violation["impact"] in FAILING_IMPACTS:
            found.append(line)
        else:
            print(f"axe, not failing: {line}")


def desk_entries() -> dict[str, int]:
    """A pending entry for the claim page and the queue, and the editor's own
    rejected and pending entries for /mine/; an approved demo attribution."""
    editor, reviewer = User.objects.get(username="editor"), User.objects.get(username="reviewer")
    source = Source.objects.get()
    claim = Claim.objects.order_by("pk").first()
    assert claim is not None
    actors = list(Actor.objects.order_by("pk")[:2])
    approved = Attribution.objects.filter(review_state=ReviewState.APPROVED).order_by("pk").first()
    assert approved is not None

    def add(actor: Actor) -> Attribution:
        return services.add_attribution(
            claim,
            actor=actor,
            source=source,
            stance=Stance.ASSERTS,
            stated_on=datetime.date(2024, 10, 25),
            by=editor,
        )

    pending = add(actors[0])
    rejected = add(actors[1])
    services.reject(rejected, by=reviewer, note="Which passage says so?")
    return {
        "claim": claim.pk,
        "actor": actors[0].pk,
        "source": source.pk,
        "approved": approved.pk,
        "pending": pending.pk,
        "rejected": rejected.pk,
    }


def pages_for(role: str, ids: dict[str, int]) -> list[str]:
    pages = [
        "/claims/",
        "/claims/?q=troops&stance=confirms",
        f"/claims/{ids['claim']}/",
        "/actors/",
        f"/actors/{ids['actor']}/",
        "/sources/",
        f"/sources/{ids['source']}/",
    ]
    if role == "viewer":
        return pages
    pages += [
        "/claims/new/",
        f"/claims/{ids['claim']}/edit/",
        "/actors/new/",
        f"/actors/{ids['actor']}/edit/",
        "/sources/new/",
        f"/sources/{ids['source']}/edit/",
        "/mine/?state=rejected",
        "/mine/?state=pending",
        "/mine/?state=withdrawn",
        f"/attributions/{ids['approved']}/correct/",
    ]
    if role == "editor":
        pages += [
            f"/mine/attribution/{ids['rejected']}/edit/",
            f"/mine/attribution/{ids['pending']}/withdraw/",
        ]
    if role in ("reviewer", "admin"):
        pages.append("/review/")
    return pages


ADMIN_PAGES = [
    "/admin/",
    "/admin/claims/claim/",
    "/admin/claims/claim/{claim}/change/",
    "/admin/claims/attribution/{approved}/change/",
    "/admin/claims/statuschange/",
]


@pytest.mark.parametrize("role", ["viewer", "editor", "reviewer", "admin"])
def test_no_serious_accessibility_violations(page: Page, demo_live: str, role: str) -> None:
    base = demo_live
    ids = desk_entries()
    found: list[str] = []

    page.goto(f"{base}/accounts/login/")
    run_axe(page, "login (logged out)", found)
    log_in(page, base, role)

    for path in pages_for(role, ids):
        response = page.goto(f"{base}{path}")
        assert response is not None and response.ok, f"{role} cannot open {path}: {response and response.status}"
        run_axe(page, path, found)

    if role != "viewer":
        # The "New actor…" dialog on the source workbench, open.
        page.goto(f"{base}/sources/{ids['source']}/")
        form = page.locator("#record-form")
        form.get_by_label("Actor", exact=True).fill("A new spokesman")
        form.get_by_label("Actor", exact=True).locator("xpath=..").get_by_role("button", name="New actor…").click()
        expect(page.locator("dialog[open]").get_by_label("Name", exact=True)).to_have_value("A new spokesman")
        run_axe(page, "source workbench, New actor dialog", found)

    if role == "admin":
        for template in ADMIN_PAGES:
            path = template.format(**ids)
            response = page.goto(f"{base}{path}")
            assert response is not None and response.ok, f"admin cannot open {path}"
            run_axe(page, path, found, admin=True)

    assert not found, f"{role}: serious or critical axe violations:\n" + "\n".join(found)
    # axe itself adds a <style> while it checks the admin's change forms, which the
    # Content-Security-Policy blocks (the page alone logs nothing); anything else counts.
    errors = [e for e in page.console_errors if not e.startswith("Applying inline style")]  # type: ignore[attr-defined]
    assert not errors
