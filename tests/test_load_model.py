"""Every file kind of SPEC §3 loads into the typed model, with defaults applied."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from conftest import BASE, probe
from smcycle_build.pipeline import Project, check_project


def model_of(root: Path):
    result = check_project(Project.locate("content", cwd=root))
    assert [d.headline() for d in result.diagnostics if d.severity == "error"] == []
    assert result.model is not None
    return result.model


def test_playbook_defaults(playbook) -> None:
    m = model_of(playbook())
    pb = m.playbook
    assert (pb.title, pb.organization, pb.strategy) == ("Test playbook", "Test Org", "loyalty")
    assert pb.timezone.key == "Europe/Amsterdam"
    assert pb.language == "en" and pb.default_time == time(9, 0) and pb.event_minutes == 15
    assert pb.cycle.start == date(2027, 3, 1) and pb.cycle.name == "2027"
    assert pb.base_url is None


def test_situation(playbook) -> None:
    root = playbook(
        {
            "content/situation.md": """
            ---
            as_of: 2026-12-01
            competitors:
              - {id: big-bikes, name: Big Bikes, networks: [instagram], notes: cheap}
            perception: [friendly, "a bit slow"]
            strengths: [repairs]
            weaknesses: [no webshop]
            opportunities: [e-bikes]
            threats: [chains]
            ---
            We are the shop people trust.
            """
        }
    )
    s = model_of(root).situation
    assert s.as_of == date(2026, 12, 1)
    assert s.competitors[0].name == "Big Bikes" and s.competitors[0].networks == ("instagram",)
    assert s.perception == ("friendly", "a bit slow") and s.threats == ("chains",)
    assert "trust" in s.body


def test_goal_audience_channel_campaign(playbook) -> None:
    root = playbook(
        {
            "content/goals/more-replies.yaml": """
            title: More replies
            metric: {channel: all, name: replies}
            aggregate: sum
            baseline: 10
            target: 12.5
            due: 2027-06-30
            channels: [x]
            audiences: [riders]
            owner: Dana
            """,
            "content/audiences/riders.yaml": """
            name: Riders
            networks: [x, instagram, website]
            active_hours: ["07:00-09:00", "19:00 - 21:30"]
            needs: [routes]
            """,
            "content/channels/main-insta.md": """
            ---
            name: Instagram (main)
            network: instagram
            handle: "@shop"
            url: https://instagram.com/shop
            default_time: "18:00"
            cadence: {min_per_week: 1, max_per_week: 4}
            quiet_cadence: {max_per_week: 2}
            limits: {text: 1000}
            ---
            Pictures of rides.
            """,
            "content/campaigns/spring.yaml": """
            name: Spring
            goals: [more-replies]
            channels: [x, main-insta]
            start: 2027-03-01
            end: 2027-03-31
            before_days: 10
            milestones:
              - {date: 2027-03-15, title: Open day}
            """,
        }
    )
    m = model_of(root)
    g = m.goals["more-replies"]
    assert (g.metric.channel, g.metric.name, g.aggregate) == ("all", "replies", "sum")
    assert g.strategy == "loyalty" and g.start == date(2027, 3, 1) and g.target == 12.5
    a = m.audiences["riders"]
    assert a.active_hours == ((time(7), time(9)), (time(19), time(21, 30)))
    c = m.channels["main-insta"]
    assert c.network == "instagram" and c.default_time == time(18) and c.text_limit == 1000
    assert c.quiet_cadence.max_per_week == 2 and c.quiet_cadence.min_per_week is None
    assert m.channels["x"].network == "x" and m.channels["x"].text_limit == 280
    camp = m.campaigns["spring"]
    assert camp.before_days == 10 and camp.after_days == 3 and camp.strategy == "loyalty"
    assert camp.milestones[0].title == "Open day" and camp.milestones[0].loc.line == 8


def test_posts_in_subfolders_with_ids_and_variants(playbook) -> None:
    root = playbook(
        {
            "content/channels/x.yaml": "name: X\ndefault_time: '12:30'\n",
            "content/posts/2027/03/ride.md": """
            ---
            title: Ride
            date: 2027-03-12
            status: approved
            audience: riders
            goal: more-replies
            variants:
              x: {text: "Ride with us", link: website}
              instagram: {text: "Ride!", media: [photo.png], at: "18:45"}
              website: {title: The ride}
            ---
            The long story of the ride.
            """,
            "content/posts/2027/series.yaml": """
            id: saturday-ride
            title: Saturday ride
            date: "2027-03-06T08:00+01:00"
            audience: riders
            campaign: spring
            variants:
              x: {text: "Saturday ride, 8:00 at the shop"}
            repeat: {freq: weekly, byday: [sa], until: 2027-06-26, except: [2027-04-17]}
            """,
        }
    )
    m = model_of(root)
    ride = m.posts["ride"]
    assert ride.status == "approved"
    x, insta, web = ride.variants
    # a bare date takes the channel's default_time (12:30 Amsterdam = 11:30 UTC in March)
    assert x.start.astimezone(UTC) == datetime(2027, 3, 12, 11, 30, tzinfo=UTC)
    assert x.link == "website"
    assert insta.start.astimezone(UTC) == datetime(2027, 3, 12, 17, 45, tzinfo=UTC)
    assert web.text == "The long story of the ride." and web.title == "The ride"
    series = m.posts["saturday-ride"]
    assert series.status == "draft" and series.campaign == "spring"
    assert series.repeat.byday == ("SA",) and series.repeat.except_dates == (date(2027, 4, 17),)
    assert series.variants[0].start.astimezone(UTC) == datetime(2027, 3, 6, 7, 0, tzinfo=UTC)


def test_themes_listening_metrics_reviews_media(playbook) -> None:
    root = playbook(
        {
            "content/themes.yaml": """
            - {month: "2027-02", topic: Winter care}
            - {month: "2027-01", topic: New year, notes: resolutions}
            - {month: "2027-01", topic: Second topic}
            """,
            "content/listening.yaml": """
            queries:
              - {terms: [test org, "#testorg"], networks: [x], why: mentions}
            routine: {every: week, owner: Dana}
            responses:
              - trigger: a complaint
                within: 2h
                owner: Dana
                steps: [thank, fix]
            surveys:
              - {title: Rider survey, date: 2027-05-01, channel: website}
            """,
            "content/metrics/x.csv": "date,channel,metric,value,post\n"
            "2027-01-04,x,replies,10,\n2027-01-11,x,replies,11,hello\n"
            "2027-01-11,x,replies,11,hello\n",
            "content/reviews/q1.md": """
            ---
            date: 2027-04-02
            period: {start: 2027-01-01, end: 2027-03-31}
            goals_met: [more-replies]
            ---
            We learned things.
            """,
            "content/media/sub/pic.png": b"\x89PNG",
            "content/media/_draft.png": b"\x89PNG",
        }
    )
    m = model_of(root)
    assert [t.month for t in m.themes] == ["2027-01", "2027-01", "2027-02"]
    assert m.listening.queries[0].terms == ("test org", "#testorg")
    assert m.listening.routine_every == "week" and m.listening.responses[0].steps == (
        "thank",
        "fix",
    )
    assert m.listening.surveys[0].channel == "website"
    # an identical repeated row is harmless; it is kept once
    assert [(r.date, r.value, r.post) for r in m.metrics] == [
        (date(2027, 1, 4), 10.0, None),
        (date(2027, 1, 11), 11.0, "hello"),
    ]
    assert m.reviews["q1"].goals_met == ("more-replies",) and "learned" in m.reviews["q1"].body
    assert m.media == {"photo.png", "sub/pic.png"}


def test_ignored_files_and_yml(playbook) -> None:
    root = playbook(
        {
            "content/posts/_template.md": "not even front matter",
            "content/posts/.hidden.md": "nor this",
            "content/posts/_drafts/x.md": "nor this",
            "content/goals/second.yml": "title: T\nmetric: x.a\nbaseline: 1\ntarget: 2\n"
            "due: 2027-05-01\n",
        }
    )
    m = model_of(root)
    assert set(m.posts) == {"hello"} and set(m.goals) == {"more-replies", "second"}


def test_yaml_traps_in_playbook(playbook) -> None:
    root = playbook(
        {
            "content/playbook.yaml": """
            title: no
            organization: 2027
            strategy: loyalty
            timezone: Europe/Amsterdam
            default_time: 12:30
            """
        }
    )
    pb = model_of(root).playbook
    assert pb.title == "no" and pb.organization == "2027" and pb.default_time == time(12, 30)


def test_a_body_is_held_once(playbook) -> None:
    """The blank lines around a body mean nothing to Markdown and are dropped: a website
    variant's text is then the body itself, one string where each post held two (10,000
    bodies of 2.4 KiB are 24 MB). An indented first line stays indented: it is code."""
    root = playbook(
        {
            "content/posts/ride.md": (
                "---\ntitle: Ride\ndate: 2027-03-12\nvariants:\n  website: {}\n---\n"
                "\n\nThe long story.\n\nOf the ride.  \n\n"
            ),
            "content/posts/code.md": (
                "---\ntitle: Code\ndate: 2027-03-12\nvariants:\n  website: {}\n---\n"
                "\n    indented code\n"
            ),
        }
    )
    m = model_of(root)
    ride = m.posts["ride"]
    assert ride.body == "The long story.\n\nOf the ride."
    assert ride.variants[0].text is ride.body
    code = m.posts["code"]
    assert code.body == "    indented code"
    assert code.variants[0].text == "indented code"  # the text to post, stripped as before


def test_what_posts_write_alike_is_held_once(playbook) -> None:
    """Short values (a topic, an owner, a goal's id) and the lines of each variant's keys
    recur in every post: posts written alike share one string and one tuple of them, as
    posts loaded from the post store share their key lines (at 10,000 posts: 11 MB of a
    build's peak memory)."""
    one = (
        "---\ntitle: {}\ndate: 2027-03-12\ntopic: Winter rides\nowner: Sanne Visser\n"
        "variants:\n  x: {{text: Hello}}\n---\n"
    )
    root = playbook({f"content/posts/{n}.md": one.format(n) for n in ("a", "b")})
    a, b = (model_of(root).posts[n] for n in ("a", "b"))
    assert a.topic == "Winter rides" and a.topic is b.topic and a.owner is b.owner
    assert a.variants[0].loc.keys == ("text", 7)
    assert a.variants[0].loc.keys is b.variants[0].loc.keys


@pytest.mark.parametrize("store", ["None", "DiskCache(Path.cwd()).post_store()"])
def test_a_check_leaves_no_garbage(playbook, store: str) -> None:
    """A check runs with the cyclic collector paused, then freezes what it made. A reference
    cycle made meanwhile is never collected: an import that made some through the frames
    of whoever imported it held every file's parse for the whole build (a fifth of its
    memory). twitter-text is imported in the middle of the check, at the first X text that
    holds a URL and that its quick bound cannot place within the limit: every "e.g." may
    start a domain (networks.x_at_most). In a fresh interpreter, as `smcycle check` runs."""
    hello = (BASE / "content/posts/hello.md").read_text()
    link = 'x: {text: "Hello riders: https://example.com/spring' + " e.g." * 11 + '"}'
    root = playbook({"content/posts/hello.md": hello.replace('x: {text: "Hello riders"}', link)})
    code = (
        "import gc, sys\n"
        "from pathlib import Path\n"
        "from smcycle_build.cache import DiskCache\n"
        "from smcycle_build.pipeline import Project, check_project\n"
        f"result = check_project(Project.locate('content'), store={store})\n"
        "assert result.ok and 'twitter_text' in sys.modules\n"
        "gc.unfreeze()\n"
        "gc.set_debug(gc.DEBUG_SAVEALL)\n"
        "gc.collect()\n"
        "print(sorted({type(o).__name__ for o in gc.garbage}))\n"
    )
    kinds = set(ast.literal_eval(probe(code, root).strip()))
    assert kinds & {"YMap", "YList", "RawDocument", "Record", "frame"} == set(), kinds
