"""Helpers every page's view uses: the acting user, the role check, htmx."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


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
