"""Views of the past (DESIGN 8.3, issue 13 part 4): ``?as_of=`` (what was so on a
day) and ``?known=`` (what the desk had approved by the end of a day) on the
claim page, timeline.csv, timeline.json and export.csv; month-precision edges;
corrections made after the ``known`` date ignored; bad dates refused with the
reason, never a 500."""

import datetime
import itertools
import re
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from claimtracker.claims import chart, queries, services
from claimtracker.claims.models import Actor, Attribution, Claim, Source, Status, StatusChange
from claimtracker.claims.moment import BadMoment, Moment
from claimtracker.claims.queries.common import entry_keys
from tests.conftest import client_for
from tests.test_exports import body, parse

pytestmark = pytest.mark.django_db

SENT = "North Korea has sent troops to Russia"
FORECAST = "North Korea will have sent about 10,000 troops to Russia by the end of 2024"


def current(page: str) -> str:
    """The status line under the claim's heading, as text."""
    found = re.search(r'<p class="current">(.*?)</p>', page, re.S)
    assert found
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


def page_of(client: object, claim: Claim, query: str) -> tuple[int, str]:
    response = client.get(f"{claim.get_absolute_url()}?{query}")  # type: ignore[attr-defined]
    return response.status_code, response.content.decode()


@pytest.fixture
def sent(demo: None) -> Claim:
    return Claim.objects.get(text=SENT)


# --- The dates -----------------------------------------------------------------------------------


def test_dates_are_read_strictly() -> None:
    assert Moment.parse({"as_of": "2024-10-24"}) == Moment(as_of=datetime.date(2024, 10, 24))
    assert Moment.parse({"known": "2024-10-25", "as_of": ""}) == Moment(known=datetime.date(2024, 10, 25))
    assert not Moment.parse({}).past
    for bad, reason in [
        ("2024-02-30", "there is no day 2024-02-30"),
        ("yesterday", "must be a date written YYYY-MM-DD"),
        ("2024-2-3", "must be a date written YYYY-MM-DD"),
        ("24-10-2024", "must be a date written YYYY-MM-DD"),
        ("0000-01-01", "there is no day"),
        ("1066-10-14", "before 1900"),
        ("9999-12-31", "after today"),
        ((timezone.localdate() + datetime.timedelta(days=2)).isoformat(), "after today"),
        ("2024-10-24T00:00", "must be a date written YYYY-MM-DD"),
    ]:
        with pytest.raises(BadMoment, match=reason):
            Moment.parse({"as_of": bad})


# --- The claim page --------------------------------------------------------------------------------


def test_the_claim_page_as_of_a_day(sent: Claim, viewer: User) -> None:
    client = client_for(viewer)
    assert current(page_of(client, sent, "as_of=2024-10-24")[1]) == "Disputed since 21 Oct 2024"
    assert current(page_of(client, sent, "as_of=2024-10-26")[1]) == "Corroborated since 25 Oct 2024"
    # The status of October 2024 (month precision) counts from 1 October.
    assert current(page_of(client, sent, "as_of=2024-10-01")[1]) == "Reported since Oct 2024"
    assert current(page_of(client, sent, "as_of=2024-09-30")[1]) == "No status yet"


def test_the_page_says_it_is_the_past_and_leads_back(sent: Claim, editor: User) -> None:
    status, page = page_of(client_for(editor), sent, "as_of=2024-10-24")
    assert status == 200
    note = re.search(r'<div class="past-view".*?</div>', page, re.S)
    assert note and "A view of the past." in note.group(0) and "As of 24 October 2024" in note.group(0)
    assert f'<a href="{sent.get_absolute_url()}">Back to today</a>' in note.group(0)
    assert 'value="2024-10-24"' in page, "the date picker holds the day"
    # No forms to add to the past, no ClaimReview of today, no history of today's edits.
    assert 'id="attribution-form"' not in page and 'id="status-form"' not in page and "Edit claim" not in page
    assert "application/ld+json" not in page
    today = client_for(editor).get(sent.get_absolute_url()).content.decode()
    assert 'class="past-view"' not in today and 'id="attribution-form"' in today


