"""The `smcycle` command line: each command a few lines over plain functions."""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import NoReturn

import click

from . import __version__
from .cache import DiskCache
from .errors import (
    SmcycleError,
    SourceLines,
    format_github,
    format_json,
    format_text,
    summary,
)
from .feeds.export import TOOLS
from .pipeline import CheckResult, Project, check_project
from .scaffold import KINDS as SCAFFOLD_KINDS
from .times import build_time, pinned_time

# Each command imports what only it needs (Jinja, Markdown, icalendar, the server...)
# when it runs: `build` finding nothing changed answers before any of them is loaded.

FORMATS = {"text": None, "github": format_github, "json": format_json}


class Commands(click.Group):
    """Every command: a problem of the surroundings (SmcycleError) is a message and exit 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SmcycleError as exc:
            click.echo(f"smcycle: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="smcycle")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Social media strategy as code: check and build a playbook repository."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.option("--content", default="content", show_default=True, help="The playbook folder.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="text")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def check(content: str, fmt: str, strict: bool) -> None:
    """Validate and lint the playbook without writing anything."""
    project = Project.locate(content)
    result = checked(project)
    diags = [*result.diagnostics, *_template_problems(project)]
    if fmt == "text":
        click.echo(format_text(diags, SourceLines(project.root)), nl=False)
    else:
        click.echo(FORMATS[fmt](diags), nl=False)
    failing = {"error", "warning"} if strict else {"error"}
    sys.exit(1 if any(d.severity in failing for d in diags) or result.model is None else 0)


def checked(project: Project) -> CheckResult:
    """The playbook checked, each post read only if it changed since the last check of
    this repository (`.smcycle-cache/`), where what this one made is saved for the next:
    `check`, and the commands that need the checked playbook (`export`, `new`, `import`)."""
    disk = DiskCache(project.root)
    result = check_project(project, store=disk.post_store())
    if result.checks is not None:
        result.checks.save()
    disk.digests.save()
    return result


def _template_problems(project: Project) -> list:
    """The repository's own templates that do not compile (`build` finds those that fail
    while a page is made, too); nothing is loaded when it has none."""
    from .render.env import theme_dirs

    dirs = theme_dirs(project.templates())
    if len(dirs) == 1:
        return []
    from .render.env import make_environment
    from .render.theme_errors import ThemeFiles

    own = ThemeFiles(dirs, project.root)
    return own.compile_problems(make_environment(dirs, reload=False))


def _web_url(value: str | None) -> str | None:
    """`--base-url` as the playbook's `base_url` must be: an http(s) URL with a host."""
    from .webtext import url_problem

    if value is None:
        return None
    problem = url_problem(value.strip())
    if problem is not None:
        raise click.BadParameter(problem.message + (f" ({problem.hint})" if problem.hint else ""))
    return value.strip()


