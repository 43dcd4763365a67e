"""The claim list's filters (django-filter). The CSV export reads the same ones.

With ``as_of`` or ``known`` (claims.moment), every filter reads the record of
then: the claims said or assessed by then, the status and forecast outcome
they had then, the entries approved by then."""

import copy
import datetime
from collections import OrderedDict
from typing import Any

import django_filters
import django_filters.fields
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from claimtracker.claims import moment, search
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
from claimtracker.claims.moment import TODAY, BadMoment, Moment
from claimtracker.claims.queries.claims import THEN, holding, said_by, with_then
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


RESOLVED = (Outcome.RESOLVED_EARLY, Outcome.RESOLVED_ON_TIME, Outcome.RESOLVED_LATE)

# The sort keys of a view of the past: the status of then, annotated by with_then.
PAST_SORT_KEYS = SORT_KEYS | {
    "status": [
        Key("then_since", descending=True, nullable=True, kind=datetime.date),
        Key("id", descending=True),
    ]
}


class ClaimFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date comes before the start date.")
        if cleaned.get("pending") and (cleaned.get("as_of") or cleaned.get("known")):
            self.add_error("pending", "Work in review is today's: a view of the past shows approved entries only.")
        return cleaned


class DayField(forms.CharField):
    """A day of a view of the past, read by claims.moment's rules (ISO, from
    1900, not after today)."""

    widget = forms.DateInput(attrs={"type": "date"})

    def to_python(self, value: Any) -> datetime.date | None:  # type: ignore[override]
        try:
            return moment.day(str(self.label), super().to_python(value) or "")
        except BadMoment as error:
            raise ValidationError(str(error)) from None


