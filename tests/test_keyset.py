"""Keyset pagination walks every row once, in the same order as the sorted
query, forwards and backwards, for every sort of the claim list, with ties
and NULLs in the sort keys."""

import base64
import datetime

import pytest
from django.contrib.auth.models import User
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimtracker.claims.filters import SORT_KEYS
from claimtracker.claims.models import Claim
from claimtracker.lib import keyset
from tests.conftest import client_for
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

DAYS = st.one_of(st.none(), st.dates(datetime.date(2024, 1, 1), datetime.date(2024, 1, 4)))


def walk(sort: str, size: int) -> tuple[list[int], list[int]]:
    keys = SORT_KEYS[sort]
    claims = Claim.objects.all()
    forward: list[int] = []
    page = keyset.paginate(claims, keys, size)
    forward += [c.pk for c in page.object_list]
    while page.older:
        page = keyset.paginate(claims, keys, size, after=page.older)
        forward += [c.pk for c in page.object_list]
    backward = [c.pk for c in page.object_list]
    while page.newer:
        page = keyset.paginate(claims, keys, size, before=page.newer)
        backward = [c.pk for c in page.object_list] + backward
    return forward, backward


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(DAYS, DAYS), min_size=0, max_size=14), size=st.integers(1, 5))
def test_pages_cover_every_row_once_in_order(rows: list[tuple[object, object]], size: int, editor: User) -> None:
    Claim.objects.all().delete()
    for due_on, status_since in rows:
        ClaimFactory(created_by=editor, due_on=due_on, status_since=status_since)
    for sort in ("newest", "oldest", "status", "due"):
        expected = list(Claim.objects.order_by(*keyset.order_by(SORT_KEYS[sort])).values_list("pk", flat=True))
        forward, backward = walk(sort, size)
        assert forward == expected, sort
        assert backward == expected, sort


def test_cursor_at_points_after_that_row(editor: User) -> None:
    made = [ClaimFactory(created_by=editor) for _ in range(7)]
    keys = SORT_KEYS["oldest"]
    cursor = keyset.cursor_at(Claim.objects.all(), keys, 2)
    page = keyset.paginate(Claim.objects.all(), keys, 3, after=cursor)
    assert [c.pk for c in page.object_list] == [c.pk for c in made[3:6]]


def test_capped_count_stops_counting() -> None:
    assert keyset.capped_count(Claim.objects.none(), 5) == 0
    for _ in range(8):
        ClaimFactory()
    assert keyset.capped_count(Claim.objects.all(), 5) == 6
    assert keyset.capped_count(Claim.objects.all(), 50) == 8


# --- Tampered cursors --------------------------------------------------------------------------------
# A cursor is base64 (URL-safe, unpadded) of a JSON list with one value per sort key: numbers as
# JSON numbers, dates as {"d": "YYYY-MM-DD"}, timestamps as {"t": "<ISO with offset>"}.

# One well-formed cursor per sort, as JSON values, and the JSON texts that fit no key of that sort.
VALID = {
    "relevance": ["0.5", "1"],
    "newest": ["1"],
    "oldest": ["1"],
    "status": ['{"d":"2024-10-01"}', "1"],
    "due": ['{"d":"2024-10-01"}', "1"],
}
WRONG_FOR_ANY = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",  # JSON reads it as infinity
    '{"x":1}',
    '{"d":"2024-10-01","t":"2024-10-01T00:00:00+00:00"}',
    '{"d":"2024-02-30"}',
    '{"d":"yesterday"}',
    '{"d":20241001}',
    '{"t":"2024-10-01T00:00:00"}',  # a naive timestamp
    '{"t":"0001-01-01T00:00:00+01:00"}',  # before year 1 in UTC
    "[1]",
    "[]",
    '"abc"',
    '"2024-10-01"',
    '"\\u0000"',
    '"\\ud800"',
    "true",
    "false",
    str(2**63),
    str(-(2**63) - 1),
    str(10**30),
    "-" + "9" * 40,
]
WRONG_FOR_INT = ["1.5", "1.0", "0.5", '{"d":"2024-10-01"}', '{"t":"2024-10-01T00:00:00+00:00"}', "null"]
WRONG_FOR_FLOAT = ['{"d":"2024-10-01"}', "null", str(10**400)[:400]]
WRONG_FOR_DATE = ["1", "0.5", '{"t":"2024-10-01T00:00:00+00:00"}']


