"""The playbook site: every page of SPEC §4, their contents, links that resolve, safety."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from posixpath import dirname, join, normpath
from urllib.parse import urldefrag, urlparse

import pytest

from conftest import run_cli
from smcycle_build.build import build_site
from smcycle_build.output import MemoryOutput
from smcycle_build.pipeline import Project

REPO = Path(__file__).parent.parent
NOW = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)


def build_mem(root: Path, content: str = "content", now: datetime = NOW, **kw) -> MemoryOutput:
    out = MemoryOutput()
    result = build_site(Project.locate(content, cwd=root), out, now=now, **kw)
    assert result.ok, [d.headline() for d in result.diagnostics]
    return out


@pytest.fixture(scope="module")
def site() -> MemoryOutput:
    return build_mem(REPO)


@pytest.fixture(scope="module")
def hebrew() -> MemoryOutput:
    return build_mem(REPO, "examples/he/content")


class Links(HTMLParser):
    """Every href/src of a page, and the ids it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)
            if name == "id" and value:
                self.ids.add(value)


def parse(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


def test_every_page_of_spec_section_4(site: MemoryOutput) -> None:
    files = set(site.files)
    content = REPO / "content"
    expected = {
        "index.html",
        "situation/index.html",
        "listening/index.html",
        "measurement/index.html",
        "reviews/index.html",
        "health/index.html",
        "goals/index.html",
        "audiences/index.html",
        "channels/index.html",
        "campaigns/index.html",
        "calendar/index.html",
        "404.html",
        "sitemap.xml",
    }
    for kind in ("goals", "audiences", "channels", "campaigns", "reviews"):
        expected |= {f"{kind}/{p.stem}/index.html" for p in (content / kind).glob("*.md")}
    expected |= {f"posts/{p.stem}/index.html" for p in (content / "posts").rglob("*.md")}
    expected |= {f"calendar/2027-{m:02d}/index.html" for m in range(1, 13)}
    assert expected <= files, sorted(expected - files)


def test_internal_links_and_assets_all_resolve(site: MemoryOutput, hebrew: MemoryOutput) -> None:
    for out in (site, hebrew):
        pages = {p: parse(out.text(p)) for p in out.files if p.endswith(".html")}
        broken = []
        for page, parsed in pages.items():
            if page == "404.html":
                continue
            for link in parsed.links:
                if urlparse(link).scheme or link.startswith("//"):
                    continue
                target, fragment = urldefrag(link)
                path = normpath(join(dirname(page), target)) if target else page
                if path not in out.files:
                    broken.append(f"{page}: {link}")
                elif fragment and path.endswith(".html") and fragment not in pages[path].ids:
                    broken.append(f"{page}: {link} (no #{fragment})")
        assert broken == []
        # and relative only: the site works from a sub-path and from disk
        assert not any(
            link.startswith("/")
            for page, p in pages.items()
            if page != "404.html"
            for link in p.links
        )


def test_index_shows_the_cycle_focus_goals_and_next_days(site: MemoryOutput) -> None:
    html = site.text("index.html")
    assert '<html lang="en-GB" dir="ltr">' in html
    for stage in (
        "situation/index.html",
        "goals/index.html",
        "calendar/index.html",
        "measurement/index.html",
        "reviews/index.html",
    ):
        assert f'href="{stage}"' in html
    assert "Loyalty" in html and "Quiet period" in html
    # goal cards: each with its state
    assert "2,600 people follow the ride community on Facebook" in html
    assert "Now 2,633" in html
    for state in ("Met", "On track", "At risk", "No data yet"):
        assert f'">{state}</span>' in html
    # the cycle marks where the team stands: the met goal was reviewed and replaced
    assert 'class="cycle-node is-current" aria-current="step"' in html
    assert "Stage of the cycle: <strong>Plan</strong>" in html
    assert "The latest review:" in html and "time to set the next goal" not in html
    # the next 14 days from 2027-01-15: the Saturday ride on the 16th, nothing after the 28th
    assert "Sat 16 Jan 2027 · 07:30" in html
    assert "29 Jan 2027" not in html


def test_channel_page_groups_the_schedule_by_week_ready_to_copy(site: MemoryOutput) -> None:
    html = site.text("channels/x/index.html")
    assert "X @harborlanebikes" in html or "@harborlanebikes" in html
    weeks = re.findall(r"<h3>Week of ([^<]+)</h3>", html)
    # en-GB: weeks start on Monday
    assert weeks[0] == "28 Dec 2026"
    assert len(weeks) >= 40
    assert html.count('class="copy"') == html.count('class="post-text"') > 50
    # the filters offer only what occurs on this channel
    assert '<option value="x">' in html and '<option value="pinterest">' not in html


def test_campaign_page_has_phases_and_milestones(site: MemoryOutput) -> None:
    html = site.text("campaigns/spring-tune-up/index.html")
    assert html.count('class="tbar phase-') == 3
    assert "phase-before" in html and "phase-during" in html and "phase-after" in html
    assert 'class="diamond"' in html
    assert html.count(">The brief</h2>") == 1  # the theme's heading, not the body's again


def test_a_campaign_page_lists_exactly_the_campaigns_posts(site: MemoryOutput) -> None:
    from smcycle_build.pipeline import check_project

    checked = check_project(Project.locate("content", cwd=REPO))
    assert checked.plan is not None and checked.model is not None
    counts = {}
    for camp in checked.model.campaigns:
        html = site.text(f"campaigns/{camp}/index.html")
        counts[camp] = html.count('<li class="sched ')
        assert counts[camp] == sum(o.post.campaign == camp for o in checked.plan.occurrences)
    assert sum(counts.values()) > 0


def test_post_page_shows_every_variant_side_by_side(site: MemoryOutput) -> None:
    html = site.text("posts/open-workshop-evening/index.html")
    for channel in ("facebook", "instagram", "x", "newsletter"):
        assert f'id="variant-{channel}"' in html
    assert 'src="../../media/spring/workshop-evening.png"' in html
    assert re.search(r"\d+ / 280 characters", html)
    assert "Approved" in html and 'href="../../campaigns/spring-tune-up/index.html"' in html
    # each variant's time as the schedules show it: no seconds no post is planned to
    assert '<time datetime="2027-03-22T19:00:00+01:00">22 Mar 2027, 19:00</time>' in html
    assert not re.search(r"<time [^>]*>[^<]*\d:\d\d:\d\d</time>", html)


def test_series_is_expanded_on_month_pages(site: MemoryOutput) -> None:
    march = site.text("calendar/2027-03/index.html")
    assert march.count("Saturday Coffee Ride") >= 4 * 3  # four Saturdays, three channels
    december = site.text("calendar/2027-12/index.html")
    day_25 = december.split('datetime="2027-12-25"')[1].split("</section>")[0]
    assert "Saturday Coffee Ride" not in day_25  # the `except` date


def test_year_board_has_months_campaigns_quiet_and_weekly_counts(site: MemoryOutput) -> None:
    html = site.text("calendar/index.html")
    assert html.count('class="bm"') == 24  # month heads and topic cells
    assert "phase-quiet" in html and "Spring Tune-Up" in html
    assert html.count("<tr style=") == 6  # a row of weekly counts per channel
    # every post of the cycle counted once: the week of 28 December 2026 holds 1-3 January
    weekly = html.split('<table class="weekly">')[1].split("</table>")[0]
    counted = {
        re.search(r"channels/([^/]+)/index.html", row)[1]: sum(
            map(int, re.findall(r'<span class="wk[^"]*"[^>]*>(\d+)</span>', row))
        )
        for row in weekly.split("<tr style=")[1:]
    }
    doc = json.loads(site.files["schedule.json"])
    planned = Counter(
        o["channel"] for o in doc["occurrences"] if "2027-01-01" <= o["date"] <= "2027-12-31"
    )
    assert counted == {c: planned[c] for c in counted} and sum(counted.values()) > 400
    assert weekly.count('title="Week of 28 Dec"') == 6  # each channel's first week


def test_hebrew_site_is_right_to_left_with_hebrew_dates(hebrew: MemoryOutput) -> None:
    html = hebrew.text("index.html")
    assert '<html lang="he" dir="rtl">' in html
    assert "איפה אנחנו עכשיו" in html
    month = hebrew.text("calendar/2027-03/index.html")
    assert "מרץ 2027" in month
    # Israel's week starts on Sunday
    head = re.search(r'<div class="month-head"[^>]*>(.*?)</div>', month).group(1)
    sunday, saturday = "<span>\u05d9\u05d5\u05dd \u05d0\u05f3</span>", "<span>שבת</span>"
    assert head.startswith(sunday) and head.endswith(saturday)


def test_hostile_markdown_is_sanitized(playbook) -> None:
    body = (
        "Hello <script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
        '[click](javascript:alert(3)) <a href="JaVaScRiPt:alert(4)">x</a>\n\n'
        "<iframe src=https://evil.example></iframe><style>body{}</style>\n"
    )
    root = playbook(
        {
            "content/posts/hello.md": (
                Path(playbook().as_posix()) / "content/posts/hello.md"
            ).read_text()
            + body,
            "content/situation.md": "---\nas_of: 2027-01-01\n---\n" + body,
        }
    )
    out = build_mem(root)
    for page in ("posts/hello/index.html", "situation/index.html"):
        html = out.text(page).lower()
        for bad in ("<script>alert", "onerror", "javascript:", "<iframe", "<style>body"):
            assert bad not in html, (page, bad)
        assert "hello" in html


def test_failed_build_leaves_previous_output_untouched(playbook) -> None:
    root = playbook()
    assert run_cli(root, "build").exit_code == 0
    before = {p: p.read_bytes() for p in (root / "output").rglob("*") if p.is_file()}
    post = root / "content/posts/hello.md"
    post.write_text(post.read_text().replace("title: Hello", "title: [broken"))
    run = run_cli(root, "build")
    assert run.exit_code == 1 and "build failed: output/ is left as it was" in run.output
    after = {p: p.read_bytes() for p in (root / "output").rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in root.iterdir() if p.name.startswith(".output")]


def test_removed_content_disappears_from_output(playbook) -> None:
    root = playbook()
    run_cli(root, "build")
    assert (root / "output/posts/hello/index.html").exists()
    (root / "content/posts/hello.md").unlink()
    assert run_cli(root, "build").exit_code == 0
    assert not (root / "output/posts/hello").exists()


def test_site_templates_override_the_theme_file_by_file(playbook) -> None:
    root = playbook(
        {
            "templates/404.html": '{% extends "default/404.html" %}'
            "{% block main %}<p>Our own 404</p>{{ super() }}{% endblock %}",
            "templates/i18n/en.yaml": "nav.index: Home base\n",
        }
    )
    out = build_mem(root)
    page = out.text("404.html")
    assert "<p>Our own 404</p>" in page and "Page not found" in page
    assert "Home base" in out.text("index.html")  # a site string wins
    assert "Situation" in out.text("index.html")  # the rest falls back to the theme


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    first, second = build_mem(REPO), build_mem(REPO)
    assert first.files == second.files


def test_media_is_copied(site: MemoryOutput) -> None:
    media = [p for p in site.files if p.startswith("media/")]
    assert len(media) == len(list((REPO / "content/media").rglob("*.png")))
    some = media[0]
    assert site.files[some] == (REPO / "content" / some).read_bytes()


def test_sitemap_only_with_base_url(playbook) -> None:
    out = build_mem(playbook())
    assert "sitemap.xml" not in out.files
    out = build_mem(playbook(), base_url="https://team.example/playbook")
    sitemap = out.text("sitemap.xml")
    assert "<loc>https://team.example/playbook/posts/hello/</loc>" in sitemap
    assert "404" not in sitemap


def test_sitemap_urls_are_what_urljoin_makes() -> None:
    """A page path is appended to the base URL directly (10,000 `urljoin`s were most of
    the sitemap's time); anything `urljoin` would do more with still goes through it."""
    from urllib.parse import urljoin

    from smcycle_build.render.site import sitemap

    paths = ["posts/a-1/index.html", "b_c.d/e.xml", "f/../g.html", "./h.html", "x:y/i.html"]
    paths += ["j?k.html", "l#m.html", "/n.html", ".hidden/o.html", "index.html", "404.html"]
    base = "https://team.example/site/"
    made = re.findall(r"<loc>(.*?)</loc>", sitemap(base, paths))
    wanted = [urljoin(base, p.removesuffix("index.html")) for p in sorted(paths)]
    assert made == [w for w, p in zip(wanted, sorted(paths), strict=True) if p != "404.html"]


def test_build_into_a_fresh_folder_from_the_cli(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "tests/invalid/_base", root)
    run = run_cli(root, "build", "--out", "site")
    assert run.exit_code == 0, run.output
    assert (root / "site/index.html").is_file() and (root / "site/assets/style.css").is_file()


def test_measurement_page_has_states_charts_and_what_readers_respond_to(site) -> None:
    html = site.text("measurement/index.html")
    for state in ("badge-state-met", "badge-state-on-track", "badge-state-at-risk"):
        assert state in html
    assert html.count('<svg class="chart"') >= 3 + 6  # three goals with data, channels
    assert '<title id="chart-newsletter-subscribers-t">' in html
    assert "What readers respond to" in html and "By weekday" in html
    assert "too few to tell" in html
    goal = site.text("goals/newsletter-subscribers/index.html")
    assert '<svg class="chart"' in goal and "<table>" in goal


def test_subscribe_links(site, playbook) -> None:
    html = site.text("channels/instagram/index.html")
    webcal = "webcal://playbook.harborlanebikes.example/channels/instagram.ics"
    assert f'href="{webcal}"' in html
    assert (
        'href="https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2F'
        'playbook.harborlanebikes.example%2Fchannels%2Finstagram.ics"' in html
    )
    assert (
        'href="https://outlook.live.com/calendar/0/addfromweb?url=https%3A%2F%2F'
        "playbook.harborlanebikes.example%2Fchannels%2Finstagram.ics&amp;name=" in html
    )
    assert 'href="../../channels/instagram.ics" download' in html
    assert 'href="../../channels/instagram.csv"' in html
    assert "Google every few hours" in html
    for page in (
        "campaigns/spring-tune-up/index.html",
        "audiences/commuters/index.html",
        "calendar/index.html",
    ):
        assert "webcal://" in site.text(page), page
    # without base_url: the file to download, and how to get links
    out = build_mem(playbook())
    plain = out.text("channels/x/index.html")
    assert "webcal://" not in plain and 'href="../../channels/x.ics" download' in plain
    assert "Set base_url in playbook.yaml" in plain


def test_pages_show_the_warnings_about_their_file(playbook) -> None:
    base = (Path(__file__).parent / "invalid/_base/content/playbook.yaml").read_text()
    root = playbook({"content/playbook.yaml": base + "lint: {max_silence_days: 8}\n"})
    out = build_mem(root)
    channel = out.text("channels/x/index.html")
    assert 'class="health-box"' in channel and "nothing on x from 1 Mar 2027" in channel
    assert 'class="health-box"' not in out.text("posts/hello/index.html")
    health = out.text("health/index.html")
    assert health.count('class="problem sev-warning"') == 3


def test_a_goal_met_and_not_reviewed_asks_for_the_next_one(playbook) -> None:
    root = playbook(
        {
            "content/metrics/x.csv": "date,channel,metric,value\n2027-03-05,x,replies,12\n",
            "content/situation.md": "---\nas_of: 2027-03-01\n---\nWhere we stand.\n",
        }
    )
    in_cycle = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)
    html = build_mem(root, now=in_cycle).text("index.html")
    assert "Stage of the cycle: <strong>Reviews and next goals</strong>" in html
    assert "More replies</a> — Met, due Jun 30, 2027: time to set the next goal" in html
    (root / "content/reviews").mkdir()
    (root / "content/reviews/march.md").write_text(
        "---\ndate: 2027-03-06\ngoals_met: [more-replies]\n---\nDone.\n"
    )
    html = build_mem(root, now=in_cycle).text("index.html")
    assert "Stage of the cycle: <strong>Plan</strong>" in html
    assert "time to set the next goal" not in html


