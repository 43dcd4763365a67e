"""Django admin for data entry. Every write goes through claims.services, so an
admin adding or approving a status change keeps the claim's current status right."""

import base64
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin import widgets as admin_widgets
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from claimtracker.accounts.roles import can_review
from claimtracker.claims import services, submissions
from claimtracker.claims.models import (
    Actor,
    ActorAlias,
    Attribution,
    Claim,
    Evidence,
    ReviewState,
    Source,
    Status,
    StatusChange,
    Topic,
)
from claimtracker.exports import importer
from claimtracker.exports.resources import ActorResource, SourceResource
from claimtracker.lib import choices
from claimtracker.lib.numbers import whole_number


def _user(request: HttpRequest) -> User:
    # The admin only lets staff users in, so the user is never anonymous here.
    assert isinstance(request.user, User)
    return request.user


def _attribution_fields(unsaved: Attribution) -> dict[str, Any]:
    """The fields an admin form set on an attribution, as the services take them."""
    return {name: getattr(unsaved, name) for name in services.ATTRIBUTION_FIELDS}


def _add_attribution(claim: Claim, unsaved: Attribution, user: User) -> Attribution:
    """Save an attribution an admin form built, through the service."""
    return services.add_attribution(claim, by=user, **_attribution_fields(unsaved))


def _become(obj: Model, saved: Model) -> None:
    """The admin's form and formsets hold ``obj``: make it the row the service saved."""
    obj.pk = saved.pk
    obj.refresh_from_db()
    obj._state.adding = False


def _propose_status_change(claim: Claim, unsaved: StatusChange, user: User, **extra: Any) -> StatusChange:
    """Save a status change an admin form built, through the service."""
    return services.propose_status_change(
        claim,
        status=unsaved.status,
        effective_on=unsaved.effective_on,
        effective_on_precision=unsaved.effective_on_precision,
        rationale=unsaved.rationale,
        by=user,
        **extra,
    )


class AutocompleteSelect(admin_widgets.AutocompleteSelect):
    """Django's autocomplete widget looks up the submitted id to show it again on
    a refused form; an id that is no number ("abc", typed or forged) made that
    lookup raise a server error. Only ids that can be ids are looked up; the
    field itself says what was wrong."""

    def optgroups(
        self, name: str, value: Sequence[str], attr: dict[str, Any] | None = None
    ) -> list[tuple[str | None, list[dict[str, Any]], int | None]]:
        known = [v for v in value if whole_number(str(v)) is not None]
        return super().optgroups(name, known, attr)


class ChecksIds:
    """Choice fields of the admin that refuse bad ids as the pages' do: an id that
    is no number, or beyond 64 bits (SQLite's OverflowError), is a field error,
    never a server error (lib/choices, lib/numbers)."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):  # type: ignore[attr-defined]
            kwargs["widget"] = AutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))  # type: ignore[attr-defined]
        kwargs.setdefault("form_class", choices.ModelChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs.setdefault("form_class", choices.ModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class _AlreadySubmitted(Exception):
    """Another request took this form's one-time token while this one was saving."""


