"""Views of the past on the claim list and in export.csv's choice of claims
(issue 13 part 4): ``?as_of=`` and ``?known=`` with every filter, the status,
sides and forecast outcome each claim had then, the note that leads back to
today, bad dates as notices, constant queries, and the SQL that reads the past
for a whole list agreeing with the claim page's reading of one claim."""

import datetime
import itertools
import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claimtracker.claims import queries, services
from claimtracker.claims.forecast import Outcome, resolved_on
from claimtracker.claims.models import Claim, Status
from claimtracker.claims.moment import Moment
from claimtracker.claims.queries.claims import THEN, holding, with_then
from tests.conftest import client_for
from tests.test_exports import body, parse
from tests.test_moment import FORECAST, SENT, story  # noqa: F401  (story is a fixture)

pytestmark = pytest.mark.django_db

STORY = "North Korean troops are in Kursk"


def rows(client: Client, **query: str) -> dict[str, tuple[str, str, str, str]]:
    """The list's rows: claim text -> (status, since, sides, forecast) as shown."""
    response = client.get(reverse("claims:list"), query)
    assert response.status_code == 200
    html = response.content.decode()
    table = re.search(r'<table class="claims">.*?</table>', html, re.S)
    if table is None:
        return {}
    shown = {}
    for row in re.findall(r"<tr>\s*<td><a href=.*?</tr>", table.group(0), re.S):
        cells = [
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip() for cell in re.findall(r"<td.*?</td>", row, re.S)
        ]
        text = re.search(r'<a href="[^"]+">(.*?)</a>', row, re.S)
        assert text
        status, since = cells[2], cells[3]
        forecast = re.search(r'<div class="forecast[^"]*">(.*?)</div>', row, re.S)
        shown[text.group(1)] = (status, since, cells[1], forecast.group(1) if forecast else "")
    return shown


@pytest.fixture
def client(demo: None, viewer: User) -> Client:
    return client_for(viewer)


# --- What each claim was then ----------------------------------------------------------------------


def test_each_claim_shows_its_status_and_sides_then(client: Client) -> None:
    assert rows(client, as_of="2024-10-24")[SENT] == ("Disputed", "21 Oct 2024", "2 support · 1 oppose", "")
    assert rows(client, as_of="2024-10-26")[SENT] == ("Corroborated", "25 Oct 2024", "3 support · 1 oppose", "")
    # Month precision: the status of "October 2024" counts from its first day.
    assert rows(client, as_of="2024-10-01")[SENT] == ("Reported", "Oct 2024", "2 support · 0 oppose", "")
    assert rows(client)[SENT] == ("Corroborated", "25 Oct 2024", "3 support · 1 oppose", "")


def test_only_the_claims_of_then_are_listed(client: Client) -> None:
    """Every demo claim was said in October 2024 or later: none as of 30 September."""
    assert rows(client, as_of="2024-09-30") == {}
    html = client.get(reverse("claims:list"), {"as_of": "2024-09-30"}).content.decode()
    assert "0 claims" in html and "No claims match." in html
    assert set(rows(client, as_of="2024-10-01")) <= set(rows(client))
    assert SENT in rows(client, as_of="2024-10-01")


def test_the_status_filter_reads_the_status_then(client: Client) -> None:
    assert SENT in rows(client, as_of="2024-10-24", status="disputed")
    assert SENT not in rows(client, as_of="2024-10-24", status="corroborated")
    assert SENT not in rows(client, status="disputed"), "today it is corroborated"
    assert SENT in rows(client, as_of="2024-10-26", status="corroborated")
    both = rows(client, as_of="2024-10-24", status=["disputed", "reported"])  # type: ignore[arg-type]
    assert SENT in both and FORECAST in both


