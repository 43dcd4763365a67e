"""The life of an entry (DESIGN 8.2): who may change what, what is kept."""

from typing import Any

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import User
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from claimtracker.claims import services
from claimtracker.claims.admin.common import _user
from claimtracker.claims.models import Attribution, Claim, Evidence, ReviewState, StatusChange
from claimtracker.lib.numbers import whole_number

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