def test_a_long_channel_schedule_is_split_by_month(monkeypatch) -> None:
    """Above CHANNEL_PAGE_LIMIT posts (a five-year plan of thousands), a channel page keeps
    its profile and today's month, and every month of its schedule gets a page."""
    import smcycle_build.render.pages as pages

    monkeypatch.setattr(pages, "CHANNEL_PAGE_LIMIT", 20)
    out = build_mem(REPO)
    html = out.text("channels/x/index.html")
    months = sorted(
        p.split("/")[2] for p in out.files if re.fullmatch(r"channels/x/\d{4}-\d{2}/index.html", p)
    )
    assert months and months[0] == "2027-01"
    # the index links every month, marks today's (15 Jan 2027) and shows only its posts
    assert re.findall(r'href="../../channels/x/(\d{4}-\d{2})/index.html"', html) == months
    assert 'x/2027-01/index.html" aria-current="page"' in html
    january = out.text("channels/x/2027-01/index.html")
    assert html.count('class="post-text"') == january.count('class="post-text"') > 0
    # every post of the channel is on exactly one month page, in that month
    total = 0
    for month in months:
        page = out.text(f"channels/x/{month}/index.html")
        days = re.findall(r'<time datetime="(\d{4}-\d{2})-\d{2}T', page)
        assert days and set(days) == {month}
        total += len(days)
    monkeypatch.undo()  # the example's 100 x posts are under the real limit: one page
    whole = build_mem(REPO).text("channels/x/index.html")
    assert total == whole.count('<time datetime="') and "month-list" not in whole
    assert 'rel="next" href="../../../channels/x/2027-02/index.html"' in january
    assert 'href="../../../channels/x/index.html">X @harborlanebikes</a>' in january
    links_ok(out)