def test_the_charts_date_line_is_the_views_day_not_today(sent: Claim, viewer: User) -> None:
    _, then = page_of(client_for(viewer), sent, "as_of=2024-10-24")
    assert '<text x="' in then and ">As of 24 Oct 2024</text>" in then
    assert 'class="rule-label" text-anchor="start">Today</text>' not in then


def test_the_sides_and_timeline_then(sent: Claim, viewer: User) -> None:
    _, page = page_of(client_for(viewer), sent, "as_of=2024-10-24")
    sides = re.search(r'<section aria-labelledby="sides-heading".*?</section>', page, re.S)
    assert sides
    assert "DPRK representative at the UN" in sides.group(0)
    assert "Kim Jong-gyu" not in sides.group(0), "his acknowledgement of 25 October came later"
    timeline = re.search(r'<section aria-labelledby="timeline-heading".*?</section>', page, re.S)
    assert timeline and "25 Oct 2024" not in timeline.group(0) and "21 Oct 2024" in timeline.group(0)


@pytest.mark.parametrize(
    "query", ["as_of=2024-02-30", "as_of=yesterday", "known=2024-13-01", "as_of=%00", "known=9999-12-31"]
)
def test_a_bad_date_on_the_page_is_a_notice(sent: Claim, viewer: User, query: str) -> None:
    status, page = page_of(client_for(viewer), sent, query)
    assert status == 400
    notice = re.search(r'<p class="errors" role="alert" id="moment-error">(.*?)</p>', page, re.S)
    assert notice and any(reason in notice.group(1) for reason in ("no day", "YYYY-MM-DD", "after today"))
    assert current(page).startswith("Corroborated"), "today's page, with the notice"


def test_a_day_not_yet_come_is_told_in_the_pickers_words_and_stays_in_it(sent: Claim, viewer: User) -> None:
    """A new user's walk had read "as_of: … is after today" and found the picker emptied."""
    later = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    status, page = page_of(client_for(viewer), sent, f"as_of={later}&known=2024-10-25")
    assert status == 400
    assert f"As of: {later} is after today" in page and "as_of:" not in page
    assert f'name="as_of" id="id_as_of" value="{later}"' in page
    assert 'name="known" id="id_known" value="2024-10-25"' in page


def test_the_forecast_then(demo: None, viewer: User) -> None:
    forecast = Claim.objects.get(text=FORECAST)  # due 31 December 2024, reported in October
    client = client_for(viewer)
    assert 'id="forecast">Open' in page_of(client, forecast, "as_of=2024-11-15")[1]
    assert 'id="forecast">Overdue by' in page_of(client, forecast, "as_of=2025-01-10")[1]
    data = client.get(reverse("exports:timeline_json", args=[forecast.pk]), {"as_of": "2024-11-15"}).json()
    assert data["claim"]["forecast"] == {"due_on": "2024-12-31", "outcome": "open", "days": 0}
    data = client.get(reverse("exports:timeline_json", args=[forecast.pk]), {"as_of": "2025-01-10"}).json()
    assert data["claim"]["forecast"] == {"due_on": "2024-12-31", "outcome": "overdue", "days": 10}


def test_linked_claims_show_their_status_then(sent: Claim, viewer: User) -> None:
    """A view of the past shows each linked claim's status then, on the page (its
    links and the claims it refines) and in the JSON export, as the claim's own."""
    detail = Claim.objects.get(text__startswith="At least 3,000")
    client = client_for(viewer)

    def badges(query: str) -> tuple[str, str]:
        _, page = page_of(client, detail, query)
        found = []
        for section in ("relations", "context"):
            part = re.search(rf'<section[^>]*aria-labelledby="{section}-heading".*?</section>', page, re.S)
            assert part, section
            badge = re.search(r'<span class="status[^"]*"[^>]*>([^<]*)</span>', part.group(0))
            assert badge, section
            found.append(badge.group(1))
        return found[0], found[1]

    assert badges("as_of=2024-10-24") == ("Disputed", "Disputed")
    assert badges("") == ("Corroborated", "Corroborated")
    url = reverse("exports:timeline_json", args=[detail.pk])
    then = client.get(url, {"as_of": "2024-10-24"}).json()["claim"]["relations"]
    assert [(r["claim_id"], r["status"]) for r in then] == [(sent.pk, "disputed")]
    assert client.get(url).json()["claim"]["relations"][0]["status"] == "corroborated"


