"""The claim list's filters (django-filter). The CSV export reads the same ones."""

import datetime
from typing import Any

import django_filters
import django_filters.fields
from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from claimtracker.claims import search
from claimtracker.claims.forecast import Outcome
from claimtracker.claims.lookups import ActorField
from claimtracker.claims.models import (
    Actor,
    Attribution,
    Claim,
    ReviewState,
    Stance,
    Status,
    StatusChange,
    Topic,
    Verdict,
)
from claimtracker.lib import keyset
from claimtracker.lib.choices import Choices
from claimtracker.lib.keyset import Key

SORT_KEYS = {
    "relevance": [Key("rank", descending=True, kind=float), Key("id", descending=True)],
    # Recording order: ids grow as claims are recorded, and the primary key's index
    # serves both directions (created_at is set by the database, and SQLite writes
    # it in another text format than the one cursors would compare it with).
    "newest": [Key("id", descending=True)],
    "oldest": [Key("id")],
    "status": [
        Key("status_since", descending=True, nullable=True, kind=datetime.date),
        Key("id", descending=True),
    ],
    "due": [Key("due_on", nullable=True, kind=datetime.date), Key("id")],
}
SORTS = {
    "relevance": "Best match",
    "newest": "Newest first",
    "oldest": "Oldest first",
    "status": "Status changed most recently",
    "due": "Due soonest",
}


def _approved_attributions() -> QuerySet[Attribution]:
    return Attribution.objects.filter(claim=OuterRef("pk"), review_state=ReviewState.APPROVED)


class ClaimFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date comes before the start date.")
        return cleaned


class _Choices(Choices, django_filters.fields.ModelChoiceIterator):
    """One plain query for the choices (claimtracker.lib.choices)."""


class _ListedChoices(django_filters.fields.ModelMultipleChoiceField):
    iterator = _Choices


class _ListedChoice(django_filters.fields.ModelChoiceField):
    iterator = _Choices


class StatusFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = _ListedChoices


class TopicFilter(django_filters.ModelChoiceFilter):
    field_class = _ListedChoice


class ActorFilter(django_filters.Filter):
    """An actor typed by name, short name or alias (or given by id, as links do)."""

    field_class = ActorField


class ClaimFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="filter_search", max_length=200)
    status = StatusFilter(
        field_name="current_status__slug",
        to_field_name="slug",
        queryset=Status.objects.all(),
        label="Status",
        widget=forms.CheckboxSelectMultiple,  # every status in view; a multi-select shows a few and clips the rest
    )
    actor = ActorFilter(method="filter_actor", label="Actor")
    stance = django_filters.ChoiceFilter(choices=Stance.choices, method="filter_stance", label="Stance")
    topic = TopicFilter(queryset=Topic.objects.all(), to_field_name="slug", method="filter_topic", label="Topic")
    # Shown together in a fieldset "Said or changed" (claims/claim_list.html).
    date_from = django_filters.DateFilter(
        method="filter_noop", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        method="filter_noop", label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    pending = django_filters.BooleanFilter(
        method="filter_pending", label="Has pending review", widget=forms.CheckboxInput
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Overdue forecasts", widget=forms.CheckboxInput
    )
    outcome = django_filters.ChoiceFilter(
        choices=Outcome.choices, method="filter_outcome", label="Forecast", empty_label="Any"
    )
    sort = django_filters.ChoiceFilter(
        choices=list(SORTS.items()), method="filter_noop", label="Sort", empty_label=None
    )

    sort_keys = SORT_KEYS["newest"]  # set by filter_queryset to the order it applied

    class Meta:
        model = Claim
        fields: list[str] = []
        form = ClaimFilterForm

    def filter_noop(self, queryset: QuerySet[Claim], name: str, value: Any) -> QuerySet[Claim]:
        return queryset  # applied together in filter_queryset

    def filter_search(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return search.search(queryset, value)

    def filter_actor(self, queryset: QuerySet[Claim], name: str, value: Actor) -> QuerySet[Claim]:
        return queryset.filter(Exists(_approved_attributions().filter(Q(actor=value) | Q(via=value))))

    def filter_stance(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return queryset.filter(Exists(_approved_attributions().filter(stance=value)))

    def filter_topic(self, queryset: QuerySet[Claim], name: str, value: Topic) -> QuerySet[Claim]:
        return queryset.filter(topics=value)

    def filter_pending(self, queryset: QuerySet[Claim], name: str, value: bool) -> QuerySet[Claim]:
        if not value:
            return queryset
        pending = ReviewState.PENDING
        return queryset.filter(
            Exists(Attribution.objects.filter(claim=OuterRef("pk"), review_state=pending))
            | Exists(StatusChange.objects.filter(claim=OuterRef("pk"), review_state=pending))
        )

    def filter_overdue(self, queryset: QuerySet[Claim], name: str, value: bool) -> QuerySet[Claim]:
        return self.filter_outcome(queryset, name, Outcome.OVERDUE) if value else queryset

    def filter_outcome(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        """Claims whose forecast has this outcome today (the rules of claims.forecast.judge)."""
        today = timezone.localdate()
        undecided = Q(current_status__isnull=True) | Q(current_status__verdict=Verdict.OPEN)
        true = Q(current_status__verdict=Verdict.TRUE, resolved_on__isnull=False)
        condition = (
            {
                Outcome.OPEN: undecided & Q(due_on__gte=today),
                Outcome.OVERDUE: undecided & Q(due_on__lt=today),
                Outcome.FAILED: Q(current_status__verdict__in=[Verdict.FALSE, Verdict.WITHDRAWN]),
                Outcome.RESOLVED_EARLY: true & Q(resolved_on__lt=F("due_on")),
                Outcome.RESOLVED_ON_TIME: true & Q(resolved_on=F("due_on")),
                Outcome.RESOLVED_LATE: true & Q(resolved_on__gt=F("due_on")),
            }.get(Outcome(value))
            if value in Outcome.values
            else None
        )
        if condition is None:
            return queryset
        return queryset.filter(condition, due_on__isnull=False)

    def filter_queryset(self, queryset: QuerySet[Claim]) -> QuerySet[Claim]:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        queryset = self._filter_dates(queryset, data.get("date_from"), data.get("date_to"))
        sort = data.get("sort") or ("relevance" if data.get("q") else "newest")
        if sort == "relevance" and "rank" not in queryset.query.annotations:
            sort = "newest"  # no search (or SQLite, which does not rank)
        self.sort_keys = SORT_KEYS.get(sort, SORT_KEYS["newest"])
        return queryset.order_by(*keyset.order_by(self.sort_keys))

    def _filter_dates(
        self, queryset: QuerySet[Claim], start: datetime.date | None, end: datetime.date | None
    ) -> QuerySet[Claim]:
        if start is None and end is None:
            return queryset
        said, changed = Q(), Q()
        if start is not None:
            said &= Q(stated_on__gte=start)
            changed &= Q(effective_on__gte=start)
        if end is not None:
            said &= Q(stated_on__lte=end)
            changed &= Q(effective_on__lte=end)
        approved_changes = StatusChange.objects.filter(claim=OuterRef("pk"), review_state=ReviewState.APPROVED)
        return queryset.filter(Exists(_approved_attributions().filter(said)) | Exists(approved_changes.filter(changed)))
