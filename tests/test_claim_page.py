"""The claim page: sides, timeline, chart, history, and the in-place forms."""

import datetime
import re
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claimtracker.claims import held, queries, services
from claimtracker.claims.forms import RECENT_CHOICES, StatusChangeForm
from claimtracker.claims.models import (
    Actor,
    Attribution,
    Claim,
    DataVersion,
    RelationKind,
    ReviewState,
    Source,
    Status,
    StatusChange,
    Topic,
)
from claimtracker.claims.versions import PEOPLE
from tests.conftest import client_for
from tests.factories import AttributionFactory, ClaimFactory, StatusChangeFactory

pytestmark = pytest.mark.django_db

TROOPS = "North Korea has sent troops to Russia"


@pytest.fixture
def claim(demo: None) -> Claim:
    return Claim.objects.get(text=TROOPS)


def page(client: Client, claim: Claim) -> str:
    response = client.get(reverse("claims:detail", args=[claim.pk]))
    assert response.status_code == 200
    return response.content.decode()


def attribution_data(**overrides: object) -> dict[str, object]:
    return {
        "submission": str(uuid.uuid4()),
        "actor": Actor.objects.get(name="Jake Sullivan").pk,
        "stance": "confirms",
        "certainty": "definite",
        "source": Source.objects.get().pk,
        "quote": "Seoul and Washington have confirmed",
        "quote_kind": "reported",
        "via": "",
        "stated_on": "2024-10-25",
        "stated_on_precision": "day",
    } | overrides


def status_data(**overrides: object) -> dict[str, object]:
    return {
        "submission": str(uuid.uuid4()),
        "status": Status.objects.get(slug="confirmed").pk,
        "effective_on": "2024-10-28",
        "effective_on_precision": "day",
        "rationale": "Pentagon confirms too.",
    } | overrides


def test_sides_show_each_actors_latest_stance(claim: Claim, viewer: User) -> None:
    html = page(client_for(viewer), claim)
    supports = html[html.index("<h3>Supports</h3>") : html.index("<h3>Opposes</h3>")]
    opposes = html[html.index("<h3>Opposes</h3>") : html.index('id="timeline-heading"')]
    assert "Kim Jong-gyu" in supports and "Government of South Korea" in supports
    assert "DPRK representative at the UN" in opposes


def test_chart_draws_status_bands_and_stance_markers(claim: Claim, viewer: User) -> None:
    html = page(client_for(viewer), claim)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert re.findall(r'data-status="([^"]+)"', svg) == ["Reported", "Disputed", "Corroborated"]
    counts = re.findall(r'data-count="(\d+)" fill="[^"]+" class="marker marker-(\w+)"', svg)
    assert sum(int(n) for n, polarity in counts if polarity == "supports") == 3
    assert sum(int(n) for n, polarity in counts if polarity == "opposes") == 1
    # Numbered in date order, each a link to its entry in the timeline.
    denial = Attribution.objects.get(claim=claim, stance="denies")
    assert re.search(
        rf'<a href="#a{denial.pk}" aria-label="(\d+)\. 21 Oct 2024: DPRK representative at the UN denies">', svg
    )
    numbers = [int(n) for n in re.findall(r'class="marker-number" text-anchor="middle">(\d+)<', svg)]
    assert numbers == list(range(1, len(counts) + 1))
    assert f'id="a{denial.pk}"' in html


def test_history_lists_who_changed_what(claim: Claim, viewer: User) -> None:
    html = page(client_for(viewer), claim)
    history = html[html.index('id="history-heading"') :]
    assert "editor created the claim" in history
    assert "reviewer changed the attribution of Kim Jong-gyu (approved)" in history


