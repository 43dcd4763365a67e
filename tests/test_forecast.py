"""Forecast outcomes (DESIGN 8.3): every outcome, from the status history and the verdicts."""

import datetime
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.urls import reverse

from claimtracker.claims import services
from claimtracker.claims.forecast import Forecast, Outcome, judge, resolved_on
from claimtracker.claims.models import Claim, Status
from tests.conftest import client_for

DUE = datetime.date(2024, 12, 31)
OCT_31 = datetime.date(2024, 10, 31)


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("verdict", "resolved", "on", "outcome", "days", "words"),
    [
        (None, None, day("2024-11-01"), Outcome.OPEN, 0, "open"),
        ("open", None, DUE, Outcome.OPEN, 0, "open"),  # on the due date itself: not overdue yet
        ("open", None, day("2025-01-01"), Outcome.OVERDUE, 1, "overdue by 1 day"),
        (None, None, day("2026-12-01"), Outcome.OVERDUE, 700, "overdue by 23 months"),
        ("open", None, day("2027-01-01"), Outcome.OVERDUE, 731, "overdue by 2 years"),
        ("true", OCT_31, day("2026-12-01"), Outcome.RESOLVED_EARLY, 61, "came true 61 days early"),
        ("true", DUE, day("2026-12-01"), Outcome.RESOLVED_ON_TIME, 0, "came true on its due date"),
        ("true", day("2025-03-01"), day("2026-12-01"), Outcome.RESOLVED_LATE, 60, "came true 60 days late"),
        ("true", day("2025-06-30"), day("2026-12-01"), Outcome.RESOLVED_LATE, 181, "came true 6 months late"),
        ("false", None, day("2024-11-01"), Outcome.FAILED, 0, "did not come true"),
        ("withdrawn", None, day("2026-12-01"), Outcome.FAILED, 0, "did not come true"),
    ],
)
def test_every_outcome(
    verdict: str | None, resolved: datetime.date | None, on: datetime.date, outcome: Outcome, days: int, words: str
) -> None:
    forecast = judge(DUE, verdict, resolved, on)
    assert forecast == Forecast(DUE, outcome, days)
    assert str(forecast) == words
    assert forecast.as_json() == {"due_on": "2024-12-31", "outcome": outcome.value, "days": days}


def test_no_due_date_is_no_forecast() -> None:
    assert judge(None, "true", OCT_31, DUE) is None


def test_resolved_on_is_the_start_of_the_current_run_of_true_verdicts() -> None:
    assert resolved_on([]) is None
    assert resolved_on([(day("2024-10-01"), "open")]) is None
    history = [(day("2024-10-01"), "open"), (OCT_31, "true"), (day("2024-11-15"), "true")]
    assert resolved_on(history) == OCT_31  # corroborated, then confirmed: true since the first
    # True, then disputed again, then true again: resolved when it last became true.
    assert resolved_on([(OCT_31, "true"), (day("2024-11-15"), "open"), (day("2025-02-01"), "true")]) == day(
        "2025-02-01"
    )
    assert resolved_on([(OCT_31, "true"), (day("2024-11-15"), "false")]) is None


# --- Through the services, the pages, the list filter and the JSON ---------------------------------------


TODAY = datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC)


def change(claim: Claim, slug: str, on: str, editor: User, reviewer: User, **extra: Any) -> Any:
    item = services.propose_status_change(
        claim,
        status=Status.objects.get(slug=slug),
        effective_on=day(on),
        rationale=f"{slug} on {on}.",
        by=editor,
        **extra,
    )
    return services.approve(item, by=reviewer)


@pytest.fixture
def forecasts(db: None, editor: User, reviewer: User) -> dict[Outcome, Claim]:
    """One claim due 2024-12-31 for each outcome, as of 2026-12-01."""
    made = {}
    for outcome, history in {
        Outcome.OPEN: [],
        Outcome.OVERDUE: [("reported", "2024-10-25")],
        Outcome.RESOLVED_EARLY: [
            ("reported", "2024-10-25"),
            ("corroborated", "2024-10-31"),
            ("confirmed", "2024-11-20"),
        ],
        Outcome.RESOLVED_ON_TIME: [("confirmed", "2024-12-31")],
        Outcome.RESOLVED_LATE: [("confirmed", "2024-11-01"), ("disputed", "2024-11-15"), ("confirmed", "2025-03-01")],
        Outcome.FAILED: [("false", "2025-01-10")],
    }.items():
        due = day("2027-01-31") if outcome == Outcome.OPEN else DUE
        claim = services.create_claim(text=f"A forecast that is {outcome.label.lower()}", due_on=due, by=editor)
        for slug, on in history:
            change(claim, slug, on, editor, reviewer)
        made[outcome] = claim
    return made