def links_ok(out: MemoryOutput) -> None:
    pages = {p: parse(out.text(p)) for p in out.files if p.endswith(".html")}
    for page, parsed in pages.items():
        for link in parsed.links:
            target = urldefrag(link)[0]
            if urlparse(link).scheme or not target or page == "404.html":
                continue
            assert normpath(join(dirname(page), target)) in out.files, f"{page}: {link}"


def test_templates_write_values_escaped_as_jinja_does(tmp_path: Path) -> None:
    """What `{{ value }}` writes is escaped by MarkupSafe's own C function without a
    Markup made of each value (render/env.py): the pages are what Jinja makes, for
    strings, numbers, None, Markup and objects with __html__, inside macros, `set`
    blocks, `call` blocks, filters and includes, and from a compiled template file."""
    from jinja2 import DictLoader, Environment
    from markupsafe import Markup
    from markupsafe import escape as markupsafe_escape

    from smcycle_build.render.env import make_environment

    class Safe:
        def __html__(self) -> str:
            return "<em>safe</em>"

    values = {
        "s": "<a href='x'>&\"</a>", "n": 5, "f": 2.5, "z": None, "m": Markup("<b>m</b>"),
        "h": Safe(), "items": ["<1>", Markup("<2>")],
    }  # fmt: skip
    macros = (
        "{% macro box(x) %}<div>{{ x }}</div>{% endmacro %}"
        "{% macro wrap() %}<i>{{ caller() }}</i>{% endmacro %}"
    )
    sources = {
        "page.html": macros + "{{ s }}|{{ n }}|{{ f }}|{{ z }}|{{ m }}|{{ h }}|{{ s|e }}|"
        "{{ s|safe }}|{{ box(s) }}|{{ box(m)|upper }}|{% set b %}{{ s }}{% endset %}{{ b }}|"
        "{{ b|length }}|{% for i in items %}{{ i }}{{ loop.index }}{% endfor %}|"
        "{% call wrap() %}{{ s }}{% endcall %}|{{ s ~ m }}|{% filter upper %}{{ s }}"
        "{% endfilter %}|{% include 'part.html' %}",
        "part.html": "<p>{{ s }}{{ m }}</p>",
    }
    for name, source in sources.items():
        (tmp_path / name).write_text(source)
    ours = make_environment([tmp_path])
    template = ours.get_template("page.html")
    assert template.root_render_func.__globals__["escape"] is not markupsafe_escape
    jinja = Environment(loader=DictLoader(sources), autoescape=True)
    expected = jinja.get_template("page.html").render(values)
    assert template.render(values) == expected
    assert "&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;|5|2.5|None|<b>m</b>|<em>safe</em>" in (
        expected
    )


