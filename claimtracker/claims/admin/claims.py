"""Claims, with their attributions and status changes, and the CSV import of timelines."""

import uuid
from typing import IO, Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

import claimtracker.claims.admin as package  # INLINE_LIMIT, read there at each request
from claimtracker.accounts.roles import can_review
from claimtracker.claims import services, submissions
from claimtracker.claims.admin.common import ChecksIds, SubmitOnce, _attribution_fields, _become, _user
from claimtracker.claims.admin.entry_rules import EDITABLE_STATES, FollowsEntryRules
from claimtracker.claims.models import Attribution, Claim, StatusChange
from claimtracker.exports import importer, uploads


def _add_attribution(claim: Claim, unsaved: Attribution, user: User) -> Attribution:
    """Save an attribution an admin form built, through the service."""
    return services.add_attribution(claim, by=user, **_attribution_fields(unsaved))


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
        ("figure_bound", "figure", "figure_unit"),
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
        ("figure_bound", "figure", "figure_unit"),
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
    # The token of a file that passed the dry run and waits on the server (exports.uploads).
    upload = forms.CharField(widget=forms.HiddenInput, required=False)
    create_missing = forms.BooleanField(
        label="Create actors and sources the file names that do not exist yet", required=False
    )


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
        if obj is not None and _entries(obj) > package.INLINE_LIMIT:
            return []
        shown: list[type[InlineModelAdmin[Any, Any]]] = [OwnAttributionInline, StatusChangeInline]
        return shown if obj is None else [AttributionInline, *shown]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "entries"] if isinstance(obj, Claim) and _entries(obj) > package.INLINE_LIMIT else fields

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        if isinstance(obj, Claim) and _entries(obj) > package.INLINE_LIMIT:
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
        """Bulk entry: check the file (dry run) and show its bad rows; import only a
        valid file. The file is sent once: a valid one waits on the server, and the
        Import button sends its token (exports.uploads)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        user = _user(request)
        form = ImportForm(request.POST or None, request.FILES or None)
        report = None
        token = None
        if request.method == "POST" and form.is_valid():
            options = {"create_missing": form.cleaned_data["create_missing"]}
            upload, sent = form.cleaned_data["file"], form.cleaned_data["upload"]
            token = submissions.parse(sent) if sent else None
            if upload is not None:
                report = importer.check(upload.file, by=user, **options)
                token = uploads.keep(upload.file, user) if report.ok and not self._too_long(report) else None
            elif not sent:
                form.add_error("file", "Choose a CSV file.")
            elif token is None or (kept := uploads.kept(token, user)) is None:
                if (
                    token is not None and "_import" in request.POST and submissions.taken(token)
                ):  # the first click imported it
                    self.message_user(request, "This file was already imported; it was not imported again.")
                    return HttpResponseRedirect(reverse("admin:claims_claim_changelist"))
                token = None
                form.add_error("file", "This file was already imported, or it expired: choose it again.")
            else:
                with kept:
                    if "_import" not in request.POST:
                        report = importer.check(kept, by=user, **options)
                    elif (report := self._import_kept(request, kept, token, options)) is None or report.ok:
                        return HttpResponseRedirect(reverse("admin:claims_claim_changelist"))
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
                "upload": token if report is not None and report.ok else None,
                "too_long": report is not None and report.ok and self._too_long(report),
                "max_rows": f"{settings.IMPORT_ADMIN_MAX_ROWS:,}",
                "max_mb": importer.MAX_BYTES // (1024 * 1024),
            },
        )

    @staticmethod
    def _too_long(report: importer.Report) -> bool:
        """More rows than one request imports: the command imports the file."""
        return report.rows > settings.IMPORT_ADMIN_MAX_ROWS

    def _import_kept(
        self, request: HttpRequest, file: IO[bytes], token: uuid.UUID, options: dict[str, Any]
    ) -> importer.Report | None:
        """Import a file that passed the dry run; its token is the one-time form
        token. None when it was imported already."""
        user = _user(request)
        with transaction.atomic():
            # A second click on Import, or a racing one, finds the token taken.
            if not submissions.record(token, user):
                self.message_user(request, "This file was already imported; it was not imported again.")
                return None
            # Approved, if at all, by the user who imports, in their own name (DESIGN 8.2).
            report = importer.load(file, by=user, **options)
            transaction.set_rollback(not report.ok)  # gives the token back with the refused rows
            if report.ok:
                transaction.on_commit(lambda: uploads.discard(token, user))
        if report.ok:
            self.message_user(request, f"Imported {report.summary()}", messages.SUCCESS)
        return report  # refused: what was stored changed since the dry run (an actor was removed)

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
