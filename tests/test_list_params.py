"""Every GET parameter of every list page, given anything (hypothesis): text with
control characters, numbers and dates written as text, and page cursors that are
base64 of any JSON (NaN, infinities, huge numbers, nested objects, wrong lengths).
No answer is a server error, on SQLite or PostgreSQL (issue 12)."""

import base64
import json
import string
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimtracker.claims.filters import SORT_KEYS
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

BOUNDED = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate: no client can send it
        return False
    return True


TEXT = st.text(st.characters(), max_size=40).filter(_encodable)  # control characters too
NUMBERS = st.one_of(
    st.integers().map(str),
    st.integers(-(2**70), 2**70).map(str),
    st.floats().map(str),  # nan, inf, 1e+300
    st.decimals(allow_nan=True).map(str),
)
DATES = st.one_of(st.dates().map(str), st.datetimes().map(str), st.from_regex(r"\A\d{1,5}-\d{1,3}-\d{1,3}\Z"))
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**80), 2**80),
    st.floats(),  # with NaN and the infinities, which json writes as NaN and Infinity
    TEXT,
    DATES.map(lambda d: {"d": d}),
    DATES.map(lambda d: {"t": d}),
    st.dates().map(lambda d: {"d": d.isoformat()}),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["d", "t", "x"]), inner, max_size=2),
    max_leaves=8,
)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


CURSORS = st.one_of(
    st.lists(SCALARS, min_size=1, max_size=3).map(lambda values: _b64(json.dumps(values).encode())),
    JSON.map(lambda value: _b64(json.dumps(value).encode())),
    st.binary(max_size=40).map(_b64),  # bad UTF-8, bad JSON
    st.from_regex(r"\A[A-Za-z0-9_=-]{0,80}\Z"),
    st.text(string.ascii_letters + string.digits + "-_=+/%", max_size=60),
)
KEY_VALUES = st.lists(SCALARS, min_size=1, max_size=2).map(lambda values: _b64(json.dumps(values).encode()))
VALUE = st.one_of(TEXT, NUMBERS, DATES, CURSORS, st.sampled_from(["", "0", "1", "on", "true", "-1", "newest", "due"]))
VALUES = st.one_of(VALUE, st.lists(VALUE, min_size=2, max_size=3))  # a name given more than once


def _query(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, VALUES))


CLAIM_FILTERS = [
    "q", "status", "actor", "stance", "topic", "date_from", "date_to",
    "pending", "overdue", "sort", "after", "before", "page",
]  # fmt: skip


def _no_server_error(client: Client, path: str, query: dict[str, Any]) -> None:
    for cache in caches.all():  # each example reaches the view, not a stored page
        cache.clear()
    response = client.get(path, query)
    if response.streaming:
        # The export, read to its end (the demo's is short): a failure halfway would still answer 200.
        # Not the first chunk only: on PostgreSQL the export is a COPY, which, left open, holds the
        # test's connection, and close(), which ends it on a server, also closes the test database.
        b"".join(response.streaming_content)
    assert response.status_code < 500, (path, query)


@pytest.fixture
def as_viewer(demo: None, viewer: User) -> Client:
    return client_for(viewer)


@pytest.fixture
def as_reviewer(demo: None, reviewer: User) -> Client:
    return client_for(reviewer)


@pytest.fixture
def as_editor(demo: None, editor: User) -> Client:
    return client_for(editor)


@BOUNDED
@given(query=_query(CLAIM_FILTERS))
def test_claim_list(as_viewer: Client, query: dict[str, Any]) -> None:
    _no_server_error(as_viewer, "/claims/", query)


@BOUNDED
@given(
    query=st.tuples(
        st.sampled_from([*SORT_KEYS, "", "sideways"]),
        st.sampled_from(["after", "before"]),
        st.one_of(KEY_VALUES, CURSORS),
        st.sampled_from(["troops", "", "x" * 201]),  # "relevance" ranks a search (on PostgreSQL)
    ).map(lambda t: {"sort": t[0], t[1]: t[2], "q": t[3]})
)
def test_claim_list_cursors(as_viewer: Client, query: dict[str, Any]) -> None:
    """Cursors the claim list could have written, for each sort, holding values of any type."""
    _no_server_error(as_viewer, "/claims/", query)


@BOUNDED
@given(query=_query([*CLAIM_FILTERS, "bom"]))
def test_claim_export(as_viewer: Client, query: dict[str, Any]) -> None:
    _no_server_error(as_viewer, "/claims/export.csv", query)


@BOUNDED
@given(query=_query(["q", "page"]))
def test_actor_list(as_viewer: Client, query: dict[str, Any]) -> None:
    _no_server_error(as_viewer, "/actors/", query)


@BOUNDED
@given(query=_query(["q", "page"]))
def test_source_list(as_viewer: Client, query: dict[str, Any]) -> None:
    _no_server_error(as_viewer, "/sources/", query)


@BOUNDED
@given(query=_query(["after"]))
def test_review_queue(as_reviewer: Client, query: dict[str, Any]) -> None:
    _no_server_error(as_reviewer, "/review/", query)


@BOUNDED
@given(query=_query(["state", "page"]))
def test_my_work(as_editor: Client, query: dict[str, Any]) -> None:
    _no_server_error(as_editor, "/mine/", query)
