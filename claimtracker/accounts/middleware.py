"""Pages shown to a logged-in user are never kept by the browser.

The pages change in place (htmx swaps a reviewed item, a recorded passage, a
count); a page the browser kept would come back on Back as it was before, with
buttons for work already done. ``no-store`` makes Back ask again, and the
server's page cache (claims/pagecache.py) answers a repeat cheaply.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth import middleware as auth_middleware
from django.contrib.sessions import middleware as sessions_middleware
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_cache_control


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _is_public(request):
            return response  # the same for everyone: nothing to read of the session
        user = getattr(request, "user", None)
        html = response.get("Content-Type", "").startswith("text/html")
        if html and not response.has_header("Cache-Control") and user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


def _is_public(request: HttpRequest) -> bool:
    """Whether the request went to a view marked @login_not_required (its answers,
    errors included, read no session)."""
    match = getattr(request, "resolver_match", None)
    return match is not None and not getattr(match.func, "login_required", True)


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's, asking the view before the user: a view marked
    @login_not_required then reads no session, so that a public page sets no
    cookie and does not vary on one (Django's asks whether the user is logged
    in first, which reads the session and adds "Vary: Cookie")."""

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SessionMiddleware(sessions_middleware.SessionMiddleware):
    """Django's, keeping the session claims.pagecache.PageCacheMiddleware opened
    for this request (it runs this middleware's request side itself, to know who
    asks for a stored page): one session a request, so what Django's checks of
    the user changed in it on the way, such as a key cycled after the secret
    key's rotation (SECRET_KEY_FALLBACKS), is saved and sent."""

    def process_request(self, request: HttpRequest) -> None:
        if not hasattr(request, "session"):
            super().process_request(request)
