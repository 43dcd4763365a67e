"""Links between claims (DESIGN 8.3, issue 13 part 2): typed and directed, added
and removed by editors from the claim page or the admin, each change in the
history; both claims show the link and the other's status; a claim that refines
another shows the other's sides as context."""

import re
import uuid

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claimtracker.accounts.roles import ROLE_PERMISSIONS
from claimtracker.claims import services
from claimtracker.claims.lookups import claim_label
from claimtracker.claims.models import Claim, Relation, RelationKind
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SENT = "North Korea has sent troops to Russia"
FORECAST = "North Korea will have sent about 10,000 troops to Russia by the end of 2024"
AT_LEAST = "At least 3,000 North Korean troops were moved to eastern Russia in October 2024"
SHIP = "The troops were moved by ship"


def claim(text: str) -> Claim:
    return Claim.objects.get(text=text)


def section(page: str, id_: str) -> str:
    found = re.search(rf'<section[^>]*id="{id_}".*?</section>', page, re.S)
    assert found, f"no #{id_} on the page"
    return found.group(0)


def link_data(other: Claim | str, kind: str = "refines") -> dict[str, str]:
    text = claim_label(other) if isinstance(other, Claim) else other
    return {"kind": kind, "other": text, "submission": str(uuid.uuid4())}


def test_the_demo_links_its_claims(demo: None) -> None:
    links = {
        (r.from_claim.text, r.kind, r.to_claim.text) for r in Relation.objects.select_related("from_claim", "to_claim")
    }
    assert (FORECAST, "refines", SENT) in links
    assert (AT_LEAST, "refines", SENT) in links


def test_both_claims_show_the_link_and_the_others_status(demo: None, viewer: User) -> None:
    client = client_for(viewer)
    parent = section(client.get(claim(SENT).get_absolute_url()).content.decode(), "relations")
    child = section(client.get(claim(FORECAST).get_absolute_url()).content.decode(), "relations")
    assert re.search(r'Refined by</span> <a href="/claims/\d+/">North Korea will have sent about 10,000', parent)
    assert re.search(r'Refines</span> <a href="/claims/\d+/">North Korea has sent troops to Russia</a>', child)
    # The other claim's current status beside it.
    assert claim(FORECAST).current_status.label in parent
    assert claim(SENT).current_status.label in child
    assert "Remove" not in parent and "<form" not in parent, "a viewer gets no controls"


def test_a_claim_without_links_reads_none(demo: None, viewer: User, settings: object) -> None:
    """Whether a claim has links is read with the claim: one without reads no links."""
    settings.PAGE_CACHE_SECONDS = 0  # type: ignore[attr-defined]
    lone = Claim.objects.get(text=SHIP)
    assert not Relation.objects.filter(from_claim=lone).exists() and not Relation.objects.filter(to_claim=lone).exists()
    client = client_for(viewer)
    for shown, reads in ((lone, False), (claim(SENT), True)):
        with CaptureQueriesContext(connection) as captured:
            page = client.get(shown.get_absolute_url()).content.decode()
        assert any(str(q["sql"]).startswith('SELECT "claims_relation"') for q in captured) is reads
        assert ("No linked claims." in section(page, "relations")) is not reads


def test_a_refining_claim_shows_the_broader_claims_sides(demo: None, viewer: User) -> None:
    """The DPRK denial of 21 October stands against "10,000 by year end" too."""
    page = client_for(viewer).get(claim(FORECAST).get_absolute_url()).content.decode()
    context = section(page, "context")
    assert SENT in context
    opposes = re.search(r'<div class="side side-opposes">.*?</div>', context, re.S)
    assert opposes and "DPRK representative at the UN" in opposes.group(0)
    assert 'id="context"' not in client_for(viewer).get(claim(SENT).get_absolute_url()).content.decode()


def test_an_editor_links_two_claims_from_the_page(demo: None, editor: User) -> None:
    client = client_for(editor)
    ship, sent = claim(SHIP), claim(SENT)
    response = client.post(reverse("claims:add_relation", args=[ship.pk]), link_data(sent))
    assert response.status_code == 302 and response["Location"].endswith("#relations")
    relation = Relation.objects.get(from_claim=ship, to_claim=sent)
    assert relation.kind == "refines" and relation.created_by == editor
    assert relation.history.get().history_user == editor
    page = client.get(ship.get_absolute_url()).content.decode()
    assert "Link added." in page


def test_the_claim_search_takes_words_or_a_number(demo: None, editor: User) -> None:
    client = client_for(editor)
    ship = claim(SHIP)
    target = claim("The troops may be used against Ukraine")
    Relation.objects.filter(from_claim=target).delete()
    response = client.post(reverse("claims:add_relation", args=[ship.pk]), link_data(f"#{target.pk}", "related"))
    assert response.status_code == 302
    assert Relation.objects.filter(from_claim=ship, to_claim=target, kind="related").exists()
    suggestions = client.get(reverse("claims:lookup", args=["claims"]), {"q": "troops"}).content.decode()
    assert claim_label(claim(SENT)) in suggestions


