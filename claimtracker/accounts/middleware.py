"""Pages shown to a logged-in user are never kept by the browser.

The pages change in place (htmx swaps a reviewed item, a recorded passage, a
count); a page the browser kept would come back on Back as it was before, with
buttons for work already done. ``no-store`` makes Back ask again, and the
server's page cache (claims/pagecache.py) answers a repeat cheaply.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        html = response.get("Content-Type", "").startswith("text/html")
        if html and user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
