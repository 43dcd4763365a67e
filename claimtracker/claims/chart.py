"""The claim page's timeline chart, drawn as SVG on the server.

Status bands run along the time axis, one per approved, uncorrected status
change, coloured by the Status table; each stance is a marker above them,
coloured by polarity (supports up, opposes down), numbered, and a link to its
entry in the timeline (focusable: the number and the title say what it is,
not only a hover). A date of month or year precision is drawn as the span of
its period (a bar for a stance, a paler start for a status), not as its first
day. The axis has month ticks (every month, or every few on a long story), the
due date and today are marked when they fall on it, and the figures that
statements give are a series of points above the lanes. build() does the
geometry, svg() writes the markup, escaping every label and colour (a claim
draws hundreds of shapes: a template loop was the page's slowest part).

The drawing is 720 units wide with 14-unit text; the page keeps it at least
600 px wide (scrolling sideways on a phone), so its text is never under 11 px.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import groupby

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from claimtracker.claims.models import Polarity
from claimtracker.lib.dates import Precision, format_date

WIDTH = 720
LANES_HEIGHT = 176  # the lanes, the bands and the axis
FIGURES_HEIGHT = 84  # the panel of figures, when statements give any
MARGIN_LEFT = 84  # room for the lane labels
MARGIN_RIGHT = 24
BAND_Y = 96
BAND_HEIGHT = 28
AXIS_GAP = 6
MAX_TICKS = 8
LABEL_ASCENT = 12  # a figure label's height above its baseline
MAX_POINTS = 40  # figures drawn one by one; more share a point per MARKER_STEP
MIN_BAND = 5.0  # px: changes closer than this share one band (the later one shows)
MARKER_STEP = 10.0  # px: stances of one polarity closer than this share one marker
MARKER_Y: dict[str, int] = {Polarity.SUPPORTS: 36, Polarity.NEUTRAL: 58, Polarity.OPPOSES: 80}
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
    """An approved stance: ``text`` is "Actor denies"; ``anchor`` its entry in the timeline ("a12")."""

    day: datetime.date
    precision: str
    polarity: str
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Figure:
    """A figure a statement gives: ``label`` is "about 10,000 troops"."""

    day: datetime.date
    precision: str
    value: float
    label: str
    who: str
    hedged: bool
    anchor: str = ""


@dataclass(frozen=True)
class Band:
    x: float
    width: float
    color: str
    label: str
    title: str
    vague: float = 0.0  # the width of its start's period (a status of month precision), drawn paler


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    color: str
    polarity: str
    title: str
    count: int
    number: int = 0
    anchor: str = ""
    width: float = 0.0  # a stance of month or year precision spans its period


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Rule:
    """A day marked across the chart: the due date, today."""

    x: float
    label: str
    kind: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    title: str
    hedged: bool
    anchor: str
    width: float = 0.0
    label_y: float = 0.0  # its label's baseline: above the point, or below where another label is in the way


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
    rules: list[Rule] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    top: int = 0  # where the lanes begin: below the figures, when there are any


def period_end(day: datetime.date, precision: str) -> datetime.date:
    """The day after the period a date of this precision stands for."""
    if precision == Precision.YEAR:
        return datetime.date(day.year + 1, 1, 1)
    if precision == Precision.MONTH:
        return datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return day + datetime.timedelta(days=1)


def _month_ticks(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Month starts from start to end, every month or every 2, 3, 6 or 12 so that at most MAX_TICKS show."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = next((n for n in (1, 2, 3, 6, 12, 24, 60) if months / n <= MAX_TICKS), 120)
    first = datetime.date(start.year, start.month, 1)
    ticks: list[datetime.date] = []
    index = first.year * 12 + first.month - 1
    index += -index % step  # ticks fall on months that divide evenly: Jan, Apr, Jul, Oct for quarters
    while True:
        day = datetime.date(index // 12, index % 12 + 1, 1)
        if day > end:
            return ticks
        if day >= start:
            ticks.append(day)
        index += step


def build(
    changes: list[Change],
    stances: list[Stance],
    figures: list[Figure] | None = None,
    *,
    due_on: datetime.date | None = None,
    today: datetime.date | None = None,
    past: bool = False,
) -> Chart | None:
    """None when there is nothing to draw. ``today`` is marked; in a view of the
    ``past`` it is the view's day, marked "As of" it, and the last status runs
    to it, not on to the axis's end. However many events a claim has, the
    chart holds at most one band per MIN_BAND and one marker per MARKER_STEP and
    polarity: the drawing stays the same size."""
    figures = figures or []
    dates = [c.day for c in changes] + [s.day for s in stances]
    if not dates:
        return None
    start = min(dates)
    ends = [period_end(c.day, c.precision) for c in changes] + [period_end(s.day, s.precision) for s in stances]
    last = max(ends) - datetime.timedelta(days=1)
    # The axis ends a little after the last event (the current status runs on to
    # the edge) or at the due date, not at a distant today, which could squeeze
    # years of history into a corner.
    end = max(last, due_on or last) + datetime.timedelta(days=max(7, (last - start).days // 10))
    if today is not None and start <= today and (today - end).days <= (end - start).days // 4:
        end = max(end, today + datetime.timedelta(days=3))
    start = datetime.date(start.year, start.month, 1)  # the axis begins with a month
    span = max((end - start).days, 1)
    inner = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    top = FIGURES_HEIGHT if figures else 0

    def x(day: datetime.date) -> float:
        return round(MARGIN_LEFT + inner * min(max((day - start).days, 0), span) / span, 1)

    bands = _bands(changes, x, x(min(end, today) if past and today is not None else end), top)
    markers = _markers(stances, x, top)
    ticks = [Tick(x(day), _tick_label(day, i == 0)) for i, day in enumerate(_month_ticks(start, end))]
    today_label = f"As of {format_date(today, 'day')}" if past and today else "Today"
    rules = [Rule(x(day), label, kind) for day, label, kind in _rules(start, end, due_on, today, today_label)]
    points = _points(figures, x)
    if len(bands) > SUMMARY_BANDS:
        statuses = f"{len(bands)} status periods, now {bands[-1].label}"
    else:
        statuses = ", then ".join(b.label for b in bands) or "no status yet"
    summary = (
        f"Timeline from {format_date(min(dates), 'day')} to {format_date(last, 'day')}: {statuses}; "
        f"{len(stances)} recorded stance(s)"
        + (f"; {len(figures)} figure(s) given" if figures else "")
        + (f"; due {format_date(due_on, 'day')}" if due_on else "")
        + "."
    )
    axis_y = top + BAND_Y + BAND_HEIGHT + AXIS_GAP
    return Chart(WIDTH, top + LANES_HEIGHT, MARGIN_LEFT, bands, markers, ticks, axis_y, summary, rules, points, top)


def _tick_label(day: datetime.date, first: bool) -> str:
    return day.strftime("%b %Y") if first or day.month == 1 else day.strftime("%b")


def _rules(
    start: datetime.date,
    end: datetime.date,
    due_on: datetime.date | None,
    today: datetime.date | None,
    today_label: str,
) -> list[tuple[datetime.date, str, str]]:
    marked = []
    if due_on is not None and start <= due_on <= end:
        marked.append((due_on, f"Due {format_date(due_on, 'day')}", "due"))
    if today is not None and start <= today <= end:
        marked.append((today, today_label, "today"))
    return marked


def _points(figures: list[Figure], x: Callable[[datetime.date], float]) -> list[Point]:
    """The figures as points of one series, in date order, scaled from 0 to the largest."""
    if not figures:
        return []
    largest = max(f.value for f in figures) or 1.0
    low, high = FIGURES_HEIGHT - 18, 22  # y of 0 and of the largest figure
    points = [
        Point(
            x=x(f.day),
            y=round(low - (low - high) * f.value / largest, 1),
            label=f.label,
            title=f"{format_date(f.day, f.precision)}: {f.who}, {f.label}" + (" (hedged)" if f.hedged else ""),
            hedged=f.hedged,
            anchor=f.anchor,
            width=round(x(period_end(f.day, f.precision)) - x(f.day), 1) if f.precision != Precision.DAY else 0.0,
        )
        for f in figures
    ]
    if len(points) > MAX_POINTS:  # a long story: one point per MARKER_STEP slot, the latest there
        points = list({int(point.x // MARKER_STEP): point for point in points}.values())
    placed: list[tuple[float, float]] = []
    laid = []
    for point in points:

        def free(y_now: float, point: Point = point) -> bool:
            # A label is about 8 units a character wide and 16 high, its baseline 12 below its top; it stays
            # inside the panel of figures.
            inside = LABEL_ASCENT <= y_now <= FIGURES_HEIGHT - 4
            return inside and not any(
                abs(y_now - y) < 16 and abs(point.x - x0) < 8 * len(point.label) for x0, y in placed
            )

        # Above the point; else below it, clear of its dot and its period's bar (another figure of the same
        # size and day stands there, a common case); else one label further out, above then below. A label
        # with no room is left out: the point's title still says it.
        label_y = next((y for y in _label_places(point.y) if free(y)), None)
        if label_y is None:
            laid.append(replace(point, label=""))
            continue
        placed.append((point.x, label_y))
        laid.append(replace(point, label_y=label_y))
    return laid


def _label_places(y: float) -> tuple[float, ...]:
    """The baselines a figure's label at ``y`` may take, in order: just above its
    dot (radius 6), just below it, then a label's height further out each way."""
    above, below = y - 9, y + 6 + LABEL_ASCENT + 2
    return (above, below, above - 16, below + 16)


