"""The built sites in a real browser: Debian's Chromium, driven by Playwright.

Both examples are served over http from 127.0.0.1 (and one page is opened from disk);
the tests check that pages load cleanly, that filters and copy buttons work with
JavaScript and that everything is shown without it, that Hebrew reads right to left,
and that axe-core finds no serious accessibility problem. Screenshots of the main views
are kept in test-artifacts/screenshots/ for a human to look at.
"""

from __future__ import annotations

import base64
import functools
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from site_builds import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Site, build_sites, node_tool

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
SCREENSHOTS = ARTIFACTS / "screenshots"

# the main page of every stage of the cycle, and one page of each kind of entity
MAIN_PAGES = {
    "en": [
        "index.html",
        "situation/index.html",
        "goals/index.html",
        "goals/newsletter-subscribers/index.html",
        "audiences/index.html",
        "listening/index.html",
        "channels/index.html",
        "channels/instagram/index.html",
        "campaigns/index.html",
        "campaigns/spring-tune-up/index.html",
        "posts/tune-up-booking-open/index.html",
        "calendar/index.html",
        "calendar/2027-03/index.html",
        "measurement/index.html",
        "reviews/index.html",
        "reviews/2027-04-02-q1-review/index.html",
        "health/index.html",
    ],
    "he": [
        "index.html",
        "situation/index.html",
        "goals/index.html",
        "goals/bread-club-members/index.html",
        "audiences/index.html",
        "listening/index.html",
        "channels/index.html",
        "channels/instagram/index.html",
        "campaigns/index.html",
        "campaigns/bread-card-launch/index.html",
        "posts/bread-card-launch/index.html",
        "calendar/index.html",
        "calendar/2027-05/index.html",
        "measurement/index.html",
        "reviews/index.html",  # the Hebrew playbook has no review yet: the empty page
        "health/index.html",
    ],
}
PAGE_CASES = [(site, path) for site, paths in MAIN_PAGES.items() for path in paths]
PAGE_IDS = [
    f"{site}/{path.removesuffix('index.html').rstrip('/') or 'index'}" for site, path in PAGE_CASES
]

# (site, page, the filtered list's id): a channel's schedule and a month's calendar
FILTER_CASES = [
    ("en", "channels/instagram/index.html", "schedule"),
    ("en", "calendar/2027-03/index.html", "month"),
    ("he", "calendar/2027-05/index.html", "month"),
]
ITEMS = "[data-channel]"


# --- the server, the browser, pages that record what went wrong ---------------------------


