"""Attributions and status changes on their own (corrections of approved ones
included), the evidence that links them, read-only, and the links between claims."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets as admin_widgets
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from claimtracker.claims import services
from claimtracker.claims.admin.common import (
    ChecksIds,
    ReviewActionsMixin,
    SubmitOnce,
    _attribution_fields,
    _become,
    _user,
)
from claimtracker.claims.admin.entry_rules import FollowsEntryRules, _editable_by, _to_correct
from claimtracker.claims.models import Attribution, Evidence, Relation, ReviewState, StatusChange
from claimtracker.lib import choices


class AttributionAdminForm(forms.ModelForm[Attribution]):
    class Meta:
        model = Attribution
        fields = ["claim", "corrects", *services.ATTRIBUTION_FIELDS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        claim, corrects = cleaned.get("claim"), cleaned.get("corrects")
        if corrects is not None:
            if claim is not None and corrects.claim_id != claim.pk:
                self.add_error("corrects", "A correction must be of an attribution of the same claim.")
            # Ask the database: the form's copy may predate a review.
            if not Attribution.objects.filter(pk=corrects.pk, review_state=ReviewState.APPROVED).exists():
                self.add_error(
                    "corrects", "Only an approved attribution can be corrected; its author edits one in review."
                )
        return cleaned


@admin.register(Attribution)
class AttributionAdmin(FollowsEntryRules, ChecksIds, SubmitOnce, ReviewActionsMixin, SimpleHistoryAdmin):
    form = AttributionAdminForm
    list_display = ["actor", "stance", "certainty", "claim", "stated_on_display", "source", "review_state"]
    list_filter = [
        "review_state",
        ("corrects", admin.EmptyFieldListFilter),
        "stance",
        "certainty",
        "quote_kind",
        "stated_on_precision",
    ]
    search_fields = ["quote", "actor__name", "actor__aliases__name", "claim__text", "source__title"]
    autocomplete_fields = ["claim", "corrects", "actor", "via", "source"]
    list_select_related = ["actor", "claim", "source"]
    readonly_fields = [
        "review_state",
        "review_round",
        "reviewed_by",
        "reviewed_at",
        "review_note",
        "created_by",
        "created_at",
        "quote_start",
        "quote_end",
        "quote_prefix",
        "quote_suffix",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("claim", "corrects"),
                    ("actor", "stance", "certainty"),
                    ("source", "quote_kind", "via"),
                    "quote",
                ]
            },
        ),
        ("Date", {"fields": [("stated_on", "stated_on_precision")]}),
        ("Figure stated", {"fields": [("figure_bound", "figure", "figure_unit")]}),
        ("Quote in source", {"fields": [("quote_start", "quote_end"), ("quote_prefix", "quote_suffix")]}),
        (
            "Review",
            {
                "fields": [
                    ("review_state", "review_round", "reviewed_by", "reviewed_at"),
                    "review_note",
                    ("created_by", "created_at"),
                ]
            },
        ),
    ]

    @admin.display(description="Stated on", ordering="stated_on")
    def stated_on_display(self, obj: Attribution) -> str:
        return obj.stated_on_display

    def get_readonly_fields(self, request: HttpRequest, obj: Attribution | None = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        # An entry stays on its claim, and what a correction corrects is set when it is proposed.
        return fields if obj is None else [*fields, "claim", "corrects"]

    def has_change_permission(self, request: HttpRequest, obj: Attribution | None = None) -> bool:
        if obj is not None and not _editable_by(obj, _user(request)):
            return False  # the change page shows it read-only, with the way to correct it when approved
        return bool(super().has_change_permission(request, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Attribution | None = None) -> bool:
        if obj is not None and obj.is_approved:
            return False
        return bool(super().has_delete_permission(request, obj))

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """``?corrects=<id>`` of an approved attribution: a correction, prefilled from it."""
        initial: dict[str, Any] = super().get_changeform_initial_data(request)
        original = _to_correct(Attribution, request)
        if not isinstance(original, Attribution):
            initial.pop("corrects", None)
            return initial
        copied = {name: getattr(original, name) for name in services.ATTRIBUTION_FIELDS}
        copied |= {"actor": original.actor_id, "source": original.source_id, "via": original.via_id}
        return initial | copied | {"claim": original.claim_id, "corrects": original.pk}

    def save_model(self, request: HttpRequest, obj: Attribution, form: forms.ModelForm[Any], change: bool) -> None:
        user, fields = _user(request), _attribution_fields(obj)
        if change:
            resubmitted = Attribution.objects.filter(pk=obj.pk, review_state=ReviewState.REJECTED).exists()
            saved = services.revise_attribution(obj, by=user, **fields)
            if resubmitted:
                self.message_user(request, "It is pending again, for a new round of review.", messages.INFO)
        elif obj.corrects is not None:
            saved = services.correct_attribution(obj.corrects, by=user, **fields)
            self.message_user(
                request, "The correction waits for a reviewer; once approved, it replaces the original.", messages.INFO
            )
        else:
            saved = services.add_attribution(obj.claim, by=user, **fields)
        _become(obj, saved)


@admin.register(Evidence)
class EvidenceAdmin(ChecksIds, admin.ModelAdmin[Evidence]):
    """Read-only: evidence is chosen when a status change is proposed."""

    list_display = ["status_change", "attribution"]
    search_fields = ["status_change__claim__text", "attribution__actor__name", "attribution__quote"]
    list_select_related = ["status_change__claim", "status_change__status", "attribution__actor", "attribution__claim"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Evidence | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Evidence | None = None) -> bool:
        return False


class StatusChangeAdminForm(forms.ModelForm[StatusChange]):
    # Attribution ids, typed or picked with the magnifier (as raw_id_fields): a
    # list of every attribution of every claim would be a million options.
    evidence = choices.ModelMultipleChoiceField(
        queryset=Attribution.objects.select_related("actor", "claim"),
        required=False,
        widget=admin_widgets.ManyToManyRawIdWidget(StatusChange._meta.get_field("evidence").remote_field, admin.site),
        help_text="Ids of attributions of the same claim that justify the change, separated by commas.",
    )

    class Meta:
        model = StatusChange
        fields = ["claim", "status", "effective_on", "effective_on_precision", "rationale", "corrects"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and "evidence" in self.fields:
            self.fields["evidence"].initial = list(self.instance.evidence.values_list("pk", flat=True))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        claim = cleaned.get("claim")
        # An entry being edited keeps its claim (read-only on its page).
        claim_id = claim.pk if claim is not None else self.instance.claim_id
        corrects = cleaned.get("corrects")
        if claim_id is not None:
            if any(a.claim_id != claim_id for a in cleaned.get("evidence", [])):
                self.add_error("evidence", "Choose attributions of this claim only.")
            if corrects is not None and corrects.claim_id != claim_id:
                self.add_error("corrects", "A correction must be of an entry of the same claim.")
        # Ask the database: the form's copy may predate a review.
        if (
            corrects is not None
            and not StatusChange.objects.filter(pk=corrects.pk, review_state=ReviewState.APPROVED).exists()
        ):
            self.add_error("corrects", "Only an approved entry can be corrected.")
        return cleaned


@admin.register(StatusChange)
class StatusChangeAdmin(FollowsEntryRules, ChecksIds, SubmitOnce, ReviewActionsMixin, SimpleHistoryAdmin):
    form = StatusChangeAdminForm
    list_display = ["claim", "status", "effective_on_display", "review_state", "recorded_by", "recorded_at", "corrects"]
    list_filter = ["review_state", ("corrects", admin.EmptyFieldListFilter), "status", "effective_on_precision"]
    search_fields = ["claim__text", "rationale"]
    autocomplete_fields = ["claim", "corrects"]
    list_select_related = ["claim", "status", "recorded_by", "corrects__status"]
    readonly_fields = [
        "review_state",
        "review_round",
        "reviewed_by",
        "reviewed_at",
        "review_note",
        "recorded_by",
        "recorded_at",
    ]

    @admin.display(description="Effective on", ordering="effective_on")
    def effective_on_display(self, obj: StatusChange) -> str:
        return obj.effective_on_display

    def get_readonly_fields(self, request: HttpRequest, obj: StatusChange | None = None) -> Any:
        if obj is None:
            return self.readonly_fields
        if self.has_change_permission(request, obj):
            # Its author edits it in review, or mends it when rejected; it stays on its claim.
            return ["claim", "corrects", *self.readonly_fields]
        # Approved (frozen: corrected by a new entry), withdrawn (kept), or another's: read-only.
        return [*StatusChangeAdminForm.Meta.fields, "evidence_list", *self.readonly_fields]

    def get_fields(self, request: HttpRequest, obj: StatusChange | None = None) -> Any:
        if obj is None:
            return [*StatusChangeAdminForm.Meta.fields, "evidence"]
        if self.has_change_permission(request, obj):
            return [*StatusChangeAdminForm.Meta.fields, "evidence", *self.readonly_fields]
        return self.get_readonly_fields(request, obj)

    @admin.display(description="Evidence")
    def evidence_list(self, obj: StatusChange) -> str:
        return "; ".join(str(a) for a in obj.evidence.select_related("actor", "claim")) or "—"

    def has_change_permission(self, request: HttpRequest, obj: StatusChange | None = None) -> bool:
        if obj is not None and not _editable_by(obj, _user(request)):
            return False
        return bool(super().has_change_permission(request, obj))

    def has_delete_permission(self, request: HttpRequest, obj: StatusChange | None = None) -> bool:
        if obj is not None and obj.is_approved:
            return False
        return bool(super().has_delete_permission(request, obj))

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """``?corrects=<id>`` of an approved status change: a correction, prefilled from it."""
        initial: dict[str, Any] = super().get_changeform_initial_data(request)
        original = _to_correct(StatusChange, request)
        if not isinstance(original, StatusChange):
            initial.pop("corrects", None)
            return initial
        return initial | {
            "claim": original.claim_id,
            "status": original.status_id,
            "effective_on": original.effective_on,
            "effective_on_precision": original.effective_on_precision,
            "rationale": original.rationale,
            "evidence": list(original.evidence.values_list("pk", flat=True)),
            "corrects": original.pk,
        }

    def save_model(self, request: HttpRequest, obj: StatusChange, form: forms.ModelForm[Any], change: bool) -> None:
        user = _user(request)
        fields: dict[str, Any] = {
            "status": obj.status,
            "effective_on": obj.effective_on,
            "effective_on_precision": obj.effective_on_precision,
            "rationale": obj.rationale,
            "evidence": form.cleaned_data.get("evidence", []),
        }
        saved: StatusChange
        if change:
            resubmitted = StatusChange.objects.filter(pk=obj.pk, review_state=ReviewState.REJECTED).exists()
            saved = services.revise_status_change(obj, by=user, **fields)
            if resubmitted:
                self.message_user(request, "It is pending again, for a new round of review.", messages.INFO)
        elif obj.corrects is not None:
            saved = services.correct_status_change(obj.corrects, by=user, **fields)
        else:
            saved = services.propose_status_change(obj.claim, by=user, **fields)
        _become(obj, saved)

    def save_related(self, request: HttpRequest, form: forms.ModelForm[Any], formsets: Any, change: bool) -> None:
        # Evidence was written by the service.
        pass

    def response_add(
        self, request: HttpRequest, obj: StatusChange, post_url_continue: str | None = None
    ) -> HttpResponse:
        what = "correction" if obj.corrects_id else "status change"
        self.message_user(request, f"The {what} was proposed and waits for a reviewer.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:claims_statuschange_changelist"))


class RelationAdminForm(forms.ModelForm[Relation]):
    class Meta:
        model = Relation
        fields = ["from_claim", "kind", "to_claim"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second, kind = cleaned.get("from_claim"), cleaned.get("to_claim"), cleaned.get("kind")
        if first is not None and second is not None and kind:
            try:
                services.check_relation(first.pk, second.pk, kind)
            except services.DomainError as error:
                raise forms.ValidationError(str(error)) from None
        return cleaned


@admin.register(Relation)
class RelationAdmin(ChecksIds, SubmitOnce, SimpleHistoryAdmin):
    """Links between claims: added and removed (to change one, remove it and add
    another), through the services, each change in the history."""

    form = RelationAdminForm
    list_display = ["from_claim", "kind", "to_claim", "created_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["from_claim__text", "to_claim__text"]
    autocomplete_fields = ["from_claim", "to_claim"]
    list_select_related = ["from_claim", "to_claim", "created_by"]

    def has_change_permission(self, request: HttpRequest, obj: Relation | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Relation, form: Any, change: bool) -> None:
        if change:  # not offered (has_change_permission); refused should a crafted post try
            raise PermissionDenied("A link is removed and added again, not changed.")
        saved = services.add_relation(obj.from_claim, obj.to_claim, kind=obj.kind, by=_user(request))
        obj.pk, obj.created_at, obj.created_by = saved.pk, saved.created_at, saved.created_by

    def delete_model(self, request: HttpRequest, obj: Relation) -> None:
        services.remove_relation(obj, by=_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for relation in queryset:
            services.remove_relation(relation, by=_user(request))
