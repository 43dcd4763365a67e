"""Hostile input across the surface: a corpus of bad strings, and values from
hypothesis, into every form field, every htmx endpoint, every filter and query
parameter, the admin's forms and the CSV import, as an editor and as a reviewer
(and as an admin in the admin).

Expected everywhere: no server error; a refusal leaves the stored data as it
was; no payload comes back unescaped in HTML, SVG, JSON-LD or JSON; no NUL
character is stored.
"""

import unicodedata
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from django.contrib.auth.models import User
from django.db.models import Count, Q, Sum
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimtracker.claims import services
from claimtracker.claims.forms import (
    ActorForm,
    AttributionForm,
    ClaimForm,
    RelationForm,
    SourceForm,
    StatusChangeForm,
    WorkbenchForm,
)
from claimtracker.claims.models import (
    Actor,
    ActorAlias,
    Attribution,
    Claim,
    Relation,
    ReviewState,
    Source,
    Status,
    StatusChange,
    Topic,
)
from claimtracker.exports import importer
from claimtracker.exports.timeline import COLUMNS
from tests.conftest import client_for
from tests.html_forms import form_on

pytestmark = pytest.mark.django_db

CONTROLS = [*range(0x00, 0x20), 0x7F]  # every C0 control character, and DEL
# Those with a meaning of their own in text, HTML, CSV or a terminal: sent alone everywhere.
MEANINGFUL = [0x00, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B, 0x7F]
OTHERS = [
    "\u202eevil\u202c",
    "\u200b",
    "\u2066isolate\u2069",
    "\ufeffbom",
    "\u061c",
    unicodedata.normalize("NFD", "북한 군대 파병"),
    "👩‍👩‍👧‍👦🇰🇷",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</title><svg onload=alert(1)>",
    "</script><!--",
    "<![CDATA[x]]>",
    "{{ 7*7 }}{% debug %}",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1",
    '\r=HYPERLINK("http://x")',
    "' OR '1'='1",
    "1; DROP TABLE claims_claim; --",
    "%' --",
    "\\",
    "'||pg_sleep(5)||'",
    "2024-02-30",
    "0000-00-00",
    "9999-99-99",
    "2024-13-01",
    "-1",
    "99999-01-01",
    "2024-10-21T25:00",
    "1e309",
    "NaN",
    "-0",
    "99999999999999999999999999",
    "0x10",
    "null",
    "[]",
    '{"a": 1}',
    "é" * 3000,
]
BASE = [*(f"a{chr(code)}b" for code in CONTROLS), *OTHERS]
# What the slow tests send (every request a page or a form answers, every admin form): the
# meaningful controls alone and the rest five to a string, then the other strings. The
# whole BASE, each control alone, goes through the form cleaning and the CSV import.
_REST = [code for code in CONTROLS if code not in MEANINGFUL]
FEW = [
    *(f"a{chr(code)}b" for code in MEANINGFUL),
    *("a" + "".join(map(chr, _REST[i : i + 5])) + "b" for i in range(0, len(_REST), 5)),
    *OTHERS,
]
WRAPS = [
    lambda s: s,
    lambda s: f"  {s}  ",
    lambda s: s * 3,
    lambda s: f"<b>{s}</b>",
    lambda s: f"North Korea {s} troops",
    lambda s: s.upper(),
    lambda s: f"{s}\x00",
]
BIG = "A" * 1_000_000
CORPUS = [*dict.fromkeys(wrap(s) for s in BASE for wrap in WRAPS), BIG]
# What the slow tests (every form and query, every admin form) send: each of FEW bare and
# in one of the wraps, taken in turn so that every wrap is sent with a few strings; the
# whole corpus goes through the form cleaning and the CSV import, which are fast.
SAMPLE = [*dict.fromkeys([*FEW, *(WRAPS[1 + i % (len(WRAPS) - 1)](s) for i, s in enumerate(FEW))]), BIG]
BAD_BYTES = [b"\xed\xa0\x80", b"\xff\xfe", b"a\xc3", b"\xf4\x90\x80\x80"]  # a lone surrogate, and broken UTF-8

MARKUP = ("<", ">", '"')


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 500
    assert len(SAMPLE) >= 2 * len(FEW) - 5  # a few wraps leave a string as it was (upper case of "-1")
    assert {chr(code) for code in CONTROLS} <= set("".join(FEW))  # every control is sent to the pages