@time_machine.travel(TODAY, tick=False)
def test_the_service_keeps_the_day_a_forecast_came_true(forecasts: dict[Outcome, Claim]) -> None:
    resolved = dict(Claim.objects.filter(pk__in=[c.pk for c in forecasts.values()]).values_list("text", "resolved_on"))
    assert resolved == {
        forecasts[Outcome.OPEN].text: None,
        forecasts[Outcome.OVERDUE].text: None,
        forecasts[Outcome.RESOLVED_EARLY].text: day("2024-10-31"),
        forecasts[Outcome.RESOLVED_ON_TIME].text: DUE,
        forecasts[Outcome.RESOLVED_LATE].text: day("2025-03-01"),
        forecasts[Outcome.FAILED].text: None,
    }
    for outcome, claim in forecasts.items():
        claim.refresh_from_db()
        assert claim.forecast is not None and claim.forecast.outcome == outcome


@time_machine.travel(TODAY, tick=False)
def test_an_approved_correction_moves_the_outcome(
    forecasts: dict[Outcome, Claim], editor: User, reviewer: User
) -> None:
    claim = forecasts[Outcome.RESOLVED_EARLY]
    corroborated = claim.status_changes.get(status__slug="corroborated")
    correction = services.correct_status_change(
        corroborated,
        status=Status.objects.get(slug="disputed"),
        effective_on=day("2024-10-31"),
        rationale="No.",
        by=editor,
    )
    claim.refresh_from_db()
    assert claim.resolved_on == day("2024-10-31"), "a pending correction changes nothing"
    services.approve(correction, by=reviewer)
    claim.refresh_from_db()
    assert claim.resolved_on == day("2024-11-20")
    assert str(claim.forecast) == "came true 41 days early"


@time_machine.travel(TODAY, tick=False)
def test_the_claim_page_list_and_json_say_the_outcome(forecasts: dict[Outcome, Claim], viewer: User) -> None:
    client = client_for(viewer)
    early = forecasts[Outcome.RESOLVED_EARLY]
    page = client.get(early.get_absolute_url()).content.decode()
    assert 'id="forecast">Came true 61 days early</span>' in page
    overdue = client.get(forecasts[Outcome.OVERDUE].get_absolute_url()).content.decode()
    assert 'id="forecast">Overdue by 23 months</span>' in overdue
    listing = client.get(reverse("claims:list")).content.decode()
    for text in ["Came true 61 days early", "Came true on its due date", "Came true 60 days late", "Did not come true"]:
        assert f">{text}</div>" in listing
    data = client.get(reverse("exports:timeline_json", args=[early.pk])).json()
    assert data["claim"]["forecast"] == {"due_on": "2024-12-31", "outcome": "resolved_early", "days": 61}
    assert data["claim"]["status"] == "confirmed"


@time_machine.travel(TODAY, tick=False)
def test_the_list_filters_by_outcome_and_the_overdue_filter_agrees(
    forecasts: dict[Outcome, Claim], viewer: User
) -> None:
    services.create_claim(text="A claim that is no forecast", by=User.objects.get(username="ed"))
    client = client_for(viewer)

    def listed(**params: str) -> set[str]:
        page = client.get(reverse("claims:list"), params).content.decode()
        return {text for text in Claim.objects.values_list("text", flat=True) if f">{text}</a>" in page}

    for outcome, claim in forecasts.items():
        assert listed(outcome=outcome.value) == {claim.text}, outcome
    assert listed(overdue="on") == {forecasts[Outcome.OVERDUE].text}
    assert "Select a valid choice" in client.get(reverse("claims:list"), {"outcome": "soon"}).content.decode()


@time_machine.travel(TODAY, tick=False)
def test_changing_a_statuss_verdict_in_the_admin_moves_outcomes(
    forecasts: dict[Outcome, Claim], superuser: User
) -> None:
    corroborated = Status.objects.get(slug="corroborated")
    form = client_for(superuser).get(reverse("admin:claims_status_change", args=[corroborated.pk]))
    assert form.status_code == 200
    data = {
        "label": corroborated.label,
        "slug": corroborated.slug,
        "verdict": "open",
        "color": corroborated.color,
        "order": corroborated.order,
        "description": corroborated.description,
    }
    answer = client_for(superuser).post(reverse("admin:claims_status_change", args=[corroborated.pk]), data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert Claim.objects.get(pk=forecasts[Outcome.RESOLVED_EARLY].pk).resolved_on == day("2024-11-20")
