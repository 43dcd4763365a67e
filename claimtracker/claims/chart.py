"""The claim page's timeline chart, drawn as SVG on the server.

Status bands run along the time axis, one per approved, uncorrected status
change, coloured by the Status table; each stance is a marker above them,
coloured by polarity (supports up, opposes down). build() does the geometry,
svg() writes the markup, escaping every label and colour
(a claim draws hundreds of shapes: a template loop was the page's slowest part).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from claimtracker.claims.models import Polarity
from claimtracker.lib.dates import format_date

WIDTH = 720
HEIGHT = 150
MARGIN_LEFT = 72  # room for the lane labels
MARGIN_RIGHT = 16
BAND_Y = 80
BAND_HEIGHT = 28
MIN_BAND = 5.0  # px: changes closer than this share one band (the later one shows)
MARKER_STEP = 10.0  # px: stances of one polarity closer than this share one marker
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
    slotted = sorted(
        ((int(x(s.day) // MARKER_STEP), s.polarity, i, s) for i, s in enumerate(stances)), key=lambda row: row[:3]
    )
    markers = []
    for _, group in groupby(slotted, key=lambda row: row[:2]):
        members = [row[3] for row in group]
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


def svg(chart: Chart) -> SafeString:
    """The chart as SVG markup. Every text and colour goes through escape(); the
    numbers are ours, formatted here."""
    parts = [
        f'<figure class="chart">\n<svg viewBox="0 0 {chart.width} {chart.height}" width="100%" role="img" '
        'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">\n'
        '<title id="chart-title">Status and stances over time</title>\n'
        f'<desc id="chart-desc">{escape(chart.summary)}</desc>\n'
        '<text x="4" y="38" class="lane">supports</text>\n<text x="4" y="70" class="lane">opposes</text>'
    ]
    for band in chart.bands:
        label = escape(band.label)
        text = (
            f'<text x="{band.x + 4:.1f}" y="{BAND_Y + 18}" class="band-label">{label}</text>' if band.width > 60 else ""
        )
        parts.append(
            f'<g class="band" data-status="{label}"><title>{escape(band.title)}</title>'
            f'<rect x="{band.x:.1f}" y="{BAND_Y}" width="{band.width:.1f}" height="{BAND_HEIGHT}" '
            f'fill="{escape(band.color)}" opacity="0.85"></rect>{text}</g>'
        )
    for m in chart.markers:
        parts.append(
            f'<circle cx="{m.x:.1f}" cy="{m.y}" r="{8 if m.count > 1 else 6}" data-count="{m.count}" '
            f'fill="{escape(m.color)}" class="marker marker-{escape(m.polarity)}">'
            f"<title>{escape(m.title)}</title></circle>"
        )
    right = chart.width - MARGIN_RIGHT
    parts.append(f'<line x1="{chart.left}" x2="{right}" y1="{chart.axis_y}" y2="{chart.axis_y}" stroke="#999"></line>')
    for i, tick in enumerate(chart.ticks):
        anchor = "start" if i == 0 else "middle"
        parts.append(
            f'<text x="{tick.x:.1f}" y="{chart.axis_y + 16}" class="tick" text-anchor="{anchor}">'
            f"{escape(tick.label)}</text>"
        )
    parts.append(f"</svg>\n<figcaption>{escape(chart.summary)}</figcaption>\n</figure>")
    return mark_safe("\n".join(parts))  # noqa: S308 - every text above is escaped
