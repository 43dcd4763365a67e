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