class SubmitOnce:
    """The admin's add forms carry a one-time token (claims/submissions.py), as
    the pages' forms do: a double click on Save stores one record, and the
    second click lands on it."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if object_id is not None:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc,no-any-return]
        token = submissions.parse(request.POST.get("submission")) if request.method == "POST" else None
        if submissions.landing(token) is not None:
            return self._already_saved(request, token)
        request.submission_token = token  # type: ignore[attr-defined]  # read by save_form
        context = {**(extra_context or {}), "submission_token": token or uuid.uuid4()}
        try:
            response: HttpResponse = super().changeform_view(  # type: ignore[misc]
                request, object_id, form_url, context
            )
        except _AlreadySubmitted:  # the first click won the race; this one saved nothing
            return self._already_saved(request, token)
        if response.status_code == 200 and submissions.landing(token) is not None:
            # Refused because the first click's record now exists ("already exists"): go to it.
            return self._already_saved(request, token)
        return response

    def save_form(self, request: HttpRequest, form: forms.ModelForm[Any], change: bool) -> Any:
        obj = super().save_form(request, form, change)  # type: ignore[misc]
        token = getattr(request, "submission_token", None)
        # In the admin's transaction: a failed save gives the token back.
        if not change and token is not None and not submissions.record(token, _user(request)):
            raise _AlreadySubmitted
        return obj

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        token = getattr(request, "submission_token", None)
        if token is not None:  # still in the admin's transaction: the token and its landing commit together
            opts = obj._meta
            submissions.land(token, reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def _already_saved(self, request: HttpRequest, token: uuid.UUID | None) -> HttpResponse:
        opts = self.model._meta  # type: ignore[attr-defined]
        self.message_user(request, "This form was already saved once; it was not saved again.", messages.INFO)  # type: ignore[attr-defined]
        landing = submissions.landing(token)
        return HttpResponseRedirect(landing or reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))


# --- Actors and sources -----------------------------------------------------------------


class ActorAliasInline(ChecksIds, admin.TabularInline[ActorAlias, Actor]):
    model = ActorAlias
    extra = 1


if TYPE_CHECKING:  # generic only in django-import-export's type stubs
    _ImportExportMixin = ImportExportMixin[Any]
else:
    _ImportExportMixin = ImportExportMixin


class ImportThroughServices(_ImportExportMixin):
    """CSV import and export (django-import-export) whose rows go through the services."""

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": _user(request)}

    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        """Confirm an import once: the uploaded file's temporary name is the
        one-time token, so a second click (or a racing one) imports nothing
        and says so, where django-import-export would fail on the removed file."""
        name = request.POST.get("import_file_name", "")
        if not name:
            return super().process_import(request, **kwargs)
        with transaction.atomic():
            if submissions.record(uuid.uuid5(uuid.NAMESPACE_URL, f"import-export:{name}"), _user(request)):
                try:
                    return super().process_import(request, **kwargs)
                except FileNotFoundError:  # the upload expired from the temporary folder
                    pass
        self.message_user(  # type: ignore[attr-defined]
            request,
            "This file was already imported, or its upload expired: nothing was imported now.",
            messages.WARNING,
        )
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))


@admin.register(Actor)
class ActorAdmin(ChecksIds, SubmitOnce, ImportThroughServices, SimpleHistoryAdmin):
    resource_classes = [ActorResource]
    list_display = ["name", "short_name", "kind", "country", "parent", "wikidata_id"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "short_name", "aliases__name", "wikidata_id", "description"]
    autocomplete_fields = ["parent"]
    inlines = [ActorAliasInline]
    list_select_related = ["parent"]

    def save_model(self, request: HttpRequest, obj: Actor, form: forms.ModelForm[Any], change: bool) -> None:
        services.save_actor(obj, by=_user(request))


@admin.register(ActorAlias)
class ActorAliasAdmin(ChecksIds, SubmitOnce, SimpleHistoryAdmin):
    list_display = ["name", "actor"]
    search_fields = ["name", "actor__name"]
    autocomplete_fields = ["actor"]
    list_select_related = ["actor"]


@admin.register(Source)
class SourceAdmin(ChecksIds, SubmitOnce, ImportThroughServices, SimpleHistoryAdmin):
    resource_classes = [SourceResource]
    list_display = ["title", "publisher", "published_at", "kind", "language", "dateline"]
    list_filter = ["kind", "language", "publisher"]
    search_fields = ["title", "url", "byline", "dateline", "publisher__name"]
    autocomplete_fields = ["publisher"]
    date_hierarchy = "published_at"
    list_select_related = ["publisher"]
    # A URL typed without a scheme ("yna.co.kr/...") is taken as https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: Source, form: forms.ModelForm[Any], change: bool) -> None:
        services.save_source(obj, by=_user(request))


@admin.register(Status)
class StatusAdmin(ChecksIds, SubmitOnce, admin.ModelAdmin[Status]):
    list_display = ["label", "slug", "verdict", "color", "order"]
    list_editable = ["color", "order"]
    prepopulated_fields = {"slug": ["label"]}


@admin.register(Topic)
class TopicAdmin(ChecksIds, SubmitOnce, admin.ModelAdmin[Topic]):
    list_display = ["name", "slug", "claim_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        queryset: QuerySet[Topic] = super().get_queryset(request)
        return queryset.annotate(claim_count=Count("claims"))

    @admin.display(description="Claims", ordering="claim_count")
    def claim_count(self, obj: Topic) -> int:
        return obj.claim_count  # type: ignore[attr-defined,no-any-return]


# --- Review actions ----------------------------------------------------------------------


class RejectForm(forms.Form):
    note = forms.CharField(
        label="Why is it rejected?", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, strip=True
    )


class ReviewActionsMixin:
    """Approve, reject and withdraw actions that go through services and report each refusal."""

    actions: Any = ["approve_selected", "reject_selected", "withdraw_selected"]

    def _review_each(self, request: HttpRequest, queryset: QuerySet[Any], action: Any, **kwargs: Any) -> None:
        done = 0
        for item in queryset:
            try:
                action(item, by=_user(request), **kwargs)
            except services.DomainError as error:
                self.message_user(request, f"{item}: {error}", messages.ERROR)  # type: ignore[attr-defined]
            else:
                done += 1
        if done:
            self.message_user(request, f"{done} item(s) done.", messages.SUCCESS)  # type: ignore[attr-defined]

    @admin.action(description="Approve selected items", permissions=["review"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._review_each(request, queryset, services.approve)

    @admin.action(description="Reject selected items (asks for a note)", permissions=["review"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        form = RejectForm(request.POST if "note" in request.POST else None)
        if form.is_valid():
            self._review_each(request, queryset, services.reject, note=form.cleaned_data["note"])
            return None
        return TemplateResponse(
            request,
            "admin/claims/reject_selected.html",
            {
                **self.admin_site.each_context(request),  # type: ignore[attr-defined]
                "title": "Reject selected items",
                "form": form,
                "queryset": queryset,
                "opts": self.model._meta,  # type: ignore[attr-defined]
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Withdraw selected items (your own, in review or rejected)", permissions=["change"])
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._review_each(request, queryset, services.withdraw)

    def has_review_permission(self, request: HttpRequest) -> bool:
        opts = self.model._meta  # type: ignore[attr-defined]
        return request.user.has_perm(f"{opts.app_label}.review_{opts.model_name}")


# --- The life of an entry (DESIGN 8.2): who may change what, what is kept -----------------------

Entry = Attribution | StatusChange

# The states in which its author may still change an entry (a rejected one is mended and resubmitted).
EDITABLE_STATES = (ReviewState.PENDING, ReviewState.REJECTED)
KEPT_LISTED = 20  # approved entries named on a refused delete page


def _author_id(item: Entry) -> int:
    return item.created_by_id if isinstance(item, Attribution) else item.recorded_by_id


def _editable_by(item: Entry, user: User) -> bool:
    """Only its author changes an entry, while it is in review or rejected. An
    approved one is frozen (a correction replaces it); a withdrawn one is kept as it was."""
    return item.review_state in EDITABLE_STATES and _author_id(item) == user.pk


def _not_editable(item: Entry) -> str:
    if item.is_approved:
        return (
            f"This {item._meta.verbose_name} is approved and frozen: its content changes only through a "
            "correction, a new entry reviewed like any other."
        )
    if item.is_withdrawn:
        return f"This {item._meta.verbose_name} was withdrawn by its author; it is kept as it was."
    return f"Only its author can change this {item._meta.verbose_name} while it is in review or rejected."


def _to_correct(model: type[Entry], request: HttpRequest) -> Entry | None:
    """The approved entry named by ``?corrects=<id>`` on an add form, if any."""
    pk = whole_number(request.GET.get("corrects", ""))
    return model.objects.filter(pk=pk, review_state=ReviewState.APPROVED).first() if pk is not None else None


def _entry_context(model: type[Model], obj: Model | None, request: HttpRequest) -> dict[str, Any]:
    """What the change form of an entry says about its state, and the way to correct an approved one."""
    opts = model._meta
    if isinstance(obj, Attribution | StatusChange):
        context: dict[str, Any] = {}
        if not _editable_by(obj, _user(request)):
            context["entry_note"] = _not_editable(obj)
        if obj.is_approved:
            add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            context["correction_url"] = f"{add}?corrects={obj.pk}"
        return context
    if obj is None and model in (Attribution, StatusChange):
        original = _to_correct(model, request)  # type: ignore[arg-type]
        if original is not None:
            return {
                "entry_note": format_html(
                    "A correction of “{}”: it enters as pending and, once a reviewer approves it, replaces "
                    "the original, which stays visible, struck through.",
                    original,
                )
            }
    return {}


def _kept(model: type[Model], objs: Any) -> list[str]:
    """Why deleting ``objs`` is refused: the approved entries it would delete (the
    database refuses it too). Evidence and status changes protect their
    attributions and claims by their foreign keys, which Django reports itself."""
    ids = [obj.pk for obj in objs]
    approved: list[QuerySet[Any]]
    if model is Claim:
        approved = [
            Attribution.objects.filter(claim__in=ids, review_state=ReviewState.APPROVED),
            StatusChange.objects.filter(claim__in=ids, review_state=ReviewState.APPROVED),
        ]
    elif model in (Attribution, StatusChange):
        approved = [model._default_manager.filter(pk__in=ids, review_state=ReviewState.APPROVED)]
    else:
        return []
    lines: list[str] = []
    reason = "approved, so kept for good: propose a correction instead"
    for queryset in approved:
        total = queryset.count()
        for entry in queryset.order_by("pk")[:KEPT_LISTED]:
            opts = entry._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[entry.pk])
            lines.append(format_html('{} <a href="{}">{}</a>: {}', capfirst(opts.verbose_name), url, entry, reason))
        if total > KEPT_LISTED:
            lines.append(f"… and {total - KEPT_LISTED} more {queryset.model._meta.verbose_name_plural}, {reason}")
    return lines


class FollowsEntryRules:
    """The admin keeps the rules of an entry's life as the pages do: a write the
    services refuse, or one the entry's state no longer allows, is a message on
    the page, never a server error; approved entries are never deleted, alone or
    with their claim, and the delete page says why."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST" and object_id is not None and self.model in (Attribution, StatusChange):  # type: ignore[attr-defined]
            obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
            if isinstance(obj, Attribution | StatusChange) and not self.has_change_permission(request, obj):  # type: ignore[attr-defined]
                # Approved, withdrawn or taken out of the user's hands since the form was shown.
                self.message_user(request, f"{_not_editable(obj)} Nothing was changed.", messages.ERROR)  # type: ignore[attr-defined]
                return HttpResponseRedirect(request.get_full_path())
        try:
            response: HttpResponse = super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except services.DomainError as error:
            # Lost a race after the form's own checks: the admin's transaction rolled back, nothing was saved.
            self.message_user(request, str(error), messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(request.get_full_path())
        return response

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """simple-history's "Revert" saves an old version without asking for the
        change permission: ask for it, and report a refusal of the services."""
        opts = self.model._meta  # type: ignore[attr-defined]
        change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[unquote(object_id)])
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
            if obj is None or not self.has_change_permission(request, obj):  # type: ignore[attr-defined]
                reason = _not_editable(obj) if isinstance(obj, Attribution | StatusChange) else "It cannot be changed."
                self.message_user(request, f"{reason} Nothing was reverted.", messages.ERROR)  # type: ignore[attr-defined]
                return HttpResponseRedirect(change_url)
        try:
            response: HttpResponse = super().history_form_view(request, object_id, version_id, extra_context)  # type: ignore[misc]
        except services.DomainError as error:
            self.message_user(request, str(error), messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(change_url)
        return response

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Model | None = None,
    ) -> HttpResponse:
        context.update(_entry_context(self.model, obj, request))  # type: ignore[attr-defined]
        return super().render_change_form(request, context, add, change, form_url, obj)  # type: ignore[misc,no-any-return]

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, Any, Any]:
        kept = _kept(self.model, objs)  # type: ignore[attr-defined]
        if kept:
            # Refused whatever else it would delete: say only why (and skip collecting a long story's entries).
            return [], {}, set(), kept
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)  # type: ignore[misc]
        # Evidence goes with its status change or attribution (the evidence admin itself deletes nothing).
        perms_needed = {name for name in perms_needed if name != Evidence._meta.verbose_name}
        return deleted, counts, perms_needed, protected


