"""URLs of ids at the cost of a join: Django's ``reverse`` asked once for each
URL name (with its number of arguments, the app, the script prefix and the
URLconf) with marks in place of its arguments, and the marks then replaced by
the ids asked for.

A claim page links about 55 URLs, a list about 40, the review queue about 90:
Django's ``reverse`` matches the name's patterns and quotes each time, 15 µs of
CPU a URL and 30 µs for a ``{% url %}``, about 5% of what a page cost. Only
arguments that are whole numbers, not below zero (the ids pages link to), take
this way; any other argument, keyword arguments and a name that cannot be
reversed with numbers go to Django's ``reverse`` as before.

``path_to`` is ``reverse`` for code (the models' ``get_absolute_url``). This
module is also a template library, in the template engine's builtins
(settings.TEMPLATES), whose ``{% url %}`` is Django's own tag, parsed and
rendered as Django does, taking this way where it can.
"""

import functools
from typing import Any

from django import template
from django.template import defaulttags
from django.template.base import Parser, Token
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

# Markers for a URL's arguments: numbers of 19 digits, no two of them one's prefix, which no URL names.
_MARK = 7_315_926_535_897_932_000


@functools.lru_cache(maxsize=512)
def _pieces(view_name: str, count: int, current_app: str | None, prefix: str, urlconf: Any) -> tuple[str, ...] | None:
    """The URL of ``view_name`` with ``count`` arguments, cut where its arguments
    go; None where Django cannot reverse it with numbers (another converter)."""
    marks = [str(_MARK + index) for index in range(count)]
    try:
        path = reverse(view_name, args=marks, current_app=current_app, urlconf=urlconf)
    except NoReverseMatch:
        return None
    pieces = []
    for mark in marks:
        before, found, path = path.partition(mark)
        if not found:
            return None
        pieces.append(before)
    return (*pieces, path)


def _joined_path(view_name: str, args: list[Any], current_app: str | None) -> str | None:
    """The URL joined from its pieces; None where Django's ``reverse`` must
    answer (an argument that is not an id, a name not reversed with numbers)."""
    if not all(type(arg) is int and arg >= 0 for arg in args):
        return None
    pieces = _pieces(view_name, len(args), current_app, get_script_prefix(), get_urlconf())
    if pieces is None:
        return None
    return pieces[0] + "".join(f"{arg}{piece}" for arg, piece in zip(args, pieces[1:], strict=True))


def path_to(view_name: str, *args: Any, current_app: str | None = None) -> str:
    """``reverse(view_name, args=args)``."""
    url = _joined_path(view_name, list(args), current_app)
    return reverse(view_name, args=args, current_app=current_app) if url is None else url


class URLNode(defaulttags.URLNode):
    def render(self, context: template.Context) -> str:
        view_name = self.view_name.resolve(context)
        url = None
        if not self.kwargs and isinstance(view_name, str):
            url = _joined_path(view_name, [arg.resolve(context) for arg in self.args], _current_app(context))
        if url is None:
            return super().render(context)
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


def _current_app(context: template.Context) -> str | None:
    """The app as Django's tag reads it: the request's, or the namespace of the view it resolved to."""
    try:
        return context.request.current_app  # type: ignore[attr-defined,no-any-return]
    except AttributeError:
        try:
            return context.request.resolver_match.namespace  # type: ignore[attr-defined,no-any-return]
        except AttributeError:
            return None


@register.tag
def url(parser: Parser, token: Token) -> URLNode:
    """Django's ``{% url %}``, parsed by Django."""
    parsed = defaulttags.url(parser, token)
    return URLNode(parsed.view_name, parsed.args, parsed.kwargs, parsed.asvar)