# --- As known on a day: by the time entries were recorded and approved --------------------------


def at(day: str, hour: int = 12) -> time_machine.travel:
    return time_machine.travel(datetime.datetime.fromisoformat(f"{day}T{hour:02}:00:00+00:00"), tick=False)


def recorded_now(item: Attribution | StatusChange) -> None:
    """The database stamps an entry's recording time with its own clock: set it to
    the travelled one (while the entry is pending, before the triggers freeze it)."""
    field = "created_at" if isinstance(item, Attribution) else "recorded_at"
    type(item).objects.filter(pk=item.pk).update(**{field: timezone.now()})


@pytest.fixture
def story(demo: None, editor: User, reviewer: User) -> Claim:
    """A claim recorded as the news came in: a statement approved on 22 October,
    one recorded on 24 October and approved on 26 October, and on 28 October a
    correction of the first (its figure was misread)."""
    nis, wh = Actor.objects.get(short_name="NIS"), Actor.objects.get(name="White House")
    source = Source.objects.get()
    with at("2024-10-22"):
        claim = services.create_claim(text="North Korean troops are in Kursk", by=editor)
        first = services.add_attribution(
            claim,
            actor=nis,
            source=source,
            stance="asserts",
            stated_on=datetime.date(2024, 10, 22),
            figure=Decimal(3000),
            figure_bound="about",
            figure_unit="troops",
            by=editor,
        )
        recorded_now(first)
        services.approve(first, by=reviewer)
        reported = services.propose_status_change(
            claim,
            status=Status.objects.get(slug="reported"),
            effective_on=datetime.date(2024, 10, 22),
            rationale="Seoul says so.",
            by=editor,
        )
        recorded_now(reported)
        services.approve(reported, by=reviewer)
    with at("2024-10-24"):
        second = services.add_attribution(
            claim, actor=wh, source=source, stance="confirms", stated_on=datetime.date(2024, 10, 24), by=editor
        )
        recorded_now(second)
    with at("2024-10-26"):
        services.approve(second, by=reviewer)
    with at("2024-10-28"):
        fields = {name: getattr(first, name) for name in services.ATTRIBUTION_FIELDS}
        fixed = services.correct_attribution(first, by=editor, **fields | {"figure": Decimal(8000)})
        recorded_now(fixed)
        services.approve(fixed, by=reviewer)
    return claim


def test_known_shows_what_the_desk_had_approved_by_the_end_of_the_day(story: Claim, viewer: User) -> None:
    client = client_for(viewer)
    url = reverse("exports:timeline_csv", args=[story.pk])

    def events(query: dict[str, str]) -> list[tuple[str, str, str]]:
        return [(r["event"], r["actor"], r["figure"]) for r in parse(body(client.get(url, query)))]

    nis = ("attribution", "National Intelligence Service", "3000")
    reported = ("status_change", "", "")
    assert events({"known": "2024-10-21"}) == []
    assert events({"known": "2024-10-22"}) == [nis, reported]
    # Recorded on the 24th, approved on the 26th: not known on the 25th.
    assert events({"known": "2024-10-25"}) == [nis, reported]
    white_house = ("attribution", "White House", "")
    assert events({"known": "2024-10-26"}) == [nis, reported, white_house]
    # The correction of the 28th: the original stands before it, and both are listed after it.
    corrected = ("attribution", "National Intelligence Service", "8000")
    assert events({"known": "2024-10-28"}) == [nis, corrected, reported, white_house]
    assert events({}) == [nis, corrected, reported, white_house]


def test_known_on_the_claim_page_ignores_later_corrections(story: Claim, viewer: User) -> None:
    client = client_for(viewer)
    _, before = page_of(client, story, "known=2024-10-27")
    figures = re.search(r'<section aria-labelledby="figures-heading".*?</section>', before, re.S)
    assert figures and "about 3,000 troops" in figures.group(0) and "8,000" not in figures.group(0)
    assert "As known to the desk at the end of 27 October 2024" in before
    _, after = page_of(client, story, "known=2024-10-28")
    figures = re.search(r'<section aria-labelledby="figures-heading".*?</section>', after, re.S)
    assert figures and "about 8,000 troops" in figures.group(0) and "3,000" not in figures.group(0)
    assert current(page_of(client, story, "known=2024-10-21")[1]) == "No status yet"
    assert current(before) == "Reported since 22 Oct 2024"