# --- Claims, with their attributions and status changes -----------------------------------


def _own_in_review(request: HttpRequest) -> Q:
    """The entries the user may still edit: their own, pending or rejected."""
    return Q(created_by=_user(request), review_state__in=EDITABLE_STATES)


class _AttributionRows(ChecksIds, admin.StackedInline[Attribution, Claim]):
    model = Attribution
    fk_name = "claim"
    extra = 0
    autocomplete_fields = ["actor", "via", "source"]
    show_change_link = True

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # An entry is withdrawn by its author, not deleted (the attribution list's "Withdraw" action).
        return False

    @admin.display(description="Quote in source")
    def quote_located(self, obj: Attribution) -> str:
        if obj.pk is None:
            return "—"
        found = obj.quote_found
        return "no body to look in" if found is None else ("found" if found else "NOT FOUND")


class AttributionInline(_AttributionRows):
    """The claim's attributions the user may not change, read-only: approved ones
    are frozen, withdrawn ones kept, and others' in review are their authors' to change."""

    verbose_name_plural = "Attributions (approved, withdrawn, and others' in review: read-only)"
    fields = [
        ("actor", "stance", "certainty"),
        ("source", "quote_kind", "via"),
        "quote",
        ("stated_on", "stated_on_precision"),
        ("review_state", "created_by", "quote_located"),
    ]
    readonly_fields = ["review_state", "created_by", "quote_located"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attribution]:
        queryset: QuerySet[Attribution] = super().get_queryset(request)
        return queryset.exclude(_own_in_review(request)).select_related("actor", "via", "source", "created_by")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class _OwnRowsFormSet(BaseInlineFormSet[Attribution, Claim, forms.ModelForm[Attribution]]):
    def clean(self) -> None:
        super().clean()
        # A row posted back that is no longer the user's to edit (Django would silently skip it).
        if any(form.instance.pk is None for form in self.initial_forms):
            raise forms.ValidationError(
                "One of your attributions left review while this page was open (a reviewer decided on it, or it "
                "was withdrawn): nothing was saved. Reload the page to see it as it is now."
            )


