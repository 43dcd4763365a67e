"""What the admins share: the acting user, choice fields that refuse bad ids,
one-time add forms, CSV import through the services, and the review actions."""

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin import widgets as admin_widgets
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from import_export.admin import ImportExportMixin

from claimtracker.claims import services, submissions
from claimtracker.claims.models import Attribution
from claimtracker.lib import choices
from claimtracker.lib.numbers import whole_number


def _user(request: HttpRequest) -> User:
    # The admin only lets staff users in, so the user is never anonymous here.
    assert isinstance(request.user, User)
    return request.user


def _attribution_fields(unsaved: Attribution) -> dict[str, Any]:
    """The fields an admin form set on an attribution, as the services take them."""
    return {name: getattr(unsaved, name) for name in services.ATTRIBUTION_FIELDS}


def _become(obj: Model, saved: Model) -> None:
    """The admin's form and formsets hold ``obj``: make it the row the service saved."""
    obj.pk = saved.pk
    obj.refresh_from_db()
    obj._state.adding = False


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