def _bands(changes: list[Change], x: Callable[[datetime.date], float], right_edge: float, top: int) -> list[Band]:
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
        width = max(right - left, MIN_BAND)
        vague = x(period_end(change.day, change.precision)) - left if change.precision != Precision.DAY else 0.0
        bands.append(
            Band(
                x=left,
                width=width,
                color=change.color,
                label=change.label,
                title=f"{change.label} from {format_date(change.day, change.precision)}",
                vague=round(min(vague, width), 1),
            )
        )
    return bands


def _markers(stances: list[Stance], x: Callable[[datetime.date], float], top: int) -> list[Marker]:
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
        spans = [x(period_end(s.day, s.precision)) - x(s.day) for s in members if s.precision != Precision.DAY]
        markers.append(
            Marker(
                x=x(first.day),
                y=top + MARKER_Y[first.polarity],
                color=POLARITY_COLOR[first.polarity],
                polarity=first.polarity,
                title=title,
                count=len(members),
                anchor=first.anchor,
                width=round(max(spans), 1) if spans else 0.0,
            )
        )
    # Numbered in date order, as the timeline lists them.
    markers.sort(key=lambda m: (m.x, m.y))
    return [replace(m, number=i) for i, m in enumerate(markers, start=1)]


def svg(chart: Chart) -> SafeString:
    """The chart as SVG markup. Every text and colour goes through escape(); the
    numbers are ours, formatted here."""
    top = chart.top
    parts = [
        f'<figure class="chart">\n<div class="chart-scroll">\n<svg viewBox="0 0 {chart.width} {chart.height}" '
        'width="100%" role="group" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">\n'
        '<title id="chart-title">Status and stances over time</title>\n'
        f'<desc id="chart-desc">{escape(chart.summary)}</desc>\n'
        f'<text x="4" y="{top + MARKER_Y[Polarity.SUPPORTS] + 5}" class="lane">supports</text>\n'
        f'<text x="4" y="{top + MARKER_Y[Polarity.OPPOSES] + 5}" class="lane">opposes</text>'
    ]
    if chart.points:
        parts.append(_figures_svg(chart))
    right = chart.width - MARGIN_RIGHT
    for band in chart.bands:
        label = escape(band.label)
        # The label sits on the solid part when it has room, else from the band's start.
        at = band.x + band.vague if band.width - band.vague > 90 else band.x
        text = (
            f'<text x="{at + 4:.1f}" y="{top + BAND_Y + 19}" class="band-label">{label}</text>'
            if band.x + band.width - at > 90
            else ""
        )
        vague = (
            f'<rect x="{band.x:.1f}" y="{top + BAND_Y}" width="{band.vague:.1f}" height="{BAND_HEIGHT}" '
            f'fill="{escape(band.color)}" opacity="0.35" class="vague"></rect>'
            if band.vague
            else ""
        )
        parts.append(
            f'<g class="band" data-status="{label}"><title>{escape(band.title)}</title>{vague}'
            f'<rect x="{band.x + band.vague:.1f}" y="{top + BAND_Y}" width="{band.width - band.vague:.1f}" '
            f'height="{BAND_HEIGHT}" fill="{escape(band.color)}" opacity="0.85"></rect>{text}</g>'
        )
    for m in chart.markers:
        parts.append(_marker_svg(m))
    parts.append(f'<line x1="{chart.left}" x2="{right}" y1="{chart.axis_y}" y2="{chart.axis_y}" stroke="#999"></line>')
    for tick in chart.ticks:
        parts.append(
            f'<line x1="{tick.x:.1f}" x2="{tick.x:.1f}" y1="{chart.axis_y}" y2="{chart.axis_y + 5}" stroke="#999">'
            f'</line><text x="{tick.x:.1f}" y="{chart.axis_y + 22}" class="tick" text-anchor="middle">'
            f"{escape(tick.label)}</text>"
        )
    for rule in chart.rules:
        anchor = "end" if rule.x > chart.width - 120 else "start"
        shift = -4 if anchor == "end" else 4
        parts.append(
            # Above the band and below it, clear of the band's label.
            f'<g class="rule rule-{escape(rule.kind)}"><line x1="{rule.x:.1f}" x2="{rule.x:.1f}" y1="{top + 14}" '
            f'y2="{top + BAND_Y}" stroke-dasharray="4 3"></line><line x1="{rule.x:.1f}" x2="{rule.x:.1f}" '
            f'y1="{top + BAND_Y + BAND_HEIGHT}" y2="{chart.axis_y}" stroke-dasharray="4 3"></line>'
            f'<text x="{rule.x + shift:.1f}" y="{top + 14}" class="rule-label" text-anchor="{anchor}">'
            f"{escape(rule.label)}</text></g>"
        )
    # The markers' numbers are an order, not counts: said once, beside the summary.
    key = (
        " Stances are numbered in date order; each number leads to its entry in the timeline." if chart.markers else ""
    )
    parts.append(f"</svg>\n</div>\n<figcaption>{escape(chart.summary)}{key}</figcaption>\n</figure>")
    return mark_safe("\n".join(parts))  # noqa: S308 - every text above is escaped