@cli.command()
@click.option("--content", default="content", show_default=True, help="The playbook folder.")
@click.option(
    "--templates",
    type=click.Path(exists=True, file_okay=False),
    help="Templates overriding the built-in theme.",
)
@click.option("--out", default="output", show_default=True, help="Where the site is written.")
@click.option(
    "--base-url",
    default=None,
    callback=lambda ctx, param, value: _web_url(value),
    help="Where the site is published (absolute links).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that render pages [default: one per core]; fewer use less memory.",
)
def build(
    content: str, templates: str | None, out: str, base_url: str | None, jobs: int | None
) -> None:
    """Build the playbook site, schedules and feeds into --out."""
    from .destination import check_destination
    from .output import DiskOutput, remove_stale
    from .render.env import theme_dirs

    started = time.perf_counter()
    project = Project.locate(content)
    site_templates = Path(templates).resolve() if templates else None
    disk = DiskCache(project.root)
    reads = {
        "the content folder": project.content,
        "the templates folder": project.templates(),
    }
    if site_templates is not None:
        reads["the --templates folder"] = site_templates
    check_destination(out, Path(out), {**reads, "the cache folder": disk.dir}, project.root)
    dirs = theme_dirs(project.templates(site_templates))
    ahead = None
    if not disk.has_record():
        # a first build has nothing to compare with: its Markdown starts before the
        # fingerprint and the build's imports (build_site stops it; a daemon, it ends
        # with this process anyway)
        from .render.ahead import markdown_ahead

        store = disk.markdown_store()
        ahead = markdown_ahead(project, store, jobs, (dirs, disk), Path(out).resolve())
    now, pinned = build_time(), pinned_time()
    # a pinned moment is an input like the content (the feeds' DTSTAMP is made of it);
    # otherwise the day the output shows is compared (`DiskCache.unchanged`)
    fingerprint = disk.fingerprint(
        project.content,
        dirs,
        {
            "base_url": base_url,
            "at": pinned.isoformat() if pinned else None,
            "out": str(Path(out).resolve()),
        },
    )
    remove_stale(Path(out).resolve())  # what builds killed before left
    cached = disk.unchanged(fingerprint, Path(out), now)
    if cached is not None:
        disk.digests.save()
        if cached:
            click.echo(format_text(cached, SourceLines(project.root)), nl=False, err=True)
        seconds = time.perf_counter() - started
        click.echo(f"{out}/ is up to date: nothing changed since the last build ({seconds:.2f} s)")
        return
    from .build import build_site

    output = DiskOutput(Path(out))
    try:
        result = build_site(
            project,
            output,
            templates=site_templates,
            base_url=base_url,
            now=now,
            disk=disk,
            processes=jobs,
            ahead=ahead,
            pinned=pinned is not None,
        )
    except BaseException:
        output.abort()
        raise
    diags = list(result.diagnostics)
    if diags:
        click.echo(format_text(diags, SourceLines(project.root)), nl=False, err=True)
    if not result.ok:
        output.abort()
        click.echo(f"build failed: {out}/ is left as it was", err=True)
        sys.exit(1)
    output.commit()
    # swapped in whole (`kept` None), the folder holds what this build wrote, each stat new
    kept = (output.written, output.kept if output.kept is not None else set())
    problem = disk.remember(
        fingerprint, Path(out), diags, result.pages, kept, today=(result.zone, now)
    )
    disk.digests.save()
    if problem:
        click.echo(f"note: {problem}: the next build starts from scratch", err=True)
    seconds = time.perf_counter() - started
    note = f" ({summary(diags)})" if diags else ""
    click.echo(f"built {result.files} files into {out}/ in {seconds:.2f} s{note}")


@cli.command()
@click.argument("channel")
@click.option("--to", "tool", type=click.Choice(sorted(TOOLS)), required=True)
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="First day (local).")
@click.option("--to-date", "last", type=click.DateTime(["%Y-%m-%d"]), help="Last day (local).")
@click.option("--content", default="content", show_default=True, help="The playbook folder.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here, not stdout.")
def export(channel, tool, first, last, content, output) -> None:
    """A scheduling tool's bulk-upload CSV of CHANNEL's schedule."""
    from .feeds.export import ExportError, export_channel
    from .routes import Links

    project = Project.locate(content)
    result = checked(project)
    if not result.ok or result.plan is None:
        click.echo(format_text(list(result.diagnostics), SourceLines(project.root)), err=True)
        sys.exit(1)
    model, plan = result.model, result.plan
    if channel not in model.channels:
        raise SmcycleError(f"no channel `{channel}` (channels: {', '.join(model.channels)})")
    if first and last and first > last:
        raise SmcycleError(f"--from {first:%Y-%m-%d} is after --to-date {last:%Y-%m-%d}")
    try:
        data, lacking = export_channel(
            model,
            plan.by_channel[channel],
            tool,
            Links(model.playbook.base_url),
            first.date() if first else None,
            last.date() if last else None,
        )
    except ExportError as exc:
        raise SmcycleError(str(exc)) from None
    for note in lacking:
        click.echo(f"warning: {note}", err=True)
    if output:
        Path(output).write_text(data, encoding="utf-8", newline="")
    else:  # bytes as in the file: click.echo would strip escape sequences and translate CRLF
        click.get_binary_stream("stdout").write(data.encode("utf-8"))


