"""Charts: the SVG says what the numbers say, with a title and a description."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from smcycle_build.render.charts import Chart, Series, draw, nice_ticks, sparkline

NS = {"s": "http://www.w3.org/2000/svg"}
POINTS = [(date(2027, 1, 4), 100.0), (date(2027, 1, 11), 120.0), (date(2027, 2, 1), 90.0)]


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def chart(**kw) -> ET.Element:
    c = Chart(
        "g1",
        "Followers",
        "Followers from 4 Jan to 1 Feb 2027, against a target of 150",
        [
            Series("followers", POINTS),
            Series("trend", [POINTS[0], (date(2027, 3, 1), 80.0)], "trend"),
        ],
        levels=[("baseline", 100.0), ("target", 150.0)],
        marks=[("due", date(2027, 3, 1))],
        **kw,
    )
    return parse(str(draw(c)))


def test_title_description_and_labelling() -> None:
    svg = chart()
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "g1-t g1-d"
    assert svg.find("s:title", NS).text == "Followers"
    assert "target of 150" in svg.find("s:desc", NS).text
    labels = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert {"baseline", "target", "due"} <= set(labels)
    assert "160" in labels and "2027-01-04" in labels  # value and date axes


def test_points_are_where_the_numbers_say() -> None:
    svg = chart()
    circles = svg.findall(".//s:circle", NS)
    assert [(c.get("data-date"), float(c.get("data-value"))) for c in circles] == [
        (d.isoformat(), v) for d, v in POINTS
    ]
    xs = [float(c.get("cx")) for c in circles]
    ys = [float(c.get("cy")) for c in circles]
    assert xs == sorted(xs)  # time runs left to right
    # y is linear in the value (SVG y grows downwards)
    slope = (ys[1] - ys[0]) / (120 - 100)
    assert slope < 0
    assert abs(ys[2] - (ys[0] + slope * (90 - 100))) < 0.05
    # and x linear in days: 7 days then 21 days
    assert abs((xs[2] - xs[1]) - 3 * (xs[1] - xs[0])) < 0.05
    # the target line sits at the y of 150 on the same scale
    target = next(
        g
        for g in svg.findall("s:g", NS)
        if g.get("class") == "level" and g.find("s:text", NS).text == "target"
    )
    assert abs(float(target.find("s:line", NS).get("y1")) - (ys[0] + slope * 50)) < 0.05


def test_right_to_left_mirrors_time() -> None:
    xs = [float(c.get("cx")) for c in chart(rtl=True).findall(".//s:circle", NS)]
    assert xs == sorted(xs, reverse=True)


def test_nothing_to_draw_is_nothing() -> None:
    assert str(draw(Chart("x", "t", "d", [Series("s", [])]))) == ""


def test_nice_ticks() -> None:
    assert nice_ticks(90, 150) == [80.0, 100.0, 120.0, 140.0, 160.0]
    assert nice_ticks(0, 1) == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_sparkline() -> None:
    svg = parse(str(sparkline("sp", "Followers", POINTS)))
    assert svg.find("s:title", NS).text == "Followers"
    assert len(svg.find("s:polyline", NS).get("points").split()) == 3
    assert str(sparkline("sp", "x", POINTS[:1])) == ""
