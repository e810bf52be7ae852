"""What a build makes, path by path: every output file and how to make it.

`build` makes them all (pages on every core, schedules and feeds meanwhile);
`serve` makes each one when it is first asked for, so an edit costs the pages
somebody looks at, not the whole site. Both read this one table, so the served
site and the built one cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, partial
from importlib.metadata import version
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import joined_digest
from .errors import Diagnostic
from .feeds.ical import GOOGLE_LIMIT, FeedWriter, feed_paths
from .feeds.schedule import Schedules
from .networks import NETWORKS
from .output import Data, joined
from .pieces import Runs
from .pipeline import CheckResult, Project
from .plan import make_plan, plan_horizon
from .render.env import make_environment, theme_dirs
from .render.page import Page, PageJob
from .render.page_keys import PageKeys, PageReuse, entity_digests
from .render.pages import POST_BATCH, Pages
from .render.parallel import FileJob
from .render.site import SiteRenderer, sitemap, theme_assets
from .render.theme_errors import ThemeFiles
from .render.views import Views
from .routes import Links, entity_url
from .shown import shown_keys

if TYPE_CHECKING:
    from .cache import DiskCache, LastBuild
    from .model import Playbook
    from .post_checks import PostChecks


OCCURRENCES_A_PAGE = 100  # see Layout.file_jobs


@dataclass
class BuildCache:
    """What a rebuild can reuse (serve keeps one): rendered Markdown and templates."""

    markdown: dict = field(default_factory=dict)
    environments: dict = field(default_factory=dict)
    reload_templates: bool = True  # a long-lived cache sees templates edited meanwhile
    bytecode: Path | None = None  # where compiled templates are kept between builds


class Layout:
    """One checked playbook's site: pages by job, other files by path, all made on demand."""

    def __init__(
        self,
        project: Project,
        checked: CheckResult,
        *,
        templates: Path | None,
        base_url: str | None,
        now: datetime,
        cache: BuildCache,
        markdown_store=None,
        post_batch: int = POST_BATCH,
        disk: DiskCache | None = None,
        checks: PostChecks | None = None,
        pinned: bool = True,
    ) -> None:
        model = checked.model
        assert model is not None and checked.ok
        if base_url:
            playbook = dataclasses.replace(model.playbook, base_url=base_url)
            model = dataclasses.replace(model, playbook=playbook)
        plan = checked.plan or make_plan(model)
        self.model, self.plan, self.now = model, plan, now
        # `now` a moment the build is pinned to (SOURCE_DATE_EPOCH): an input of the feeds
        # (their DTSTAMP), else only when they were made (see long_jobs)
        self.pinned = pinned
        dirs = theme_dirs(project.templates(templates))
        key = tuple(dirs)
        if key not in cache.environments:
            cache.environments[key] = make_environment(dirs, cache.reload_templates, cache.bytecode)
        self.site = SiteRenderer(
            model, dirs, cache.environments[key], ThemeFiles(dirs, project.root)
        )
        self.links = Links(model.playbook.base_url)
        warnings = _warnings(checked.diagnostics)
        today = now.astimezone(model.playbook.timezone).date()
        views = Views(model, plan, self.site.locale)
        pages = Pages(
            model, plan, views, warnings, today, self.links, cache.markdown, markdown_store
        )
        self.pages, self.post_batch, self.dirs = pages, post_batch, dirs
        self.jobs: list[PageJob] = pages.jobs(post_batch)
        self.job_of = {path: job for job in self.jobs for path in job.paths}
        self.files = self._files()
        self.copies = {**theme_assets(dirs), **media(project.content, model.media)}
        self._made: dict[str, bytes] = {}
        self._unrendered: dict[str, Page] = {}  # pages made by a job, not yet asked for
        # the checked posts' keys: for the pieces of the last build's files, and the keys
        # of the feeds and schedules
        self.disk, self.checks = disk, checks
        self._shown_keys: tuple[dict[str, str], dict[str, str]] | None = None  # `_shown`
        self._lock = threading.Lock()
        # the keys of the feeds and schedules this process's jobs made or kept, for the
        # next build (build.py's `_finished`)
        self.keyed: dict[str, str] = {}

    def _files(self) -> dict[str, Callable[[], Data]]:
        """Schedules, feeds and the sitemap, each made when it is written or asked for."""
        model, plan = self.model, self.plan
        schedules = Schedules(model, self.links)
        files: dict[str, Callable[[], Data]] = {}
        for cid, occs in plan.by_channel.items():
            files[f"channels/{cid}.csv"] = partial(schedules.csv, occs)
            files[f"channels/{cid}.json"] = partial(schedules.channel_json, cid, occs)
        files["schedule.json"] = partial(schedules.schedule_json, plan.occurrences)
        for path in feed_paths(model):
            files[path] = partial(self.feed, path)
        if model.playbook.base_url:
            files["sitemap.xml"] = partial(sitemap, model.playbook.base_url, list(self.job_of))
        return files

    def know_findings(self, diagnostics: tuple[Diagnostic, ...]) -> None:
        """Every problem the check found, when the site was laid out before its strategy
        checks ended (build.py): the pages show its warnings."""
        self.pages.know_warnings(_warnings(diagnostics))

    # --- build: the last build's pages, reused --------------------------------------------

    @cached_property
    def site_key(self) -> str:
        """What every page depends on but its context: the templates, strings and assets,
        the program and its libraries, the playbook's fields (the base URL among them),
        the plan's span and horizon. Not the day: what a page shows of it (the home
        page's date, the calendar's today, what is upcoming) is in its context, and a
        post page shows nothing of it (see `Pages.index`). Made once: a layout is one
        build's, and its templates are read for it."""
        from . import __version__
        from .cache import digest_trees
        from .post_checks import checker_id
        from .render.markup import renderer_id

        libraries = "; ".join(f"{n} {version(n)}" for n in ("jinja2", "markupsafe", "babel"))
        settings = [
            __version__,
            checker_id(),
            renderer_id(),
            libraries,
            self._settings,
            repr(self.plan.span),
            # a series without an end goes on to it: its page, rows and months show that
            repr(plan_horizon(self.model, self.plan.span)),
        ]
        return digest_trees(self.dirs, settings)

    def page_reuse(self, checks: PostChecks, last: LastBuild) -> tuple[dict[str, str], PageReuse]:
        """The keys of the pages keyed without their contexts (the posts': see PostPages;
        the months': see calendar_pages.py), and what keys every other page by its
        context, against the last build."""
        site = self.site_key
        shown, heads = self._shown(checks)
        declared = self.pages.page_keys(site, shown)
        salt = f"{site}\0{checks.context_key}"
        fields, bodies = self._entities
        keys = PageKeys(salt, shown, heads, bodies, fields)
        pages = self.pages
        described: dict[str, tuple[str, str]] = {}
        for page in chain(pages.month_inputs(shown), pages.channel_month_inputs(shown)):
            both = keys.input_keys(page)
            if both is not None:
                plain, whole = both
                # the key the last build recorded, as its render read a description or not
                declared[page.path] = whole if last.has(page.path, whole) else plain
                described[page.path] = both
        return declared, PageReuse(keys, last, set(declared), described)

    def page_reuse_again(
        self,
        checks: PostChecks,
        last: LastBuild,
        reuse: tuple[str, set[str], dict[str, tuple[str, str]]],
    ) -> PageReuse:
        """`page_reuse`'s PageReuse in another process, from its `salt`, `declared` and
        `described` (render/parallel.py, `Helper`): no page keyed twice."""
        salt, declared, described = reuse
        shown, heads = self._shown(checks)
        fields, bodies = self._entities
        keys = PageKeys(salt, shown, heads, bodies, fields)
        return PageReuse(keys, last, declared, described)

    def schedule_files(self) -> tuple[str, ...]:
        """The files the schedules job writes, all at once."""
        channels = (
            f"channels/{cid}.{ext}" for cid in self.model.channels for ext in ("csv", "json")
        )
        return ("schedule.json", *channels)

    def markdown_texts_at_most(self) -> int:
        """How many texts the pages render, equal ones counted again: the most the
        Markdown store needs to hold (`MarkdownStore.needs_sweep`). Counted, not
        hashed: a third of the time of `markdown_keys`."""
        m = self.model
        # the bodies of the situation, the reviews, goals, audiences, channels, campaigns
        bodies = 1 + sum(map(len, (m.reviews, m.goals, m.audiences, m.channels, m.campaigns)))
        return bodies + sum(len(self.pages.markdown_texts(post)) for post in m.posts.values())

    def markdown_keys(self, pages: set[str]) -> set[str]:
        """The Markdown store's keys of what the post pages at `pages` render: a page
        reused is a page that still needs its HTML in the store, for the next render."""
        from .cache import MarkdownStore

        return {
            MarkdownStore.key(text)
            for post in self.model.posts.values()
            if entity_url("posts", post.id) in pages
            for text in self.pages.markdown_texts(post)
        }

    def jobs_without(self, reused: set[str]) -> list[PageJob]:
        """The page jobs, less those of the pages in `reused` (the last build's files are
        kept): the posts' in new batches of the others, any other job of those pages
        alone left out."""
        paths = {p.id: entity_url("posts", p.id) for p in self.model.posts.values()}
        posts = [p for p in self.model.posts.values() if paths[p.id] not in reused]
        post_pages = set(paths.values())
        others = [
            job
            for job in self.jobs
            if not post_pages.issuperset(job.paths) and not reused.issuperset(job.paths)
        ]
        return others + self.pages.post_jobs(posts, self.post_batch)

    def paths(self) -> list[str]:
        return [*self.job_of, *self.files, *self.copies]

    def file_jobs(self, last: LastBuild | None = None) -> list[FileJob]:
        """The files that are not pages as units of work: the feeds and the schedules
        (`long_jobs`), then the rest, each file alone."""
        return [*self.long_jobs(last), *self.short_jobs()]

    def long_jobs(self, last: LastBuild | None = None) -> list[FileJob]:
        """Every schedule in one unit of work (each occurrence's record made once, for its
        three files), and every feed in another (each VEVENT is made once, and written to
        every feed that holds it): the longest units of a build, the schedules first.

        Each file is keyed by what it is made of, in the job (`schedule_keys`,
        `FeedWriter.keys`; off the critical path when a helper runs them), and the last
        build's file is kept when its key is the same: after an edit to one post, the
        files of the channels, campaigns and audiences it is not in. Not the day: a
        schedule shows none of it, so a morning build keeps the last one's. Nor the
        moment, unless it is pinned: a feed kept keeps the DTSTAMP of the build that made
        it, as a build with nothing changed does (the moment its iCalendar object was
        created, RFC 5545 3.8.7.2, `METHOD:PUBLISH`)."""

        def write_feeds(out) -> None:
            runs = self._runs("events")
            writer = self._writer
            keys = {}
            if last is not None:
                moment = self.now.isoformat() if self.pinned else "-"
                keys = writer.keys(f"{self._salt}\0{moment}", self._members, runs)
            kept = self._keep(out, keys, last)
            if len(kept) < len(writer.feeds()):
                writer.write_all(out.open, runs, kept)
                if runs is not None:
                    runs.finish()

        def write_schedules(out) -> None:
            keys = self.schedule_keys() if last is not None else {}
            kept = self._keep(out, keys, last)
            if len(kept) < len(self.schedule_files()):
                runs = self._runs("rows")
                schedules = Schedules(self.model, self.links)
                schedules.write_all(self.plan.occurrences, out.open, runs, kept)
                if runs is not None:
                    runs.finish()

        # every occurrence is a row of three schedules, an event of several feeds: about
        # a page's work for each OCCURRENCES_A_PAGE (measured, reused from the last build)
        size = 1 + len(self.plan.occurrences) // OCCURRENCES_A_PAGE
        return [
            FileJob(self.schedule_files(), write_schedules, size),
            FileJob(tuple(feed_paths(self.model)), write_feeds, size),
        ]

    def _keep(self, out, keys: dict[str, str], last: LastBuild | None) -> set[str]:
        """The files of `keys` the last build made with the same key, kept in `out`; every
        key noted for the next build (`keyed`)."""
        self.keyed.update(keys)
        kept = {path for path, key in keys.items() if last is not None and last.has(path, key)}
        for path in sorted(kept):
            out.keep(path)
        return kept

    @property
    def _salt(self) -> str:
        """What every feed and schedule is made of but the posts: the program, its
        settings and the base URL (`site_key`), the files posts are checked against."""
        assert self.checks is not None
        return f"{self.site_key}\0{self.checks.context_key}"

    @cached_property
    def _members(self) -> dict[str, str | None]:
        """What the posts' part of each feed is made of besides `_salt`, by its path
        (`FeedWriter.members`), made once a process for the feeds and the schedules: a
        channel's schedule shows the posts its feed holds, `schedule.json` every one, as
        `calendar.ics`. A post's rows and events show its body only where a variant's
        text is the body (a network that `uses_body`): elsewhere the post is keyed
        without it (`CheckedPost.head`), so that a body edit leaves the files of the
        post's other channels as they were."""
        assert self.checks is not None
        channels = self.model.channels
        body = {cid for cid in channels if NETWORKS[channels[cid].network].uses_body}
        return self._writer.members(*self._shown(), body)

    @cached_property
    def _entities(self) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
        """The digests of each entity's fields and of its body (`entity_digests`)."""
        return entity_digests(self.model)

    def _shown(self, checks: PostChecks | None = None) -> tuple[dict[str, str], dict[str, str]]:
        """Each checked post's key, and its key without the body, joined with the fields
        it shows of what it names (`shown.shown_keys`): what a page, event or row of it
        stands for. Made once a process, of this build's `checks` (the layout's unless
        given)."""
        if self._shown_keys is None:
            checks = checks or self.checks
            assert checks is not None
            self._shown_keys = shown_keys(self.model, checks.keys, checks.heads())
        return self._shown_keys

    @cached_property
    def _writer(self) -> FeedWriter:
        """The feeds' writer of this process, for their keys (`_members`) and their job."""
        return self.feed_writer()

    def schedule_keys(self) -> dict[str, str]:
        """Each schedule file's key, by path: `_salt` and the variants it shows, by their
        keys (`_members`). A file with a variant that has no key has none."""
        feeds = {"schedule.json": "calendar.ics"}
        for cid in self.model.channels:
            feeds[f"channels/{cid}.csv"] = feeds[f"channels/{cid}.json"] = f"channels/{cid}.ics"
        keys = {}
        for path, feed in feeds.items():
            members = self._members[feed]
            if members is not None:
                keys[path] = joined_digest(["schedules", self._salt, path, members])
        return keys

    def short_jobs(self) -> list[FileJob]:
        """The files that are neither feeds nor schedules (the sitemap), each alone."""
        long = {*feed_paths(self.model), *self.schedule_files()}

        def write(path: str, out) -> None:
            out.write(path, self.files[path]())

        return [FileJob((path,), partial(write, path)) for path in self.files if path not in long]

    def _runs(self, name: str) -> Runs | None:
        """The last build's pieces of the feeds or the schedules (`pieces.py`): opened
        where the job runs, as a worker needs its own connection. A run is keyed by
        its posts as they are shown (`_shown`): an event's categories name its campaign
        and goal, and the feeds that hold it follow from its campaign's audiences; and
        by the playbook's and the channels' fields (`_settings`: an event's length, the
        base URL of its link, its channel's name)."""
        if self.disk is None or self.checks is None or not self.checks.keys:
            return None
        store = self.disk.piece_store(name)
        return Runs(store, self._shown()[0], self._settings) if store else None

    @cached_property
    def _settings(self) -> str:
        """What pages, feeds and schedules show of playbook.yaml and the channels (a
        title, a zone, a channel's name...), not where it is written: the posts are
        keyed by what their check reads of those alone (`validate.post_reads`,
        `validate.channel_reads`), so every file a post is in is keyed by these too."""
        fields, _ = self._entities
        channels = sorted((ref, digest) for ref, digest in fields.items() if ref[0] == "Channel")
        return f"{_fields(self.model.playbook)}\0{channels!r}"

    def feed_notes(self, sizes: Callable[[str], int]) -> list[Diagnostic]:
        """A warning for each feed Google Calendar would refuse (`lint:` may relax it)."""
        severity = str(self.model.playbook.lint.get("feed-size", "warning"))
        if severity == "off":
            return []
        notes = []
        for path in feed_paths(self.model):
            size = sizes(path)
            if size > GOOGLE_LIMIT:
                notes.append(
                    Diagnostic(
                        self.model.playbook.loc.path,
                        1,
                        severity,
                        "feed-size",
                        f"{path} is {size / 1e6:.1f} MB: Google Calendar drops events "
                        "from feeds over about 1 MB",
                        hint="subscribe to the per-channel or per-campaign feeds instead",
                    )
                )
        return notes

    def feed_writer(self) -> FeedWriter:
        return FeedWriter(self.model, self.plan, self.links, self.now, self.site.strings)

    def feed(self, path: str) -> Iterator[bytes]:
        """One feed alone, in pieces (`serve`); `build` writes them all at once."""
        return self.feed_writer().pieces(path)

    # --- serve: one file at a time ------------------------------------------------------

    def has(self, path: str) -> bool:
        return path in self.job_of or path in self.files or path in self.copies

    def get(self, path: str) -> bytes | None:
        """A file's bytes, made on first request. A page's job makes its other pages'
        contexts too (the campaigns' index shows every campaign's), but each is rendered
        only when it is asked for: at 10,000 posts a campaign's page takes a tenth of a
        second to render, and there are fifteen."""
        with self._lock:  # one maker at a time: Markdown's parser is not thread-safe
            if path in self._made:
                return self._made[path]
            if path in self.job_of:
                if path not in self._unrendered:
                    for page in self.job_of[path]():
                        self._unrendered.setdefault(page.path, page)
                page = self._unrendered.pop(path, None)
                if page is not None:
                    self._made[path] = self.site.render(page).encode("utf-8")
            elif path in self.files:
                self._made[path] = joined(self.files[path]())
            elif path in self.copies:
                return self.copies[path].read_bytes()
            return self._made.get(path)


def _fields(playbook: Playbook) -> str:
    """The playbook's fields but where they are written (`loc`), in their order."""
    shown = (f.name for f in dataclasses.fields(playbook) if f.name != "loc")
    return repr([(name, getattr(playbook, name)) for name in shown])


def _warnings(diagnostics: tuple[Diagnostic, ...]) -> tuple[Diagnostic, ...]:
    return tuple(d for d in diagnostics if d.severity != "error")


def media(content: Path, names: frozenset[str]) -> dict[str, Path]:
    return {f"media/{name}": content / "media" / name for name in sorted(names)}