@cli.command()
@click.argument("base")
@click.argument("head", required=False)
@click.option("--content", default="content", show_default=True, help="The playbook folder.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown")
def diff(base: str, head: str | None, content: str, fmt: str) -> None:
    """What BASE and HEAD (default: the working tree) schedule differently, as Markdown."""
    from .diff import diff_revisions, to_json, to_markdown

    report = diff_revisions(Path.cwd(), base, head, content)
    click.echo(to_json(report) if fmt == "json" else to_markdown(report), nl=False)


@cli.command()
@click.argument("kind", type=click.Choice(SCAFFOLD_KINDS))
@click.argument("title")
@click.option("--date", "when", type=click.DateTime(["%Y-%m-%d"]), help="When (posts, campaigns).")
@click.option("--channels", default="", help="Channel ids, comma-separated.")
@click.option("--campaign", default=None, help="The campaign a post serves.")
@click.option("--network", default=None, help="The network of a new channel.")
@click.option("--content", default="content", show_default=True, help="The playbook folder.")
def new(kind, title, when, channels, campaign, network, content) -> None:
    """A new post, goal, campaign, audience or channel file, valid as written."""
    from .scaffold import new_file

    project = Project.locate(content)
    result = checked(project)
    if result.model is None:
        raise SmcycleError("the playbook does not load: run `smcycle check` and fix it first")
    model = result.model
    made = new_file(
        kind,
        title,
        project.content,
        model,
        build_time().astimezone(model.playbook.timezone).date(),
        when=when.date() if when else None,
        channels=tuple(c.strip() for c in channels.split(",") if c.strip()),
        campaign=campaign,
        network=network,
    )
    made.path.parent.mkdir(parents=True, exist_ok=True)
    with made.path.open("x", encoding="utf-8") as handle:  # "x": never overwrite
        handle.write(made.text)
    click.echo(f"wrote {made.path.relative_to(project.root).as_posix()}")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
def init(directory: str) -> None:
    """A new playbook repository in DIRECTORY that builds as is."""
    from .init import init_repository

    target = Path(directory)
    written = init_repository(target, build_time().date())
    click.echo(f"wrote {len(written)} files into {target}/: cd there and run `smcycle build`")


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1 (0: any).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a browser.")
@click.option("--content", default="content", show_default=True, help="The playbook folder.")
@click.option(
    "--templates",
    type=click.Path(exists=True, file_okay=False),
    help="Templates overriding the built-in theme.",
)
def serve(port: int, open_browser: bool, content: str, templates: str | None) -> None:
    """Build into memory, serve on 127.0.0.1, rebuild on change, reload the browser."""
    from .serve import LiveSite, start_server, watch

    project = Project.locate(content)
    theme = project.templates(Path(templates).resolve() if templates else None)
    # a playbook checked or built before starts from its post store (ready in a second
    # at ten thousand posts, not four); a first one checks from scratch, as it must
    disk = DiskCache(project.root)
    store = disk.post_store() if (disk.dir / "posts.sqlite").is_file() else None
    site = LiveSite(project, theme if templates else None, store)
    report_build(site.rebuild())
    disk.digests.save()  # the files the first check hashed anew, as `check` keeps them
    server = start_server(site, port)
    url = f"http://127.0.0.1:{server.server_address[1]}/"

    def ready() -> None:  # said once changes are watched: no edit can slip by after this
        click.echo(f"serving {url} (Ctrl+C to stop)", err=True)
        if open_browser:
            import webbrowser

            webbrowser.open(url)

    stop = threading.Event()
    watched = [p for p in (project.content, theme) if p.exists()]
    try:
        watch(site, watched, stop, report_build, ready)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.shutdown()


