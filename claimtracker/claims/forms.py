"""Forms of the editorial pages. They validate; services write."""

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from claimtracker.claims.lookups import ActorField, SourceField
from claimtracker.claims.models import (
    Attribution,
    Claim,
    ReviewState,
    Status,
    StatusChange,
    Topic,
)
from claimtracker.lib import choices
from claimtracker.lib.choices import Choices
from claimtracker.lib.dates import Precision, fits


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class SubmissionMixin(forms.Form):
    """A one-time token per rendered form, so that a double submit saves once
    (see views._once)."""

    submission = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["submission"].initial = uuid.uuid4()


def _choices(form: forms.Form, name: str) -> "forms.ModelChoiceField[Any]":
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


def _check_fit(form: forms.Form, date_field: str, precision_field: str) -> None:
    value = form.cleaned_data.get(date_field)
    precision = form.cleaned_data.get(precision_field)
    if value and precision and not fits(value, precision):
        what = {"month": "the first of the month", "year": "1 January"}[precision]
        form.add_error(date_field, f"With {precision} precision, enter {what} (e.g. {value:%Y-%m}-01).")


class ClaimForm(SubmissionMixin, forms.ModelForm[Claim]):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Claim
        fields = ["text", "context", "topics", "quantity", "quantity_bound", "quantity_unit", "due_on"]
        field_classes = {"topics": choices.ModelMultipleChoiceField}
        labels = {"text": "Claim", "context": "Notes", "quantity_bound": "Bound", "quantity_unit": "Unit"}
        help_texts = {"text": "One proposition, worded neutrally, that can be true or false."}
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2}),
            "context": forms.Textarea(attrs={"rows": 3}),
            "topics": forms.CheckboxSelectMultiple,
            "due_on": DateInput,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "topics").queryset = Topic.objects.order_by("name")
        if self.instance.pk is not None:
            self.fields["version"].initial = self.instance.version


class AttributionForm(SubmissionMixin, forms.ModelForm[Attribution]):
    # Typed with suggestions, not <select>s: a newsroom has thousands of actors and sources.
    actor = ActorField(label="Actor", help_text="Name, short name or alias.")
    via = ActorField(
        label="Via (intermediary)",
        required=False,
        help_text='The intermediary in reported speech: "according to Kirby", "via state media".',
    )
    source = SourceField(label="Source", help_text="Title, or the URL of a source already recorded.")

    class Meta:
        model = Attribution
        fields = [
            "actor",
            "stance",
            "certainty",
            "source",
            "quote",
            "quote_kind",
            "via",
            "stated_on",
            "stated_on_precision",
        ]
        labels = {"stated_on": "Stated on", "stated_on_precision": "Date precision", "via": "Via (intermediary)"}
        widgets = {"quote": forms.Textarea(attrs={"rows": 3}), "stated_on": DateInput}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_fit(self, "stated_on", "stated_on_precision")
        actor, via = cleaned.get("actor"), cleaned.get("via")
        if actor is not None and via is not None and actor == via:
            self.add_error("via", "The intermediary must be another actor than the speaker.")
        return cleaned

    def _post_clean(self) -> None:
        # The claim and author are set by the view and the service; model validation
        # of the rest ran in clean().
        pass


RECENT_CHOICES = 15


class _RecentChoices(Choices):
    """Renders only the field's ``recent`` rows; validation still accepts any row
    of its queryset. A claim with thousands of entries keeps a short form."""

    def __init__(self, field: Any) -> None:
        super().__init__(field)
        self.queryset = field.recent


def _offer_recent(field: "forms.ModelChoiceField[Any]", queryset: QuerySet[Any], newest_first: list[str]) -> None:
    field.recent = queryset.order_by(*newest_first)[:RECENT_CHOICES]  # type: ignore[attr-defined]
    field.queryset = queryset


class EvidenceField(choices.ModelMultipleChoiceField):
    iterator = _RecentChoices
    recent: QuerySet[Attribution] = Attribution.objects.none()

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.actor.name} {obj.get_stance_display()} ({obj.stated_on_display})"


class CorrectsField(choices.ModelChoiceField):
    iterator = _RecentChoices
    recent: QuerySet[StatusChange] = StatusChange.objects.none()


class StatusChangeForm(SubmissionMixin, forms.Form):
    status = choices.ModelChoiceField(queryset=Status.objects.all(), empty_label=None)
    effective_on = forms.DateField(label="Effective on", widget=DateInput, help_text="When it became so in the world.")
    effective_on_precision = forms.ChoiceField(label="Date precision", choices=Precision.choices)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)
    evidence = EvidenceField(
        queryset=Attribution.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=f"From the {RECENT_CHOICES} latest attributions.",
    )
    corrects = CorrectsField(
        queryset=StatusChange.objects.none(),
        required=False,
        label="Corrects (optional)",
        help_text=f"The {RECENT_CHOICES} latest approved changes.",
    )

    def __init__(self, *args: Any, claim: Claim, suggested: Status | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.claim = claim
        _offer_recent(_choices(self, "evidence"), claim.attributions.select_related("actor"), ["-stated_on", "-id"])
        _offer_recent(
            _choices(self, "corrects"),
            claim.status_changes.filter(review_state=ReviewState.APPROVED).select_related("status"),
            ["-effective_on", "-recorded_at", "-id"],
        )
        if suggested is not None:
            self.fields["status"].initial = suggested.pk

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_fit(self, "effective_on", "effective_on_precision")
        if not cleaned.get("rationale", "").strip() and "rationale" not in self.errors:
            self.add_error("rationale", "Say why the status changes.")
        return cleaned


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    note = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "reject" and not cleaned.get("note", "").strip():
            raise ValidationError("Say why it is rejected, so that its author can mend it.")
        return cleaned
