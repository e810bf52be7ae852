"""`smcycle build`: the pipeline, one stage a line, and the writer at the end."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from .cache import DiskCache
from .errors import Diagnostic
from .feeds.ical import GOOGLE_LIMIT, FeedWriter
from .feeds.schedule import Schedules
from .model import Model
from .output import DiskOutput
from .pipeline import Project, check_project
from .plan import Plan, make_plan
from .render.env import make_environment, theme_dirs
from .render.pages import Pages
from .render.parallel import render_pages
from .render.site import SiteRenderer, sitemap, theme_assets
from .render.views import Views
from .routes import Links
from .times import UTC


@dataclass
class BuildCache:
    """What a rebuild can reuse (serve keeps one): rendered Markdown, VEVENTs, templates."""

    markdown: dict = field(default_factory=dict)
    events: dict = field(default_factory=dict)
    environments: dict = field(default_factory=dict)


class Output(Protocol):
    def write(self, path: str, data: bytes | str) -> None: ...
    def copy(self, path: str, source: Path) -> None: ...


@dataclass(frozen=True)
class BuildResult:
    diagnostics: tuple[Diagnostic, ...]
    ok: bool
    files: int = 0


def build_time() -> datetime:
    """`SOURCE_DATE_EPOCH` when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC)


def build_site(
    project: Project,
    out: Output,
    *,
    templates: Path | None = None,
    base_url: str | None = None,
    now: datetime | None = None,
    cache: BuildCache | None = None,
    disk: DiskCache | None = None,
) -> BuildResult:
    """check -> plan -> render -> write; nothing is written when the content has errors."""
    checked = check_project(project)
    if not checked.ok:
        return BuildResult(checked.diagnostics, ok=False)
    model = checked.model
    assert model is not None
    if base_url:
        model = dataclasses.replace(
            model, playbook=dataclasses.replace(model.playbook, base_url=base_url)
        )
    now = now or build_time()
    plan = checked.plan or make_plan(model)
    dirs = theme_dirs(templates if templates is not None else project.root / "templates")
    cache = cache or BuildCache()
    key = tuple(dirs)
    if key not in cache.environments:
        cache.environments[key] = make_environment(dirs)
    site = SiteRenderer(model, dirs, now, cache.environments[key])
    views = Views(model, plan, site.locale)
    today = now.astimezone(model.playbook.timezone).date()
    links = Links(model.playbook.base_url)
    warnings = tuple(d for d in checked.diagnostics if d.severity != "error")
    store = disk.markdown_store() if disk is not None else None
    layout = Pages(model, plan, views, warnings, today, links, cache.markdown, store)
    written: list[str] = []

    def files() -> tuple[Diagnostic, ...]:
        """Schedules, feeds, assets and media: done here while workers render pages."""
        written.extend(write_schedules(model, plan, links, out))
        notes, feeds = write_feeds(model, plan, links, now, out, cache.events, site.strings)
        written.extend(feeds)
        for path, source in theme_assets(dirs).items():
            out.copy(path, source)
            written.append(path)
        for name in sorted(model.media):
            out.copy(f"media/{name}", project.content / "media" / name)
            written.append(f"media/{name}")
        return notes

    # workers write straight to disk; memory (serve, tests) is filled in this process
    parallel = isinstance(out, DiskOutput)
    pages, feed_notes = render_pages(layout.jobs(), site, out, parallel, meanwhile=files)
    if parallel:
        out.claim(pages)  # a no-op for paths this process wrote itself
    if model.playbook.base_url:
        out.write("sitemap.xml", sitemap(model.playbook.base_url, pages))
        written.append("sitemap.xml")
    return BuildResult(checked.diagnostics + feed_notes, ok=True, files=len(pages) + len(written))


def write_schedules(model: Model, plan: Plan, links: Links, out: Output) -> list[str]:
    """channels/ID.csv and .json, and schedule.json."""
    schedules = Schedules(model, links)
    for cid, occs in plan.by_channel.items():
        out.write(f"channels/{cid}.csv", schedules.csv(occs))
        out.write(f"channels/{cid}.json", schedules.channel_json(cid, occs))
    out.write("schedule.json", schedules.schedule_json(plan.occurrences))
    return [f"channels/{c}.{ext}" for c in plan.by_channel for ext in ("csv", "json")] + [
        "schedule.json"
    ]


def write_feeds(
    model: Model,
    plan: Plan,
    links: Links,
    now: datetime,
    out: Output,
    events: dict,
    strings: Callable[..., str],
) -> tuple[tuple[Diagnostic, ...], list[str]]:
    """Every feed, and a warning for a feed Google Calendar would refuse (`lint:` may relax it)."""
    writer = FeedWriter(model, plan, links, now, events, strings)
    severity = str(model.playbook.lint.get("feed-size", "warning"))
    notes, paths = [], []
    for feed in writer.feeds():
        data = writer.calendar(feed.name, feed.events)
        out.write(feed.path, data)
        paths.append(feed.path)
        if len(data) > GOOGLE_LIMIT and severity != "off":
            notes.append(
                Diagnostic(
                    model.playbook.loc.path,
                    1,
                    severity,
                    "feed-size",
                    f"{feed.path} is {len(data) / 1e6:.1f} MB: Google Calendar drops events "
                    "from feeds over about 1 MB",
                    hint="subscribe to the per-channel or per-campaign feeds instead",
                )
            )
    return tuple(notes), paths
