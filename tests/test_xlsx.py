"""XLSX beside every CSV (issue 14 part 6): /claims/<id>/timeline.xlsx and
/claims/export.xlsx, the CSV's columns and rows in typed cells, read back with
openpyxl: dates as dates at their precision, numbers as numbers, text as text
(a claim reading =1+1 stays those characters, with no guard shown), Korean
intact, the header bold and frozen, the columns given widths."""

import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.http import FileResponse
from django.test import Client
from django.urls import reverse
from openpyxl.worksheet.worksheet import Worksheet

from claimtracker.claims import services
from claimtracker.claims.models import Actor, Claim, Source, Status
from claimtracker.exports import xlsx
from claimtracker.exports.timeline import COLUMNS, rows
from tests.conftest import client_for
from tests.test_exports import body, parse

pytestmark = pytest.mark.django_db

SENT = "North Korea has sent troops to Russia"
FORECAST = "North Korea will have sent about 10,000 troops to Russia by the end of 2024"


def workbook(response: object) -> openpyxl.Workbook:
    assert isinstance(response, FileResponse), response
    assert response.status_code == 200
    assert response["Content-Type"] == xlsx.CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    content = b"".join(response.streaming_content)  # type: ignore[arg-type]
    return openpyxl.load_workbook(io.BytesIO(content))


def table(sheet: Worksheet) -> list[dict[str, object]]:
    header = [cell.value for cell in sheet[1]]
    assert header == list(COLUMNS)
    return [dict(zip(header, (cell.value for cell in row), strict=True)) for row in sheet.iter_rows(min_row=2)]


@pytest.fixture
def client(demo: None, viewer: User) -> Client:
    return client_for(viewer)


def test_a_timeline_in_typed_cells(client: Client) -> None:
    claim = Claim.objects.get(text=SENT)
    book = workbook(client.get(reverse("exports:timeline_xlsx", args=[claim.pk])))
    sheet = book["Timeline"]
    found = table(sheet)
    csv_rows = parse(body(client.get(reverse("exports:timeline_csv", args=[claim.pk]))))
    assert len(found) == len(csv_rows) == 7
    first = found[0]
    assert first["claim_id"] == claim.pk and isinstance(first["claim_id"], int)
    # October 2024 (month precision): a date, shown as a month.
    assert first["event_date"].date() == datetime.date(2024, 10, 1) and first["date_precision"] == "month"  # type: ignore[attr-defined]
    assert sheet.cell(row=2, column=COLUMNS.index("event_date") + 1).number_format == "yyyy-mm"
    denial = next(row for row in found if row["actor"] == "DPRK representative at the UN")
    assert denial["event_date"].date() == datetime.date(2024, 10, 21)  # type: ignore[attr-defined]
    assert isinstance(denial["recorded_at"], datetime.datetime)
    assert denial["quote"] == "groundless rumor" and denial["event_id"] == csv_rows[found.index(denial)]["event_id"]
    # The header is bold, shaded and frozen; the columns have widths.
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width >= 40 and sheet.column_dimensions["K"].width >= 40


def test_every_cell_is_the_csvs_value(client: Client) -> None:
    """Each text cell holds the row's own value (the CSV's, without its guard)."""
    book = workbook(client.get(reverse("exports:claims_xlsx")))
    found = table(book.active)
    expected = list(rows(Claim.objects.all()))
    assert len(found) == len(expected)
    typed = {"claim_id", "event_date", "figure", "source_published_at", "recorded_at", "reviewed_at"}
    for cells, row in zip(found, expected, strict=True):
        for name, value in zip(COLUMNS, row, strict=True):
            if name not in typed:
                assert cells[name] == (value if value != "" else None), name
    figures = [row["figure"] for row in found if row["figure"] is not None]
    assert 10_000 in figures and all(isinstance(value, int | float) for value in figures)


