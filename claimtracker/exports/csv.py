"""The one CSV writer every export uses: UTF-8, RFC 4180 (CRLF line ends,
minimal quoting), and formula injection neutralised.

A spreadsheet runs a cell that begins with =, +, -, @, tab, carriage return or
NUL as a formula (OWASP "CSV injection"); such a text cell gets a leading
apostrophe, which spreadsheets show as text. Number and date cells are left as
they are: they are written by the app, never typed by a user.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
BOM = "\ufeff"


def neutralise(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def unneutralise(value: str) -> str:
    """The inverse of ``neutralise``, for reading an export back in."""
    return value[1:] if value.startswith("'") and value[1:2] and value[1:2] in FORMULA_TRIGGERS else value


class _Line:
    """A file-like target for csv.writer that hands back what was written."""

    def write(self, value: str) -> str:
        return value


def write(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, text_columns: frozenset[int], bom: bool = False
) -> Iterator[str]:
    """CSV lines, one at a time (so a response can stream them). Cells in
    ``text_columns`` (indexes) are neutralised; None is written as empty."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield (BOM if bom else "") + writer.writerow(header)
    for row in rows:
        yield writer.writerow(
            [
                "" if value is None else neutralise(str(value)) if i in text_columns else value
                for i, value in enumerate(row)
            ]
        )