def test_known_strikes_an_entry_through_once_its_correction_was_approved(
    story: Claim, viewer: User, settings: object
) -> None:
    """The timeline marks an entry corrected in a view of what was known on a day
    only where its correction was approved by that day's end in the newsroom's
    time zone; in a view as of a day, whenever. Approved at noon UTC on the
    28th: 02:00 on the 29th at UTC+14."""
    settings.TIME_ZONE = "Pacific/Kiritimati"  # type: ignore[attr-defined]
    client = client_for(viewer)
    first = story.attributions.get(figure=3000)

    def struck(query: str) -> bool:
        status, page = page_of(client, story, query)
        item = re.search(rf'<li class="([^"]*)" id="a{first.pk}"', page)
        assert status == 200 and item, query
        return "corrected" in item.group(1).split()

    assert not struck("known=2024-10-28")
    assert struck("known=2024-10-29")
    assert struck("as_of=2024-10-27")
    assert struck("")


@pytest.mark.parametrize("zone", ["Asia/Seoul", "Pacific/Kiritimati"])
def test_the_claim_pages_statements_read_what_moment_counts(
    story: Claim, editor: User, reviewer: User, zone: str, settings: object
) -> None:
    """The claim page's statements written once write Moment's conditions in SQL:
    the summary's (queries.approved_stances, chart_changes) read the entries
    Moment.standing counts, and the timeline's latest page (timeline_keys) those
    Moment.listed lists, in every kind of view, at either end of the newsroom's
    time zones, for readers and for the desk."""
    settings.TIME_ZONE = zone  # type: ignore[attr-defined]
    disputed = Status.objects.get(slug="disputed")
    # In review, sent back and withdrawn: counted by no view; the first two listed for the desk today.
    for rationale in ("Not yet.", "Sent back.", "Taken back."):
        services.propose_status_change(
            story, status=disputed, effective_on=datetime.date(2024, 10, 23), rationale=rationale, by=editor
        )
    services.reject(StatusChange.objects.get(rationale="Sent back."), by=reviewer, note="No source.")
    services.withdraw(StatusChange.objects.get(rationale="Taken back."), by=editor)
    days = [None, *(datetime.date(2024, 10, day) for day in (21, 22, 23, 24, 25, 26, 27, 28, 29))]
    for as_of, known in itertools.product(days, days):
        moment = Moment(as_of=as_of, known=known)
        stances = moment.standing(Attribution.objects.filter(claim=story)).order_by("stated_on", "id")
        assert [(s.pk, s.stated_on, s.figure, s.actor_name) for s in queries.approved_stances(story, moment)] == [
            (a.pk, a.stated_on, a.figure, a.actor.name) for a in stances
        ], moment
        changes = moment.standing(StatusChange.objects.filter(claim=story)).order_by(
            "effective_on", "recorded_at", "id"
        )
        assert queries.chart_changes(story, moment) == [
            chart.Change(c.effective_on, c.effective_on_precision, c.status.label, c.status.color) for c in changes
        ], moment
        for desk in (False, True):
            said = moment.listed(Attribution.objects.filter(claim=story), desk)
            assessed = moment.listed(StatusChange.objects.filter(claim=story), desk)
            listed = [(kind, pk) for _, kind, pk in entry_keys(said, "stated_on", assessed, "effective_on")]
            page = queries.timeline_keys(story, None, include_pending=desk, moment=moment)
            assert [(kind, pk) for _, kind, pk in page.object_list] == listed, (moment, desk)
            assert page.paginator.count == len(listed)
    # The correction was approved at 12:00 UTC on 28 October: that day in Seoul, the 29th at UTC+14.
    approved_on = 28 if zone == "Asia/Seoul" else 29
    for day, figure in ((approved_on - 1, 3000), (approved_on, 8000)):
        said = queries.approved_stances(story, Moment(known=datetime.date(2024, 10, day)))
        assert [s.figure for s in said] == [figure, None], day