@pytest.fixture(scope="session")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Site]:
    return build_sites(tmp_path_factory)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def base_url(sites: dict[str, Site]) -> Iterator[str]:
    """http://127.0.0.1:PORT/ serving both builds, `en/` and `he/`, from a stdlib server."""
    root = next(iter(sites.values())).root
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for this module (Debian's: Playwright may not download its own).

    Not session-wide: a running sync Playwright keeps its event loop, and another
    module's `sync_playwright()` (test_serve.py) cannot start while it lives.
    """
    assert CHROMIUM.exists(), "chromium is missing: scripts/test installs it"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=DESKTOP)
    yield context
    context.close()


@dataclass
class Watched:
    """A page with every console error, page error and failed request it had."""

    page: Page
    problems: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert not self.problems, f"{self.page.url}:\n  " + "\n  ".join(self.problems)


def open_page(context: BrowserContext, url: str) -> Watched:
    page = context.new_page()
    watched = Watched(page)
    problems = watched.problems
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text} ({m.location})")
            if m.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} ({r.failure})"))
    page.on(
        "response",
        lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    page.goto(url, wait_until="load")
    return watched


LOAD_ALL_IMAGES = """async () => {
  const images = [...document.images];
  for (const img of images) img.loading = "eager";
  await Promise.all(images.map((img) => img.decode().catch(() => null)));
  return images.filter((img) => img.naturalWidth === 0).map((img) => img.src);
}"""


def visible_statuses(page: Page, list_id: str) -> list[str]:
    return page.locator(f"#{list_id} {ITEMS}:visible").evaluate_all(
        "items => items.map(i => i.dataset.status)"
    )


def all_values(page: Page, list_id: str, key: str) -> list[str]:
    return page.locator(f"#{list_id} {ITEMS}").evaluate_all(
        f"items => items.map(i => i.dataset.{key})"
    )


def a_value_some_items_have(values: list[str]) -> str:
    """A value held by some but not all items, so that filtering by it must hide some."""
    partial = sorted({v for v in values if v and 0 < values.count(v) < len(values)})
    assert partial, f"the example has no list to filter here: {sorted(set(values))}"
    return min(partial, key=values.count)


# --- every main page loads cleanly ----------------------------------------------------------


@pytest.mark.parametrize(("site", "path"), PAGE_CASES, ids=PAGE_IDS)
def test_page_loads_without_errors(context: BrowserContext, base_url: str, site: str, path: str):
    watched = open_page(context, f"{base_url}{site}/{path}")
    page = watched.page
    # load the lazy images below the fold too: a missing one is a failed request
    broken = page.evaluate(LOAD_ALL_IMAGES)
    assert broken == []
    watched.assert_clean()
    assert page.locator("h1").count() == 1
    # the stylesheet applied (a broken relative link would leave the header unstyled)
    background = page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")


def test_site_works_from_disk(context: BrowserContext, sites: dict[str, Site]) -> None:
    """Relative links everywhere: the site opens from file:// with its style and script."""
    watched = open_page(context, sites["en"].out.joinpath("index.html").as_uri())
    page = watched.page
    assert page.url.startswith("file://")
    background = page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    # follow the navigation to a channel: links resolve on disk and site.js runs there
    page.locator('.site-nav a[href$="channels/index.html"]').click()
    page.wait_for_url("**/channels/index.html")
    page.locator(".channel-card a").first.click()
    page.wait_for_url("**/channels/*/index.html")
    assert page.locator("form.filters").is_visible()
    watched.assert_clean()


# --- filters ------------------------------------------------------------------------------


@pytest.mark.parametrize(("site", "path", "list_id"), FILTER_CASES)
def test_filters_hide_exactly_the_other_items(
    context: BrowserContext, base_url: str, site: str, path: str, list_id: str
) -> None:
    watched = open_page(context, f"{base_url}{site}/{path}")
    page = watched.page
    form = page.locator(f'form.filters[data-filter-for="{list_id}"]')
    assert form.is_visible(), "the filter form stays hidden although JavaScript runs"
    statuses = all_values(page, list_id, "status")
    total = len(statuses)
    assert visible_statuses(page, list_id) == statuses  # nothing hidden before choosing

    status = a_value_some_items_have(statuses)
    form.locator('select[name="status"]').select_option(status)
    shown = visible_statuses(page, list_id)
    assert shown == [status] * statuses.count(status)
    assert 0 < len(shown) < total
    assert form.locator(".filter-count").inner_text().strip() != ""

    form.locator('button[type="reset"]').click()
    page.wait_for_function(
        f"document.querySelectorAll('#{list_id} {ITEMS}:not([hidden])').length === {total}"
    )
    assert visible_statuses(page, list_id) == statuses

    # a second dimension: the campaign, where the page has items of one and of none
    campaigns = all_values(page, list_id, "campaign")
    if any(campaigns) and not all(campaigns):
        campaign = a_value_some_items_have(campaigns)
        form.locator('select[name="campaign"]').select_option(campaign)
        shown = page.locator(f"#{list_id} {ITEMS}:visible").evaluate_all(
            "items => items.map(i => i.dataset.campaign)"
        )
        assert shown == [campaign] * campaigns.count(campaign)
    watched.assert_clean()


@pytest.mark.parametrize(("site", "path", "list_id"), FILTER_CASES)
def test_without_javascript_everything_is_shown(
    browser: Browser, base_url: str, site: str, path: str, list_id: str
) -> None:
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{base_url}{site}/{path}")
        assert not page.locator("form.filters").is_visible()
        assert not page.locator("button.copy").first.is_visible()
        statuses = all_values(page, list_id, "status")
        assert len(statuses) > 1
        assert visible_statuses(page, list_id) == statuses
    finally:
        context.close()


def test_copy_button_copies_the_text(browser: Browser, base_url: str) -> None:
    context = browser.new_context(
        viewport=DESKTOP, permissions=["clipboard-read", "clipboard-write"]
    )
    try:
        watched = open_page(context, f"{base_url}en/channels/instagram/index.html")
        page = watched.page
        button = page.locator("button.copy").first
        assert button.is_visible()
        label = button.inner_text()
        source = page.locator(f"#{button.get_attribute('data-copy')}")
        expected = source.evaluate("e => e.textContent")
        assert expected.strip()
        copied = button.get_attribute("data-copied")
        assert copied and copied != label
        button.click()
        expect(button).to_have_text(copied)  # the script says so once the clipboard has it
        assert page.evaluate("navigator.clipboard.readText()") == expected
        watched.assert_clean()
    finally:
        context.close()


# --- right to left --------------------------------------------------------------------------


def is_hebrew(text: str) -> bool:
    return any("\u05d0" <= ch <= "\u05ea" for ch in text)


def test_hebrew_reads_right_to_left(context: BrowserContext, base_url: str) -> None:
    page = open_page(context, f"{base_url}he/index.html").page
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        "he",
        "rtl",
    ]
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.eval_on_selector("main", "e => getComputedStyle(e).direction") == "rtl"
    first, second = (page.locator(".site-nav li").nth(i).bounding_box() for i in (0, 1))
    assert first and second
    assert first["x"] > second["x"] + second["width"] - 1, (first, second)

    page.goto(f"{base_url}he/calendar/index.html")
    months = page.locator(".board-head .bm a").all_text_contents()
    assert months and all(is_hebrew(m) for m in months), months
    assert months[0].endswith("מרץ 2027")  # the Hebrew playbook's year starts in March
    board = [page.locator(".board-head .bm").nth(i).bounding_box() for i in (0, 1)]
    assert board[0] and board[1] and board[0]["x"] > board[1]["x"]  # March at the right

    page.goto(f"{base_url}he/calendar/2027-05/index.html")
    assert page.locator("h1").inner_text() == "מאי 2027"
    weekdays = page.locator(".month-head span").all_inner_texts()
    assert len(weekdays) == 7 and all(is_hebrew(d) for d in weekdays), weekdays
    # the previous month is at the right, and its arrow points right, away from the page
    prev, after = (page.locator(f'.pager a[rel="{rel}"]') for rel in ("prev", "next"))
    prev_box, next_box = prev.bounding_box(), after.bounding_box()
    assert prev_box and next_box and prev_box["x"] > next_box["x"]
    mirrored = "matrix(-1, 0, 0, 1, 0, 0)"
    assert prev.locator(".arrow").evaluate("e => getComputedStyle(e).transform") == mirrored