@pytest.mark.parametrize("htmx", [False, True])
def test_refused_links_are_said_and_store_nothing(demo: None, editor: User, htmx: bool) -> None:
    client = client_for(editor)
    headers = {"HX-Request": "true"} if htmx else {}
    forecast, sent = claim(FORECAST), claim(SENT)
    before = list(Relation.objects.values_list("pk", "kind"))
    cases = [
        (link_data(forecast), "cannot be linked to itself"),
        (link_data("no such claim at all"), "No claim matches"),
        (link_data(forecast, "contradicts") | {"kind": "undermines"}, "Select a valid choice"),
        # The reverse of the demo's link: two claims have one link.
        (link_data(forecast, "related"), "already linked"),
    ]
    for data, reason in cases:
        url = reverse("claims:add_relation", args=[sent.pk if "already" in reason else forecast.pk])
        response = client.post(url, data, headers=headers)
        assert response.status_code == (200 if htmx else 400), reason
        assert reason in response.content.decode(), reason
    assert list(Relation.objects.values_list("pk", "kind")) == before


def test_removing_a_link_keeps_it_in_the_history(demo: None, editor: User) -> None:
    client = client_for(editor)
    relation = Relation.objects.get(from_claim=claim(FORECAST), to_claim=claim(SENT))
    # From either end.
    url = reverse("claims:remove_relation", args=[claim(SENT).pk, relation.pk])
    assert client.post(url).status_code == 302
    assert not Relation.objects.filter(pk=relation.pk).exists()
    removed = Relation.history.filter(id=relation.pk, history_type="-").get()
    assert removed.history_user == editor
    again = client.post(url, follow=True)
    assert "That link was already removed." in again.content.decode()
    # A claim that is not an end of the link cannot remove it.
    other = Relation.objects.first()
    assert other is not None
    stray = reverse("claims:remove_relation", args=[claim(SHIP).pk, other.pk])
    client.post(stray)
    assert Relation.objects.filter(pk=other.pk).exists()


def test_only_the_desk_links_and_unlinks(demo: None, viewer: User) -> None:
    relation = Relation.objects.first()
    assert relation is not None
    client = client_for(viewer)
    url = reverse("claims:add_relation", args=[claim(SHIP).pk])
    assert client.post(url, link_data(claim(SENT))).status_code == 403
    remove = reverse("claims:remove_relation", args=[relation.from_claim_id, relation.pk])
    assert client.post(remove).status_code == 403
    assert Relation.objects.filter(pk=relation.pk).exists()
    assert not Relation.objects.filter(from_claim=claim(SHIP)).exists()
    assert Client().post(url, link_data(claim(SENT))).status_code == 302  # to the login page


def test_links_need_the_csrf_token(demo: None, editor: User) -> None:
    client = client_for(editor)
    client.handler.enforce_csrf_checks = True
    response = client.post(reverse("claims:add_relation", args=[claim(SHIP).pk]), link_data(claim(SENT)))
    assert response.status_code == 403
    assert not Relation.objects.filter(from_claim=claim(SHIP)).exists()


def test_the_service_keeps_one_link_per_pair(demo: None, editor: User) -> None:
    ship, sent = claim(SHIP), claim(SENT)
    services.add_relation(ship, sent, kind=RelationKind.SUPERSEDES, by=editor)
    for first, second, kind in [(ship, sent, "related"), (sent, ship, "refines"), (ship, ship, "related")]:
        with pytest.raises(services.DomainError):
            services.add_relation(first, second, kind=kind, by=editor)
    with pytest.raises(services.DomainError, match="Unknown kind"):
        services.add_relation(sent, claim(AT_LEAST), kind="maybe", by=editor)


def test_the_claim_page_reads_links_in_constant_queries(demo: None, editor: User) -> None:
    client = client_for(editor)
    sent = claim(SENT)
    counts = []
    # Each read follows a write, so the page is made afresh; the first one also makes the summary.
    for n in (1, 1, 12):
        for i in range(n):
            other = services.create_claim(text=f"Linked claim {len(counts)}-{i}", by=editor)
            services.add_relation(other, sent, kind=RelationKind.RELATED, by=editor)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(sent.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[1] == counts[2], counts


def test_the_admin_adds_and_removes_links_through_the_services(demo: None, superuser: User) -> None:
    client = client_for(superuser)
    ship, sent = claim(SHIP), claim(SENT)
    add = reverse("admin:claims_relation_add")
    form = {"from_claim": ship.pk, "kind": "refines", "to_claim": sent.pk, "submission": str(uuid.uuid4())}
    assert client.post(add, form).status_code == 302
    relation = Relation.objects.get(from_claim=ship, to_claim=sent)
    assert relation.created_by == superuser
    # The reverse is refused on the form, with the reason.
    reverse_form = form | {"from_claim": sent.pk, "to_claim": ship.pk, "submission": str(uuid.uuid4())}
    response = client.post(add, reverse_form)
    assert response.status_code == 200 and "already linked" in response.content.decode()
    delete = reverse("admin:claims_relation_delete", args=[relation.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert Relation.history.filter(id=relation.pk, history_type="-", history_user=superuser).exists()


def test_the_roles_hold_their_permissions_after_migrating(db: None) -> None:
    for name, codenames in ROLE_PERMISSIONS.items():
        held = set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))
        assert held == set(codenames), name
    editor = set(ROLE_PERMISSIONS["Editor"])
    assert {"add_relation", "delete_relation", "view_relation"} <= editor
    assert "view_relation" in ROLE_PERMISSIONS["Viewer"] and "add_relation" not in ROLE_PERMISSIONS["Viewer"]
