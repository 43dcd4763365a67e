"""Cross-role attempts, one by one, through the real views: each is refused and
leaves every table as it was. (tests/test_url_access.py walks every URL with
every role, anonymous included; this module sends well-formed requests that
would succeed for the right person.)"""

import datetime
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claimtracker.claims import services
from claimtracker.claims.models import Actor, Attribution, Claim, ReviewState, Source, Status, StatusChange
from tests.conftest import client_for
from tests.test_claim_page import TROOPS

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the app's tables, their history, users and groups."""
    models = [*apps.get_app_config("claims").get_models(), User, apps.get_model("auth", "Group")]
    models.append(apps.get_model("admin", "LogEntry"))
    return {m._meta.label: list(m.objects.order_by("pk").values_list()) for m in models}


@pytest.fixture
def world(demo: None, editor: User, other_editor: User, reviewer: User, other_reviewer: User) -> dict[str, Any]:
    """A claim with, from each side, an approved and a pending entry."""
    claim = Claim.objects.get(text=TROOPS)
    actor, source = Actor.objects.get(name="Jake Sullivan"), Source.objects.get()

    def attribution(by: User) -> Attribution:
        return services.add_attribution(
            claim, actor=actor, source=source, stance="confirms", stated_on=datetime.date(2024, 10, 30), by=by
        )

    def change(by: User) -> StatusChange:
        return services.propose_status_change(
            claim,
            status=Status.objects.get(slug="disputed"),
            effective_on=datetime.date(2024, 10, 31),
            rationale="Moscow denies it",
            by=by,
        )

    others_approved = services.approve(attribution(other_editor), by=other_reviewer)
    return {
        "claim": claim,
        "actor": actor,
        "source": source,
        "own_attribution": attribution(editor),
        "reviewers_own_attribution": attribution(reviewer),
        "reviewers_own_change": change(reviewer),
        "others_approved": others_approved,
        "others_approved_change": services.approve(change(other_editor), by=other_reviewer),
    }


def _attribution_data(world: dict[str, Any]) -> dict[str, str]:
    return {
        "submission": str(uuid.uuid4()),
        "actor": world["actor"].name,
        "stance": "denies",
        "certainty": "definite",
        "source": str(world["source"].pk),
        "quote": "",
        "quote_kind": "reported",
        "via": "",
        "stated_on": "2024-11-01",
        "stated_on_precision": "day",
    }


def _status_data(**overrides: str) -> dict[str, str]:
    return {
        "submission": str(uuid.uuid4()),
        "status": str(Status.objects.get(slug="disputed").pk),
        "effective_on": "2024-11-02",
        "effective_on_precision": "day",
        "rationale": "Moscow denies it",
    } | overrides


def _review(client: Client, item: Attribution | StatusChange, decision: str = "approve") -> Any:
    kind = "attribution" if isinstance(item, Attribution) else "status-change"
    return client.post(reverse("claims:review_item", args=[kind, item.pk]), {"decision": decision, "note": "No."})


def _admin_change(client: Client, item: Attribution) -> Any:
    url = reverse("admin:claims_attribution_change", args=[item.pk])
    return client.post(url, {"stance": "denies", "quote": "rewritten", "review_state": ReviewState.PENDING})


def _refused_with_message(response: Any, client: Client) -> bool:
    """A refusal shown on the page: the queue again, with the reason."""
    return response.status_code == 302 and b'class="messages"' in client.get(response["Location"]).content


# (who, what they try, how, how the refusal looks)
Attempt = tuple[str, str, Callable[[Client, dict[str, Any]], Any], Callable[[Any, Client], bool]]


def forbidden(response: Any, client: Client) -> bool:
    return response.status_code == 403


def to_admin_login(response: Any, client: Client) -> bool:
    return response.status_code == 302 and "/admin/login/" in response["Location"]


def rationale_error(response: Any, client: Client) -> bool:
    return response.status_code == 400 and b'id="id_rationale_errors"' in response.content