def test_actor_stance_and_date_filters_read_the_entries_of_then(client: Client) -> None:
    """Kim Jong-gyu acknowledged the dispatch on 25 October."""
    kim = "Kim Jong-gyu"
    assert SENT not in rows(client, as_of="2024-10-24", actor=kim)
    assert SENT in rows(client, as_of="2024-10-25", actor=kim)
    assert SENT not in rows(client, as_of="2024-10-24", stance="acknowledges")
    assert SENT in rows(client, as_of="2024-10-25", stance="acknowledges")
    assert SENT not in rows(client, as_of="2024-10-24", date_from="2024-10-25")
    assert SENT in rows(client, as_of="2024-10-25", date_from="2024-10-25")
    assert SENT in rows(client, as_of="2024-10-24", q="troops", topic="north-korea")


def test_filtersets_alive_together_each_filter_with_their_own_view(client: Client) -> None:
    """Each filterset's filters are its own copies of the class's (filters._Filters),
    each calling its own filterset's methods with its view of the past; the class's are
    left untouched, and its form, made once, gives each filterset a form of its own."""
    from claimtracker.claims.filters import ClaimFilter

    before = ClaimFilter({"as_of": "2024-10-24", "stance": "acknowledges"}, queryset=queries.claims_for_list())
    after = ClaimFilter({"as_of": "2024-10-25", "stance": "acknowledges"}, queryset=queries.claims_for_list())
    today = ClaimFilter({"status": ["disputed"]}, queryset=queries.claims_for_list())
    for filterset in (before, after, today):
        assert all(each.parent is filterset for each in filterset.filters.values())
    assert not any(hasattr(each, "parent") for each in ClaimFilter.base_filters.values())
    assert before.filters["status"].extra is not ClaimFilter.base_filters["status"].extra
    assert type(before.form) is type(after.form) and before.form is not after.form
    assert before.form.fields["stance"] is not after.form.fields["stance"]
    said = {claim.text for claim in after.qs}
    assert SENT in said and SENT not in {claim.text for claim in before.qs}
    assert SENT not in {claim.text for claim in today.qs}, "today it is corroborated"
    assert {claim.text for claim in after.qs} == said  # each read again, after the others


def test_sorting_by_status_change_follows_the_dates_then(client: Client) -> None:
    response = client.get(reverse("claims:list"), {"as_of": "2024-10-24", "sort": "status"})
    listed = [claim.text for claim, _, _ in response.context["rows"]]
    assert listed[0] == SENT, "disputed on 21 October, the latest change of then"
    since = [claim.status_since for claim, _, _ in response.context["rows"]]
    assert since == sorted(since, reverse=True)


# --- The forecast then ---------------------------------------------------------------------------


@pytest.fixture
def came_true(demo: None, editor: User, reviewer: User) -> Claim:
    """The forecast confirmed on 31 October 2024, then shown false on 20 November
    (an invented turn, to try every outcome of then)."""
    forecast = Claim.objects.get(text=FORECAST)
    for slug, day in (("confirmed", datetime.date(2024, 10, 31)), ("false", datetime.date(2024, 11, 20))):
        change = services.propose_status_change(
            forecast, status=Status.objects.get(slug=slug), effective_on=day, rationale="As reported.", by=editor
        )
        services.approve(change, by=reviewer)
    return forecast


@pytest.mark.parametrize(
    ("as_of", "outcome", "shown"),
    [
        ("2024-10-30", "open", "Open"),
        ("2024-11-01", "resolved_early", "Came true 61 days early"),
        ("2024-11-25", "failed", "Did not come true"),
    ],
)
def test_the_forecast_outcome_then(came_true: Claim, client: Client, as_of: str, outcome: str, shown: str) -> None:
    assert rows(client, as_of=as_of)[FORECAST][3] == shown
    assert FORECAST in rows(client, as_of=as_of, outcome=outcome)
    for other in set(Outcome.values) - {outcome}:
        assert FORECAST not in rows(client, as_of=as_of, outcome=other), other


def test_overdue_then(client: Client) -> None:
    """Never confirmed in the demo: open until its due date, overdue after it."""
    assert FORECAST in rows(client, as_of="2024-12-31", outcome="open")
    assert rows(client, as_of="2025-01-10", overdue="on")[FORECAST][3] == "Overdue by 10 days"
    assert FORECAST not in rows(client, as_of="2024-12-31", overdue="on")


