"""Answers to HEAD without their body.

Django leaves HEAD to the server: views answer it as GET, body included, and
gunicorn drops the body, logging a warning for each such answer (monitors,
link checkers and CDNs send HEAD all day). ``HeadMiddleware``, first in the
list, empties the body of a HEAD answer and keeps the headers a GET would
have, Content-Length included. A streamed answer is left to the server (the
exports, which stream, answer HEAD 405: they take GET only).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class HeadMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method == "HEAD" and not response.streaming:
            if not response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response