ATTEMPTS: list[Attempt] = [
    ("editor", "approves their own attribution", lambda c, w: _review(c, w["own_attribution"]), forbidden),
    (
        "editor",
        "rejects another's approved attribution",
        lambda c, w: _review(c, w["others_approved"], "reject"),
        forbidden,
    ),
    ("editor", "opens the admin", lambda c, w: c.get(reverse("admin:index")), to_admin_login),
    (
        "editor",
        "edits another's approved attribution in the admin",
        lambda c, w: _admin_change(c, w["others_approved"]),
        to_admin_login,
    ),
    (
        "editor",
        "proposes a status change without a rationale",
        lambda c, w: c.post(
            reverse("claims:propose_status_change", args=[w["claim"].pk]), _status_data(rationale="  ")
        ),
        rationale_error,
    ),
    (
        "reviewer",
        "approves their own attribution",
        lambda c, w: _review(c, w["reviewers_own_attribution"]),
        _refused_with_message,
    ),
    (
        "reviewer",
        "approves their own status change",
        lambda c, w: _review(c, w["reviewers_own_change"]),
        _refused_with_message,
    ),
    (
        "reviewer",
        "rejects another's approved attribution",
        lambda c, w: _review(c, w["others_approved"], "reject"),
        _refused_with_message,
    ),
    (
        "reviewer",
        "rejects another's approved status change",
        lambda c, w: _review(c, w["others_approved_change"], "reject"),
        _refused_with_message,
    ),
    (
        "reviewer",
        "edits another's approved attribution in the admin",
        lambda c, w: _admin_change(c, w["others_approved"]),
        to_admin_login,
    ),
    (
        "viewer",
        "adds an attribution",
        lambda c, w: c.post(reverse("claims:add_attribution", args=[w["claim"].pk]), _attribution_data(w)),
        forbidden,
    ),
    (
        "viewer",
        "proposes a status change",
        lambda c, w: c.post(reverse("claims:propose_status_change", args=[w["claim"].pk]), _status_data()),
        forbidden,
    ),
    (
        "viewer",
        "creates a claim",
        lambda c, w: c.post(reverse("claims:create"), {"submission": str(uuid.uuid4()), "text": "A viewer's claim"}),
        forbidden,
    ),
    (
        "viewer",
        "edits a claim",
        lambda c, w: c.post(
            reverse("claims:edit", args=[w["claim"].pk]), {"text": "Rewritten", "version": w["claim"].version}
        ),
        forbidden,
    ),
    ("viewer", "approves an attribution", lambda c, w: _review(c, w["own_attribution"]), forbidden),
    ("viewer", "opens the admin", lambda c, w: c.get(reverse("admin:index")), to_admin_login),
    (
        "viewer",
        "edits an attribution in the admin",
        lambda c, w: _admin_change(c, w["own_attribution"]),
        to_admin_login,
    ),
]


@pytest.mark.parametrize(("role", "attempt", "do", "refused"), ATTEMPTS, ids=[f"{r} {a}" for r, a, _, _ in ATTEMPTS])
def test_cross_role_attempt_is_refused_and_changes_nothing(
    world: dict[str, Any],
    role: str,
    attempt: str,
    do: Callable[[Client, dict[str, Any]], Any],
    refused: Callable[[Any, Client], bool],
    editor: User,
    reviewer: User,
    viewer: User,
) -> None:
    client = client_for({"editor": editor, "reviewer": reviewer, "viewer": viewer}[role])
    before = snapshot()
    response = do(client, world)
    assert refused(response, client), (response.status_code, response.content[:500])
    assert snapshot() == before


@pytest.mark.parametrize("role", ["anonymous", "viewer", "editor", "reviewer"])
def test_the_admin_refuses_everyone_but_staff_at_every_page(world: dict[str, Any], role: str, request: Any) -> None:
    client = Client() if role == "anonymous" else client_for(request.getfixturevalue(role))
    pk = world["others_approved"].pk
    urls = [
        reverse("admin:index"),
        reverse("admin:claims_attribution_changelist"),
        reverse("admin:claims_attribution_change", args=[pk]),
        reverse("admin:claims_attribution_delete", args=[pk]),
        reverse("admin:claims_claim_add"),
        reverse("admin:claims_claim_import_csv"),
        reverse("admin:claims_actor_import"),
    ]
    before = snapshot()
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            # A signed-in user meets the admin's own login; an anonymous one, either login.
            logins = ("/admin/login/", "/accounts/login/") if role == "anonymous" else ("/admin/login/",)
            assert response.status_code == 302, (method, url)
            assert response["Location"].startswith(logins), (method, url)
    assert snapshot() == before
