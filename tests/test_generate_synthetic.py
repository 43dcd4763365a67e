"""`generate_synthetic` makes rows that obey every rule data entered through the app obeys."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from claimtracker.claims import services
from claimtracker.claims.models import Attribution, Claim, ReviewState, StatusChange
from claimtracker.exports.stream import timeline_csv

pytestmark = pytest.mark.django_db


def test_generates_the_asked_numbers_consistently() -> None:
    out = StringIO()
    call_command("generate_synthetic", "--claims", "30", "--events-per-claim", "8", stdout=out)

    assert Claim.objects.count() == 30
    assert Attribution.objects.count() + StatusChange.objects.count() == 30 * 8
    assert not Attribution.objects.exclude(review_state=ReviewState.APPROVED).exists()
    for claim in Claim.objects.all():
        expected = (claim.current_status_id, claim.status_since, claim.status_since_precision)
        services.refresh_current_status(claim)
        claim.refresh_from_db()
        assert (claim.current_status_id, claim.status_since, claim.status_since_precision) == expected
    assert "Generated 30 claims and 240 events" in out.getvalue()
    # The export reads them like any other rows: a header and one line per event.
    assert b"".join(timeline_csv(Claim.objects.all())).count(b"\r\n") >= 1 + 240


def test_refuses_nonsense_sizes() -> None:
    with pytest.raises(CommandError, match="at least 1"):
        call_command("generate_synthetic", "--claims", "0", stdout=StringIO())


def test_hot_claims_and_a_hot_actor_make_skewed_shapes() -> None:
    from django.db.models import Count

    call_command(
        "generate_synthetic",
        "--claims",
        "20",
        "--events-per-claim",
        "4",
        "--hot-claims",
        "1",
        "--hot-events",
        "120",
        "--hot-actor-stances",
        "40",
        stdout=StringIO(),
    )
    sizes = sorted(
        (c.n_attr + c.n_change)
        for c in Claim.objects.annotate(
            n_attr=Count("attributions", distinct=True), n_change=Count("status_changes", distinct=True)
        )
    )
    assert sizes[-1] == 120 and sizes[0] == 4
    from claimtracker.claims.models import Actor

    busiest = Actor.objects.annotate(n=Count("attributions")).order_by("-n").first()
    assert busiest.n >= 40
    # The frozen-attribution trigger stepped aside for that and is back.
    from django.db import IntegrityError, transaction

    approved = Attribution.objects.filter(review_state=ReviewState.APPROVED).first()
    with pytest.raises(IntegrityError, match="frozen"), transaction.atomic():
        Attribution.objects.filter(pk=approved.pk).update(stance="denies" if approved.stance != "denies" else "asserts")


def test_pending_items_wait_for_review_without_moving_statuses() -> None:
    call_command("generate_synthetic", "--claims", "10", "--events-per-claim", "4", "--pending", "9", stdout=StringIO())
    statuses = dict(Claim.objects.values_list("pk", "current_status_id"))

    assert Attribution.objects.filter(review_state=ReviewState.PENDING).count() == 5
    assert StatusChange.objects.filter(review_state=ReviewState.PENDING).count() == 4
    for claim in Claim.objects.all():
        services.refresh_current_status(claim)
    assert dict(Claim.objects.values_list("pk", "current_status_id")) == statuses


def test_workbench_source_and_an_editor_with_entries_of_their_own() -> None:
    import re

    from django.contrib.auth.models import User
    from django.test import Client

    from claimtracker.accounts.roles import can_edit
    from claimtracker.claims import queries
    from claimtracker.claims.management.commands.generate_synthetic import MINE_USERNAME, WORKBENCH_URL
    from claimtracker.claims.models import Source
    from claimtracker.lib.quotes import locate

    out = StringIO()
    call_command(
        "generate_synthetic",
        "--claims",
        "30",
        "--events-per-claim",
        "4",
        "--workbench-quotes",
        "60",
        "--workbench-body-kb",
        "6",
        "--mine-entries",
        "80",
        stdout=out,
    )
    statuses = dict(Claim.objects.values_list("pk", "current_status_id"))

    # One source of about 6 KiB in paragraphs, some of them Korean, quoted 60 times.
    source = Source.objects.get(url__startswith=WORKBENCH_URL)
    assert 6 * 1024 <= len(source.body.encode()) < 9 * 1024
    assert "\n\n" in source.body and re.search("[\uac00-\ud7a3]", source.body)
    quoted = list(source.attributions.all())
    assert len(quoted) == 60
    assert {a.review_state for a in quoted} >= {ReviewState.APPROVED, ReviewState.PENDING}
    assert len({a.claim_id for a in quoted}) > 1 and len({a.actor_id for a in quoted}) > 1
    # Each quote stands where the app's quote check puts it; 3 of the 60 are not in the text.
    for attribution in quoted:
        selector = locate(source.body, attribution.quote)
        if selector is None:
            assert attribution.quote_start is attribution.quote_end is None
        else:
            assert (attribution.quote_start, attribution.quote_end) == (selector.start, selector.end)
            assert (attribution.quote_prefix, attribution.quote_suffix) == (selector.prefix, selector.suffix)
            assert attribution.quote_case_differs == selector.case_differs
    assert sum(a.quote_start is None for a in quoted) == 3
    assert any(a.quote_case_differs for a in quoted)

    # The editor's entries: every state, the rejected ones with a note.
    editor = User.objects.get(username=MINE_USERNAME)
    assert can_edit(editor)
    assert queries.my_counts(editor) == {"pending": 28, "rejected": 16, "withdrawn": 8}
    assert (
        Attribution.objects.filter(created_by=editor, review_state=ReviewState.APPROVED).count()
        + StatusChange.objects.filter(recorded_by=editor, review_state=ReviewState.APPROVED).count()
        == 28
    )
    assert not Attribution.objects.filter(created_by=editor, review_state=ReviewState.REJECTED, review_note="").exists()
    assert StatusChange.objects.filter(recorded_by=editor).exists()
    # Approved status changes of the editor's did not move any claim's current status.
    for claim in Claim.objects.all():
        services.refresh_current_status(claim)
    assert dict(Claim.objects.values_list("pk", "current_status_id")) == statuses
    assert "60 attributions" in out.getvalue() and "80 entries" in out.getvalue()

    # The pages the benchmark measures render for that editor.
    client = Client()
    client.force_login(editor)
    page = client.get(source.get_absolute_url())
    assert page.status_code == 200 and b"<mark" in page.content
    for state in ("pending", "rejected", "withdrawn"):
        assert client.get(f"/mine/?state={state}").status_code == 200


def test_the_same_seed_makes_the_same_workbench_text() -> None:
    from claimtracker.claims.management.commands.generate_synthetic import WORKBENCH_URL
    from claimtracker.claims.models import Source

    for _ in range(2):
        call_command(
            "generate_synthetic",
            "--claims",
            "5",
            "--workbench-quotes",
            "10",
            "--workbench-body-kb",
            "2",
            stdout=StringIO(),
        )
    first, second = Source.objects.filter(url__startswith=WORKBENCH_URL).order_by("pk")
    assert second.body == first.body and second.url != first.url
