"""A read replica that fails after the request found it answering (stopped,
restarted, cut off between the check and the view's queries): the request is
answered from the primary, not with a 500, and the replica is passed over
(claimtracker/lib/replicas.py, lib/prepared.rows). tests/test_replica.py stops a
real streaming replica; here the replica's address leads nowhere, so the failure
comes at a chosen point and on either database."""

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from claimtracker.claims.models import Claim
from claimtracker.lib import replicas
from tests.conftest import client_for

ALIAS = "replica1"

pytestmark = [
    # The replica is a database alias of its own (failing_replica), as DATABASE_REPLICA_URLS adds one.
    pytest.mark.django_db(transaction=True, databases=["default", ALIAS]),
    pytest.mark.usefixtures("failing_replica"),
]


@pytest.fixture(scope="module", autouse=True)
def _replica_alias(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The alias, in the settings before the test case that names it is set up;
    a mirror of the test database, as the settings make every replica for tests,
    so the test case flushes the database once."""
    from django.conf import settings

    if connection.vendor == "postgresql":
        nowhere = {"HOST": "127.0.0.1", "PORT": "1", "OPTIONS": {**connection.settings_dict["OPTIONS"]}}
    else:
        nowhere = {"NAME": str(tmp_path_factory.mktemp("replica") / "no such folder" / "replica.sqlite3")}
    replica = {**connections.settings["default"], **nowhere, "TEST": {"MIRROR": "default"}}
    databases = settings.DATABASES
    settings.DATABASES = {**databases, ALIAS: replica}
    connections.settings[ALIAS] = replica
    yield
    settings.DATABASES = databases
    del connections.settings[ALIAS]
    with contextlib.suppress(AttributeError, KeyError):
        del connections[ALIAS]


@pytest.fixture
def failing_replica(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A replica found answering at the start of each request (unless it was passed
    over since), whose every query then fails."""
    monkeypatch.setattr(replicas, "_answering", lambda alias: replicas._down_until.get(alias, 0) <= time.monotonic())
    yield
    replicas._reading_from.set(None)
    replicas._down_until.pop(ALIAS, None)
    connections[ALIAS].close()


@pytest.mark.usefixtures("flushable_db")  # outside a transaction, as requests read
def test_reads_fall_back_to_the_primary_when_the_replica_fails_mid_request(demo: None, viewer: Any) -> None:
    claim = Claim.objects.filter(published_at__isnull=False).order_by("pk").first()
    assert claim is not None, "the demo publishes claims"
    reader, desk = Client(), client_for(viewer)
    paths = [
        (reader, "/public/"),
        (reader, f"/public/claims/{claim.pk}/"),
        (reader, "/api/v1/claims/"),
        (reader, f"/api/v1/claims/{claim.pk}/"),
        (reader, "/sitemap.xml"),
        (desk, f"/claims/{claim.pk}/timeline.json"),
    ]
    for client, path in paths:
        replicas._down_until.pop(ALIAS, None)  # found answering afresh by each request
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200, path
        assert claim.text[:40].encode() in body or path in ("/public/", "/api/v1/claims/", "/sitemap.xml"), path
        assert replicas._down_until.get(ALIAS, 0) > 0, f"{path}: the replica was not passed over"


def test_a_failure_of_the_primary_is_not_taken_for_the_replicas() -> None:
    """Where the replica did not fail, the request is not drawn again, and the replica is left in use."""
    from django.db import OperationalError
    from django.http import HttpRequest

    replicas._reading_from.set(ALIAS)
    connections[ALIAS].errors_occurred = False  # no query of the request's failed on the replica
    middleware = replicas.ReplicaMiddleware(lambda request: pytest.fail("not called"))
    assert middleware.process_exception(HttpRequest(), OperationalError("the primary's")) is None
    assert ALIAS not in replicas._down_until


@pytest.mark.usefixtures("flushable_db")
def test_a_streamed_export_whose_replica_fails_ends_and_passes_the_replica_over(demo: None, viewer: Any) -> None:
    """A CSV export reads as it is sent, after the view has returned: it cannot be
    drawn again, but the replica is passed over, so the next request is answered
    from the primary."""
    from django.db import OperationalError

    desk = client_for(viewer)
    response = desk.get("/claims/export.csv")
    assert response.status_code == 200 and response.streaming
    with pytest.raises(OperationalError):
        b"".join(response.streaming_content)
    assert replicas._down_until.get(ALIAS, 0) > 0, "the replica was not passed over"
    again = desk.get("/claims/export.csv")
    assert b"North Korea" in b"".join(again.streaming_content)