def test_templates_read_values_as_jinja_does(tmp_path: Path) -> None:
    """The environment looks a dict's `a.b` up as the key first (faster): the answers
    are still Jinja's, for keys, for keys named like a dict's methods, for missing keys
    and for objects."""
    from jinja2 import Environment, UndefinedError

    from smcycle_build.render.env import make_environment

    class Card:
        html = "an attribute"

    class Shelf:
        def __getitem__(self, key: str) -> str:
            return f"an item {key}"

    values = {"d": {"html": "<b>", "items": "a key"}, "o": Card(), "s": Shelf()}
    sources = [
        "{{ d.html }}|{{ d['items'] }}|{{ o.html }}",
        "{{ s.thing }}|{{ o.thing is defined }}",  # an object's item, then nothing
        "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",  # the method wins
        "{{ d.get('html') }}",
    ]
    ours = make_environment([tmp_path])
    jinja = Environment(autoescape=True)
    for source in sources:
        assert ours.from_string(source).render(values) == jinja.from_string(source).render(values)
    assert ours.from_string(sources[0]).render(values) == "&lt;b&gt;|a key|an attribute"
    with pytest.raises(UndefinedError):
        ours.from_string("{{ d.missing }}").render(values)


def test_templates_call_functions_as_jinja_does(tmp_path: Path, monkeypatch) -> None:
    """The environment calls a plain function, method, macro or the UI strings at once
    (render/env.py), without Jinja's `Context.call`; what is marked to be passed the
    context, its evaluation context or the environment, on itself or on its
    `__call__`, goes through Jinja's own and gets it, loop and block variables included.
    The pages are Jinja's."""
    from jinja2 import Environment, pass_context, pass_environment, pass_eval_context
    from jinja2.runtime import Context

    from smcycle_build.render.env import make_environment, theme_dirs
    from smcycle_build.render.i18n import load_strings

    @pass_context
    def seen(ctx, name: str) -> str:
        return f"{name}={ctx.get(name)}"

    class Marked:
        @pass_context
        def __call__(self, ctx) -> str:
            return f"inner={ctx.get('inner')}"

    class Shop:
        def plain(self, n: int, *, self_: str = "") -> str:
            return f"plain {n}{self_}"

        @pass_environment
        def marked(self, env) -> str:
            return type(env).__name__.replace("Site", "")

    def stops() -> str:
        raise StopIteration

    values = {
        "plain": lambda n, obj="": f"<{n}{obj}>",
        "seen": seen,
        "marked": Marked(),
        "shop": Shop(),
        "env": pass_environment(lambda env: type(env).__name__.replace("Site", "")),
        "auto": pass_eval_context(lambda ec: ec.autoescape),
        "stops": stops,
        "t": load_strings(theme_dirs(None), "en"),
        "items": ["a", "b"],
    }
    source = (
        "{% macro box(x) %}[{{ x }}|{{ caller() if caller is defined else '' }}]{% endmacro %}"
        "{{ plain(1) }}{{ plain(2, obj='o') }}{{ shop.plain(3, self_='s') }}{{ shop.marked() }}"
        "{{ env() }}{{ auto() }}{{ box(4) }}{% call box(5) %}c{% endcall %}{{ t('copy') }}"
        "{{ stops() is undefined }}"
        "{% for item in items %}{% set inner = item ~ '!' %}{{ seen('inner') }}{{ marked() }}"
        "{{ plain(item) }}{{ box(item) }}{% endfor %}{% set x = 7 %}{{ seen('x') }}"
        "{% block main %}{% set y = 8 %}{{ seen('y') }}{% endblock %}"
    )
    ours = make_environment([tmp_path])
    jinja = Environment(autoescape=True)
    expected = jinja.from_string(source).render(values)
    assert "<1><2o>plain 3sEnvironmentEnvironmentTrue[4|][5|c]Copy" in expected.replace(
        "&lt;", "<"
    ).replace("&gt;", ">")
    assert "inner=a!inner=a!" in expected and "x=7" in expected and "y=8" in expected

    jinjas = []
    call = Context.call

    def counted(ctx, obj, *args, **kwargs):
        jinjas.append(getattr(obj, "__name__", type(obj).__name__))
        return call(ctx, obj, *args, **kwargs)

    monkeypatch.setattr(Context, "call", counted)
    assert ours.from_string(source).render(values) == expected
    assert sorted(jinjas) == sorted(
        ["marked", "<lambda>", "<lambda>", "seen", "seen"] + ["seen", "Marked"] * 2
    )  # the marked ones only: shop.marked, env, auto, seen('x'), seen('y'), the loop's