# --- As known on a day ------------------------------------------------------------------------------


def test_known_on_the_list(story: Claim, viewer: User) -> None:  # noqa: F811
    client = client_for(viewer)
    assert STORY not in rows(client, known="2024-10-21"), "nothing of it approved yet"
    assert rows(client, known="2024-10-22")[STORY][:3] == ("Reported", "22 Oct 2024", "1 support · 0 oppose")
    # The White House's confirmation was recorded on the 24th and approved on the 26th.
    assert rows(client, known="2024-10-25")[STORY][2] == "1 support · 0 oppose"
    assert rows(client, known="2024-10-26")[STORY][2] == "2 support · 0 oppose"
    assert STORY in rows(client, known="2024-10-22", status="reported")
    assert STORY in rows(client, known="2024-10-26", actor="White House")
    assert STORY not in rows(client, known="2024-10-25", actor="White House")


# --- The page ------------------------------------------------------------------------------------


def test_the_list_says_it_is_the_past_and_leads_back(client: Client) -> None:
    html = client.get(reverse("claims:list"), {"as_of": "2024-10-24", "status": "disputed"}).content.decode()
    note = re.search(r'<div class="past-view".*?</div>', html, re.S)
    assert note and "As of 24 October 2024" in note.group(0)
    assert '<a href="/claims/?status=disputed">Back to today</a>' in note.group(0), "today, with the other filters"
    picker = re.search(r'<fieldset class="group dates moment">(.*?)</fieldset>', html, re.S)
    assert picker and 'name="as_of" value="2024-10-24"' in picker.group(1) and 'name="known"' in picker.group(1)
    # The CSV link keeps the view.
    assert 'href="/claims/export.csv?as_of=2024-10-24&amp;status=disputed"' in html
    today = client.get(reverse("claims:list")).content.decode()
    assert 'class="past-view"' not in today


@pytest.mark.parametrize("query", [{"as_of": "2024-02-30"}, {"known": "yesterday"}, {"as_of": "9999-12-31"}])
def test_a_bad_date_on_the_list_is_a_notice(client: Client, query: dict[str, str]) -> None:
    response = client.get(reverse("claims:list"), query)
    assert response.status_code == 200
    html = response.content.decode()
    errors = re.search(r'<div class="errors" role="alert">(.*?)</div>', html, re.S)
    assert errors and any(reason in errors.group(1) for reason in ("no day", "YYYY-MM-DD", "after today"))
    assert 'class="past-view"' not in html, "today's list, with the notice"
    assert rows(client, **query)[SENT][0] == "Corroborated"


def test_work_in_review_is_not_asked_of_the_past(demo: None, editor: User) -> None:
    html = client_for(editor).get(reverse("claims:list"), {"as_of": "2024-10-24", "pending": "on"}).content.decode()
    assert "Work in review is today&#x27;s" in html


# --- export.csv ---------------------------------------------------------------------------------


def test_export_chooses_the_claims_of_then(client: Client) -> None:
    then = parse(body(client.get(reverse("exports:claims_csv"), {"as_of": "2024-10-24", "status": "disputed"})))
    assert {row["claim"] for row in then} == set(rows(client, as_of="2024-10-24", status="disputed")) == {SENT}
    assert all(row["event_date"] <= "2024-10-24" for row in then)
    today = parse(body(client.get(reverse("exports:claims_csv"), {"status": "disputed"})))
    assert SENT not in {row["claim"] for row in today}
    assert parse(body(client.get(reverse("exports:claims_csv"), {"as_of": "2024-09-30"}))) == []


# --- One reading of the past --------------------------------------------------------------------------


