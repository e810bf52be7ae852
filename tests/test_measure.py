"""Measurement against hand-worked numbers: progress, trend, state, what readers respond to."""

from __future__ import annotations

from datetime import date

import pytest

from smcycle_build.measure import goal_progress, goal_status, goal_trend, monthly_growth_needed
from smcycle_build.model import Goal, Loc, MetricRef, MetricRow
from smcycle_build.pipeline import Project, check_project
from smcycle_build.respond import groupings, scored_occurrences

START = date(2027, 1, 1)
TODAY = date(2027, 3, 1)


def goal(aggregate="last", baseline=100.0, target=200.0, channel="x", due=date(2027, 6, 30)):
    return Goal(
        "g",
        "G",
        "loyalty",
        MetricRef(channel, "followers"),
        aggregate,
        baseline,
        target,
        START,
        due,
        (),
        (),
        "",
        "",
        Loc("g.md", 1),
    )


def rows(*values, channel="x", metric="followers", start=date(2027, 1, 4), step=7, post=None):
    return tuple(
        MetricRow(
            date.fromordinal(start.toordinal() + i * step),
            channel,
            metric,
            v,
            post,
            Loc("m.csv", i + 2),
        )
        for i, v in enumerate(values)
    )


def test_no_data_yet() -> None:
    status = goal_status(goal(), (), TODAY, START)
    assert status.state == "no-data" and status.progress.current is None


def test_last_value_progress_and_on_track() -> None:
    # 110, 120, 130 a week apart: +10 a week; by 30 June (177 days after 4 Jan) 130 + ...
    data = rows(110, 120, 130)
    p = goal_progress(goal(), data)
    assert p.current == 130 and p.share == pytest.approx(0.30)
    t = goal_trend(goal(), p.points)
    assert t.slope_per_day == pytest.approx(10 / 7)
    # intercept 110 at 4 Jan; 30 June is 177 days later: 110 + 177 * 10/7 = 362.86
    assert t.projected == pytest.approx(110 + 177 * 10 / 7)
    assert goal_status(goal(), data, TODAY, START).state == "on-track"


def test_declining_metric_is_at_risk() -> None:
    data = rows(110, 105, 100)
    status = goal_status(goal(), data, TODAY, START)
    assert status.trend.slope_per_day == pytest.approx(-5 / 7)
    assert status.state == "at-risk"


def test_already_met_and_missed() -> None:
    assert goal_status(goal(), rows(150, 210), TODAY, START).state == "met"
    late = goal(due=date(2027, 2, 1))
    assert goal_status(late, rows(110, 120, 130), TODAY, START).state == "missed"


def test_sum_over_a_partial_period() -> None:
    # clicks summed from the goal's start; a row before the start does not count
    g = goal("sum", baseline=0, target=100)
    data = rows(30, channel="x", start=date(2026, 12, 28)) + rows(10, 20, 15)
    p = goal_progress(g, data)
    assert p.current == 45 and p.share == pytest.approx(0.45)
    # running sums 10, 30, 45 over days 0, 7, 14: slope 35/14 per day
    t = goal_trend(g, p.points)
    assert t.slope_per_day == pytest.approx(2.5)


def test_mean_and_all_channels() -> None:
    g = goal("mean", channel="all")
    data = rows(100, 200) + rows(50, 50, channel="y")
    p = goal_progress(g, data)
    assert [v for _, v in p.points] == [150, 250]
    assert p.current == 200


def test_fewer_than_three_points_use_time_elapsed() -> None:
    # 2 months of 6 gone (1 Jan to 1 Mar of 30 June): a third; 40% of the way is on track
    assert goal_status(goal(), rows(140), TODAY, START).state == "on-track"
    assert goal_status(goal(), rows(120), TODAY, START).state == "at-risk"


def test_monthly_growth_needed() -> None:
    # 100 -> 200 in 180 days (5.91 months): 2 ** (1/5.91) - 1 = 12.4%
    assert monthly_growth_needed(goal(), START) == pytest.approx(2 ** (30.4375 / 180) - 1)


def test_what_readers_respond_to(playbook) -> None:
    root = playbook(
        {
            "content/metrics/posts.csv": "date,channel,metric,value,post\n"
            "2027-03-10,x,engagements,30,hello\n"
            "2027-03-11,x,engagements,10,hello\n"
            "2027-03-10,instagram,engagements,50,hello\n"
            "2027-03-10,instagram,reach,999,hello\n"
        }
    )
    result = check_project(Project.locate("content", cwd=root))
    scored = scored_occurrences(result.model, result.plan)
    # two rows for the same x occurrence add up; reach is not engagement
    assert [(s.occurrence.channel, s.value) for s in scored] == [("instagram", 50), ("x", 40)]
    dims = dict(
        groupings(
            result.model,
            scored,
            lambda o: o.start.strftime("%a"),
            {"none": "-", "with_media": "with", "no_media": "without"},
        )
    )
    assert [(g.label, g.count, g.mean) for g in dims["media"]] == [
        ("with", 1, 50.0),
        ("without", 1, 40.0),
    ]
    assert all(g.few for g in dims["network"])  # one occurrence each: too few to tell
    assert [(g.label, g.count) for g in dims["weekday"]] == [("Wed", 2)]


def test_a_row_counts_for_the_last_time_its_post_went_out_on_that_channel(playbook) -> None:
    """A series goes out again and again: a row measures the occurrence on that channel
    last sent on or before its date (the first one, for a row dated earlier)."""
    series = (
        "---\ntitle: Weekly\ndate: 2027-03-05 17:00\ngoal: more-replies\naudience: riders\n"
        "repeat: {freq: weekly, count: 3}\nvariants:\n  x: {text: Every Friday}\n---\n"
    )
    root = playbook(
        {
            "content/posts/weekly.md": series,
            "content/metrics/posts.csv": "date,channel,metric,value,post\n"
            "2027-03-04,x,engagements,5,weekly\n"
            "2027-03-12,x,engagements,1,weekly\n"
            "2027-03-13,x,engagements,7,weekly\n"
            "2027-04-01,x,engagements,100,weekly\n"
            "2027-03-13,instagram,engagements,9,weekly\n",  # not sent there: not counted
        }
    )
    result = check_project(Project.locate("content", cwd=root))
    scored = scored_occurrences(result.model, result.plan)
    assert [(s.occurrence.post.id, s.occurrence.index, s.value) for s in scored] == [
        ("weekly", 2, 100),
        ("weekly", 1, 8),
        ("weekly", 0, 5),
    ]