def test_text_stays_text_and_korean_intact(demo: None, editor: User, reviewer: User, viewer: User) -> None:
    hostile = ["=1+1", "@SUM(A1:A9)", "+cmd|' /C calc'!A0", "-2+3", '=HYPERLINK("http://x","y")']
    claim = services.create_claim(text=hostile[0], by=editor)
    for quote in [*hostile[1:], '북한군 러시아 파병 \u2014 "미사일"']:
        entry = services.add_attribution(
            claim,
            actor=Actor.objects.get(short_name="NIS"),
            source=Source.objects.get(),
            stance="asserts",
            quote=quote,
            quote_kind="paraphrase",
            stated_on=datetime.date(2024, 10, 28),
            by=editor,
        )
        services.approve(entry, by=reviewer)
    book = workbook(client_for(viewer).get(reverse("exports:timeline_xlsx", args=[claim.pk])))
    sheet = book.active
    claims, quotes = list(sheet["B"][1:]), list(sheet["K"][1:])
    assert {cell.value for cell in claims} == {"=1+1"}
    assert all(cell.data_type == "s" for cell in claims + quotes), "text, never a formula"
    assert [cell.value for cell in quotes] == [*hostile[1:], '북한군 러시아 파병 \u2014 "미사일"']
    assert not any(str(cell.value).startswith("'") for cell in claims + quotes), "no guard shown"


def test_the_list_export_follows_the_filters_and_the_past(client: Client) -> None:
    query = {"as_of": "2024-10-24", "status": "disputed"}
    found = table(workbook(client.get(reverse("exports:claims_xlsx"), query)).active)
    from_csv = parse(body(client.get(reverse("exports:claims_csv"), query)))
    assert [row["claim"] for row in found] == [row["claim"] for row in from_csv]
    assert {row["claim"] for row in found} == {SENT}
    assert all(row["event_date"].date() <= datetime.date(2024, 10, 24) for row in found)  # type: ignore[attr-defined]


@pytest.mark.parametrize("query", [{"as_of": "2024-02-30"}, {"status": "no-such"}, {"pending": "yes"}])
def test_bad_requests_are_400_with_the_reason(client: Client, query: dict[str, str]) -> None:
    response = client.get(reverse("exports:claims_xlsx"), query)
    assert response.status_code == 400
    assert any(word in response.content.decode() for word in ("no day", "could not be read", "must be 1 or 0"))


def test_a_full_sheet_goes_on_in_a_second(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "SHEET_ROWS", 6)  # five rows and the header to a sheet
    book = workbook(client.get(reverse("exports:claims_xlsx")))
    expected = list(rows(Claim.objects.all()))
    sheets = book.worksheets
    assert [sheet.title for sheet in sheets][:2] == ["Timeline", "Timeline 2"]
    found = [row for sheet in sheets for row in table(sheet)]
    assert len(found) == len(expected) and all(sheet.max_row <= 6 for sheet in sheets)
    assert [row["event_id"] for row in found] == [row[COLUMNS.index("event_id")] for row in expected]


def test_control_characters_leave_a_readable_workbook(demo: None, editor: User, reviewer: User, viewer: User) -> None:
    claim = services.create_claim(text="Bell \x07 and form feed \x0c inside", by=editor)
    change = services.propose_status_change(
        claim,
        status=Status.objects.get(slug="reported"),
        effective_on=datetime.date(2024, 10, 1),
        rationale="R\x01.",
        by=editor,
    )
    services.approve(change, by=reviewer)
    book = workbook(client_for(viewer).get(reverse("exports:timeline_xlsx", args=[claim.pk])))
    (row,) = table(book.active)
    # Characters XML cannot hold are written as OOXML escapes, which Excel reads back as them.
    assert row["claim"] == "Bell _x0007_ and form feed _x000C_ inside" and row["rationale"] == "R_x0001_."


def test_a_workbook_too_large_for_a_page_is_refused_with_the_way(client: Client, settings: object) -> None:
    settings.XLSX_MAX_ROWS = 5  # type: ignore[attr-defined]
    response = client.get(reverse("exports:claims_xlsx"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "rows: a workbook of more than 5 rows" in text and "export_timelines --format xlsx" in text
    claim = Claim.objects.get(text=SENT)
    assert len(table(workbook(client.get(reverse("exports:timeline_xlsx", args=[claim.pk]))).active)) == 7, (
        "one claim's timeline: no limit"
    )


def test_the_command_writes_any_size(demo: None, tmp_path: object) -> None:
    from pathlib import Path

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = Path(str(tmp_path)) / "all.xlsx"
    call_command("export_timelines", "--format", "xlsx", "-o", str(out), "--filter", "status=corroborated")
    found = table(openpyxl.load_workbook(out).active)
    assert {row["claim"] for row in found} == set(
        Claim.objects.filter(current_status__slug="corroborated").values_list("text", flat=True)
    )
    with pytest.raises(CommandError, match="give it with --output"):
        call_command("export_timelines", "--format", "xlsx")
