"""Who calls the API: a user by their API key, or by their browser session.

``Authorization: Token <key>`` and ``Authorization: Bearer <key>`` are both
read, as DRF's token scheme and OAuth-style clients write them. A key that is
unknown, revoked or belongs to a deactivated user is refused with 401; no
header at all is an anonymous caller, who reads published claims only.
"""

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, throttling
from rest_framework.request import Request

from claimtracker.api.models import ApiKey, digest

SCHEMES = (b"token", b"bearer")
MAX_KEY_LENGTH = 200  # ours are 46 characters; anything far longer is not one


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        words = authentication.get_authorization_header(request).split()
        if not words or words[0].lower() not in SCHEMES:
            return None  # another scheme, or none: not ours to judge
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the key as “Authorization: Bearer <key>”, with no spaces in it."
            )
        try:
            key = words[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("That is not an API key.") from None
        failures = FailedKeys(request)
        failures.check()
        found = None
        if len(key) <= MAX_KEY_LENGTH:
            found = ApiKey.objects.active().select_related("user").filter(key_digest=digest(key)).first()
        if found is None or not found.user.is_active:
            failures.add()
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.")
        found.used()
        return found.user, found

    def authenticate_header(self, request: Request) -> str:
        # Makes an unauthenticated call to a page that needs a user a 401 that says how to log in.
        return 'Bearer realm="api"'


def rate(text: str) -> tuple[int, int]:
    """ "600/minute" as (600, 60), read as DRF reads its rates (settings checks the form)."""
    count, period = text.split("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]


class FailedKeys:
    """Keys refused from one address, counted as API_ANONYMOUS_RATE_LIMIT counts a
    caller without a key: past it, the address is answered 429 before any key it
    sends is looked up, so made-up keys cost no more than anonymous calls."""

    def __init__(self, request: Request) -> None:
        self.limit, self.seconds = rate(settings.API_ANONYMOUS_RATE_LIMIT)
        self.key = f"throttle_api-failed-key_{settings.AXES_CLIENT_IP_CALLABLE(request._request)}"
        self.now = time.time()
        self.history = [at for at in cache.get(self.key, []) if at > self.now - self.seconds]

    def check(self) -> None:
        if len(self.history) >= self.limit:
            raise exceptions.Throttled(wait=self.history[0] + self.seconds - self.now)

    def add(self) -> None:
        cache.set(self.key, [*self.history, self.now], self.seconds)


class ApiKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """How the OpenAPI schema names the key: an HTTP bearer scheme (``Token`` works too)."""

    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from `manage.py api_token USERNAME`, as `Bearer <key>` or `Token <key>`.",
        }


class PerKeyThrottle(throttling.SimpleRateThrottle):
    """At most API_RATE_LIMIT requests per key (per user for a browser session,
    per address for anonymous callers, who get API_ANONYMOUS_RATE_LIMIT). Counts
    are kept in the default cache: per process unless the cache is shared."""

    scope = "api"

    def get_rate(self) -> str:
        return settings.API_RATE_LIMIT if self.scope == "api" else settings.API_ANONYMOUS_RATE_LIMIT

    def allow_request(self, request: Request, view: Any) -> bool:
        self.scope = "api" if request.user.is_authenticated else "api-anonymous"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        if isinstance(request.auth, ApiKey):
            who = f"key-{request.auth.pk}"
        elif request.user.is_authenticated:
            who = f"user-{request.user.pk}"
        else:
            who = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": who}

    def get_ident(self, request: Request) -> str:
        """The client's address as the login throttle reads it (settings.client_ip_address):
        X-Forwarded-For is believed only behind the proxies the deployment names."""
        return str(settings.AXES_CLIENT_IP_CALLABLE(request._request))