class DayFilter(django_filters.Filter):
    field_class = DayField


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
        method="filter_status",
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
    # A view of the past (claims.moment), shown together in a fieldset "The record on a date".
    as_of = DayFilter(method="filter_noop", label="As of", help_text="What was so on that day")
    known = DayFilter(method="filter_noop", label="As known on", help_text="What the desk had approved by then")

    sort_keys = SORT_KEYS["newest"]  # set by filter_queryset to the order it applied
    moment = TODAY  # set by filter_queryset to the view it read
    _counting = False  # set by count

    class Meta:
        model = Claim
        fields: list[str] = []
        form = ClaimFilterForm

    def get_form_class(self) -> type[forms.Form]:
        """The filters' form class, made once: django-filter makes one for each
        filterset, each field built anew from its filter, though none differs
        from one list to the next (each form copies its fields in turn)."""
        made = type(self).__dict__.get("_form_class")
        if made is None:
            made = type(self)._form_class = super().get_form_class()  # type: ignore[attr-defined]
        return made

    def filter_noop(self, queryset: QuerySet[Claim], name: str, value: Any) -> QuerySet[Claim]:
        return queryset  # applied together in filter_queryset

    def filter_search(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return search.search(queryset, value)

    def _attributions(self) -> QuerySet[Attribution]:
        """The approved attributions of the outer claim (those of then, in a view of the past)."""
        return self.moment.visible(Attribution.objects.filter(claim=OuterRef("pk")))

    def filter_status(self, queryset: QuerySet[Claim], name: str, value: list[Status]) -> QuerySet[Claim]:
        if not value:
            return queryset
        return queryset.filter(self._held([status.pk for status in value]))

    def _held(self, ids: list[int]) -> Q:
        """Claims whose status in the view is one of ``ids``. In a view of the past the
        page asks claim by claim (then_status_id, of with_then), which stops once a page
        is full, and the count matches them all in one pass over the changes of then
        (holding), which costs less than asking each of 100,000 claims; the two agree."""
        if self.moment.past and not self._counting:
            return Q(then_status_id__in=ids)
        return holding(self.moment, ids)

    def _not_held(self, ids: list[int]) -> Q:
        """The other claims, those with no status in the view among them."""
        if self.moment.past and not self._counting:
            return Q(then_status_id__isnull=True) | ~Q(then_status_id__in=ids)
        return ~holding(self.moment, ids)

    def count(self, cap: int) -> int:
        """How many claims match, counting no further than cap + 1 (keyset.capped_count)."""
        claims = self.qs  # validates the form and reads the moment
        data = self.form.cleaned_data
        by_status = data.get("status") or data.get("outcome") or data.get("overdue")
        if not (self.moment.past and by_status) or self.queryset is None:
            return keyset.capped_count(claims, cap)
        self._counting = True
        try:
            return keyset.capped_count(self.filter_queryset(self.queryset.all()), cap)
        finally:
            self._counting = False

    def filter_actor(self, queryset: QuerySet[Claim], name: str, value: Actor) -> QuerySet[Claim]:
        return queryset.filter(Exists(self._attributions().filter(Q(actor=value) | Q(via=value))))

    def filter_stance(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return queryset.filter(Exists(self._attributions().filter(stance=value)))

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
        """Claims whose forecast has this outcome on the view's day (the rules of
        claims.forecast.judge), by the status they hold then."""
        if value not in Outcome.values:
            return queryset
        day = self.moment.judged_on()
        resolved = "then_resolved" if self.moment.past else "resolved_on"

        verdict_of = dict(Status.objects.values_list("pk", "verdict"))

        def of(*verdicts: str) -> list[int]:
            return [pk for pk, verdict in verdict_of.items() if verdict in verdicts]

        undecided = self._not_held(of(Verdict.TRUE, Verdict.FALSE, Verdict.WITHDRAWN))  # none yet, or an open one
        true = self._held(of(Verdict.TRUE)) & Q(**{f"{resolved}__isnull": False})
        condition = {
            Outcome.OPEN: undecided & Q(due_on__gte=day),
            Outcome.OVERDUE: undecided & Q(due_on__lt=day),
            Outcome.FAILED: self._held(of(Verdict.FALSE, Verdict.WITHDRAWN)),
            Outcome.RESOLVED_EARLY: true & Q(**{f"{resolved}__lt": F("due_on")}),
            Outcome.RESOLVED_ON_TIME: true & Q(**{resolved: F("due_on")}),
            Outcome.RESOLVED_LATE: true & Q(**{f"{resolved}__gt": F("due_on")}),
        }[Outcome(value)]
        return queryset.filter(condition, due_on__isnull=False)

    def filter_queryset(self, queryset: QuerySet[Claim]) -> QuerySet[Claim]:
        data = self.form.cleaned_data
        self.moment = Moment(data.get("as_of"), data.get("known"))
        if self.moment.past:
            # What the claims were then; the count needs only the day a forecast came true.
            needed = ["then_resolved"] if data.get("outcome") in RESOLVED else []
            queryset = with_then(queryset.filter(said_by(self.moment)), self.moment, needed if self._counting else THEN)
        queryset = super().filter_queryset(queryset)
        queryset = self._filter_dates(queryset, data.get("date_from"), data.get("date_to"))
        if self._counting:
            return queryset
        sort = data.get("sort") or ("relevance" if data.get("q") else "newest")
        if sort == "relevance" and "rank" not in queryset.query.annotations:
            sort = "newest"  # no search (or SQLite, which does not rank)
        keys = PAST_SORT_KEYS if self.moment.past else SORT_KEYS
        self.sort_keys = keys.get(sort, keys["newest"])
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
        changes = self.moment.visible(StatusChange.objects.filter(claim=OuterRef("pk")))
        return queryset.filter(Exists(self._attributions().filter(said)) | Exists(changes.filter(changed)))


class _Filters(OrderedDict[str, django_filters.Filter]):
    """A filterset class's filters, copied for each filterset as django-filter
    copies them (each filterset's its own, to set its parent and model on), but
    not deeply: the deep copy copied the status and topic querysets and every
    choice list, a third of the CPU a list page cost. A copy shares the values
    of its arguments (querysets, choices, widgets), which its form field copies
    or clones in turn, and calls its own filterset's method."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, django_filters.Filter]:
        return {name: _own_copy(given) for name, given in self.items()}


def _own_copy(given: django_filters.Filter) -> django_filters.Filter:
    copied = copy.copy(given)
    copied.extra = dict(given.extra)
    if given.method is not None:
        copied.method = given.method  # a FilterMethod of its own, calling the copy's parent
    return copied


ClaimFilter.base_filters = _Filters(ClaimFilter.base_filters)


class UnreadableFilters(ValueError):
    """Filters that could not be read, each named with its reason."""


def read_filters(data: Any, queryset: QuerySet[Claim] | None = None) -> ClaimFilter:
    """The list's filters in ``data``, read over ``queryset`` (every claim, by
    default); raises UnreadableFilters, naming each one that could not be read."""
    from claimtracker.claims.queries import claims_for_list

    filterset = ClaimFilter(data, queryset=claims_for_list() if queryset is None else queryset)
    if not filterset.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items())
        raise UnreadableFilters(f"These filters could not be read: {problems}")
    return filterset


def chosen_claims(data: Any) -> QuerySet[Claim]:
    """The claims the list's filters in ``data`` select (as of the view's date, if
    any), for the exports; raises UnreadableFilters."""
    return read_filters(data).qs