def test_the_list_reads_the_past_as_the_claim_page_does(came_true: Claim, story: Claim) -> None:  # noqa: F811
    """with_then (the list's SQL, and now the claim page's) and holding (the status
    filter's) agree with the plain reading: the latest standing change of then and
    the run of true verdicts it ends (claims.forecast.resolved_on)."""
    days = [datetime.date(2024, 9, 30), *(datetime.date(2024, 10, d) for d in (1, 21, 22, 24, 25, 26, 28, 31))]
    days += [datetime.date(2024, 11, 20), datetime.date(2025, 1, 1)]
    moments = [Moment(as_of=day) for day in days] + [Moment(known=day) for day in days]
    moments += [Moment(as_of=a, known=k) for a, k in itertools.combinations(days[::3], 2)]
    statuses = list(Status.objects.all())
    for moment in moments:
        read = {claim.pk: claim for claim in with_then(Claim.objects.all(), moment)}
        for claim in Claim.objects.all():
            changes = list(queries.effective_changes(claim, moment).select_related("status"))
            latest = changes[0] if changes else None
            expected = (
                latest and latest.status_id,
                latest and latest.effective_on,
                latest and latest.effective_on_precision,
                resolved_on((c.effective_on, c.status.verdict) for c in reversed(changes)),
            )
            assert tuple(getattr(read[claim.pk], name) for name in THEN) == expected, (moment, claim.text)
        for status in statuses:
            held = set(Claim.objects.filter(holding(moment, [status.pk])).values_list("pk", flat=True))
            assert held == {pk for pk, claim in read.items() if claim.then_status_id == status.pk}, (moment, status)


def test_the_count_agrees_with_the_rows(came_true: Claim, client: Client) -> None:
    """The count matches statuses in one pass over the changes (holding), the rows
    claim by claim (with_then): every demo claim fits one page, so both are seen."""
    for as_of in ("2024-10-01", "2024-10-24", "2024-11-01", "2024-11-25", "2025-01-10"):
        queries_ = [{"status": slug} for slug in ("reported", "disputed", "corroborated", "confirmed", "false")]
        queries_ += [{"outcome": outcome} for outcome in Outcome.values] + [{"overdue": "on"}]
        for query in queries_:
            response = client.get(reverse("claims:list"), {"as_of": as_of, **query})
            assert response.context["count"] == len(response.context["rows"]), (as_of, query)


def test_same_day_changes_follow_the_order_recorded(demo: None, editor: User, reviewer: User) -> None:
    """Two changes dated the same day: the one recorded later is the status of then."""
    claim = Claim.objects.get(text=SENT)
    for slug in ("confirmed", "retracted"):
        change = services.propose_status_change(
            claim,
            status=Status.objects.get(slug=slug),
            effective_on=datetime.date(2024, 10, 23),
            rationale="x",
            by=editor,
        )
        services.approve(change, by=reviewer)
    client = client_for(editor)
    assert rows(client, as_of="2024-10-24")[SENT][0] == "Retracted"
    assert SENT in rows(client, as_of="2024-10-24", status="retracted")
    assert SENT not in rows(client, as_of="2024-10-24", status="confirmed")


# --- Queries -------------------------------------------------------------------------------------


def test_the_past_list_runs_constant_queries(demo: None, viewer: User, editor: User, reviewer: User) -> None:
    client = client_for(viewer)
    url = reverse("claims:list")
    today = timezone.localdate().isoformat()
    query = {"as_of": "2024-10-30", "known": today, "status": ["reported", "corroborated"], "sort": "status"}

    def count() -> int:
        client.get(url, query)  # warm: the vocabulary and the session
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, query).status_code == 200
        return len(captured)

    before = count()
    for n in range(15):
        claim = services.create_claim(text=f"Claim {n} of many", by=editor)
        change = services.propose_status_change(
            claim,
            status=Status.objects.get(slug="reported"),
            effective_on=datetime.date(2024, 10, 2),
            rationale="x",
            by=editor,
        )
        services.approve(change, by=reviewer)
    assert len(rows(client, **query)) > 15  # type: ignore[arg-type]
    assert count() == before
