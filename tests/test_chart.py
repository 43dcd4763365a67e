"""The claim page's SVG chart: bounded for any number of events, escaped."""

import datetime
import random
import xml.dom.minidom

from claimtracker.claims import chart

DAY = datetime.date(2024, 1, 1)


def stances(n: int, text: str = "Agency asserts") -> list[chart.Stance]:
    return [
        chart.Stance(DAY + datetime.timedelta(days=i % 400), "day", ("supports", "opposes", "neutral")[i % 3], text)
        for i in range(n)
    ]


def test_thousands_of_events_draw_a_bounded_chart() -> None:
    rng = random.Random(1)
    changes = [
        chart.Change(DAY + datetime.timedelta(days=rng.randrange(400)), "day", f"S{rng.randrange(4)}", "#123456")
        for _ in range(2000)
    ]
    drawn = chart.build(sorted(changes, key=lambda c: c.day), stances(5000))
    assert drawn is not None
    inner = chart.WIDTH - chart.MARGIN_LEFT - chart.MARGIN_RIGHT
    assert len(drawn.markers) <= 3 * (inner / chart.MARKER_STEP + 1)
    assert len(drawn.bands) <= inner / chart.MIN_BAND + 1
    assert sum(m.count for m in drawn.markers) == 5000  # every stance is in one marker
    assert "status periods, now" in drawn.summary
    assert len(chart.svg(drawn)) < 150_000


def test_svg_escapes_labels_and_parses() -> None:
    hostile = '</title><script>alert(1)</script>"&'
    drawn = chart.build([chart.Change(DAY, "day", hostile, "#fff")], stances(1, hostile))
    assert drawn is not None
    markup = str(chart.svg(drawn))
    assert "<script>" not in markup
    document = xml.dom.minidom.parseString(markup)  # well-formed: nothing broke out of an attribute
    titles = [t.firstChild.data for t in document.getElementsByTagName("title") if t.firstChild]
    assert any(hostile in title for title in titles)


def test_nothing_to_draw() -> None:
    assert chart.build([], []) is None


def test_month_and_year_dates_are_spans_not_first_days() -> None:
    month = chart.Stance(datetime.date(2024, 10, 1), "month", "supports", "Seoul confirms", "a1")
    day = chart.Stance(datetime.date(2024, 10, 21), "day", "opposes", "Pyongyang denies", "a2")
    reported = chart.Change(datetime.date(2024, 10, 1), "month", "Reported", "#4a7fc1")
    drawn = chart.build([reported], [month, day])
    assert drawn is not None
    spanned = next(m for m in drawn.markers if m.anchor == "a1")
    assert spanned.width > 0 and next(m for m in drawn.markers if m.anchor == "a2").width == 0
    # "October 2024" runs from October's tick to November's, for the stance and the status both.
    october, november = (next(t for t in drawn.ticks if t.label == label) for label in ("Oct 2024", "Nov"))
    assert spanned.x == october.x and abs(spanned.x + spanned.width - november.x) < 0.2
    assert abs(drawn.bands[0].x + drawn.bands[0].vague - november.x) < 0.2
    markup = chart.svg(drawn)
    assert 'class="span"' in markup and 'class="vague"' in markup


def test_month_ticks_due_date_and_today() -> None:
    stances = [chart.Stance(datetime.date(2024, 10, 21), "day", "opposes", "Pyongyang denies", "a1")]
    changes = [chart.Change(datetime.date(2024, 10, 25), "day", "Corroborated", "#2e7d32")]
    drawn = chart.build(changes, stances, due_on=datetime.date(2024, 12, 31), today=datetime.date(2024, 11, 15))
    assert drawn is not None
    assert [t.label for t in drawn.ticks] == ["Oct 2024", "Nov", "Dec", "Jan 2025"]
    assert [(r.kind, r.label) for r in drawn.rules] == [("due", "Due 31 Dec 2024"), ("today", "Today")]
    # A today years after the story is not squeezed onto the axis.
    later = chart.build(changes, stances, due_on=datetime.date(2024, 12, 31), today=datetime.date(2026, 12, 1))
    assert later is not None and [r.kind for r in later.rules] == ["due"]
    # A story of years: ticks thin out to at most MAX_TICKS.
    long = chart.build([*changes, chart.Change(datetime.date(2030, 3, 1), "day", "Confirmed", "#1b5e20")], stances)
    assert long is not None and 2 <= len(long.ticks) <= chart.MAX_TICKS


def test_the_date_line_keeps_clear_of_the_band_and_says_what_day_it_marks() -> None:
    stances = [chart.Stance(datetime.date(2024, 10, 21), "day", "opposes", "Pyongyang denies", "a1")]
    changes = [chart.Change(datetime.date(2024, 10, 1), "day", "Reported", "#4a7fc1")]
    drawn = chart.build(changes, stances, today=datetime.date(2024, 10, 24), past=True)
    assert drawn is not None
    # In a view of the past, the status of then runs to the view's day, not on to the axis's end.
    (rule_x,) = (r.x for r in drawn.rules if r.kind == "today")
    assert drawn.bands[-1].x + drawn.bands[-1].width == rule_x
    document = xml.dom.minidom.parseString(str(chart.svg(drawn)))
    (rule,) = (g for g in document.getElementsByTagName("g") if "rule-today" in g.getAttribute("class"))
    assert rule.getElementsByTagName("text")[0].firstChild.data == "As of 24 Oct 2024"
    band_top, band_bottom = drawn.top + chart.BAND_Y, drawn.top + chart.BAND_Y + chart.BAND_HEIGHT
    for line in rule.getElementsByTagName("line"):  # none crosses the band, where its label is written
        y1, y2 = float(line.getAttribute("y1")), float(line.getAttribute("y2"))
        assert y2 <= band_top or y1 >= band_bottom


