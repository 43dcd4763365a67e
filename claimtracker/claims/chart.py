"""The claim page's timeline chart, drawn as SVG on the server.

Status bands run along the time axis, one per approved, uncorrected status
change, coloured by the Status table; each stance is a marker above them,
coloured by polarity (supports up, opposes down). Pure geometry: the template
claims/_chart.html draws it, and Django's escaping covers every label.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

from claimtracker.claims.models import Polarity
from claimtracker.lib.dates import format_date

WIDTH = 720
HEIGHT = 150
MARGIN_LEFT = 72  # room for the lane labels
MARGIN_RIGHT = 16
BAND_Y = 80
BAND_HEIGHT = 28
MIN_BAND = 3.0  # px: changes closer than this share one band (the later one shows)
MARKER_STEP = 6.0  # px: stances of one polarity closer than this share one marker
MARKER_Y: dict[str, int] = {Polarity.SUPPORTS: 34, Polarity.NEUTRAL: 50, Polarity.OPPOSES: 66}
POLARITY_COLOR: dict[str, str] = {
    Polarity.SUPPORTS: "#1e7d32",
    Polarity.OPPOSES: "#b3261e",
    Polarity.NEUTRAL: "#6b6f76",
}
NAMES_PER_MARKER = 3
SUMMARY_BANDS = 8


@dataclass(frozen=True)
class Change:
    """An approved, uncorrected status change, in timeline order."""

    day: datetime.date
    precision: str
    label: str
    color: str


@dataclass(frozen=True)
class Stance:
    """An approved stance: ``text`` is "Actor denies"."""

    day: datetime.date
    precision: str
    polarity: str
    text: str


@dataclass(frozen=True)
class Band:
    x: float
    width: float
    color: str
    label: str
    title: str


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    color: str
    polarity: str
    title: str
    count: int


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    bands: list[Band]
    markers: list[Marker]
    ticks: list[Tick]
    axis_y: int
    summary: str


def build(changes: list[Change], stances: list[Stance]) -> Chart | None:
    """None when there is nothing to draw. However many events a claim has, the
    chart holds at most one band per MIN_BAND and one marker per MARKER_STEP and
    polarity: the drawing stays the same size."""
    dates = [c.day for c in changes] + [s.day for s in stances]
    if not dates:
        return None
    start, last = min(dates), max(dates)
    # The axis ends a little after the last event (the current status runs on to
    # the edge), not at today, which could squeeze years of history into a corner.
    end = last + datetime.timedelta(days=max(7, (last - start).days // 10))
    span = max((end - start).days, 1)
    inner = WIDTH - MARGIN_LEFT - MARGIN_RIGHT

    def x(day: datetime.date) -> float:
        return round(MARGIN_LEFT + inner * (day - start).days / span, 1)

    bands = _bands(changes, x, x(end))
    markers = _markers(stances, x)
    ticks = [Tick(x(start), format_date(start, "day"))]
    if last != start:
        ticks.append(Tick(x(last), format_date(last, "day")))
    if len(bands) > SUMMARY_BANDS:
        statuses = f"{len(bands)} status periods, now {bands[-1].label}"
    else:
        statuses = ", then ".join(b.label for b in bands) or "no status yet"
    summary = (
        f"Timeline from {format_date(start, 'day')} to {format_date(last, 'day')}: {statuses}; "
        f"{len(stances)} recorded stance(s)."
    )
    return Chart(WIDTH, HEIGHT, MARGIN_LEFT, bands, markers, ticks, BAND_Y + BAND_HEIGHT + 6, summary)


def _bands(changes: list[Change], x: Callable[[datetime.date], float], right_edge: float) -> list[Band]:
    # The last change of each MIN_BAND slot holds from there; neighbours with the same status merge.
    kept: list[tuple[float, Change]] = []
    for change in changes:
        left = x(change.day)
        if kept and left - kept[-1][0] < MIN_BAND:
            kept[-1] = (kept[-1][0], change)
        elif kept and kept[-1][1].label == change.label:
            continue
        else:
            kept.append((left, change))
    merged: list[tuple[float, Change]] = []
    for left, change in kept:
        if merged and merged[-1][1].label == change.label:
            continue
        merged.append((left, change))
    bands = []
    for i, (left, change) in enumerate(merged):
        right = merged[i + 1][0] if i + 1 < len(merged) else right_edge
        bands.append(
            Band(
                x=left,
                width=max(right - left, MIN_BAND),
                color=change.color,
                label=change.label,
                title=f"{change.label} from {format_date(change.day, change.precision)}",
            )
        )
    return bands


def _markers(stances: list[Stance], x: Callable[[datetime.date], float]) -> list[Marker]:
    def slot(stance: Stance) -> tuple[int, str]:
        return int(x(stance.day) // MARKER_STEP), stance.polarity

    markers = []
    for _, group in groupby(sorted(stances, key=slot), key=slot):
        members = list(group)
        first, latest = members[0], members[-1]
        if len(members) == 1:
            title = f"{format_date(first.day, first.precision)}: {first.text}"
        else:
            names = "; ".join(s.text for s in members[:NAMES_PER_MARKER])
            rest = len(members) - NAMES_PER_MARKER
            title = (
                f"{len(members)} stances, {format_date(first.day, first.precision)} to "
                f"{format_date(latest.day, latest.precision)}: {names}" + (f"; and {rest} more" if rest > 0 else "")
            )
        markers.append(
            Marker(
                x=x(first.day),
                y=MARKER_Y[first.polarity],
                color=POLARITY_COLOR[first.polarity],
                polarity=first.polarity,
                title=title,
                count=len(members),
            )
        )
    return markers