# --- accessibility --------------------------------------------------------------------------


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {' > '.join(map(str, node['target']))}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n       ")
            lines.append(f"       {summary}")
        if len(v["nodes"]) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


@pytest.mark.parametrize(("site", "path"), PAGE_CASES, ids=PAGE_IDS)
def test_no_serious_accessibility_problem(
    context: BrowserContext, base_url: str, site: str, path: str
) -> None:
    axe = node_tool("axe-core", "axe.min.js")
    page = open_page(context, f"{base_url}{site}/{path}").page
    page.add_script_tag(path=str(axe))
    result = page.evaluate("axe.run()")
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{site}/{path}:\n{describe_violations(serious)}"


# --- screenshots ----------------------------------------------------------------------------

SHOTS = {"en": "calendar/2027-03/index.html", "he": "calendar/2027-05/index.html"}


@pytest.mark.parametrize("site", ["en", "he"])
@pytest.mark.parametrize("width", VIEWPORTS)
def test_screenshots(browser: Browser, base_url: str, site: str, width: str) -> None:
    """Full-page screenshots for review; the page must fit its width (nothing sticks out)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS[width])
    try:
        page = context.new_page()
        for name, path in [
            ("index", "index.html"),
            ("calendar", "calendar/index.html"),
            ("month", SHOTS[site]),
            ("measurement", "measurement/index.html"),  # the charts, as drawn
        ]:
            page.goto(f"{base_url}{site}/{path}")
            assert page.evaluate(LOAD_ALL_IMAGES) == []  # every picture in the shot
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{site}/{path} is {overflow}px wider than a {width} screen"
            target = SCREENSHOTS / f"{site}-{name}-{width}.png"
            page.screenshot(path=str(target), full_page=True)
            assert target.stat().st_size > 10_000
    finally:
        context.close()


@pytest.mark.parametrize("width", VIEWPORTS)
def test_each_day_of_a_month_says_its_weekday(browser: Browser, base_url: str, width: str):
    """On a phone a month is a list of days, without the row of weekdays above its
    columns: "5" alone did not say which day of the week the 5th is."""
    context = browser.new_context(viewport=VIEWPORTS[width])
    try:
        page = context.new_page()
        page.goto(f"{base_url}en/calendar/2027-03/index.html")
        heads = page.locator(".day:visible .day-head time")
        first = heads.first.evaluate("t => t.parentElement.innerText")
        if width == "phone":
            assert page.locator(".month-head").is_hidden()
            assert first == "Mon 1", first  # 1 March 2027 is a Monday
        else:  # the columns' heads say it
            assert page.locator(".month-head").is_visible() and first == "1", first
    finally:
        context.close()


@pytest.mark.parametrize("width", VIEWPORTS)
def test_chart_text_is_readable_at_any_width(browser: Browser, base_url: str, width: str):
    """A chart is drawn 640 units wide and scaled to its box: on a phone its text came
    out 6px high. Every label of every chart on the measurement page is 9px or more."""
    context = browser.new_context(viewport=VIEWPORTS[width])
    try:
        page = context.new_page()
        page.goto(f"{base_url}en/measurement/index.html")
        heights = page.locator("svg.chart text").evaluate_all(
            "texts => texts.map(t => t.getBoundingClientRect().height)"
        )
        assert len(heights) > 20 and min(heights) >= 9, sorted(heights)[:3]
    finally:
        context.close()


# each example campaign and how many milestones it has (content/campaigns/)
MILESTONES = {"school-run-safety": 2, "spring-tune-up": 3, "winter-riders-club": 3}

BOXES = """items => items.map(i => {
  const r = i.getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom];
})"""


@pytest.mark.parametrize("width", VIEWPORTS)
def test_campaign_milestones_fit_the_screen_and_never_overlap(
    browser: Browser, base_url: str, width: str
) -> None:
    """Each milestone's label was placed on the timeline at its day: labels of days a
    fortnight apart were written over each other, and ran up to 290px off a phone's
    screen. Each diamond stays on its day; the labels are a list under the timeline."""
    context = browser.new_context(viewport=VIEWPORTS[width])
    try:
        page = context.new_page()
        for campaign, count in MILESTONES.items():
            page.goto(f"{base_url}en/campaigns/{campaign}/index.html")
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{campaign} is {overflow}px wider than a {width} screen"
            assert page.locator(".timeline-marks .diamond").count() == count
            labels = page.locator(".milestones li")
            assert labels.count() == count
            boxes = labels.evaluate_all(BOXES)
            for i, a in enumerate(boxes):
                assert a[2] <= VIEWPORTS[width]["width"], (campaign, i)
                for b in boxes[i + 1 :]:
                    apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
                    assert apart, (campaign, a, b)
    finally:
        context.close()


ONE_PIXEL_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def test_a_media_file_named_as_a_camera_names_it_shows(context: BrowserContext, playbook) -> None:
    """A media file's name is the team's: `IMG 2031 #2 100%.png` was linked as written,
    and a browser took `#2 100%.png` for a fragment (no image). Links to it are now
    URL paths, on the post page and in the schedules."""
    from conftest import run_cli

    name = "IMG 2031 #2 100%.png"
    root = playbook()
    media = root / "content/media"
    (media / "photo.png").unlink()
    (media / name).write_bytes(base64.b64decode(ONE_PIXEL_PNG))
    post = root / "content/posts/hello.md"
    post.write_text(post.read_text().replace("media: [photo.png]", f'media: ["{name}"]'))
    assert run_cli(root, "build").exit_code == 0
    for page_path in ("posts/hello/index.html", "channels/instagram/index.html"):
        watched = open_page(context, (root / "output" / page_path).as_uri())
        broken = watched.page.evaluate(LOAD_ALL_IMAGES)
        assert broken == [], broken
        sources = watched.page.locator("img").evaluate_all("images => images.map(i => i.src)")
        assert any(src.endswith("/media/IMG%202031%20%232%20100%25.png") for src in sources)
        watched.assert_clean()