def test_the_claim_is_read_with_what_dates_and_keys_its_page(
    claim: Claim, editor: User, django_assert_num_queries: Any
) -> None:
    """queries.claim_for_page's one statement: the claim, its status, when the desk
    last approved a change (the ClaimReview's date), its data versions, whether it
    links to others; and its topics, by name, in a second."""
    claim.topics.add(Topic.objects.create(name="Aa first by name", slug="aa-first"))
    with django_assert_num_queries(2):
        read = queries.claim_for_page(claim.pk)
    with django_assert_num_queries(0):
        topics = list(read.topics.all())
    assert topics == list(claim.topics.order_by("name")) and len(topics) >= 2
    assert topics[0].slug == "aa-first" and read.topics.filter(slug="aa-first").exists()
    approved = claim.status_changes.filter(review_state=ReviewState.APPROVED).latest("recorded_at")
    assert read.reviewed_at == approved.recorded_at and timezone.is_aware(read.reviewed_at)  # type: ignore[attr-defined]
    assert (read.text, read.current_status, read.status_since) == (claim.text, claim.current_status, claim.status_since)
    assert read.claim_version == DataVersion.objects.get(scope=f"c:{claim.pk}").value  # type: ignore[attr-defined]
    assert read.people_version == DataVersion.objects.get(scope=PEOPLE).value  # type: ignore[attr-defined]
    # Linked, whichever way the link is read.
    first, second = Claim.objects.filter(relations_out=None, relations_in=None)[:2]
    assert not queries.claim_for_page(first.pk).linked  # type: ignore[attr-defined]
    services.add_relation(first, second, kind=RelationKind.REFINES, by=editor)
    assert queries.claim_for_page(first.pk).linked and queries.claim_for_page(second.pk).linked  # type: ignore[attr-defined]
    with pytest.raises(Claim.DoesNotExist):
        queries.claim_for_page(10**12)


def test_history_dates_each_edit_newest_first(claim: Claim, viewer: User) -> None:
    html = page(client_for(viewer), claim)
    history = html[html.index('id="history-heading"') :]
    dates = re.findall(r'<li><time datetime="([^"]+)">', history)
    assert dates == sorted(dates, reverse=True) and len(dates) >= 2
    created = claim.history.earliest("history_date").history_date  # type: ignore[attr-defined]
    assert dates[-1] == timezone.localtime(created).isoformat()  # read as the aware time stored, on either database


def test_viewer_gets_no_forms_editor_gets_both_with_a_suggestion(claim: Claim, viewer: User, editor: User) -> None:
    assert "Add attribution" not in page(client_for(viewer), claim)
    html = page(client_for(editor), claim)
    assert '<button type="submit" class="primary">Add attribution</button>' in html
    assert '<button type="submit">Propose status change</button>' in html
    assert "Suggested:" in html and "Corroborated" in html[html.index("Suggested:") :][:400]


def test_editor_adds_an_attribution_that_waits_for_review(claim: Claim, editor: User) -> None:
    client = client_for(editor)
    response = client.post(reverse("claims:add_attribution", args=[claim.pk]), attribution_data())

    assert response.status_code == 302
    assert response["Location"] == f"/claims/{claim.pk}/#attribution-form"
    added = Attribution.objects.get(actor__name="Jake Sullivan", claim=claim)
    assert (added.review_state, added.created_by, added.quote_found) == (ReviewState.PENDING, editor, True)