def test_markers_are_numbered_links_to_their_entries() -> None:
    stances = [
        chart.Stance(
            datetime.date(2024, 10, day), "day", "supports" if day % 2 else "opposes", f"Actor {day}", f"a{day}"
        )
        for day in (3, 12, 21, 28)
    ]
    drawn = chart.build([], stances)
    assert drawn is not None
    assert [m.number for m in drawn.markers] == [1, 2, 3, 4]
    # Said beside the chart, so that a number is not read as a count.
    assert "Stances are numbered in date order" in str(chart.svg(drawn))
    markup = chart.svg(drawn)
    for m in drawn.markers:
        assert f'<a href="#{m.anchor}" aria-label="{m.number}. ' in markup


def test_figures_are_a_series_with_hedged_points_marked() -> None:
    stances = [chart.Stance(datetime.date(2024, 10, 25), "day", "supports", "White House asserts", "a1")]
    figures = [
        chart.Figure(datetime.date(2024, 10, 18), "day", 3000.0, "about 3,000 troops", "NIS", True, "a2"),
        chart.Figure(datetime.date(2024, 10, 25), "day", 10000.0, "10,000 troops", "State", False, "a3"),
    ]
    drawn = chart.build([], stances, figures)
    assert drawn is not None and drawn.top == chart.FIGURES_HEIGHT
    low, high = drawn.points
    assert low.y > high.y, "the larger figure stands higher"
    assert low.hedged and not high.hedged
    markup = chart.svg(drawn)
    assert markup.count('class="figure-point hedged"') == 1 and "figure-line" in markup
    assert "about 3,000 troops" in markup and 'href="#a3"' in markup
    many = [
        chart.Figure(
            datetime.date(2020, 1, 1) + datetime.timedelta(days=i), "day", float(i), f"{i}", "X", False, f"a{i}"
        )
        for i in range(3000)
    ]
    drawn = chart.build([], stances, many)
    assert drawn is not None and len(drawn.points) <= (chart.WIDTH / chart.MARKER_STEP) + 1


def test_figure_labels_of_one_day_do_not_cover_each_other_or_the_line() -> None:
    """Two figures of the same size on the same day (the demo's claim 3): the
    second label goes below the point, clear of its dot and its month's bar,
    and every label stays inside the panel of figures."""
    stances = [chart.Stance(datetime.date(2024, 10, 25), "day", "supports", "NIS asserts", "a1")]
    figures = [
        chart.Figure(datetime.date(2024, 10, 1), "month", 3000.0, "at least 3,000 troops", "NIS", False, "a2"),
        chart.Figure(datetime.date(2024, 10, 1), "month", 3000.0, "about 3,000 troops", "NIS", True, "a3"),
        chart.Figure(datetime.date(2024, 10, 1), "month", 3000.0, "some 3,000 troops", "State", True, "a4"),
        chart.Figure(datetime.date(2024, 10, 1), "month", 3000.0, "3,000 troops", "Pentagon", False, "a5"),
    ]
    drawn = chart.build([], stances, figures)
    assert drawn is not None
    shown = [p for p in drawn.points if p.label]
    assert [p.label for p in shown] == ["at least 3,000 troops", "about 3,000 troops", "some 3,000 troops"]
    first, second, third = (p.label_y for p in shown)
    dot = shown[0].y
    assert first < dot - 6 and second - chart.LABEL_ASCENT > dot + 6, "a label over the dot or its bar"
    assert abs(third - first) >= 16 and abs(third - second) >= 16
    assert all(chart.LABEL_ASCENT <= p.label_y <= chart.FIGURES_HEIGHT for p in shown)
    markup = chart.svg(drawn)
    assert markup.count('class="figure-label"') == 3
    assert "3,000 troops</title>" in markup  # the fourth's title still says it


def test_new_labels_are_escaped() -> None:
    hostile = '<script>alert(1)</script>"'
    drawn = chart.build(
        [chart.Change(datetime.date(2024, 10, 1), "month", hostile, '"><script>')],
        [chart.Stance(datetime.date(2024, 10, 2), "day", "supports", hostile, '"><script>')],
        [chart.Figure(datetime.date(2024, 10, 2), "day", 1.0, hostile, hostile, True, '"><b>')],
        due_on=datetime.date(2024, 10, 20),
    )
    assert drawn is not None
    markup = chart.svg(drawn)
    assert "<script>" not in markup and '"><b>' not in markup
    xml.dom.minidom.parseString(markup)
