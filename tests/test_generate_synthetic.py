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


def test_pending_items_wait_for_review_without_moving_statuses() -> None:
    call_command("generate_synthetic", "--claims", "10", "--events-per-claim", "4", "--pending", "9", stdout=StringIO())
    statuses = dict(Claim.objects.values_list("pk", "current_status_id"))

    assert Attribution.objects.filter(review_state=ReviewState.PENDING).count() == 5
    assert StatusChange.objects.filter(review_state=ReviewState.PENDING).count() == 4
    for claim in Claim.objects.all():
        services.refresh_current_status(claim)
    assert dict(Claim.objects.values_list("pk", "current_status_id")) == statuses
