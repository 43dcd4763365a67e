"""Walks every URL pattern in the resolver with every role and checks the answer
(and its security headers),
so that a new view cannot slip past the login and role rules: a pattern missing
from EXPECTED fails the walk."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from claimtracker.claims.models import Attribution, Claim, Relation
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "stranger", "viewer", "editor", "reviewer", "superuser"]

# url name -> (method, {role: expected status}); "login" means a redirect to the login page.
READ = {"anonymous": "login", "stranger": 403, "viewer": 200, "editor": 200, "reviewer": 200, "superuser": 200}
EDIT_PAGE = READ | {"viewer": 403}
# An empty POST by a permitted role is answered with the form's errors, never saved.
EDIT_POST = {"anonymous": "login", "stranger": 403, "viewer": 403, "editor": 400, "reviewer": 400, "superuser": 400}
REVIEW_PAGE = READ | {"viewer": 403, "editor": 403}
REVIEW_POST = {"anonymous": "login", "stranger": 403, "viewer": 403, "editor": 403, "reviewer": 302, "superuser": 302}
ANYONE = dict.fromkeys(ROLES, 200)
NOT_OWN = {"anonymous": "login", **dict.fromkeys(ROLES[1:], 403)}
API_READ = READ | {"anonymous": 401}
REDIRECT_HOME = READ | {"viewer": 302, "editor": 302, "reviewer": 302, "superuser": 302, "stranger": 302}

# On every answer, whoever asks (HSTS is checked over HTTPS in test_security.py).
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}

EXPECTED: dict[str, tuple[str, dict[str, Any]]] = {
    "home": ("get", REDIRECT_HOME),
    "claims:list": ("get", READ),
    "claims:detail": ("get", READ),
    "claims:create": ("get", EDIT_PAGE),
    "claims:edit": ("get", EDIT_PAGE),
    "claims:similar": ("get", EDIT_PAGE),
    "claims:add_attribution": ("post", EDIT_POST),
    "claims:propose_status_change": ("post", EDIT_POST),
    "claims:add_relation": ("post", EDIT_POST),
    "claims:publish": ("post", REVIEW_POST),
    "claims:unpublish": ("post", REVIEW_POST),
    # Removing needs nothing but the link: the desk's POST removes it.
    "claims:remove_relation": ("post", REVIEW_POST | {"editor": 302}),
    "claims:review": ("get", REVIEW_PAGE),
    "claims:review_item": ("post", REVIEW_POST),
    "claims:mine": ("get", EDIT_PAGE),
    # Demo entries are the demo editor's: for everyone here they are someone else's work.
    "claims:edit_entry": ("get", NOT_OWN),
    "claims:withdraw_entry": ("post", NOT_OWN),
    "claims:correct_attribution": ("get", EDIT_PAGE),
    "claims:actor_create": ("get", EDIT_PAGE),
    "claims:actor_edit": ("get", EDIT_PAGE),
    "claims:similar_actors": ("get", EDIT_PAGE),
    "claims:source_create": ("get", EDIT_PAGE),
    "claims:source_edit": ("get", EDIT_PAGE),
    "claims:similar_sources": ("get", EDIT_PAGE),
    "claims:record_from_source": ("post", EDIT_POST),
    "claims:actor_list": ("get", READ),
    "claims:actor_detail": ("get", READ),
    "claims:source_list": ("get", READ),
    "claims:source_detail": ("get", READ),
    "claims:lookup": ("get", READ),
    "exports:claims_csv": ("get", READ),
    "exports:timeline_csv": ("get", READ),
    "exports:timeline_json": ("get", READ),
    "exports:claims_xlsx": ("get", READ),
    "exports:timeline_xlsx": ("get", READ),
    "login": ("get", ANYONE),
    "logout": ("post", dict.fromkeys(ROLES, 302)),
    "password_change": ("get", READ | {"stranger": 200}),
    "password_change_done": ("get", READ | {"stranger": 200}),
    "healthz": ("get", ANYONE),
    "favicon": ("get", dict.fromkeys(ROLES, 301)),
    # Published fact-checks, for anyone (the demo publishes its assessed claims).
    "public:list": ("get", ANYONE),
    "public:claim": ("get", ANYONE),
    "sitemap": ("get", ANYONE),
    # The read API: claims for anyone (published ones only without a role), the desk's records for a role.
    "api:claims": ("get", ANYONE),
    "api:claim": ("get", ANYONE),
    "api:actors": ("get", API_READ),
    "api:actor": ("get", API_READ),
    "api:sources": ("get", API_READ),
    "api:source": ("get", API_READ),
    "api:schema": ("get", ANYONE),
    "api:docs": ("get", ANYONE),
    "api:not_found": ("get", dict.fromkeys(ROLES, 404)),
}


def _patterns(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # the admin has its own staff check, tested in test_admin and test_roles
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, inner)
        else:
            yield f"{namespace}{entry.name}", entry


def test_every_url_pattern_has_an_expectation() -> None:
    names = {name for name, _ in _patterns(get_resolver())}
    assert names == set(EXPECTED), f"add these to EXPECTED: {sorted(names - set(EXPECTED))}"


@pytest.fixture
def clients(stranger: User, viewer: User, editor: User, reviewer: User, superuser: User) -> dict[str, Client]:
    return {
        "anonymous": Client(),
        "stranger": client_for(stranger),
        "viewer": client_for(viewer),
        "editor": client_for(editor),
        "reviewer": client_for(reviewer),
        "superuser": client_for(superuser),
    }


def _url(name: str, pattern: URLPattern) -> str:
    kwargs: dict[str, Any] = {}
    if name == "claims:lookup":
        return reverse(name, kwargs={"kind": "actors"}) + "?actor=Kirby&field=actor"
    if "pk" in pattern.pattern.converters:
        if name == "claims:remove_relation":
            relation = Relation.objects.order_by("pk").first()
            kwargs = {"pk": relation.from_claim_id, "relation_pk": relation.pk}
        elif name == "claims:review_item":
            kwargs = {"kind": "attribution", "pk": Attribution.objects.filter(review_state="pending").first().pk}
        elif name == "claims:correct_attribution":
            kwargs = {"pk": Attribution.objects.filter(review_state="approved").order_by("pk").first().pk}
        elif name in ("claims:edit_entry", "claims:withdraw_entry"):
            kwargs = {"kind": "attribution", "pk": Attribution.objects.order_by("pk").first().pk}
        elif name.startswith("claims:actor") or name == "api:actor":
            kwargs = {"pk": Attribution.objects.first().actor_id}
        elif name.startswith("claims:source") or name in ("claims:record_from_source", "api:source"):
            kwargs = {"pk": Attribution.objects.first().source_id}
        elif name in ("public:claim", "api:claim"):  # not the claim the walk unpublishes
            kwargs = {"pk": Claim.objects.filter(published_at__isnull=False).order_by("pk").first().pk}
        else:
            kwargs = {"pk": Claim.objects.first().pk}
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_answer_everywhere(
    demo: None, clients: dict[str, Client], role: str, editor: User
) -> None:
    from claimtracker.claims import services
    from tests.factories import ActorFactory, SourceFactory

    answers = {}
    unprotected: dict[str, list[str]] = {}
    # Logging out ends the session the other requests use: walk it last.
    for name, pattern in sorted(_patterns(get_resolver()), key=lambda row: row[0] == "logout"):
        if name == "claims:review_item":
            # A fresh pending item by someone else for each request.
            services.add_attribution(
                Claim.objects.first(),
                actor=ActorFactory(),
                source=SourceFactory(),
                stance="asserts",
                stated_on=Attribution.objects.first().stated_on,
                by=editor,
            )
        method, expected = EXPECTED[name]
        client = clients[role]
        data = {"decision": "approve"} if name == "claims:review_item" else {}
        response = getattr(client, method)(_url(name, pattern), data)
        missing = [header for header, value in SECURITY_HEADERS.items() if response.get(header) != value]
        csp = response.get("Content-Security-Policy", "")
        if "script-src 'self'" not in csp or "unsafe-inline" in csp.split("script-src")[1].split(";")[0]:
            missing.append("Content-Security-Policy without inline script")
        want = expected[role]
        if want == "login":
            got = (
                "login"
                if response.status_code == 302 and "/accounts/login/" in response["Location"]
                else (response.status_code)
            )
        else:
            got = response.status_code
        answers[name] = (got, want)
        if missing:
            unprotected[name] = missing
    wrong = {name: f"got {got}, expected {want}" for name, (got, want) in answers.items() if got != want}
    assert not wrong, wrong
    assert not unprotected, unprotected
