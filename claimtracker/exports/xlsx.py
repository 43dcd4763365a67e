"""The timeline as an Excel workbook, beside every CSV (DESIGN 8.4): the same
columns and rows (exports.timeline), in typed cells.

- ``claim_id`` and ``figure`` are numbers; ``event_date`` is a date shown at
  its precision (2024-10-25, 2024-10 or 2024, from the first day of its
  period, as it is stored); the three timestamps are date-times in UTC.
- Every other cell is text, written as text: a cell reading ``=1+1`` stays
  those characters, never a formula, so the CSV's guard character is not
  added (nor shown); Korean and every other script are kept as they are.
- The header row is bold, shaded and frozen; the columns have widths.

Written by XlsxWriter in constant-memory mode (each row goes to disk as it is
written, strings inline) into a temporary file, which the response then
streams and deletes. A sheet holds at most 1,048,576 rows: past that, the rows
go on in a second sheet ("Timeline 2"), with the header again.
"""

import datetime
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

import xlsxwriter  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from claimtracker.exports.timeline import COLUMNS, Row

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_ROWS = 1_048_576  # Excel's limit, the header included
DATE_FORMATS = {"day": "yyyy-mm-dd", "month": "yyyy-mm", "year": "yyyy"}
TIMESTAMP_COLUMNS = frozenset({"source_published_at", "recorded_at", "reviewed_at"})
WIDTHS = {
    "claim_id": 9,
    "claim": 48,
    "event_date": 12,
    "date_precision": 9,
    "event": 13,
    "actor": 28,
    "via": 20,
    "status": 14,
    "quote": 60,
    "rationale": 48,
    "source_title": 40,
    "source_publisher": 24,
    "source_url": 36,
    "source_published_at": 20,
    "recorded_at": 20,
    "reviewed_at": 20,
    "figure": 10,
    "relations": 24,
}
_CLAIM_ID, _DATE, _PRECISION, _FIGURE = (
    COLUMNS.index(name) for name in ("claim_id", "event_date", "date_precision", "figure")
)
_TIMESTAMPS = frozenset(COLUMNS.index(name) for name in TIMESTAMP_COLUMNS)


def _day(text: str) -> datetime.date:
    """An event date as iso_date writes it (2024-10-25, 2024-10 or 2024), as the
    first day of its period."""
    parts = [int(part) for part in text.split("-")] + [1, 1]
    return datetime.date(parts[0], parts[1], parts[2])


def _stamp(text: str) -> datetime.datetime:
    """A timestamp as exports.timeline.timestamp writes it (UTC, to the second);
    the workbook keeps its UTC clock time (remove_timezone)."""
    return datetime.datetime.strptime(text + "+0000", "%Y-%m-%dT%H:%M:%SZ%z")


class _Sheets:
    """The workbook's sheets, a new one (header again) when one is full."""

    def __init__(self, workbook: Any) -> None:
        self.workbook = workbook
        self.header = workbook.add_format({"bold": True, "bg_color": "#E8EAED", "bottom": 1})
        self.dates = {precision: workbook.add_format({"num_format": f}) for precision, f in DATE_FORMATS.items()}
        self.stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.count = 0
        self.sheet: Worksheet = self._new()
        self.row = 1

    def _new(self) -> Worksheet:
        self.count += 1
        sheet = self.workbook.add_worksheet("Timeline" if self.count == 1 else f"Timeline {self.count}")
        for column, name in enumerate(COLUMNS):  # widths before any row: constant-memory mode writes in order
            sheet.set_column(column, column, WIDTHS.get(name, 14))
        for column, name in enumerate(COLUMNS):
            sheet.write_string(0, column, name, self.header)
        sheet.freeze_panes(1, 0)
        return sheet

    def next_row(self) -> tuple[Worksheet, int]:
        if self.row >= SHEET_ROWS:
            self.sheet, self.row = self._new(), 1
        self.row += 1
        return self.sheet, self.row - 1


def write(rows: Iterable[Row], out: IO[bytes]) -> int:
    """Write the rows (exports.timeline.rows) as a workbook into ``out``, a file
    open for writing; returns how many rows were written."""
    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            # Text is text: never read as a formula, a number or a link.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "remove_timezone": True,
        },
    )
    sheets = _Sheets(workbook)
    written = 0
    for row in rows:
        sheet, number = sheets.next_row()
        for column, value in enumerate(row):
            if value == "" or value is None:
                continue
            if column == _CLAIM_ID:
                sheet.write_number(number, column, value)
            elif column == _DATE:
                sheet.write_datetime(
                    number, column, _day(value), sheets.dates.get(row[_PRECISION], sheets.dates["day"])
                )
            elif column in _TIMESTAMPS:
                sheet.write_datetime(number, column, _stamp(value), sheets.stamp)
            elif column == _FIGURE:
                sheet.write_number(number, column, float(Decimal(value)))  # Excel's numbers are doubles
            else:
                sheet.write_string(number, column, str(value))
        written += 1
    workbook.close()
    return written


def spooled(rows: Iterable[Row]) -> IO[bytes]:
    """The workbook in a temporary file, read from its start: the file is deleted
    when it is closed (FileResponse closes it once it has sent it)."""
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - it outlives this function, closed by the response
    write(rows, out)
    out.seek(0)
    return out