def report_build(state) -> None:
    if state.error_text:
        click.echo(state.error_text.rstrip(), err=True)
        click.echo("build failed: the browser shows the problems until they are fixed", err=True)
    else:
        files = len(state.layout.paths()) if state.layout else 0
        made = f"{files} files, each made when it is first asked for"
        click.echo(f"ready in {state.seconds:.2f} s: {made}", err=True)


@cli.group(name="import")
def import_group() -> None:
    """Bring outside data into the playbook."""


@import_group.command(name="metrics")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--channel", required=True, help="The channel the export belongs to.")
@click.option("--content", default="content", show_default=True, help="The playbook folder.")
def import_metrics(file: str, channel: str, content: str) -> None:
    """A platform's analytics export (Meta, LinkedIn), appended to metrics/ canonically."""
    from .importers import append_rows, read_export

    project = Project.locate(content)
    result = checked(project)
    model = result.model
    if model is None or channel not in model.channels:
        known = ", ".join(model.channels) if model else "none: the playbook does not load"
        raise SmcycleError(f"no channel `{channel}` (channels: {known})")
    source = Path(file)
    imported = read_export(source, file, channel, set(model.posts))
    target = project.content / "metrics" / f"{channel}.csv"
    added = append_rows(target, file, imported, model.metrics)
    if imported.problems:
        click.echo(format_text(sorted(imported.problems)), nl=False, err=True)
    where = target.relative_to(project.root).as_posix()
    mapped = ", ".join(f"{k} -> {v}" for k, v in imported.columns.items())
    click.echo(f"columns: {mapped}" if mapped else "no known columns", err=True)
    click.echo(
        f"appended {added} row{'' if added == 1 else 's'} to {where} "
        f"({imported.skipped_existing} already there, {len(imported.problems)} refused)"
    )
    sys.exit(1 if imported.problems else 0)


def main() -> None:
    """Entry point: a problem of the surroundings is a message, a bug is a short report."""
    args = sys.argv[1:]
    debug = "--debug" in args
    if debug:  # accepted anywhere on the line, as the error message suggests
        args = ["--debug", *(a for a in args if a != "--debug")]
    try:
        code = cli.main(args=args, standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)  # ctx.exit(N) comes back as N
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except SmcycleError as exc:
        click.echo(f"smcycle: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:  # a file the system refused: where, and why, as `cp` says it
        if debug:
            traceback.print_exc()
        where = [str(name) for name in (exc.filename, exc.filename2) if name is not None]
        click.echo(f"smcycle: {': '.join([*where, exc.strerror or str(exc)])}", err=True)
        sys.exit(1)
    except Exception as exc:  # a traceback is a bug: say so briefly unless asked
        if debug:
            traceback.print_exc()
        else:
            click.echo(f"smcycle: internal error: {exc!r} (run with --debug for details)", err=True)
        sys.exit(2)


def run() -> NoReturn:
    """The `smcycle` command (the console script, `python -m smcycle_build`): `main`, and
    out without the interpreter's teardown.

    Finalising the interpreter frees every object a module still holds, one by one: after
    a build or a check of 10,000 posts that is about 0.1 s, 6% of a build after an edit
    (benchmarks/README.md), spent on memory the system takes back at once anyway.
    Nothing is left to save by then: every file is written and closed, every store
    committed. The exit functions still run (multiprocessing's ends a daemon process
    left running), and the output is flushed, as a normal exit does. Under a profiler, a
    tracer or a debugger (`python -m cProfile -m smcycle_build`), which writes what it
    found once the interpreter exits, the exit is a normal one."""
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        if sys.getprofile() is not None or sys.gettrace() is not None:
            raise
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):  # as the interpreter does with `sys.exit("message")`
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe, a full disk: what the interpreter would exit with
        code = code or 120
    os._exit(code)
