"""Reads that pages share, with their joins and prefetches set so that no page
runs a query per row."""

from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch, QuerySet

from claimtracker.claims.models import Attribution, Claim, ReviewState, StatusChange

M = TypeVar("M", Attribution, StatusChange)


def claims_for_list() -> QuerySet[Claim]:
    return Claim.objects.select_related("current_status").order_by("-created_at", "-id")


def _visible(queryset: QuerySet[M], user: User | AnonymousUser, include_pending: bool) -> QuerySet[M]:
    """Viewers see approved entries; staff may ask for pending and rejected ones too."""
    if include_pending and user.is_staff:
        return queryset
    return queryset.filter(review_state=ReviewState.APPROVED)


def claim_with_timeline(pk: int, user: User | AnonymousUser, *, include_pending: bool = False) -> Claim:
    """A claim with its attributions and status changes in date order, ready to show.
    Raises Claim.DoesNotExist."""
    attributions = _visible(
        Attribution.objects.select_related("actor", "via", "source", "source__publisher"), user, include_pending
    ).order_by("stated_on", "id")
    changes = _visible(
        StatusChange.objects.select_related("status", "recorded_by", "reviewed_by"),
        user,
        include_pending,
    ).order_by("effective_on", "recorded_at", "id")
    return (
        Claim.objects.select_related("current_status", "created_by")
        .prefetch_related(
            "topics",
            Prefetch("attributions", queryset=attributions, to_attr="timeline_attributions"),
            Prefetch("status_changes", queryset=changes, to_attr="timeline_changes"),
        )
        .get(pk=pk)
    )
