"""`smcycle build`: the pipeline, one stage a line, and the writer at the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from .cache import DiskCache
from .errors import Diagnostic
from .layout import BuildCache, Layout
from .networks import NETWORKS, count_x
from .output import Data, DiskOutput
from .pipeline import CheckResult, Project, check_project
from .render.ahead import markdown_ahead
from .render.env import theme_dirs
from .render.parallel import Helper, render_pages
from .render.theme_errors import TemplateProblems, unique
from .times import build_time

if TYPE_CHECKING:
    from .cache import LastBuild, MarkdownStore
    from .model import Model
    from .post_checks import PostChecks
    from .render.ahead import MarkdownAhead
    from .render.page_keys import PageReuse

__all__ = ["BuildResult", "build_site", "build_time", "markdown_ahead"]


def count_x_texts(model: Model) -> None:
    """Every X text counted exactly, as its post's page shows it: here, before the workers
    fork, so that twitter-text loads once, and the post store keeps the counts for the
    next build. The check counts only a text near or over its limit (networks.x_at_most)."""
    x = {c.id for c in model.channels.values() if NETWORKS[c.network].counter is count_x}
    for post in model.posts.values():
        for variant in post.variants:
            if variant.channel in x and variant.text:
                count_x(variant.text)


class Output(Protocol):
    def write(self, path: str, data: Data) -> None: ...
    def open(self, path: str) -> BinaryIO: ...
    def copy(self, path: str, source: Path) -> None: ...
    def keep(self, path: str) -> None: ...
    def size(self, path: str) -> int: ...


@dataclass(frozen=True)
class BuildResult:
    diagnostics: tuple[Diagnostic, ...]
    ok: bool
    files: int = 0
    # every page's key and every copy's (its source's digest), for the next build
    pages: dict[str, str] = field(default_factory=dict)
    zone: str = ""  # the playbook's: where its "today" is


def _finished(
    store: MarkdownStore | None,
    reuse: PageReuse | None,
    out: DiskOutput | None,
    layout: Layout,
) -> tuple[set[str], dict[str, str], set[str]]:
    """What a process of the build asked of the Markdown store, the files it keyed (the
    pages, the feeds and schedules), and the last build's files it kept (`out`: the
    disk it wrote to, None in memory), once it has no job left (render_pages' `finish`)."""
    return (
        store.used() if store is not None else set(),
        {**(reuse.made if reuse is not None else {}), **layout.keyed},
        out.reused if out is not None else set(),
    )


def _helper(
    layout: Layout,
    checks: PostChecks,
    last: LastBuild,
    out: DiskOutput,
    store: MarkdownStore | None,
) -> Helper:
    """A worker that writes the feeds and schedules now (or keeps the last build's, see
    `Layout.long_jobs`), then makes pages: the same jobs as `build_site` lists, made of
    the same pages kept, and the same page reuse, made of the keys' salt and the pages
    keyed without their context, all handed over with the check's findings (forked
    before the strategy checks, it has only those before)."""
    layout.site_key  # noqa: B018 - made once, before the fork: both processes key with it

    def later(message):
        reused, salt_declared, findings = message
        layout.know_findings(findings)
        reuse = layout.page_reuse_again(checks, last, salt_declared)

        jobs = [*layout.short_jobs(), *layout.jobs_without(reused)]
        return jobs, layout.site, reuse, partial(_finished, store, reuse, out, layout)

    return Helper(layout.long_jobs(last), later, out)


def build_site(
    project: Project,
    out: Output,
    *,
    templates: Path | None = None,
    base_url: str | None = None,
    now: datetime | None = None,
    cache: BuildCache | None = None,
    disk: DiskCache | None = None,
    processes: int | None = None,
    ahead: MarkdownAhead | None = None,
    pinned: bool = True,
) -> BuildResult:
    """check -> plan -> render -> write; nothing is written when the content has errors.
    `ahead`: the Markdown the caller started already (`markdown_ahead`), stopped here.
    `pinned`: `now` is a moment the build is pinned to (SOURCE_DATE_EPOCH), which the
    feeds' DTSTAMP must show (see Layout.long_jobs)."""
    store = disk.markdown_store() if disk is not None else None
    if ahead is None and isinstance(out, DiskOutput):
        dirs = theme_dirs(project.templates(templates))
        theme = (dirs, disk) if disk else None
        ahead = markdown_ahead(project, store, processes, theme, out.dest)
    now = now or build_time()
    helper = None  # the worker forked before the pages are keyed, if any
    layout: Layout | None = None
    last: LastBuild | None = None

    def lay_out(checked: CheckResult) -> Layout:
        return Layout(
            project,
            checked,
            templates=templates,
            base_url=base_url,
            now=now,
            cache=cache
            or BuildCache(
                reload_templates=False, bytecode=disk.template_bytecode() if disk else None
            ),
            markdown_store=store,
            disk=disk if isinstance(out, DiskOutput) else None,
            checks=checked.checks,
            pinned=pinned,
        )

    def start(laid_out: Layout, checks: PostChecks | None) -> None:
        """The site laid out, what the last build made into `out`, and a helper forked
        when the other core is idle (after an edit, the process ahead is done long before
        the check is): the feeds and schedules start there, while this one checks and
        keys the pages (render/parallel.py, `Helper`)."""
        nonlocal layout, last, helper
        layout = laid_out
        if checks is None or disk is None or not isinstance(out, DiskOutput):
            return
        last = disk.last_build(out.dest)
        # the output as the process ahead listed it: no stat of each page kept, and no
        # walk of the output to find what to remove once the new files are in
        listed = ahead.output_files() if ahead is not None else None
        if listed is not None:
            last = last.found_as(listed)
            out.listed = set(listed)
        if ahead is not None and ahead.done():
            helper = _helper(layout, checks, last, out, store)

    def planned(so_far: CheckResult) -> None:
        """The plan is made, the strategy checks are next: the site is laid out now, and
        a helper forked, if the other core is idle (`start`). The checks' findings come
        to the pages later (`Layout.know_findings`)."""
        if ahead is None or not ahead.done():
            return  # both cores are busy (a first build): the layout waits for the checks
        try:
            laid_out = lay_out(so_far)
        except Exception:  # a theme that fails fails after the checks, as it always did:
            return  # its problem then comes with theirs
        start(laid_out, so_far.checks)

    try:  # the other core renders Markdown until the workers start
        posts = disk.post_store() if disk is not None else None
        checked = check_project(project, store=posts, planned=planned)
        if checked.ok:
            count_x_texts(checked.model)
        if checked.checks is not None:
            # now, not while the workers render: pickling every post after the fork would
            # give this process its own copy of the pages that hold them
            checked.checks.save()
        if not checked.ok:
            if helper is not None:
                helper.stop()
            return BuildResult(checked.diagnostics, ok=False)
        if layout is None:
            start(lay_out(checked), checked.checks)
        else:
            layout.know_findings(checked.diagnostics)

        # the last build's pages that show what they showed (see render/page_keys.py): the
        # posts' are kept here, the others where they are made, once their context is
        keys: dict[str, str] = {}
        reused: set[str] = set()
        reuse = None
        if checked.checks is not None and last is not None:
            keys, reuse = layout.page_reuse(checked.checks, last)
            reused = {path for path, key in keys.items() if last.has(path, key)}

        # a template that does not compile, though no page uses it, and then those that
        # fail while pages are made: every one of them in this run
        broken = layout.site.template_problems()
    except BaseException:
        if helper is not None:
            helper.stop()
        raise
    finally:
        if ahead is not None:
            ahead.stop()  # before the workers: it never competes with them

    def copies() -> None:
        """The theme's assets and the media copied (or kept, when the last build copied
        the same bytes there), and the reused pages kept, here while workers make the
        rest. A media folder can hold hundreds of megabytes: an edit copies none of it."""
        for path, source in layout.copies.items():
            if last is None:
                out.copy(path, source)
                continue
            key = keys[path] = "copy " + disk.digests.digest(str(source))
            if last.has(path, key):
                out.keep(path)
            else:
                out.copy(path, source)
        for path in sorted(reused):
            out.keep(path)

    # workers write straight to disk; memory (tests) is filled in this process
    parallel = isinstance(out, DiskOutput)
    # the schedules and the feeds, the longest, first (unless the helper has them)
    files = layout.short_jobs() if helper is not None else layout.file_jobs(last)
    jobs = [*files, *layout.jobs_without(reused)]
    if helper is not None:
        helper.hand(
            (reused, (reuse.keys.site, reuse.declared, reuse.described), checked.diagnostics)
        )

    finish = partial(_finished, store, reuse, out if parallel else None, layout)

    try:
        written, _, results = render_pages(
            jobs, layout.site, out, parallel, copies, processes, finish, reuse, helper
        )
    except TemplateProblems as failed:
        broken += failed.diagnostics
    if broken:
        return BuildResult(checked.diagnostics + tuple(unique(broken)), ok=False)
    # what no page of this build asked for goes, once it is worth a sweep
    if store is not None and store.needs_sweep(layout.markdown_texts_at_most()):
        used = [asked for asked, _, _ in results]
        store.keep_only(set().union(*used, layout.markdown_keys(reused)))
    for _, made, _ in results:
        keys.update(made)
    if parallel:  # a no-op for paths this process wrote or kept itself
        out.claim(written, set().union(*(kept for _, _, kept in results)))
    notes = layout.feed_notes(out.size)
    count = len(written) + len(reused) + len(layout.copies)
    zone = layout.model.playbook.timezone.key
    diags = checked.diagnostics + tuple(notes)
    return BuildResult(diags, ok=True, files=count, pages=keys, zone=zone)
