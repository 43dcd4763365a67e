"""The review queue: what waits, with what a decision needs (the quote check,
the passage around the quote, a status change's evidence), and one decision."""

from functools import partial
from typing import NamedTuple, cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from claimtracker.accounts.roles import REVIEW, can_review
from claimtracker.claims import pagecache, queries, services, versions
from claimtracker.claims.forms import ReviewForm
from claimtracker.claims.models import Attribution, ReviewState, StatusChange
from claimtracker.claims.pagecache import cached_page
from claimtracker.claims.views.common import KEPT_CSRF_TOKEN, is_htmx, kept, require, with_csrf_token
from claimtracker.lib.numbers import whole_number
from claimtracker.lib.retry import atomic_with_retry


@require_GET
@cached_page(REVIEW, pagecache.queue)
def review_queue(request: HttpRequest) -> HttpResponse:
    user = require(request, can_review, "review")
    paged = bool(request.GET.get("after", ""))
    return render(
        request,
        "claims/review.html",
        {"queue": _queue(request, user, paged), "paged": paged, "form": ReviewForm()},
    )


class Queue(NamedTuple):
    html: str  # the claims and their items, drawn (review.html#queue)
    groups: int  # how many claims
    next_after: int | None  # the claim the next page starts after


def _queue(request: HttpRequest, user: User, paged: bool) -> Queue:
    """A page of the queue, its claims and their items drawn once for each
    version of those claims' data (``c:<id>``: their entries, evidence and
    history, the actors and sources they name), the vocabulary and people's
    names, read with which claims they are in one query: 20 ms of CPU to draw
    a page of 20 claims. Kept for each reviewer (their own proposals show no
    buttons), with the asker's CSRF token put back in its forms."""
    after = whole_number(request.GET.get("after", ""))
    drawn_from = versions.read(*pagecache.queue(request))[0]  # what the page cache keys the page with

    def draw() -> tuple[str, int, int | None]:
        groups, next_after = queries.review_queue(after)
        context = {
            "groups": groups,
            "next_after": next_after,
            "paged": paged,
            "user": user,
            "csrf_token": KEPT_CSRF_TOKEN,
        }
        return render_to_string("claims/review.html#queue", context), len(groups), next_after

    html, groups, next_after = kept(("review-queue", after, paged, user.pk, drawn_from), draw)
    return Queue(mark_safe(with_csrf_token(request, html)), groups, next_after)  # the template escapes what it shows


_REVIEWABLE = {"attribution": Attribution, "status-change": StatusChange}


@require_POST
def review_item(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = require(request, can_review, "review")
    model = _REVIEWABLE.get(kind)
    if model is None:
        raise Http404("Nothing to review there.")
    item = cast(Attribution | StatusChange, get_object_or_404(model, pk=pk))
    form = ReviewForm(request.POST)
    error = None
    if form.is_valid():
        decision, note = form.cleaned_data["decision"], form.cleaned_data["note"]
        try:
            if decision == "approve" and isinstance(item, Attribution) and item.quote_check == "not_found":
                raise services.DomainError(
                    "This direct quote was not found in its source. Check it against the source, "
                    "then choose Approve anyway, or reject it with a note."
                )
            review = services.reject if decision == "reject" else services.approve
            # Reviewers of one claim queue on its row lock; a transaction the
            # database aborts to break a conflict is run again.
            atomic_with_retry(partial(review, item, by=user, note=note))
        except services.DomainError as refused:
            error = str(refused)
    else:
        said = [*form.non_field_errors(), *form.errors.get("note", [])]
        error = " ".join(str(e) for e in said) or "Choose approve or reject."
    if is_htmx(request):
        # The item as decided, and (out of band) the header's count and the claim's status badge.
        shown = queries.review_item(item)
        context = {"item": shown, "kind": kind, "error": error, "form": form, "claim": shown.claim}
        response = render(request, "claims/review.html#item", context)
        response.content += render(request, "claims/review.html#after-decision", context).content
        # The changes on the page that cite a decided attribution say anew what its state is.
        for change in queries.changes_citing(item) if isinstance(item, Attribution) else ():
            oob = {"item": change, "kind": "status-change", "oob": True}
            response.content += render(request, "claims/review.html#item", oob).content
        return response
    item.refresh_from_db()
    if error:
        messages.error(request, error)
    else:
        # A rejection is sent back to its author: told apart from an approval, not in its green.
        level = messages.WARNING if item.review_state == ReviewState.REJECTED else messages.SUCCESS
        messages.add_message(request, level, f"{item.get_review_state_display()}: {item}")
    return redirect("claims:review")
