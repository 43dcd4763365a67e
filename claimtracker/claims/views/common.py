"""Helpers every page's view uses: the acting user, the role check, htmx, and
values kept in the cache under what they are drawn from."""

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, QueryDict
from django.middleware.csrf import get_token

from claimtracker.accounts.roles import can_edit


def user_of(request: HttpRequest) -> User:
    # LoginRequiredMiddleware has run: the user is authenticated.
    if not isinstance(request.user, User):
        raise PermissionDenied("Log in first.")
    return request.user


def require(request: HttpRequest, check: Callable[[Any], bool], what: str) -> User:
    """The acting user, when their role allows ``what``; 403 otherwise."""
    if not check(request.user):
        raise PermissionDenied(f"Your role does not allow you to {what}; ask an admin for one that does.")
    return user_of(request)


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


# Filters of the claim list that tell of work in review: the desk's only.
DESK_FILTERS = ("pending",)


def list_filters(request: HttpRequest) -> QueryDict:
    """The claim list's filters as asked, without those that would tell a
    viewer which claims have work in review."""
    if can_edit(request.user) or not any(name in request.GET for name in DESK_FILTERS):
        return request.GET
    data = request.GET.copy()
    for name in DESK_FILTERS:
        data.pop(name, None)
    return data


KEPT_SECONDS = 24 * 3600  # entries of older data versions simply expire


def digest(drawn_from: Any) -> str:
    """A cache key's part for what a value is drawn from (data versions, the query...)."""
    return hashlib.sha256(repr(drawn_from).encode()).hexdigest()


def kept_key(drawn_from: Any) -> str:
    """The default cache's key of a value kept under ``drawn_from`` (``kept``)."""
    return "kept:" + digest(drawn_from)


def kept(drawn_from: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``, kept in the default cache under ``drawn_from``: a count or a
    sum a page shows, keyed on the data versions it is counted from."""
    key = kept_key(drawn_from)
    if (value := cache.get(key)) is None:
        value = compute()
        cache.set(key, value, KEPT_SECONDS)
    return value


# A kept part's CSRF token (a form's ``{% csrf_token %}``, drawn with ``csrf_token`` set to it in the
# context), put back by ``with_csrf_token`` as the asker's own: a token is valid for one browser's secret.
# The whole hidden input is matched: text a user typed is escaped, so it cannot make one.
KEPT_CSRF_TOKEN = "kept-csrf-token"
_KEPT_CSRF_INPUT = f'name="csrfmiddlewaretoken" value="{KEPT_CSRF_TOKEN}"'


def with_csrf_token(request: HttpRequest, html: str) -> str:
    """A kept part drawn with ``KEPT_CSRF_TOKEN``, its forms given the asker's CSRF token."""
    if _KEPT_CSRF_INPUT not in html:
        return html
    return html.replace(_KEPT_CSRF_INPUT, f'name="csrfmiddlewaretoken" value="{get_token(request)}"')


class KeptParts:
    """The ``{% kept %}`` parts of a page (templatetags/kept.py), asked of the
    cache in one round trip before the page is drawn, and those drawn stored in
    one after it (``store``), instead of a round trip for each: a claim page has
    six. ``parts`` names each part and its key (a blank key: drawn anew, not
    asked; with none asked, no round trip: a view of the past). Give it to the
    page as ``kept_parts``; a part it does not name asks the cache alone."""

    def __init__(self, parts: Mapping[str, str]) -> None:
        asked = [make_template_fragment_key(name, [key]) for name, key in parts.items() if key]
        self.read: dict[str, Any] = dict.fromkeys(asked) | (cache.get_many(asked) if asked else {})
        self.drawn: dict[str, Any] = {}

    def store(self) -> None:
        if self.drawn:
            cache.set_many(self.drawn, KEPT_SECONDS)
            self.drawn = {}