def _cursor(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def tampered(sort: str) -> list[str]:
    """JSON lists for the sort's keys with one value swapped for one of the wrong type,
    and lists of the wrong length or shape."""
    valid = VALID[sort]
    lists: list[str] = []
    for slot, key in enumerate(SORT_KEYS[sort]):
        if key.field == "id":
            wrong = WRONG_FOR_INT
        elif key.field == "rank":
            wrong = WRONG_FOR_FLOAT
        else:
            wrong = WRONG_FOR_DATE
        for value in WRONG_FOR_ANY + wrong:
            lists.append("[" + ",".join(value if i == slot else v for i, v in enumerate(valid)) + "]")
    lists += [
        "[]",
        "[" + ",".join(valid[:-1]) + "]",
        "[" + ",".join([*valid, "1"]) + "]",
        "[" + ",".join([*valid, "NaN"]) + "]",
        "{" + ",".join(f'"{i}":{v}' for i, v in enumerate(valid)) + "}",
        "[[" + ",".join(valid) + "]]",
        "null",
        "1",
        '"' + ",".join(valid) + '"',
        "[" * 5000 + "]" * 5000,
        "[" + "1" * 5000 + "]",
    ]
    return lists


BROKEN_BYTES = [
    b"\xff\xfe[1]",
    b'["\xed\xa0\x80"]',
    b"[1",
    b" ",
]  # b"" is no cursor: the first page, rightly without a notice
BROKEN_TEXT = ["%%%", "W10=====", "ÿ", "W1tb\x00", "a", "-_-_", "W" * 4001]


@pytest.mark.parametrize("sort", list(SORT_KEYS))
def test_tampered_cursors_show_the_first_page_with_the_notice(sort: str, demo: None, viewer: User) -> None:
    client = client_for(viewer)
    first = client.get("/claims/", {"q": "troops", "sort": sort})
    assert first.status_code == 200
    expected = [c.pk for c in first.context["page"].object_list]
    cursors = [_cursor(text) for text in tampered(sort)] + [_cursor(raw) for raw in BROKEN_BYTES] + BROKEN_TEXT
    cursors = list(dict.fromkeys(cursors))  # a repeated address comes from the page cache, without a context
    failures = []
    for cursor in cursors:
        for direction in ("after", "before"):
            try:
                response = client.get("/claims/", {"q": "troops", "sort": sort, direction: cursor})
            except Exception as error:  # the test client re-raises what a server would answer with a 500
                failures.append(f"{direction}={cursor}: {type(error).__name__}: {error}"[:200])
                continue
            if response.status_code != 200 or "Showing the first page." not in response.content.decode():
                failures.append(f"{direction}={cursor}: {response.status_code}, no notice")
            elif [c.pk for c in response.context["page"].object_list] != expected:
                failures.append(f"{direction}={cursor}: not the first page")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("sort", list(SORT_KEYS))
def test_decode_refuses_values_of_other_types(sort: str) -> None:
    keys = SORT_KEYS[sort]
    for text in tampered(sort):
        with pytest.raises(keyset.InvalidCursor):
            keyset.decode(keys, _cursor(text))
    # And takes the sort's own.
    values = keyset.decode(keys, _cursor("[" + ",".join(VALID[sort]) + "]"))
    assert [type(v) for v in values] == [key.kind for key in keys]


def test_decode_takes_what_encode_wrote(editor: User) -> None:
    for due_on, status_since in [(None, None), (datetime.date(2024, 1, 2), datetime.date(9999, 12, 31))]:
        claim = ClaimFactory(created_by=editor, due_on=due_on, status_since=status_since)
        for sort in ("newest", "oldest", "status", "due"):
            keys = SORT_KEYS[sort]
            assert keyset.decode(keys, keyset.encode(keys, claim)) == [getattr(claim, k.field) for k in keys]


def test_decode_reads_timestamps_and_strings() -> None:
    keys = [keyset.Key("at", kind=datetime.datetime), keyset.Key("name", kind=str), keyset.Key("id")]
    at = datetime.datetime(2024, 10, 1, 12, 30, tzinfo=datetime.UTC)
    assert keyset.decode(keys, _cursor('[{"t":"2024-10-01T14:30:00+02:00"},"Ann",7]')) == [at, "Ann", 7]
    for wrong in ['[{"d":"2024-10-01"},"Ann",7]', '[{"t":"2024-10-01T14:30:00+02:00"},7,7]', '[null,"Ann",7]']:
        with pytest.raises(keyset.InvalidCursor):
            keyset.decode(keys, _cursor(wrong))
