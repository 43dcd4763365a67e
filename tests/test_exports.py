"""Timeline exports: CSV (one shared writer, neutralised), JSON, ClaimReview JSON-LD, the export command."""

import csv
import datetime
import io
import json
import re
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.http import StreamingHttpResponse
from django.urls import reverse

from claimtracker.claims import services
from claimtracker.claims.models import Actor, Attribution, Claim, Source, Status, StatusChange
from claimtracker.exports.csv import FORMULA_TRIGGERS, neutralise
from claimtracker.exports.timeline import COLUMNS, NON_TEXT_COLUMNS
from tests.conftest import client_for
from tests.factories import ActorFactory, ClaimFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db

TROOPS = "North Korea has sent troops to Russia"


def body(response: object) -> str:
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode("utf-8")  # type: ignore[attr-defined]


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


@pytest.fixture
def troops(demo: None) -> Claim:
    return Claim.objects.get(text=TROOPS)


def test_a_view_of_the_past_names_its_day_in_the_files_name(troops: Claim, viewer: User) -> None:
    client = client_for(viewer)

    def name(view: str, query: dict[str, str]) -> str:
        return client.get(reverse(view, args=[troops.pk]) if "timeline" in view else reverse(view), query)[
            "Content-Disposition"
        ]

    as_of = {"as_of": "2024-10-24"}
    assert (
        name("exports:timeline_csv", as_of) == f'attachment; filename="claim-{troops.pk}-timeline-as-of-2024-10-24.csv"'
    )
    assert f'filename="claim-{troops.pk}-timeline-as-of-2024-10-24.xlsx"' in name("exports:timeline_xlsx", as_of)
    both = {"as_of": "2024-10-23", "known": "2024-10-30"}
    assert (
        name("exports:claims_csv", both)
        == 'attachment; filename="claim-timelines-as-of-2024-10-23-known-2024-10-30.csv"'
    )
    assert 'filename="claim-timelines-known-2024-10-30.xlsx"' in name("exports:claims_xlsx", {"known": "2024-10-30"})


