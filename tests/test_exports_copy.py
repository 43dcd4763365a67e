"""On PostgreSQL the timeline CSV is written by COPY; it must be byte for byte
what the Python writer (used on SQLite) writes, hostile text included."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection

from claimtracker.claims import services
from claimtracker.claims.models import Attribution, Claim, Status
from claimtracker.exports import copy
from claimtracker.exports.stream import python_lines
from tests.factories import ActorFactory, ClaimFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    'He said "no", then left',
    "line one\nline two",
    "carriage\rreturn",
    "comma, separated",
    "=1+2",
    "+cmd",
    "-2",
    "@SUM(A1)",
    "\tindented",
    "\rreturned",
    "  spaces around  ",
    "국가정보원 «quoted» 🚀",
    "\\.",
    '"',
    "'already quoted",
]


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's; SQLite uses the Python writer only")


def both(claims: object, **options: bool) -> tuple[bytes, bytes]:
    fast = b"".join(copy.lines(claims, **options))  # type: ignore[arg-type]
    slow = b"".join(
        python_lines(
            claims,
            include_pending=options.get("include_pending", False),  # type: ignore[arg-type]
            bom=options.get("bom", False),
        )
    )
    return fast, slow


def test_copy_writes_the_demo_as_the_python_writer_does(demo: None) -> None:
    fast, slow = both(Claim.objects.all())
    assert fast == slow
    assert fast.count(b"\r\n") == 23  # the header and 22 events
    fast_bom, slow_bom = both(Claim.objects.filter(text__contains="ship"), bom=True)
    assert fast_bom == slow_bom and fast_bom.startswith(b"\xef\xbb\xbf")


def test_copy_matches_python_on_hostile_text(editor: User, reviewer: User) -> None:
    reported = Status.objects.get(slug="reported")
    for i, text in enumerate(HOSTILE):
        publisher = ActorFactory(name=f"{text} publisher {i}", kind="media_outlet")
        source = SourceFactory(title=text, url=f"https://news.example.org/{i}?q={text[:3]}", publisher=publisher)
        claim = ClaimFactory(text=text or "empty", created_by=editor)
        attribution = Attribution.objects.create(
            claim=claim,
            actor=ActorFactory(name=f"{text} {i}"),
            via=ActorFactory(name=f"via {text} {i}"),
            source=source,
            stance="denies",
            certainty="possible",
            quote=text,
            quote_kind="paraphrase",
            stated_on=datetime.date(2024, 1, 1),
            stated_on_precision="year",
            created_by=UserFactory(username=f"u{i}"),
        )
        services.approve(attribution, by=reviewer)
        change = services.propose_status_change(
            claim,
            status=reported,
            effective_on=datetime.date(2024, 3, 1),
            effective_on_precision="month",
            rationale=text,
            by=editor,
        )
        if i % 2:
            services.approve(change, by=reviewer)

    for include_pending in (False, True):
        fast, slow = both(Claim.objects.all(), include_pending=include_pending)
        assert fast == slow, include_pending


def test_copy_follows_the_list_filters(demo: None) -> None:
    from claimtracker.claims.filters import ClaimFilter

    filterset = ClaimFilter({"q": "troops", "status": ["corroborated"]}, queryset=Claim.objects.all())
    fast, slow = both(filterset.qs)
    assert fast == slow
    assert fast.count(b"\r\n") == 1 + 7 + 4 + 3  # header, the troops claim, the 3,000 claim, the ship claim