def _link(anchor: str, title: str, inner: str) -> str:
    """A shape that takes the keyboard to its entry in the timeline, and says what it is."""
    if not anchor:
        return f'<g tabindex="0" aria-label="{escape(title)}"><title>{escape(title)}</title>{inner}</g>'
    return f'<a href="#{escape(anchor)}" aria-label="{escape(title)}"><title>{escape(title)}</title>{inner}</a>'


def _marker_svg(m: Marker) -> str:
    color, number = escape(m.color), f"{m.number}"
    bar = (
        f'<rect x="{m.x:.1f}" y="{m.y - 4}" width="{m.width:.1f}" height="8" rx="4" fill="{color}" '
        'opacity="0.45" class="span"></rect>'
        if m.width
        else ""
    )
    r = 12 if m.count > 1 else 11
    shape = (
        f'{bar}<circle cx="{m.x:.1f}" cy="{m.y}" r="{r}" data-count="{m.count}" fill="{color}" '
        f'class="marker marker-{escape(m.polarity)}"></circle>'
        f'<text x="{m.x:.1f}" y="{m.y + 5}" class="marker-number" text-anchor="middle">{number}</text>'
    )
    return _link(m.anchor, f"{m.number}. {m.title}", shape)


def _figures_svg(chart: Chart) -> str:
    parts = [f'<text x="4" y="{FIGURES_HEIGHT // 2 + 5}" class="lane">figures</text>']
    if len(chart.points) > 1:
        path = " ".join(f"{p.x:.1f},{p.y:.1f}" for p in chart.points)
        parts.append(f'<polyline points="{path}" class="figure-line" fill="none"></polyline>')
    for p in chart.points:
        bar = (
            f'<rect x="{p.x:.1f}" y="{p.y - 3:.1f}" width="{p.width:.1f}" height="6" rx="3" class="figure-span"></rect>'
            if p.width
            else ""
        )
        dot = f'<circle cx="{p.x:.1f}" cy="{p.y:.1f}" r="6" class="figure-point{" hedged" if p.hedged else ""}">'
        anchor = "end" if p.x > chart.width - 160 else "start"
        label = (
            f'<text x="{p.x + (-9 if anchor == "end" else 9):.1f}" y="{p.label_y:.1f}" class="figure-label" '
            f'text-anchor="{anchor}">{escape(p.label)}</text>'
            if p.label
            else ""
        )
        parts.append(_link(p.anchor, p.title, f"{bar}{dot}</circle>{label}"))
    return "\n".join(parts)