def test_templates_write_what_jinja_writes_a_run_at_a_time(tmp_path: Path) -> None:
    """Compiled templates yield each run of output as one string (render/env.py): the
    pages are what stock Jinja writes, through blocks and `super()`, includes in loops,
    macros with `caller()`, `{% set %}` and `{% filter %}` blocks, escaping turned off
    and on, and output outside the blocks of a template that extends another."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined
    from markupsafe import Markup

    from smcycle_build.render.env import make_environment

    files = {
        "base.html": (
            "<title>{% block title %}{{ site }} &amp; co{% endblock %}</title>\n"
            "{% block main %}<p>{{ site }}</p>{% endblock %}<footer>{{ n }}|{{ none }}</footer>\n"
        ),
        "item.html": (
            '<li class="{{ o.kind }}" data-i="{{ loop.index }}">{{ o.name }}·{{ i }}</li>\n'
        ),
        "page.html": (
            '{% extends "base.html" %}\n'
            "{% macro box(x) %}<b>{{ x }}</b>[{{ caller() if caller is defined else '-' }}]"
            "{% endmacro %}\n"
            "outside {{ site }} is never written\n"
            "{% block title %}{{ title }} · {{ super() }}{% endblock %}\n"
            "{% block main %}\n"
            '<h1 id="{{ title }}">{{ title }} {{ 1 + 2 }} {{ safe }} {{ "<lit>" }}</h1>\n'
            "{% set caption %}<i>{{ title }}</i> {{ n * 2 }}{% endset %}{{ caption }}\n"
            "{% for o in items %}{% set i = loop.index0 %}{% include 'item.html' %}"
            "{% if not loop.last %}, {{ o.name }}{% endif %}{% endfor %}\n"
            "{{ box(title) }}{% call box(n) %}<u>{{ title }}</u>{% endcall %}\n"
            "{% filter upper %}{{ title }} and {{ safe }}{% endfilter %}\n"
            "{% autoescape false %}{{ title }} {{ n }}{% endautoescape %}\n"
            "{% with w = title ~ '!' %}{{ w }}{{ w }}{% endwith %} {{ self.title() }}\n"
            "{% raw %}{{ kept }}{% endraw %} {{- n -}} end\n"
            "{% endblock %}\n"
        ),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    values = {
        "site": "Q&A <site>",
        "title": 'Spring "sale" <b>',
        "safe": Markup("<em>safe</em>"),
        "n": 7,
        "none": None,
        "items": [{"kind": "a", "name": "x<y"}, {"kind": "b", "name": "z"}],
    }
    settings = dict(
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    jinja = Environment(loader=FileSystemLoader(str(tmp_path)), **settings)
    ours = make_environment([tmp_path])
    expected = jinja.get_template("page.html").render(values)
    assert '<li class="a" data-i="1">x&lt;y·0</li>' in expected
    assert "SPRING &#34;SALE&#34; &LT;B&GT; AND <EM>SAFE</EM>" in expected
    assert "outside" not in expected and "{{ kept }}" in expected
    assert ours.get_template("page.html").render(values) == expected

    source = files["page.html"]
    stock = jinja.compile(source, raw=True).count("yield ")
    joined = ours.compile(source, raw=True).count("yield ")
    assert joined < stock / 2, (joined, stock)


def test_a_jinja_without_the_output_helpers_keeps_its_own_code_generator(monkeypatch) -> None:
    """The joined output reuses private helpers of Jinja 3.1's code generator: a Jinja
    that no longer has one of them compiles output with its own generator (and still
    notes what reads a post's body, render/reads.py)."""
    from jinja2.compiler import CodeGenerator

    from smcycle_build.render.env import _code_generator_class

    assert "visit_Output" in vars(_code_generator_class())
    monkeypatch.delattr(CodeGenerator, "_output_child_pre")
    own = _code_generator_class()
    assert own.__bases__ == (CodeGenerator,) and "visit_Output" not in vars(own)
    assert "visit_Getattr" in vars(own)


def test_weekdays_are_babels_names_in_every_width() -> None:
    """Weekday names are kept per width once looked up (render/i18n.py): each is the
    name Babel's locale data gives, whichever width was asked for first."""
    from datetime import date, timedelta

    from smcycle_build.render.env import theme_dirs
    from smcycle_build.render.i18n import Locale, load_strings

    for tag in ("en-GB", "nl-NL", "he-IL", "ja-JP"):
        loc = Locale(tag, load_strings(theme_dirs(None), tag))
        for width in ("abbreviated", "wide", "narrow", "short", "abbreviated", "wide"):
            for n in range(9):
                day = date(2027, 3, 1) + timedelta(days=n)
                expected = loc.babel.days["format"][width][day.weekday()]
                assert loc.weekday(day, width) == expected, (tag, width, day)
    assert loc.weekday(date(2027, 3, 1)) == "月"  # Monday, abbreviated by default


def test_moments_are_written_as_babel_writes_them() -> None:
    """A moment is written from its date and its time of day, each formatted once, where
    the locale's time shows the clock alone (render/i18n.py): what Babel's own
    format_datetime writes, in 24-hour and 12-hour locales, with day periods, in
    every zone and on both sides of a clock change."""
    import random
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    from smcycle_build.render.env import theme_dirs
    from smcycle_build.render.i18n import Locale, load_strings

    rng = random.Random(3)
    zones = [ZoneInfo(z) for z in ("Europe/Amsterdam", "America/New_York", "Asia/Kolkata")]
    for tag in ("en-GB", "en-US", "ko-KR", "zh-Hant-TW", "ar-EG", "fa-IR", "he-IL"):
        loc = Locale(tag, load_strings(theme_dirs(None), tag))
        assert loc._clock_only, tag
        for _ in range(300):
            moment = datetime(2027, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(10**6))
            moment = moment.astimezone(rng.choice(zones)).replace(second=rng.choice((0, 30)))
            expected = format_datetime(moment, format="medium", locale=loc.babel)
            assert loc.datetime(moment) == expected, (tag, moment)


def test_dates_are_written_for_their_own_zone_and_hour() -> None:
    """Formatted moments are remembered (a cold build formats forty thousand): by wall
    clock, fold and zone, so the same instant in two zones, or the two 02:30s of the
    night the clocks go back, are never taken for each other."""
    from zoneinfo import ZoneInfo

    from smcycle_build.render.env import theme_dirs
    from smcycle_build.render.i18n import Locale, load_strings

    loc = Locale("en-GB", load_strings(theme_dirs(None), "en-GB"))
    amsterdam = datetime(2027, 3, 1, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert loc.datetime(amsterdam) == "1 Mar 2027, 09:00:00"
    assert loc.datetime(amsterdam.astimezone(UTC)) == "1 Mar 2027, 08:00:00"
    assert loc.datetime(amsterdam) == "1 Mar 2027, 09:00:00"
    assert loc.time(amsterdam) == "09:00"
    twice = datetime(2027, 10, 31, 2, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert loc.datetime(twice) == loc.datetime(twice.replace(fold=1)) == "31 Oct 2027, 02:30:00"