def test_known_ends_the_day_in_the_newsrooms_time_zone(story: Claim, viewer: User, settings: object) -> None:
    """The White House's statement was approved at 12:00 UTC on 26 October: 21:00
    that day in Seoul, 05:00 that day in Los Angeles."""
    client = client_for(viewer)
    url = reverse("exports:timeline_csv", args=[story.pk])

    def actors(known: str) -> set[str]:
        return {r["actor"] for r in parse(body(client.get(url, {"known": known})))}

    for zone in ("Asia/Seoul", "America/Los_Angeles"):
        settings.TIME_ZONE = zone  # type: ignore[attr-defined]
        assert "White House" not in actors("2024-10-25"), zone
        assert "White House" in actors("2024-10-26"), zone
    settings.TIME_ZONE = "Pacific/Kiritimati"  # type: ignore[attr-defined]  # UTC+14: already 27 October there
    assert "White House" not in actors("2024-10-26")
    assert "White House" in actors("2024-10-27")


def test_both_dates_together(story: Claim, viewer: User) -> None:
    url = reverse("exports:timeline_json", args=[story.pk])
    data = client_for(viewer).get(url, {"as_of": "2024-10-23", "known": "2024-10-30"}).json()
    assert (data["as_of"], data["known"]) == ("2024-10-23", "2024-10-30")
    assert [e["actor"] for e in data["events"]] == ["National Intelligence Service"] * 2 + [""]
    assert data["claim"]["status"] == "reported"


# --- The exports --------------------------------------------------------------------------------


def test_the_exports_as_of_a_day(sent: Claim, viewer: User) -> None:
    client = client_for(viewer)
    rows = parse(body(client.get(reverse("exports:timeline_csv", args=[sent.pk]), {"as_of": "2024-10-24"})))
    assert [r["event_date"] for r in rows] == ["2024-10", "2024-10", "2024-10", "2024-10-21", "2024-10-21"]
    data = client.get(reverse("exports:timeline_json", args=[sent.pk]), {"as_of": "2024-10-24"}).json()
    assert data["as_of"] == "2024-10-24" and data["known"] is None
    assert (data["claim"]["status"], data["claim"]["status_since"]) == ("disputed", "2024-10-21")
    assert [e["event_date"] for e in data["events"]] == [r["event_date"] for r in rows]
    everything = parse(body(client.get(reverse("exports:claims_csv"), {"as_of": "2024-10-24"})))
    assert everything and all(r["event_date"] <= "2024-10-24" for r in everything)
    assert {r["claim"] for r in everything} >= {SENT}


@pytest.mark.parametrize("name", ["exports:timeline_csv", "exports:timeline_json", "exports:claims_csv"])
@pytest.mark.parametrize(
    "query",
    [{"as_of": "2024-02-30"}, {"known": "yesterday"}, {"known": "9999-12-31"}, {"as_of": "2024-10-24", "pending": "1"}],
)
def test_a_bad_date_in_an_export_is_a_400_with_the_reason(
    sent: Claim, editor: User, name: str, query: dict[str, str]
) -> None:
    url = reverse(name, args=[sent.pk]) if name != "exports:claims_csv" else reverse(name)
    response = client_for(editor).get(url, query)
    assert response.status_code == 400
    text = response.content.decode()
    assert any(reason in text for reason in ("no day", "YYYY-MM-DD", "after today", "approved entries only"))


def test_the_past_is_the_same_for_every_role(sent: Claim, viewer: User, editor: User) -> None:
    """Work in review is not part of what readers saw: the desk's past view leaves it out too."""
    services.add_attribution(
        sent,
        actor=Actor.objects.get(short_name="NIS"),
        source=Source.objects.get(),
        stance="denies",
        stated_on=datetime.date(2024, 10, 22),
        by=editor,
    )
    url = reverse("exports:timeline_csv", args=[sent.pk])
    as_viewer = body(client_for(viewer).get(url, {"as_of": "2024-10-24"}))
    assert as_viewer == body(client_for(editor).get(url, {"as_of": "2024-10-24"}))
    _, page = page_of(client_for(editor), sent, "as_of=2024-10-24")
    assert "pending" not in re.search(r'<section aria-labelledby="timeline-heading".*?</section>', page, re.S).group(0)
