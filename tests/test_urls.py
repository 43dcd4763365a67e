"""claimtracker/lib/urls.py: ``{% url %}`` and ``path_to`` give what Django's
``reverse`` gives, for every URL name of the app, under any script prefix."""

import random
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Engine, TemplateSyntaxError, engines
from django.test import RequestFactory
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse, set_script_prefix

from claimtracker.lib.urls import _pieces, path_to


def _names(resolver: URLResolver, namespace: str = "") -> list[tuple[str, int]]:
    """Every named URL of the app, with its number of arguments."""
    found = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found += _names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((f"{namespace}{pattern.name}", len(pattern.pattern.regex.groupindex)))
    return found


NAMES = sorted(set(_names(get_resolver())))


def test_the_app_has_urls_of_ids_to_check() -> None:
    assert ("claims:detail", 1) in NAMES and ("claims:remove_relation", 2) in NAMES and ("claims:list", 0) in NAMES


@pytest.mark.parametrize("prefix", ["/", "/newsroom/"])
def test_every_url_name_is_what_djangos_reverse_gives(prefix: str) -> None:
    ids = random.Random(7)
    set_script_prefix(prefix)
    try:
        for name, count in NAMES:
            for args in ([ids.randrange(10**12) for _ in range(count)], [0] * count):
                try:
                    expected = reverse(name, args=args)
                except NoReverseMatch:  # a name whose arguments are not numbers (a kind of entry, a slug)
                    with pytest.raises(NoReverseMatch):
                        path_to(name, *args)
                    continue
                assert path_to(name, *args) == expected, name
                assert expected.startswith(prefix)
    finally:
        set_script_prefix("/")


def test_what_is_not_an_id_goes_to_djangos_reverse() -> None:
    assert path_to("claims:edit_entry", "attribution", 5) == reverse("claims:edit_entry", args=["attribution", 5])
    assert path_to("claims:detail", "5") == reverse("claims:detail", args=["5"]) == "/claims/5/"
    for wrong in (-1, True, 5.0, "x"):  # refused as Django refuses them
        with pytest.raises(NoReverseMatch):
            reverse("claims:detail", args=[wrong])
        with pytest.raises(NoReverseMatch):
            path_to("claims:detail", wrong)
    assert _pieces("claims:no_such_page", 1, None, "/", None) is None
    with pytest.raises(NoReverseMatch):
        path_to("claims:no_such_page", 5)


def _render(source: str, context: dict[str, Any], engine: Any = None) -> str:
    template = (engine or engines["django"]).from_string(source)
    return str(template.render(context))


@pytest.mark.parametrize(
    "source",
    [
        "{% url 'claims:detail' pk %}",
        "{% url 'claims:remove_relation' pk other %}",
        "{% url 'claims:list' %}?a=1",
        "{% url 'claims:edit_entry' 'attribution' pk %}",
        "{% url 'claims:detail' pk=pk %}",
        "{% url name pk %}",
        "{% url 'claims:detail' pk as there %}[{{ there }}]",
        "{% url 'claims:nothing' pk as there %}[{{ there }}]",
    ],
)
def test_the_url_tag_renders_as_djangos(source: str) -> None:
    django_own = Engine(libraries={})  # Django's tags alone
    context = {"pk": 42, "other": 7, "name": "claims:detail"}
    assert _render(source, context) == django_own.from_string(source).render(Context(context))


def test_the_url_tag_refuses_as_djangos_and_reads_the_requests_app() -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert _render("{% url 'claims:detail' pk %}", {"pk": 3}) == "/claims/3/"
    template = engines["django"].from_string("{% url 'claims:detail' pk %}")
    assert template.render({"pk": 3}, request) == "/claims/3/"  # with a request: its app read as Django reads it
    with pytest.raises(NoReverseMatch):
        _render("{% url 'claims:nothing' pk %}", {"pk": 3})
    with pytest.raises(TemplateSyntaxError):
        engines["django"].from_string("{% url %}")