def fingerprint() -> tuple[Any, ...]:
    """What a refused request must leave as it was."""
    return (
        Claim.objects.aggregate(n=Count("pk"), versions=Sum("version")),
        Attribution.objects.aggregate(n=Count("pk"), approved=Count("pk", filter=Q(review_state="approved"))),
        StatusChange.objects.aggregate(n=Count("pk"), approved=Count("pk", filter=Q(review_state="approved"))),
        Actor.objects.count(),
        Source.objects.count(),
        ActorAlias.objects.count(),
        Topic.objects.count(),
        Status.objects.count(),
        Relation.objects.count(),
    )


def check(response: Any, value: str) -> None:
    assert response.status_code < 500, (response.status_code, value[:80])
    if response.get("Content-Type", "").startswith(("text/html", "application/json")) and not response.streaming:
        body = response.content.decode()
        if any(mark in value for mark in MARKUP) and len(value) < 10_000:
            assert value.strip() not in body, f"echoed unescaped: {value[:80]!r}"


def no_nul_stored() -> None:
    # Checked in Python: SQLite's LIKE stops at a NUL in the pattern and would match everything.
    texts = [
        *Claim.objects.values_list("text", "context"),
        *Attribution.objects.values_list("quote", "review_note"),
        *StatusChange.objects.values_list("rationale", "review_note"),
        *Actor.objects.values_list("name", "description"),
    ]
    assert not any("\x00" in cell for row in texts for cell in row), "a NUL character was stored"


def post_raw(client: Client, url: str, fields: dict[str, bytes]) -> Any:
    body = "&".join(f"{name}={quote_from_bytes(value)}" for name, value in fields.items())
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