class OwnAttributionInline(_AttributionRows):
    """The user's own attributions in review or rejected, editable (a rejected one
    is resubmitted for a new review round), and new ones."""

    verbose_name_plural = "Your attributions in review or rejected (editable), and new ones"
    fields = [
        ("actor", "stance", "certainty"),
        ("source", "quote_kind", "via"),
        "quote",
        ("stated_on", "stated_on_precision"),
        ("review_state", "quote_located"),
        "review_note",
    ]
    readonly_fields = ["review_state", "quote_located", "review_note"]
    formset = _OwnRowsFormSet

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attribution]:
        queryset: QuerySet[Attribution] = super().get_queryset(request)
        return queryset.filter(_own_in_review(request)).select_related("source")


class StatusChangeInline(ChecksIds, admin.TabularInline[StatusChange, Claim]):
    model = StatusChange
    fk_name = "claim"
    extra = 0
    fields = ["effective_on", "effective_on_precision", "status", "rationale", "review_state", "recorded_by"]
    readonly_fields = ["review_state", "recorded_by"]
    show_change_link = True

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Existing entries are shown read-only; new rows are proposals.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ClaimAdminForm(forms.ModelForm[Claim]):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Claim
        fields = ["text", "context", "topics", "quantity", "quantity_unit", "quantity_bound", "due_on"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk is not None:
            current = Claim.objects.get(pk=self.instance.pk)
            if cleaned.get("expected_version") != current.version:
                raise forms.ValidationError(
                    "Someone else changed this claim while you were editing it. "
                    f"It now reads: “{current.text}” (version {current.version}). "
                    "Reload the page to see their change, then make yours again."
                )
        return cleaned


class ImportForm(forms.Form):
    file = forms.FileField(label="Timeline CSV (UTF-8, the export's columns)", required=False)
    checked = forms.CharField(widget=forms.HiddenInput, required=False)
    create_missing = forms.BooleanField(
        label="Create actors and sources the file names that do not exist yet", required=False
    )

    def content(self) -> bytes | None:
        upload = self.cleaned_data.get("file")
        if upload is not None:
            return bytes(upload.read())
        if self.cleaned_data.get("checked"):
            try:
                return base64.b64decode(self.cleaned_data["checked"], validate=True)
            except ValueError:
                return None
        return None


INLINE_LIMIT = 100  # entries of a claim shown as inline forms on its admin page


def _entries(claim: Claim) -> int:
    """How many attributions and status changes the claim has (counted once per instance)."""
    if not hasattr(claim, "_entry_count"):
        claim._entry_count = (  # type: ignore[attr-defined]
            Attribution.objects.filter(claim=claim).count() + StatusChange.objects.filter(claim=claim).count()
        )
    return claim._entry_count  # type: ignore[attr-defined,no-any-return]


@admin.register(Claim)
class ClaimAdmin(FollowsEntryRules, ChecksIds, SubmitOnce, SimpleHistoryAdmin):
    form = ClaimAdminForm
    list_display = ["text", "current_status", "status_since", "due_on", "attribution_count", "created_at"]
    list_filter = ["current_status", "topics", "due_on"]
    search_fields = ["text", "context", "attributions__quote", "attributions__actor__name"]
    readonly_fields = ["current_status", "status_since", "version", "created_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["text", "context", "topics", "expected_version"]}),
        ("Quantity and forecast", {"fields": [("quantity", "quantity_bound", "quantity_unit"), "due_on"]}),
        ("Status", {"fields": [("current_status", "status_since"), ("version", "created_by", "created_at")]}),
    ]
    filter_horizontal = ["topics"]
    inlines = [AttributionInline, OwnAttributionInline, StatusChangeInline]
    list_select_related = ["current_status"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        queryset: QuerySet[Claim] = super().get_queryset(request)
        # A correlated count: evaluated for the rows of the page shown, where a
        # join with COUNT would aggregate every attribution of every claim first.
        counted = Attribution.objects.filter(claim=OuterRef("pk")).order_by().values("claim")
        return queryset.annotate(
            attribution_count=Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")[:1]), 0)
        )

    def get_inlines(self, request: HttpRequest, obj: Claim | None) -> list[type[InlineModelAdmin[Any, Any]]]:
        """A long story's entries (thousands of them) would make one form of
        thousands of fields: the page then links to the entry lists instead."""
        if obj is not None and _entries(obj) > INLINE_LIMIT:
            return []
        shown: list[type[InlineModelAdmin[Any, Any]]] = [OwnAttributionInline, StatusChangeInline]
        return shown if obj is None else [AttributionInline, *shown]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "entries"] if isinstance(obj, Claim) and _entries(obj) > INLINE_LIMIT else fields

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        if isinstance(obj, Claim) and _entries(obj) > INLINE_LIMIT:
            fieldsets.append(("Timeline", {"fields": ["entries"]}))
        return fieldsets

    @admin.display(description="Entries")
    def entries(self, obj: Claim) -> str:
        return format_html(
            "{} attributions and {} status changes, too many to edit on this page: open the "
            '<a href="{}?claim={}">attributions</a> or the <a href="{}?claim={}">status changes</a> of this claim.',
            obj.attributions.count(),
            obj.status_changes.count(),
            reverse("admin:claims_attribution_changelist"),
            obj.pk,
            reverse("admin:claims_statuschange_changelist"),
            obj.pk,
        )

    def get_urls(self) -> list[Any]:
        return [
            path("import-csv/", self.admin_site.admin_view(self.import_csv_view), name="claims_claim_import_csv"),
            *super().get_urls(),
        ]

    def import_csv_view(self, request: HttpRequest) -> HttpResponse:
        """Bulk entry: check the file (dry run) and show every bad row; import only a valid file."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        user = _user(request)
        form = ImportForm(request.POST or None, request.FILES or None)
        report = None
        checked = ""
        if request.method == "POST" and form.is_valid():
            data = form.content()
            options = {"create_missing": form.cleaned_data["create_missing"]}
            if data is None:
                form.add_error("file", "Choose a CSV file.")
            elif "_import" in request.POST:
                token = submissions.parse(request.POST.get("submission"))
                with transaction.atomic():
                    # A second click on Import, or a racing one, finds the token taken.
                    if token is not None and not submissions.record(token, user):
                        self.message_user(request, "This file was already imported; it was not imported again.")
                        return HttpResponseRedirect(reverse("admin:claims_claim_changelist"))
                    # Approved, if at all, by the user who imports, in their own name (DESIGN 8.2).
                    report = importer.load(data, by=user, **options)
                    transaction.set_rollback(not report.ok)  # gives the token back with the refused rows
                if report.ok:
                    self.message_user(request, f"Imported {report.summary()}", messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:claims_claim_changelist"))
            else:
                report = importer.check(data, by=user, **options)
                if report.ok:
                    checked = base64.b64encode(data).decode("ascii")
        return TemplateResponse(
            request,
            "admin/claims/claim/import_csv.html",
            {
                **self.admin_site.each_context(request),
                "title": "Import timelines from CSV",
                "may_review": can_review(user),
                "opts": self.model._meta,
                "form": form,
                "report": report,
                "checked": checked,
                "submission_token": uuid.uuid4(),
            },
        )

    @admin.display(description="Attributions", ordering="attribution_count")
    def attribution_count(self, obj: Claim) -> int:
        return obj.attribution_count  # type: ignore[attr-defined,no-any-return]

    def save_model(self, request: HttpRequest, obj: Claim, form: forms.ModelForm[Any], change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in ClaimAdminForm.Meta.fields if name != "topics"}
        if change:
            saved = services.update_claim(
                obj,
                by=_user(request),
                expected_version=form.cleaned_data["expected_version"],
                **data,
            )
        else:
            saved = services.create_claim(by=_user(request), topics=form.cleaned_data["topics"], **data)
        _become(obj, saved)

    def save_formset(self, request: HttpRequest, form: forms.ModelForm[Any], formset: Any, change: bool) -> None:
        if formset.model not in (Attribution, StatusChange):
            super().save_formset(request, form, formset, change)
            return
        user, claim = _user(request), form.instance
        # Only rows the user may edit, and changed, come back: the read-only rows
        # (approved, withdrawn, others') never report a change, and no inline deletes.
        for item in formset.save(commit=False):
            if isinstance(item, Attribution) and item.pk is not None:
                services.revise_attribution(item, by=user, **_attribution_fields(item))
            elif isinstance(item, Attribution):
                _add_attribution(claim, item, user)
            elif item.pk is None:
                _propose_status_change(claim, item, user)


# --- Attributions and status changes on their own ----------------------------------------


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
