"""``{% kept name key %}…{% endkept %}``: a part of a page kept in the default
cache under ``key`` (a digest of the data versions it is drawn from, built by
the view), for KEPT_SECONDS; drawn anew each time when ``key`` is blank, as a
view gives it for a form in error or a view of the past. Where the context
holds the page's ``kept_parts`` (views.common.KeptParts) the part takes what
they read, and leaves what it draws to them to store.

``{% live name %}…{% endlive %}``: a live part of a stored page (claims.pagecache,
``Live``), marked for the page cache to cut out of the page's frame where the
context's ``live_parts`` is true; as it is otherwise."""

import re

from django import template
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.utils.safestring import SafeString

from claimtracker.claims.views.common import KEPT_SECONDS, KeptParts

register = template.Library()


class KeptNode(template.Node):
    def __init__(self, nodelist: NodeList, name: str, key: FilterExpression) -> None:
        self.nodelist = nodelist
        self.name = name
        self.key = key

    def render(self, context: template.Context) -> SafeString:
        key = self.key.resolve(context)
        if not key:
            return self.nodelist.render(context)
        cache_key = make_template_fragment_key(self.name, [key])
        parts = context.get("kept_parts")
        if isinstance(parts, KeptParts) and cache_key in parts.read:
            if (value := parts.read[cache_key]) is None:
                value = parts.read[cache_key] = parts.drawn[cache_key] = self.nodelist.render(context)
            return value  # type: ignore[no-any-return]
        if (value := cache.get(cache_key)) is None:
            value = self.nodelist.render(context)
            cache.set(cache_key, value, KEPT_SECONDS)
        return value  # type: ignore[no-any-return]


@register.tag
def kept(parser: Parser, token: Token) -> KeptNode:
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError(f"{bits[0]} takes a part's name and its key: {{% kept name key %}}.")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, bits[1], parser.compile_filter(bits[2]))


class LiveNode(template.Node):
    def __init__(self, nodelist: NodeList, name: str) -> None:
        self.nodelist = nodelist
        self.name = name

    def render(self, context: template.Context) -> SafeString:
        inner = self.nodelist.render(context)
        if not context.get("live_parts"):
            return inner
        return SafeString(f"<!--live:{self.name}-->{inner}<!--/live:{self.name}-->")


@register.tag
def live(parser: Parser, token: Token) -> LiveNode:
    bits = token.split_contents()
    if len(bits) != 2 or not re.fullmatch(r"[a-z-]+", bits[1]):
        raise template.TemplateSyntaxError(f"{bits[0]} takes a part's name, in lower case: {{% live name %}}.")
    nodelist = parser.parse(("endlive",))
    parser.delete_first_token()
    return LiveNode(nodelist, bits[1])
