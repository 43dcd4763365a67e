"""Keyset pagination walks every row once, in the same order as the sorted
query, forwards and backwards, for every sort of the claim list, with ties
and NULLs in the sort keys."""

import datetime

import pytest
from django.contrib.auth.models import User
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimtracker.claims.filters import SORT_KEYS
from claimtracker.claims.models import Claim
from claimtracker.lib import keyset
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