def test_timeline_csv_has_the_contract_columns_and_one_row_per_event(troops: Claim, viewer: User) -> None:
    with time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=datetime.UTC)):
        response = client_for(viewer).get(reverse("exports:timeline_csv", args=[troops.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="claim-{troops.pk}-timeline-2026-11-26.csv"'
    text = body(response)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert text.endswith("\r\n") and "\r\n" in text
    rows = parse(text)
    assert [(r["event_date"], r["event"]) for r in rows] == [
        ("2024-10", "attribution"),
        ("2024-10", "attribution"),
        ("2024-10", "status_change"),
        ("2024-10-21", "attribution"),
        ("2024-10-21", "status_change"),
        ("2024-10-25", "attribution"),
        ("2024-10-25", "status_change"),
    ]
    denial = rows[3]
    the_denial = Attribution.objects.get(claim=troops, stance="denies")
    assert denial | {"recorded_at": "", "reviewed_at": ""} == {
        "claim_id": str(troops.pk),
        "claim": TROOPS,
        "event_date": "2024-10-21",
        "date_precision": "day",
        "event": "attribution",
        "actor": "DPRK representative at the UN",
        "via": "",
        "stance": "denies",
        "certainty": "definite",
        "status": "",
        "quote": "groundless rumor",
        "quote_kind": "direct",
        "rationale": "",
        "source_title": Source.objects.get().title,
        "source_publisher": "Yonhap News Agency",
        "source_url": "",
        "source_published_at": "2024-10-25T17:09:34Z",
        "recorded_by": "editor",
        "recorded_at": "",
        "review_state": "approved",
        "event_id": f"a{the_denial.pk}",
        "figure": "",
        "figure_bound": "",
        "figure_unit": "",
        "quote_check": "found",
        "evidence": "",
        "corrects": "",
        "reviewed_by": "reviewer",
        "reviewed_at": "",
        "relations": "",
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", denial["recorded_at"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", denial["reviewed_at"])
    assert rows[-1]["status"] == "Corroborated" and rows[-1]["rationale"].startswith("Seoul and Washington")
    # The status change names its evidence by event id.
    evidence = StatusChange.objects.get(claim=troops, status__slug="disputed").evidence.get()
    assert rows[4]["event_id"].startswith("s") and rows[4]["evidence"] == f"a{evidence.pk}" == f"a{the_denial.pk}"


def test_bom_for_excel_and_korean_text_survives(troops: Claim, viewer: User, editor: User, reviewer: User) -> None:
    attribution = services.add_attribution(
        troops,
        actor=Actor.objects.get(short_name="NIS"),
        source=Source.objects.get(),
        stance="confirms",
        stated_on=datetime.date(2024, 10, 18),
        quote="국가정보원은 북한군 파병을 확인했다",
        by=editor,
    )
    services.approve(attribution, by=reviewer)

    raw = b"".join(
        client_for(viewer).get(reverse("exports:timeline_csv", args=[troops.pk]), {"bom": "1"}).streaming_content
    )

    assert raw.startswith(b"\xef\xbb\xbf")
    assert "국가정보원은 북한군 파병을 확인했다" in raw.decode("utf-8")


def test_pending_entries_only_on_request_and_only_for_the_desk(troops: Claim, viewer: User, editor: User) -> None:
    services.propose_status_change(
        troops,
        status=Status.objects.get(slug="confirmed"),
        effective_on=datetime.date(2024, 11, 1),
        rationale="Pending work.",
        by=editor,
    )
    url = reverse("exports:timeline_csv", args=[troops.pk])

    assert "Pending work." not in body(client_for(editor).get(url))
    with_pending = parse(body(client_for(editor).get(url, {"pending": "1"})))
    assert with_pending[-1]["review_state"] == "pending"
    assert client_for(viewer).get(url, {"pending": "1"}).status_code == 403


@pytest.mark.parametrize("params", [{"bom": "yes"}, {"pending": "maybe"}])
def test_unknown_option_values_are_a_clear_400(troops: Claim, viewer: User, params: dict[str, str]) -> None:
    response = client_for(viewer).get(reverse("exports:timeline_csv", args=[troops.pk]), params)
    assert response.status_code == 400
    assert "must be 1 or 0" in response.content.decode()


def test_export_csv_streams_the_timelines_of_the_filtered_claims(troops: Claim, viewer: User) -> None:
    response = client_for(viewer).get(reverse("exports:claims_csv"), {"status": "corroborated", "q": "troops"})

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"].startswith('attachment; filename="claim-timelines-')
    rows = parse(body(response))
    assert {r["claim"] for r in rows} == {
        TROOPS,
        "At least 3,000 North Korean troops were moved to eastern Russia in October 2024",
        "The troops were moved by ship",
    }
    ids = [int(r["claim_id"]) for r in rows]
    assert ids == sorted(ids), "grouped by claim"


def test_export_csv_with_no_filter_has_every_approved_event(demo: None, viewer: User) -> None:
    rows = parse(body(client_for(viewer).get(reverse("exports:claims_csv"))))
    assert len(rows) == Attribution.objects.count() + StatusChange.objects.count() == 22


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "nope"}, "status: Select a valid choice."),
        ({"date_from": "2024-02-30"}, "date_from: Enter a valid date."),
        ({"actor": "x"}, "actor: No actor is called “x”."),
    ],
)
def test_export_csv_bad_filter_is_a_clear_400(demo: None, viewer: User, params: dict[str, str], message: str) -> None:
    response = client_for(viewer).get(reverse("exports:claims_csv"), params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_download_links_carry_the_current_filters(troops: Claim, viewer: User) -> None:
    listing = client_for(viewer).get("/claims/", {"q": "troops", "status": "corroborated"}).content.decode()
    assert 'href="/claims/export.csv?q=troops&amp;status=corroborated" download>Download CSV</a>' in listing
    page = client_for(viewer).get(troops.get_absolute_url()).content.decode()
    assert f'href="/claims/{troops.pk}/timeline.csv" download>Download CSV</a>' in page


# --- Formula injection ----------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_neutralise_prefixes_every_trigger_and_nothing_else(trigger: str) -> None:
    assert neutralise(f"{trigger}SUM(A1)") == f"'{trigger}SUM(A1)"
    assert neutralise(f"a{trigger}b") == f"a{trigger}b"
    assert neutralise("") == ""


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_writer_neutralises_every_text_column_and_leaves_the_others(trigger: str) -> None:
    from claimtracker.exports import csv as csv_writer
    from claimtracker.exports.timeline import TEXT_COLUMN_INDEXES

    row = [f"{trigger}{name}" for name in COLUMNS]
    text = "".join(csv_writer.write(COLUMNS, [row], text_columns=TEXT_COLUMN_INDEXES))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    assert next(reader) == list(COLUMNS)
    cells = dict(zip(COLUMNS, next(reader), strict=True))
    for name in COLUMNS:
        expected = f"{trigger}{name}" if name in NON_TEXT_COLUMNS else f"'{trigger}{name}"
        assert cells[name] == expected, name


# NUL cannot be stored (PostgreSQL refuses it, forms refuse it), so the stored path is
# tested with the other triggers; the writer test above covers NUL in every column.
@pytest.mark.parametrize("trigger", [t for t in FORMULA_TRIGGERS if t != "\0"])
def test_every_text_column_is_neutralised_in_the_export(trigger: str, viewer: User, reviewer: User) -> None:
    payload = f'{trigger}HYPERLINK("http://evil.example")'
    author = UserFactory(username=f"{trigger}author"[:150])
    publisher = ActorFactory(name=f"{payload} publisher", kind="media_outlet")
    source = SourceFactory(title=f"{payload} title", url=f"{payload} url", publisher=publisher)
    claim = ClaimFactory(text=f"{payload} claim")
    speaker, via = ActorFactory(name=f"{payload} speaker"), ActorFactory(name=f"{payload} via")
    attribution = Attribution.objects.create(
        claim=claim,
        actor=speaker,
        via=via,
        source=source,
        stance="asserts",
        certainty="definite",
        quote=f"{payload} quote",
        quote_kind="direct",
        stated_on=datetime.date(2024, 10, 21),
        figure=Decimal(3000),
        figure_bound="about",
        figure_unit=f"{payload} unit",
        created_by=author,
    )
    services.approve(attribution, by=reviewer)
    status = Status.objects.create(slug=f"s{FORMULA_TRIGGERS.index(trigger)}", label=f"{payload} status"[:50])
    change = services.propose_status_change(
        claim, status=status, effective_on=datetime.date(2024, 10, 21), rationale=f"{payload} rationale", by=author
    )
    services.approve(change, by=reviewer)

    rows = parse(body(client_for(viewer).get(reverse("exports:timeline_csv", args=[claim.pk]))))

    filled = {name for row in rows for name, value in row.items() if value}
    text_columns = set(COLUMNS) - NON_TEXT_COLUMNS
    assert text_columns - {"stance", "certainty", "quote_kind", "event", "review_state", "figure_bound"} <= filled
    for row in rows:
        for name in text_columns:
            assert not row[name].startswith(FORMULA_TRIGGERS), (name, row[name])
            if row[name].startswith("'"):
                assert row[name][1:].startswith(trigger)
        for name in NON_TEXT_COLUMNS:
            assert not row[name].startswith("'"), (name, row[name])


# --- JSON ---------------------------------------------------------------------------------------------


def test_timeline_json_has_the_claim_and_the_same_events(troops: Claim, viewer: User) -> None:
    client = client_for(viewer)
    data = client.get(reverse("exports:timeline_json", args=[troops.pk])).json()
    rows = parse(body(client.get(reverse("exports:timeline_csv", args=[troops.pk]))))

    assert data["claim"] | {"url": ""} == {
        "id": troops.pk,
        "text": TROOPS,
        "url": "",
        "current_status": "Corroborated",
        "current_verdict": "true",
        "status_since": "2024-10-25",
        "status_since_precision": "day",
        "status": "corroborated",
        "forecast": None,  # no due date
        "relations": [
            {
                "kind": "refines",
                "direction": "incoming",
                "claim_id": other.pk,
                "claim": other.text,
                "status": other.current_status.slug,
            }
            for other in Claim.objects.filter(relations_out__to_claim=troops, relations_out__kind="refines").order_by(
                "pk"
            )
        ]
        + [
            {
                "kind": "related",
                "direction": "incoming",
                "claim_id": other.pk,
                "claim": other.text,
                "status": other.current_status.slug if other.current_status else None,
            }
            for other in Claim.objects.filter(relations_out__to_claim=troops, relations_out__kind="related")
        ],
    }
    assert len(data["claim"]["relations"]) == 3
    assert data["claim"]["url"].endswith(f"/claims/{troops.pk}/")
    # The same events as the CSV, the figure as one object and the evidence as a list.
    figures = ("figure", "figure_bound", "figure_unit")
    for event, row in zip(data["events"], rows, strict=True):
        assert event["evidence"] == row["evidence"].split()
        assert event["figure"] is None and not row["figure"]
        plain = {k: str(v) for k, v in event.items() if k not in ("evidence", "figure")}
        assert plain == {k: v for k, v in row.items() if k not in ("evidence", "relations", *figures)}
    assert any(event["evidence"] for event in data["events"])


def test_timeline_json_gives_a_figure_as_one_object(demo: None, viewer: User) -> None:
    claim = Claim.objects.get(text__startswith="At least 3,000")
    events = client_for(viewer).get(reverse("exports:timeline_json", args=[claim.pk])).json()["events"]
    assert [e["figure"] for e in events if e["event"] == "attribution"] == [
        {"value": 3000, "bound": "at_least", "unit": "troops"},
        {"value": 3000, "bound": "about", "unit": "troops"},
    ]
    assert all(e["figure"] is None for e in events if e["event"] == "status_change")


def test_unknown_claim_exports_are_404(viewer: User) -> None:
    for name in ("exports:timeline_csv", "exports:timeline_json"):
        assert client_for(viewer).get(reverse(name, args=[987654])).status_code == 404


# --- ClaimReview JSON-LD --------------------------------------------------------------------------------


def jsonld(html: str) -> dict[str, object]:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_claim_page_embeds_claim_review(troops: Claim, viewer: User) -> None:
    data = jsonld(client_for(viewer).get(troops.get_absolute_url()).content.decode())

    assert data["@type"] == "ClaimReview"
    assert data["claimReviewed"] == TROOPS
    assert data["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "Corroborated",
        "ratingValue": 4,
        "bestRating": 5,
        "worstRating": 1,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", data["datePublished"])
    item = data["itemReviewed"]
    assert item["@type"] == "Claim"
    assert {a["name"] for a in item["author"]} == {
        "Kim Jong-gyu",
        "Government of South Korea",
        "Government of the United States",
    }
    assert item["appearance"][0]["headline"] == Source.objects.get().title
    # First said in October 2024 (month precision), in the seed's report.
    assert item["datePublished"] == "2024-10"
    assert item["firstAppearance"]["headline"] == Source.objects.get().title


def test_claim_review_names_wikidata_and_source_urls(demo: None, viewer: User) -> None:
    claim = Claim.objects.get(text__startswith="At least 3,000")
    source = Source.objects.get()
    source.url = "https://en.yna.co.kr/view/AEN20241026000251315"
    source.save()
    data = jsonld(client_for(viewer).get(claim.get_absolute_url()).content.decode())
    white_house = next(a for a in data["itemReviewed"]["author"] if a["name"] == "White House")
    assert white_house["sameAs"] == "https://www.wikidata.org/wiki/Q35525"
    assert data["itemReviewed"]["appearance"][0]["url"] == source.url


def test_claim_review_names_sources_latest_published_first(viewer: User, editor: User, reviewer: User) -> None:
    """The appearances: the sources cited, those with a date the latest published
    first, then those without; the first appearance is the earliest stance's."""
    claim = ClaimFactory()
    early, late = (SourceFactory(published_at=datetime.datetime(2024, 10, day, tzinfo=datetime.UTC)) for day in (1, 20))
    undated = SourceFactory(published_at=None)
    actors = [ActorFactory(name=name) for name in ("Zeta Agency", "Alpha Office", "Mid Ministry")]
    for day, (actor, source) in enumerate(zip(actors, (undated, early, late), strict=True), start=5):
        said = services.add_attribution(
            claim, actor=actor, source=source, stance="asserts", stated_on=datetime.date(2024, 10, day), by=editor
        )
        services.approve(said, by=reviewer)
    reported = services.propose_status_change(
        claim,
        status=Status.objects.get(slug="reported"),
        effective_on=datetime.date(2024, 10, 5),
        rationale="Said by three.",
        by=editor,
    )
    services.approve(reported, by=reviewer)
    item = jsonld(client_for(viewer).get(claim.get_absolute_url()).content.decode())["itemReviewed"]
    assert [work["headline"] for work in item["appearance"]] == [late.title, early.title, undated.title]
    assert "datePublished" not in item["appearance"][2]
    assert item["firstAppearance"]["headline"] == undated.title
    assert [author["name"] for author in item["author"]] == ["Alpha Office", "Mid Ministry", "Zeta Agency"]


def test_claim_review_cannot_be_closed_by_stored_text(viewer: User, editor: User, reviewer: User) -> None:
    hostile = '</script><script>alert("x")</script><!-- & '
    claim = ClaimFactory(text=hostile)
    change = services.propose_status_change(
        claim,
        status=Status.objects.get(slug="false"),
        effective_on=datetime.date(2024, 10, 1),
        rationale="R.",
        by=editor,
    )
    services.approve(change, by=reviewer)

    html = client_for(viewer).get(claim.get_absolute_url()).content.decode()

    assert '<script>alert("x")' not in html
    assert jsonld(html)["claimReviewed"] == hostile


def test_no_claim_review_before_the_desk_assessed_the_claim(viewer: User) -> None:
    html = client_for(viewer).get(ClaimFactory().get_absolute_url()).content.decode()
    assert "application/ld+json" not in html


# --- The export command ----------------------------------------------------------------------------------


def test_export_command_writes_the_same_csv_as_the_page(demo: None, viewer: User, tmp_path: object) -> None:
    out = StringIO()
    call_command("export_timelines", "--filter", "status=corroborated", stdout=out)
    page = body(client_for(viewer).get(reverse("exports:claims_csv"), {"status": "corroborated"}))
    assert out.getvalue() == page

    target = tmp_path / "timelines.csv"  # type: ignore[operator]
    err = StringIO()
    call_command("export_timelines", "-o", str(target), "--bom", stderr=err)
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "Wrote the timelines of 6 claims" in err.getvalue()
    everything = body(client_for(viewer).get(reverse("exports:claims_csv")))
    assert target.read_bytes().decode("utf-8").removeprefix("\ufeff") == everything


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--filter", "colour=red"], "Unknown filter(s): colour"),
        (["--filter", "status"], "--filter takes NAME=VALUE"),
        (["--filter", "date_from=2024-99-01"], "date_from: Enter a valid date."),
        (["-o", "/no/such/folder/out.csv"], "Cannot write /no/such/folder/out.csv"),
    ],
)
def test_export_command_bad_arguments_are_clear_errors(demo: None, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("export_timelines", *args, stdout=StringIO(), stderr=StringIO())
