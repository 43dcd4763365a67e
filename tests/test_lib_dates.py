import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claimtracker.lib.dates import Precision, fits, format_date, iso_date, truncate

OCT_21 = datetime.date(2024, 10, 21)


@pytest.mark.parametrize(
    ("precision", "stored", "shown", "iso"),
    [
        (Precision.DAY, datetime.date(2024, 10, 21), "21 Oct 2024", "2024-10-21"),
        (Precision.MONTH, datetime.date(2024, 10, 1), "Oct 2024", "2024-10"),
        (Precision.YEAR, datetime.date(2024, 1, 1), "2024", "2024"),
    ],
)
def test_date_is_stored_and_shown_per_its_precision(
    precision: str, stored: datetime.date, shown: str, iso: str
) -> None:
    assert truncate(OCT_21, precision) == stored
    assert format_date(stored, precision) == shown
    assert iso_date(stored, precision) == iso


def test_a_date_fits_only_the_precisions_it_is_shaped_for() -> None:
    assert fits(OCT_21, Precision.DAY)
    assert not fits(OCT_21, Precision.MONTH)
    assert fits(datetime.date(2024, 10, 1), Precision.MONTH)
    assert not fits(datetime.date(2024, 10, 1), Precision.YEAR)
    assert not fits(OCT_21, "week")


def test_missing_date_shows_as_blank() -> None:
    assert format_date(None, Precision.DAY) == iso_date(None, Precision.YEAR) == ""


@given(st.dates(), st.sampled_from(Precision.values))
def test_truncated_dates_always_fit_and_never_move_later(value: datetime.date, precision: str) -> None:
    stored = truncate(value, precision)
    assert fits(stored, precision)
    assert stored <= value
    assert truncate(stored, precision) == stored
    assert iso_date(stored, precision) == iso_date(value, precision)