def forms(claim: Claim, value: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every form of the pages with every one of its fields set to the value (a fresh
    token each time, so that nothing is a double submit)."""
    for url, form in [
        (reverse("claims:create"), ClaimForm),
        (reverse("claims:edit", args=[claim.pk]), ClaimForm),
        (reverse("claims:add_attribution", args=[claim.pk]), AttributionForm),
        (reverse("claims:propose_status_change", args=[claim.pk]), StatusChangeForm),
        (reverse("claims:add_relation", args=[claim.pk]), RelationForm),
    ]:
        yield url, dict.fromkeys(form.base_fields, value) | {"submission": str(uuid.uuid4())}


FILTERS = ["q", "status", "actor", "stance", "topic", "date_from", "date_to", "pending", "overdue", "sort"]


def whole_pages(claim: Claim, value: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Reads that render a whole claim or export: fed the base strings only, to keep the run short."""
    yield reverse("exports:claims_csv"), dict.fromkeys([*FILTERS, "bom", "pending", "as_of", "known"], value)
    yield reverse("claims:detail", args=[claim.pk]), {"events": value}
    yield reverse("claims:detail", args=[claim.pk]), {"as_of": value, "known": value}
    yield reverse("exports:timeline_csv", args=[claim.pk]), {"bom": value, "pending": value, "as_of": value}
    yield reverse("exports:timeline_json", args=[claim.pk]), {"pending": value, "known": value}


def reads(claim: Claim, value: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Every filter and query parameter of the lists, lookups and queue."""
    yield reverse("claims:list"), dict.fromkeys(FILTERS, value)
    yield reverse("claims:list"), {"after": value}
    yield reverse("claims:list"), {"before": value, "q": value}
    yield reverse("claims:actor_list"), {"q": value, "page": value}
    yield reverse("claims:source_list"), {"page": value}
    yield reverse("claims:lookup", args=["actors"]), {"field": "actor", "actor": value}
    yield reverse("claims:lookup", args=["sources"]), {"q": value}
    yield reverse("claims:similar"), {"text": value, "exclude": value}
    yield reverse("claims:review"), {"after": value}


@pytest.fixture
def claim(demo: None) -> Claim:
    return Claim.objects.get(text="North Korea has sent troops to Russia")


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_corpus_through_every_form_and_query(claim: Claim, role: str, request: pytest.FixtureRequest) -> None:
    client = client_for(request.getfixturevalue(role))
    # The editor posts plain forms, the reviewer the htmx requests the pages send.
    headers = {"HX-Request": "true"} if role == "reviewer" else {}
    pending = Attribution.objects.filter(review_state=ReviewState.PENDING).first()
    for value in SAMPLE:
        big = len(value) > 10_000
        for url, data in forms(claim, value):
            before = fingerprint()
            response = client.post(url, data, headers=headers)
            check(response, value)
            if response.status_code >= 400 or (headers and b'class="errors"' in response.content):
                assert fingerprint() == before, (url, value[:60])
        if big:
            continue  # a megabyte in a URL is refused by any server before it reaches us
        if role == "editor":  # reading is the same for both roles; the review queue is read below
            for url, params in reads(claim, value):
                check(client.get(url, params), value)
            if value in FEW:
                for url, params in whole_pages(claim, value):
                    check(client.get(url, params), value)
        else:
            check(client.get(reverse("claims:review"), {"after": value}), value)
        if pending is not None:
            response = client.post(
                reverse("claims:review_item", args=["attribution", pending.pk]), {"decision": value, "note": value}
            )
            check(response, value)
        check(client.post(f"/review/{quote(value[:30], safe='')}/1/", {"decision": "approve"}), value)
    no_nul_stored()


def desk_forms(claim: Claim, own: Attribution, value: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The forms of sources, actors, the workbench and one's own entries (issue 11)."""
    source, actor = own.source, own.actor
    for url, form in [
        (reverse("claims:source_create"), SourceForm),
        (reverse("claims:source_edit", args=[source.pk]), SourceForm),
        (reverse("claims:actor_create"), ActorForm),
        (reverse("claims:actor_edit", args=[actor.pk]), ActorForm),
        (reverse("claims:record_from_source", args=[source.pk]), WorkbenchForm),
        (reverse("claims:edit_entry", args=["attribution", own.pk]), AttributionForm),
    ]:
        yield url, dict.fromkeys(form.base_fields, value) | {"submission": str(uuid.uuid4())}


def desk_reads(value: str) -> Iterator[tuple[str, dict[str, str]]]:
    yield reverse("claims:similar_actors"), {"name": value, "exclude": value}
    yield reverse("claims:similar_sources"), {"title": value, "url": value, "exclude": value}
    yield reverse("claims:lookup", args=["claims"]), {"q": value}
    yield reverse("claims:mine"), {"state": value, "page": value}
    yield reverse("claims:actor_create"), {"draft": value, "filled": value, "actor": value}
    yield reverse("claims:source_create"), {"draft": value, "filled": value, "source": value}


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_base_strings_through_the_desk_forms(claim: Claim, role: str, request: pytest.FixtureRequest) -> None:
    """The sources, actors, workbench and my-work forms and reads, with the strings of FEW
    bare (the sample runs through the older forms above: these share their fields' types)."""
    user = request.getfixturevalue(role)
    client = client_for(user)
    headers = {"HX-Request": "true"} if role == "reviewer" else {}
    existing = Attribution.objects.filter(claim=claim).select_related("actor", "source").first()
    own = services.add_attribution(
        claim, actor=existing.actor, source=existing.source, stance="asserts", stated_on=existing.stated_on, by=user
    )
    for value in FEW:
        for url, data in desk_forms(claim, own, value):
            before = fingerprint()
            response = client.post(url, data, headers=headers)
            check(response, value)
            if response.status_code >= 400 or (headers and b'class="errors"' in response.content):
                assert fingerprint() == before, (url, value[:60])
        for url, params in desk_reads(value):
            check(client.get(url, params, headers=headers), value)
        check(client.post(reverse("claims:withdraw_entry", args=[quote(value[:20], safe="") or "x", own.pk])), value)
    no_nul_stored()


def test_broken_utf8_in_forms_and_urls(claim: Claim, editor: User) -> None:
    client = client_for(editor)
    before = fingerprint()
    for raw in BAD_BYTES:
        fields = {"text": raw, "context": raw, "submission": str(uuid.uuid4()).encode()}
        assert post_raw(client, reverse("claims:create"), fields).status_code < 500
        quote = dict.fromkeys(["actor", "quote", "stated_on"], raw) | {"submission": str(uuid.uuid4()).encode()}
        assert post_raw(client, reverse("claims:add_attribution", args=[claim.pk]), quote).status_code < 500
        for path in ["claims:list", "claims:actor_list", "exports:claims_csv", "claims:review"]:
            assert (
                client.get(f"{reverse(path)}?q={quote_from_bytes(raw)}&after={quote_from_bytes(raw)}").status_code < 500
            )
    no_nul_stored()
    texts = [*Claim.objects.values_list("text", flat=True), *Attribution.objects.values_list("quote", flat=True)]
    assert not any(0xD800 <= ord(c) <= 0xDFFF for text in texts for c in text), "a lone surrogate was stored"
    assert fingerprint()[3:] == before[3:]  # no actor or source came from the broken input


def test_whole_corpus_through_the_form_cleaning(claim: Claim) -> None:
    """Every value of the corpus through every field of the pages' forms, without the
    requests around them (those send the sample): cleaning never raises, and what it
    accepts holds no NUL character."""
    for value in CORPUS:
        data = {"submission": str(uuid.uuid4())}
        for form in [
            ClaimForm(dict.fromkeys(ClaimForm.base_fields, value) | data),
            AttributionForm(dict.fromkeys(AttributionForm.base_fields, value) | data),
            StatusChangeForm(dict.fromkeys(StatusChangeForm.base_fields, value) | data, claim=claim),
            SourceForm(dict.fromkeys(SourceForm.base_fields, value) | data),
            ActorForm(dict.fromkeys(ActorForm.base_fields, value) | data),
            WorkbenchForm(dict.fromkeys(WorkbenchForm.base_fields, value) | data),
            RelationForm(dict.fromkeys(RelationForm.base_fields, value) | data, claim=claim),
        ]:
            if form.is_valid():
                cleaned = [v for v in form.cleaned_data.values() if isinstance(v, str)]
                assert not any("\x00" in v for v in cleaned), (type(form).__name__, value[:60])


def test_corpus_through_the_csv_import(demo: None) -> None:
    header = ",".join(COLUMNS) + "\r\n"
    before = fingerprint()
    for value in CORPUS[:300]:
        cell = '"' + value.replace('"', '""') + '"'
        row = ",".join(cell for _ in COLUMNS) + "\r\n"
        report = importer.check((header + row).encode())
        assert not report.ok and report.problems[0].line >= 2, value[:60]
    for raw in [*BAD_BYTES, b"\x00\x00", b"\xef\xbb\xbf" + header.encode() + b"\x00,\x00\r\n"]:
        report = importer.check(header.encode() + raw + b"\r\n")
        assert not report.ok and report.problems
    assert fingerprint() == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(min_size=1, max_size=300))
def test_generated_text_never_breaks_a_page(value: str, claim: Claim, reviewer: User) -> None:
    client = client_for(reviewer)
    # Between markers, so that a generated "<" is not mistaken for the page's own markup.
    value = f"Zq{value}qZ"
    for url, data in forms(claim, value):
        check(client.post(url, data), value)
    for url, params in [*reads(claim, value), *whole_pages(claim, value)]:
        check(client.get(url, params), value)
    no_nul_stored()


ADMIN_FORMS = ["actor", "actoralias", "source", "status", "topic", "claim", "attribution", "statuschange", "relation"]


def _admin_fields(form: dict[str, Any]) -> list[str]:
    """The fields a person types into or picks: not the formsets' bookkeeping."""
    bookkeeping = ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")
    return [name for name in form if name != "submission" and not name.endswith(bookkeeping)]


def test_corpus_through_every_admin_form(demo: None, superuser: User) -> None:
    client = client_for(superuser)
    claim = Claim.objects.get(text="North Korea has sent troops to Russia")
    pages = {model: reverse(f"admin:claims_{model}_add") for model in ADMIN_FORMS}
    pages["claim change"] = reverse("admin:claims_claim_change", args=[claim.pk])
    blank = {name: form_on(client.get(url).content) for name, url in pages.items()}
    # Django's own forms around the admin's fields and checks: each string bare (SAMPLE's wraps
    # go through the pages' forms, whose fields these share), and the megabyte.
    for value in [*FEW, BIG]:
        for name, url in pages.items():
            data = blank[name] | dict.fromkeys(_admin_fields(blank[name]), value)
            data["submission"] = str(uuid.uuid4())
            before = fingerprint()
            response = client.post(url, data)
            check(response, value)
            if response.status_code != 302:  # refused: shown again with the reasons
                assert fingerprint() == before, (name, value[:60])
    for model in ADMIN_FORMS:  # whatever was accepted is listed escaped
        response = client.get(reverse(f"admin:claims_{model}_changelist"))
        assert response.status_code == 200
        assert "<script>alert" not in response.content.decode()
    no_nul_stored()
