"""/mine/: an editor's own entries in review, rejected and withdrawn."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claimtracker.claims import services
from claimtracker.claims.models import Claim, Status
from tests.conftest import client_for
from tests.factories import ActorFactory, ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db


def _entries(claim: Claim, by: User, reviewer: User, n: int) -> None:
    source = SourceFactory()
    for i in range(n):
        item = services.add_attribution(
            claim,
            actor=ActorFactory(),
            source=source,
            stance="asserts",
            stated_on=datetime.date(2024, 10, 21),
            quote=f"quote number {i}",
            by=by,
        )
        if i % 3 == 0:
            services.reject(item, by=reviewer, note=f"note {i}")
        change = services.propose_status_change(
            claim, status=Status.objects.get(slug="reported"), effective_on=item.stated_on, rationale=f"r{i}", by=by
        )
        if i % 2 == 0:
            services.withdraw(change, by=by)


def test_mine_lists_rejected_first_with_the_reviewers_note(editor: User, reviewer: User) -> None:
    _entries(ClaimFactory(), editor, reviewer, 4)
    html = client_for(editor).get(reverse("claims:mine")).content.decode()
    assert "Rejected (2)" in html and "In review (4)" in html and "Withdrawn (2)" in html
    assert "Rejected by rita:" in html and "note 3" in html and "note 0" in html
    assert "Mend and resubmit" in html and "Withdraw" in html


def test_header_counts_the_users_rejected_entries(editor: User, other_editor: User, reviewer: User) -> None:
    _entries(ClaimFactory(), editor, reviewer, 4)
    mine = client_for(editor).get(reverse("claims:list")).content.decode()
    assert 'aria-label="2 rejected"' in mine
    theirs = client_for(other_editor).get(reverse("claims:list")).content.decode()
    assert "rejected" not in theirs


def test_viewers_have_no_my_work(viewer: User) -> None:
    assert client_for(viewer).get(reverse("claims:mine")).status_code == 403


def test_mine_runs_the_same_queries_whatever_the_number_of_entries(editor: User, reviewer: User) -> None:
    def queries_for(state: str) -> int:
        from django.core.cache import caches

        from claimtracker.claims import held

        caches["pages"].clear()
        held.forget()  # the reader's permissions read too, every time
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("claims:mine") + f"?state={state}").status_code == 200
        return len(captured)

    client = client_for(editor)
    claim = ClaimFactory()
    _entries(claim, editor, reviewer, 3)
    few = {state: queries_for(state) for state in ("pending", "rejected", "withdrawn")}
    _entries(claim, editor, reviewer, 30)
    assert {state: queries_for(state) for state in ("pending", "rejected", "withdrawn")} == few
