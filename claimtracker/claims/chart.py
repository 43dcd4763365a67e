"""The claim page's timeline chart, drawn as SVG on the server.

Status bands run along the time axis, one per approved, uncorrected status
change, coloured by the Status table; each stance is a marker above them,
coloured by polarity (supports up, opposes down). Pure geometry: the template
claims/_chart.html draws it, and Django's escaping covers every label.
"""

import datetime
from dataclasses import dataclass

from claimtracker.claims.models import Attribution, Polarity, StatusChange
from claimtracker.lib.dates import format_date

WIDTH = 720
HEIGHT = 150
MARGIN_LEFT = 72  # room for the lane labels
MARGIN_RIGHT = 16
BAND_Y = 80
BAND_HEIGHT = 28
MARKER_Y = {Polarity.SUPPORTS: 34, Polarity.NEUTRAL: 50, Polarity.OPPOSES: 66}
POLARITY_COLOR = {Polarity.SUPPORTS: "#1e7d32", Polarity.OPPOSES: "#b3261e", Polarity.NEUTRAL: "#6b6f76"}


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


def build(changes: list[StatusChange], attributions: list[Attribution]) -> Chart | None:
    """None when there is nothing to draw."""
    dates = [c.effective_on for c in changes] + [a.stated_on for a in attributions]
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

    ordered = sorted(changes, key=lambda c: (c.effective_on, c.recorded_at, c.pk))
    bands = []
    for i, change in enumerate(ordered):
        until = ordered[i + 1].effective_on if i + 1 < len(ordered) else end
        left, right = x(change.effective_on), x(until)
        bands.append(
            Band(
                x=left,
                width=max(right - left, 3.0),
                color=change.status.color,
                label=change.status.label,
                title=f"{change.status.label} from {change.effective_on_display}",
            )
        )
    markers = [
        Marker(
            x=x(a.stated_on),
            y=MARKER_Y[a.polarity],
            color=POLARITY_COLOR[a.polarity],
            polarity=a.polarity,
            title=f"{a.stated_on_display}: {a.actor.name} {a.get_stance_display()}",
        )
        for a in attributions
    ]
    ticks = [Tick(x(start), format_date(start, "day"))]
    if last != start:
        ticks.append(Tick(x(last), format_date(last, "day")))
    summary = (
        f"Timeline from {format_date(start, 'day')} to {format_date(last, 'day')}: "
        + (", then ".join(f"{b.label}" for b in bands) or "no status yet")
        + f"; {len(markers)} recorded stance(s)."
    )
    return Chart(WIDTH, HEIGHT, MARGIN_LEFT, bands, markers, ticks, BAND_Y + BAND_HEIGHT + 6, summary)