def test_htmx_add_attribution_returns_the_refreshed_claim_body(claim: Claim, editor: User, superuser: User) -> None:
    response = client_for(editor).post(
        reverse("claims:add_attribution", args=[claim.pk]), attribution_data(), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response["HX-Retarget"] == "#claim-body"
    assert html.lstrip().startswith('<article class="claim" id="claim-body">')
    assert "Jake Sullivan</strong></a> confirms" in html
    # Said beside the form, where focus goes after the swap.
    assert 'role="status" tabindex="-1" data-focus-after-swap>Attribution added; it waits for a reviewer.' in html
    assert Attribution.objects.filter(actor__name="Jake Sullivan", claim=claim).count() == 1


def test_bad_attribution_is_refused_next_to_fields_keeping_input(claim: Claim, editor: User) -> None:
    response = client_for(editor).post(
        reverse("claims:add_attribution", args=[claim.pk]),
        attribution_data(stated_on="2024-10-21", stated_on_precision="mon", quote="keep\x00this", actor="999999"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    form = html[html.index('id="attribution-form"') :]
    assert "Select a valid choice. mon is not one of the available choices." in form
    assert "Null characters are not allowed." in form
    assert "No actor is called “999999”" in form
    assert 'value="2024-10-21"' in form  # what the user typed stays
    assert not Attribution.objects.filter(stance="confirms", actor__name="Jake Sullivan").exists()


def test_htmx_invalid_attribution_returns_the_form_partial(claim: Claim, editor: User) -> None:
    response = client_for(editor).post(
        reverse("claims:add_attribution", args=[claim.pk]),
        attribution_data(stated_on="2024-02-30"),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="attribution-form"')
    assert "Enter a valid date." in html
    assert 'aria-invalid="true"' in html


def test_double_submit_creates_one_attribution(claim: Claim, editor: User) -> None:
    client = client_for(editor)
    data = attribution_data()
    first = client.post(reverse("claims:add_attribution", args=[claim.pk]), data)
    second = client.post(reverse("claims:add_attribution", args=[claim.pk]), data)

    assert first.status_code == second.status_code == 302
    assert Attribution.objects.filter(actor__name="Jake Sullivan", claim=claim).count() == 1


def test_an_attribution_sent_once_reads_its_actor_in_one_statement_and_asks_nothing_of_its_token(
    claim: Claim, editor: User
) -> None:
    """The write of every attribution the desk records: its actor looked up by
    name in one statement (lookups._named), and its one-time token only taken,
    in one statement, not asked after first, while nothing like it is recorded
    yet (a second click finds the first, above)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(editor)
    client.get(reverse("claims:detail", args=[claim.pk]))  # the session and its user read once before
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            reverse("claims:add_attribution", args=[claim.pk]), attribution_data(actor="jake SULLIVAN")
        )
    assert response.status_code == 302
    statements = [query["sql"] for query in captured.captured_queries]
    assert [sql for sql in statements if "claims_submission" in sql and sql.startswith("SELECT")] == []
    assert len([sql for sql in statements if "claims_actoralias" in sql]) == 1
    # The token taken in one statement, with no savepoint of its own around it (submissions.record).
    [taken] = [i for i, sql in enumerate(statements) if "claims_submission" in sql]
    assert "ON CONFLICT" in statements[taken]
    assert not statements[taken + 1].startswith("RELEASE SAVEPOINT")
    # The session, its user and their permissions read in one statement, as for a stored page
    # (pagecache._opened), with the permissions this process keeps under the people counter.
    assert len([sql for sql in statements if "accounts_session" in sql]) == 1
    assert [sql for sql in statements if "auth_permission" in sql or sql.startswith("SELECT id, password")] == []
    assert Attribution.objects.filter(actor__name="Jake Sullivan", claim=claim).count() == 1


def test_a_write_after_the_role_was_taken_away_with_sql_is_refused(claim: Claim, editor: User) -> None:
    """The permissions a write is checked against are the ones held now: taken
    away outside Django after the editor's last page, the next write is refused
    and stores nothing."""
    from django.db import connection

    client = client_for(editor)
    client.get(reverse("claims:detail", args=[claim.pk]))  # the editor's permissions kept by this process
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM auth_user_groups WHERE user_id = %s", [editor.pk])
    before = Attribution.objects.count()
    response = client.post(reverse("claims:add_attribution", args=[claim.pk]), attribution_data())
    assert response.status_code == 403
    assert Attribution.objects.count() == before


def test_editor_proposes_a_status_change_with_evidence(claim: Claim, editor: User) -> None:
    evidence = claim.attributions.filter(stance="confirms")
    response = client_for(editor).post(
        reverse("claims:propose_status_change", args=[claim.pk]),
        status_data(evidence=[a.pk for a in evidence]),
    )
    assert response.status_code == 302
    change = StatusChange.objects.get(rationale="Pentagon confirms too.")
    assert change.review_state == ReviewState.PENDING
    assert set(change.evidence.all()) == set(evidence)
    claim.refresh_from_db()
    assert claim.current_status.slug == "corroborated", "pending until a reviewer approves"


def test_status_change_without_rationale_or_with_bad_precision_is_refused(claim: Claim, editor: User) -> None:
    response = client_for(editor).post(
        reverse("claims:propose_status_change", args=[claim.pk]),
        status_data(rationale="   ", effective_on="2024-10-28", effective_on_precision="decade"),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in html
    assert "Select a valid choice. decade is not one of the available choices." in html
    assert not StatusChange.objects.filter(status__slug="confirmed").exists()


def test_a_status_change_dated_after_today_is_refused_and_its_form_kept(claim: Claim, editor: User) -> None:
    """The desk assesses what has happened: an effective date after today (a
    day's slack for time zones) is refused beside the form, with what was typed."""
    far = timezone.localdate() + datetime.timedelta(days=400)
    response = client_for(editor).post(
        reverse("claims:propose_status_change", args=[claim.pk]),
        status_data(effective_on=far.isoformat(), rationale="Announced for next year."),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert f"The effective date {far:%-d %b %Y} is after today" in html
    assert "Announced for next year." in html
    assert not StatusChange.objects.filter(status__slug="confirmed").exists()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    client_for(editor).post(
        reverse("claims:propose_status_change", args=[claim.pk]), status_data(effective_on=tomorrow.isoformat())
    )
    assert StatusChange.objects.filter(status__slug="confirmed", effective_on=tomorrow).exists()  # the slack


def test_a_date_of_month_or_year_precision_is_stored_as_the_start_of_its_period(claim: Claim, editor: User) -> None:
    client = client_for(editor)
    client.post(
        reverse("claims:propose_status_change", args=[claim.pk]),
        status_data(effective_on="2024-10-28", effective_on_precision="year"),
    )
    client.post(
        reverse("claims:add_attribution", args=[claim.pk]),
        attribution_data(stated_on="2024-10-21", stated_on_precision="month"),
    )
    change = StatusChange.objects.get(status__slug="confirmed")
    assert (change.effective_on, change.effective_on_display) == (datetime.date(2024, 1, 1), "2024")
    added = Attribution.objects.get(stance="confirms", actor__name="Jake Sullivan")
    assert (added.stated_on, added.stated_on_display) == (datetime.date(2024, 10, 1), "Oct 2024")


def test_evidence_and_corrections_must_belong_to_the_claim(claim: Claim, editor: User) -> None:
    other = Claim.objects.exclude(pk=claim.pk).first()
    foreign_attribution = other.attributions.first()
    foreign_change = other.status_changes.first()
    response = client_for(editor).post(
        reverse("claims:propose_status_change", args=[claim.pk]),
        status_data(evidence=[foreign_attribution.pk], corrects=foreign_change.pk),
    )
    html = response.content.decode()
    assert html.count("Select a valid choice") == 2
    assert not StatusChange.objects.filter(status__slug="confirmed").exists()


def test_double_submit_creates_one_status_change(claim: Claim, editor: User) -> None:
    client = client_for(editor)
    data = status_data()
    for _ in range(2):
        client.post(reverse("claims:propose_status_change", args=[claim.pk]), data)
    assert StatusChange.objects.filter(rationale="Pentagon confirms too.").count() == 1


def test_viewer_cannot_post_forms(claim: Claim, viewer: User) -> None:
    client = client_for(viewer)
    assert client.post(reverse("claims:add_attribution", args=[claim.pk]), attribution_data()).status_code == 403
    assert client.post(reverse("claims:propose_status_change", args=[claim.pk]), status_data()).status_code == 403
    assert not Attribution.objects.filter(actor__name="Jake Sullivan", claim=claim).exists()


def test_forms_post_to_unknown_claim_is_404(editor: User, demo: None) -> None:
    response = client_for(editor).post(reverse("claims:add_attribution", args=[999999]), attribution_data())
    assert response.status_code == 404


def test_editor_claim_page_query_count_is_constant(
    claim: Claim, editor: User, reviewer: User, django_assert_max_num_queries: object
) -> None:
    from claimtracker.claims import services

    client = client_for(editor)
    # The first page of the timeline holds status changes and attributions both times
    # (a page of attributions only would skip the status-change query).
    # 26: the page reads the claim's links in one query (queries.links).
    url = reverse("claims:detail", args=[claim.pk]) + "?events=1"
    with django_assert_max_num_queries(26) as few:  # type: ignore[operator]
        client.get(url)
    source = Source.objects.get()
    actor = Actor.objects.get(name="Jake Sullivan")
    for day in range(1, 29):
        a = services.add_attribution(
            claim, actor=actor, source=source, stance="asserts", stated_on=datetime.date(2024, 11, day), by=editor
        )
        services.approve(a, by=reviewer)
    held.forget()  # the reader's permissions read again, as for the first view
    with django_assert_max_num_queries(26) as many:  # type: ignore[operator]
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_summary_is_reused_until_its_data_changes(
    claim: Claim, viewer: User, editor: User, reviewer: User, superuser: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from claimtracker.claims import services

    client = client_for(viewer)
    url = reverse("claims:detail", args=[claim.pk])
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as second:
        html = client.get(url).content.decode()
    assert len(second) < len(first)  # the sides, chart and JSON-LD came from the cache
    assert "Jake Sullivan" not in html[: html.index('id="timeline-heading"')]

    # A newly approved stance shows on the next view.
    sullivan = Actor.objects.get(name="Jake Sullivan")
    added = services.add_attribution(
        claim,
        actor=sullivan,
        source=Source.objects.get(),
        stance="confirms",
        stated_on=datetime.date(2024, 11, 1),
        by=editor,
    )
    services.approve(added, by=reviewer)
    html = page(client, claim)
    assert "Jake Sullivan" in html[html.index("<h3>Supports</h3>") : html.index("<h3>Opposes</h3>")]

    # So does a renamed actor, and a relabelled status.
    sullivan.name = "Jacob Sullivan"
    services.save_actor(sullivan, by=superuser)
    status = Status.objects.get(slug="corroborated")
    status.label = "Backed by two sides"
    status.save()
    html = page(client, claim)
    assert "Jacob Sullivan" in html[html.index("<h3>Supports</h3>") : html.index("<h3>Opposes</h3>")]
    assert 'data-status="Backed by two sides"' in html


@pytest.mark.parametrize("events", [0, 3, 25, 53])
def test_the_latest_timeline_page_is_the_last_page_read_with_its_count_in_one_query(db: None, events: int) -> None:
    """With no page asked for, the timeline shows its last page (pages run from the
    oldest), read with how many events there are in one query: the same page,
    numbers and pager as asking for the last page by its number."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from claimtracker.claims import queries
    from tests.factories import AttributionFactory, ClaimFactory, StatusChangeFactory

    claim = ClaimFactory()
    for n in range(events):  # several on a day, attributions and status changes mixed
        day = datetime.date(2024, 1, 1) + datetime.timedelta(days=n // 3)
        if n % 4 == 3:
            StatusChangeFactory(claim=claim, effective_on=day, review_state=ReviewState.PENDING)
        else:
            AttributionFactory(claim=claim, stated_on=day, review_state=ReviewState.PENDING)
    with CaptureQueriesContext(connection) as latest_queries:
        latest, latest_events = queries.timeline_page(claim, None, include_pending=True)
    last = str(latest.paginator.num_pages)
    with CaptureQueriesContext(connection) as numbered_queries:
        numbered, numbered_events = queries.timeline_page(claim, last, include_pending=True)
    assert latest.paginator.count == numbered.paginator.count == events
    assert (latest.number, latest.start_index(), latest.end_index(), latest.has_previous(), latest.has_next()) == (
        numbered.number,
        numbered.start_index(),
        numbered.end_index(),
        numbered.has_previous(),
        numbered.has_next(),
    )
    assert [(e.date, e.kind, e.item.pk) for e in latest_events] == [
        (e.date, e.kind, e.item.pk) for e in numbered_events
    ]
    # No COUNT of its own (of no events, Django's paginator reads no page either).
    assert len(latest_queries.captured_queries) == len(numbered_queries.captured_queries) - (1 if events else 0)


def test_the_claim_page_reads_the_statuses_once(demo: None, editor: User) -> None:
    """The page lists every status for the suggestion and the status form offers
    them: the form is given the rows the page read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    claim = Claim.objects.get(text=TROOPS)
    with CaptureQueriesContext(connection) as queries:
        response = client_for(editor).get(reverse("claims:detail", args=[claim.pk]))
    assert response.status_code == 200 and 'name="status"' in response.content.decode()
    statuses = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "claims_status"."id"')]
    assert len(statuses) == 1, statuses


def test_the_status_form_offers_the_newest_entries_and_accepts_any(editor: User, reviewer: User) -> None:
    """Evidence and the change to correct: the RECENT_CHOICES newest, newest
    first (entries in review offered as evidence, rejected ones not), each named
    as its claim's page names it; an older one is accepted all the same."""
    claim = ClaimFactory()
    day = datetime.date(2024, 1, 1)

    def reviewed(state: str) -> dict[str, object]:
        review = {"reviewed_by": reviewer, "reviewed_at": timezone.now()} if state != "pending" else {}
        return {"review_state": state, **review}

    said = [
        AttributionFactory(claim=claim, stated_on=day + datetime.timedelta(days=n), **reviewed(state))
        for n, state in enumerate(["approved", "pending", "rejected"] * 6)
    ]
    changes = [
        StatusChangeFactory(claim=claim, effective_on=day + datetime.timedelta(days=n), **reviewed("approved"))
        for n in range(RECENT_CHOICES + 2)
    ]
    html = page(client_for(editor), claim)
    offered = [a for a in reversed(said) if a.review_state != "rejected"][:RECENT_CHOICES]
    assert re.findall(r'name="evidence" value="(\d+)"', html) == [str(a.pk) for a in offered]
    assert f"{offered[0].actor.name} asserts ({offered[0].stated_on_display})" in html
    corrects = re.search(r'<select name="corrects".*?</select>', html, re.S)
    assert corrects
    newest = list(reversed(changes))[:RECENT_CHOICES]
    assert re.findall(r'<option value="(\d+)"', corrects.group(0)) == [str(c.pk) for c in newest]
    assert f"Reported on {newest[0].effective_on_display}: Reported by a credible outlet." in corrects.group(0)
    form = StatusChangeForm({}, claim=claim)  # a form sent accepts any entry of the claim, the oldest too
    assert form.fields["corrects"].clean(changes[0].pk) == changes[0]
    assert list(form.fields["evidence"].clean([said[0].pk])) == [said[0]]
