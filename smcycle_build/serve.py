"""`smcycle serve`: check, serve on 127.0.0.1, re-check on change, reload browsers.

MkDocs' livereload in spirit, with what it lacks: requests wait while a rebuild
runs (never a half-built site), and a failed build shows its problems as a page
that reloads itself once the file is fixed. The reload script is injected into
served pages only, never into `output/`.

A rebuild checks and plans the playbook and lays the site out (`Layout`), but
makes no page: each file is made when it is first asked for, from the same table
`build` writes. An edit to one post of ten thousand costs the check and the page
in the browser, not the whole site, and memory holds only the pages looked at.

A playbook checked or built before starts from its post store (`.smcycle-cache/`):
the first check reads only the posts changed since, and the site is served at once;
the memo every re-check builds on is filled next, in the watcher, before its first
rebuild (`LiveSite.warm_up`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import html
import mimetypes
import os
import posixpath
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .errors import Diagnostic, SourceLines, format_text
from .layout import BuildCache, Layout
from .memo import Memo
from .pipeline import CheckResult, Project, check_project, long_lived
from .render.theme_errors import TemplateProblem
from .times import build_time

if TYPE_CHECKING:
    from .cache import PostStore

# the cyclic collector runs once nothing changed for IDLE seconds (`LiveSite.collect_when_idle`)
# or, for edits that never pause, after PUT_OFF rebuilds
IDLE = 1.0
PUT_OFF = 4
RELOAD_PATH = "/__smcycle/events"


def reload_script(version: int) -> str:
    """What a served page runs: reload as soon as the site is not the build `version` the
    page came from. The events say the build at once when they connect, so a rebuild
    that finished between the page and its events (a second save right after the first)
    reloads it too; taking that first message as the page's build left it stale."""
    return f"""<script>
// smcycle serve: reload when a rebuild finishes (not part of the built site)
(() => {{
  const source = new EventSource("{RELOAD_PATH}");
  source.onmessage = (event) => {{
    if (event.data !== "{version}") location.reload();
  }};
}})();
</script>"""


@dataclass
class SiteState:
    """The last good layout, and the problems of the last failed check."""

    layout: Layout | None = None
    problems: list[Diagnostic] = field(default_factory=list)
    error_text: str = ""
    version: int = 0
    seconds: float = 0.0
    built_at: float = 0.0  # time.time() when the build began
    now: datetime | None = None  # the moment it was made for (`build_time`)


class LiveSite:
    """One build at a time; readers wait while it runs and then see the whole new site."""

    def __init__(
        self, project: Project, templates: Path | None, store: PostStore | None = None
    ) -> None:
        self.project = project
        self.templates = templates
        self.state = SiteState()
        self.cache = BuildCache()
        self.memo = Memo()  # each file's parse and checks, for the next re-check
        # the posts as the last check or build left them (cache.PostStore): with it, the
        # first check reads only the posts that changed since, and the memo is filled
        # afterwards (`warm_up`), while the site is already served
        self.store = store
        self.warm = store is None
        self.last_check: CheckResult | None = None
        self.lock = threading.Condition()
        self.building = False
        self.put_off = 0  # rebuilds since the cyclic collector last ran
        self._rebuilt_at = 0.0  # time.monotonic() at the end of the last rebuild

    def rebuild(self, changed: Iterable[str] = ()) -> SiteState:
        """Check again (reading only what changed) and lay the new site out."""
        # The collector waits for a quiet moment: each rebuild leaves its predecessor's
        # site to it (60,000 objects at 10,000 posts, held in cycles), and the full
        # collection that fell every fourth edit, in the rebuild or in the request for
        # the page after it, added a tenth of a second (`collect_when_idle`).
        gc.disable()
        self.memo.forget(changed)
        with self.lock:
            self.building = True
        started = time.perf_counter()
        began, now = time.time(), build_time()
        layout = None
        try:
            first = self.state.version == 0
            if first and self.store is not None:
                checked = check_project(self.project, freeze=False, store=self.store)
                if checked.checks is not None:
                    checked.checks.save()  # what changed since, for the next build too
            else:
                checked = check_project(self.project, self.memo, freeze=False)
                self.warm = True  # the memo holds every file now
            self.last_check = checked
            problems = [d for d in checked.diagnostics if d.severity == "error"]
            error_text = ""
            if checked.ok:
                layout = self._layout(checked, now)
                problems = layout.site.template_problems()  # none: the check's were errors
            if problems:
                error_text = format_text(problems, SourceLines(self.project.root))
            if first and self.warm:
                # the memo of every file lives as long as the server: out of the collector's
                # way (what the check dropped is freed first); later edits are not frozen,
                # so what they replace is collected as usual
                gc.collect()
                gc.freeze()
        except Exception as exc:  # a broken template must not kill the server
            problems, error_text = [], f"the build failed: {_said(exc)}"
        with self.lock:
            state = SiteState(
                layout=layout or self.state.layout,
                problems=problems,
                error_text=error_text,
                version=self.state.version + 1,
                seconds=time.perf_counter() - started,
                built_at=began,
                now=now,
            )
            self.state = state
            self.building = False
            self.lock.notify_all()
        self.put_off += 1
        self._rebuilt_at = time.monotonic()
        if self.put_off >= PUT_OFF:  # edits that never pause: no more garbage than this
            self.collect()
        return state

    def collect_when_idle(self) -> None:
        """The collection the rebuilds put off, once nothing changed for IDLE seconds (the
        watcher asks at every quiet tick), with the collector on again until the next
        rebuild."""
        if self.put_off and time.monotonic() - self._rebuilt_at >= IDLE:
            self.collect()

    def collect(self) -> None:
        """The put-off collection now, and the collector on until the next rebuild."""
        gc.collect()
        self.put_off = 0
        gc.enable()

    def _layout(self, checked: CheckResult, now: datetime) -> Layout:
        with long_lived(freeze=False):
            return Layout(
                self.project,
                checked,
                templates=self.templates,
                base_url=None,
                now=now,
                cache=self.cache,
                post_batch=1,  # a post page is made alone, when it is asked for
            )

    def warm_up(self) -> None:
        """After a first check from the post store: the check every re-check builds on,
        each file's parse in the memo, while the site is served. Readers are not held
        up; the site they see is laid out again from it (the same content, so no
        browser reloads), and the first check's playbook is let go. The watcher calls
        this before its first rebuild: an edit made meanwhile is rebuilt right after."""
        if self.warm:
            return
        self.warm = True
        try:
            checked = check_project(self.project, self.memo, freeze=False)
            layout = self._layout(checked, self.state.now or build_time()) if checked.ok else None
            if layout is not None and layout.site.template_problems():
                layout = None  # a template or strings file broken meanwhile: as below
        except Exception:  # broken meanwhile: the first site stays, the next rebuild says why
            checked, layout = None, None
        with self.lock:
            if layout is not None and self.state.layout is not None:
                self.state = dataclasses.replace(self.state, layout=layout)
                self.last_check = checked
        del layout, checked
        # as after a first check without a store: the memo of every file lives as long
        # as the server, out of the collector's way
        gc.collect()
        gc.freeze()

    def day_is_over(self) -> bool:
        """Whether the site shows a day that has ended in the playbook's zone: a server
        left running overnight lays the site out again, so that today, what is upcoming
        and the home page's date are today's (never with SOURCE_DATE_EPOCH, a fixed day)."""
        state = self.state
        if state.layout is None or state.now is None:
            return False
        zone = state.layout.model.playbook.timezone
        return build_time().astimezone(zone).date() != state.now.astimezone(zone).date()

    def current(self, timeout: float = 30.0) -> SiteState:
        with self.lock:
            self.lock.wait_for(lambda: not self.building, timeout=timeout)
            return self.state

    def wait_for_change(self, version: int, timeout: float) -> SiteState:
        with self.lock:
            self.lock.wait_for(
                lambda: self.state.version != version and not self.building, timeout=timeout
            )
            return self.state


def _said(exc: Exception) -> str:
    """A repository template's problem as the checker says it; else as Python does."""
    return str(exc) if isinstance(exc, TemplateProblem) else repr(exc)


def site_path(url_path: str) -> str | None:
    """The site file a URL asks for; None for anything outside the site."""
    path = unquote(urlsplit(url_path).path)
    if "\x00" in path or "\\" in path:
        return None
    normal = posixpath.normpath("/" + path.lstrip("/"))
    if ".." in normal.split("/"):
        return None
    rel = normal.lstrip("/")
    if rel == "" or url_path.split("?")[0].endswith("/"):
        rel = posixpath.join(rel, "index.html")
    return rel


def local_host(header: str | None) -> bool:
    """Whether a request's `Host` names this machine (`localhost`, a name below it, or a
    loopback address), as only a page of the preview itself asks.

    Binding to 127.0.0.1 keeps other machines out, not other sites: a page anywhere on
    the web can point a name of its own at 127.0.0.1 once it is loaded (DNS rebinding)
    and then read the preview as that name, through the browser of whoever opened it:
    the team's unpublished campaigns. The browser always says which name it asked for;
    a request without a `Host` is from no browser (HTTP/1.0, a script on this machine)."""
    if header is None:
        return True
    name = header.strip().lower()
    # a name or an address, then maybe a port; an IPv6 address is in brackets
    name = name[: name.find("]") + 1] if name.startswith("[") else name.partition(":")[0]
    name = name.removesuffix(".")
    return name in ("127.0.0.1", "[::1]", "localhost") or name.endswith(".localhost")


def error_page(text: str, version: int) -> bytes:
    """Problems as `check` prints them, on a page that reloads once the site is not the
    build `version` any more: the file fixed and saved."""
    body = html.escape(text)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Build failed · smcycle</title>
<style>body{{font:16px system-ui,sans-serif;margin:2rem;color:#1b1f24}}
pre{{background:#fdeaea;border-inline-start:6px solid #b3261e;padding:1rem;white-space:pre-wrap}}
</style></head><body><main>
<h1>The playbook does not build</h1>
<p>Fix the file below and save: this page reloads by itself.</p>
<pre id="problems">{body}</pre></main>{reload_script(version)}</body></html>"""
    return page.encode("utf-8")


def make_handler(site: LiveSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "smcycle"

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the terminal shows builds, not every request

        def send(self, status: int, data: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            if not local_host(self.headers.get("Host")):
                text = b"smcycle serve answers only to localhost and 127.0.0.1"
                return self.send(HTTPStatus.FORBIDDEN, text, "text/plain")
            if self.path.startswith(RELOAD_PATH):
                return self.events()
            rel = site_path(self.path)
            if rel is None:
                return self.send(HTTPStatus.FORBIDDEN, b"outside the site", "text/plain")
            state = site.current()
            if state.error_text and rel.endswith(".html"):
                page = error_page(state.error_text, state.version)
                return self.send(HTTPStatus.OK, page, "text/html; charset=utf-8")
            layout = state.layout
            if layout is None:  # never built: the error page covers pages, this the rest
                return self.send(HTTPStatus.SERVICE_UNAVAILABLE, b"no site yet", "text/plain")
            try:
                data = layout.get(rel)
            except TemplateProblem as problem:
                # a repository template fails on this page (the check found none: it
                # fails only as the page is made): where, as `build` says it, on a page
                # that reloads once the template is fixed
                text = format_text([problem.diagnostic], SourceLines(site.project.root))
                page = error_page(text, state.version)
                return self.send(HTTPStatus.INTERNAL_SERVER_ERROR, page, "text/html; charset=utf-8")
            except Exception as exc:  # smcycle's own bug: say so, keep serving
                text = f"making {rel} failed: {exc!r}".encode()
                return self.send(HTTPStatus.INTERNAL_SERVER_ERROR, text, "text/plain")
            if data is None and not rel.endswith(".html"):
                alt = posixpath.join(rel, "index.html")
                if layout.has(alt):  # /goals -> /goals/ so relative links resolve
                    self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                    self.send_header("Location", self.path.split("?")[0] + "/")
                    self.end_headers()
                    return None
            if data is None:
                data = layout.get("404.html") or b"not found"
                page = inject(data, state.version)
                return self.send(HTTPStatus.NOT_FOUND, page, "text/html; charset=utf-8")
            ctype = mimetypes.guess_type(rel)[0] or "application/octet-stream"
            if rel.endswith(".html"):
                page = inject(data, state.version)
                return self.send(HTTPStatus.OK, page, "text/html; charset=utf-8")
            if ctype.startswith("text/") or rel.endswith((".ics", ".json", ".csv")):
                ctype += "; charset=utf-8"
            return self.send(HTTPStatus.OK, data, ctype)

        def events(self) -> None:
            """Server-sent events: the build version now, then each new one."""
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            state = site.current()
            try:
                while True:
                    self.wfile.write(f"data: {state.version}\n\n".encode())
                    self.wfile.flush()
                    state = site.wait_for_change(state.version, timeout=15.0)
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


def inject(page: bytes, version: int) -> bytes:
    """`page` with the script that reloads it after a rebuild (`reload_script`)."""
    marker = b"</body>"
    index = page.rfind(marker)
    script = reload_script(version).encode("utf-8")
    return page[:index] + script + page[index:] if index >= 0 else page + script


def changed_since(paths: list[Path], moment: float) -> bool:
    """Any file under `paths` modified after `moment` (a time.time())."""
    from .walk import walk

    for folder in paths:
        for _rel, entry in walk(str(folder)):
            with contextlib.suppress(OSError):
                if os.stat(entry.path).st_mtime > moment:
                    return True
    return False


def watch(site: LiveSite, paths: list[Path], stop: threading.Event, report, ready) -> None:
    """Rebuild after each burst of changes (watchfiles debounces them into one).

    `ready()` is called once the watcher runs; an edit made between the first build and
    that moment would go unseen, so it is looked for and built then.
    """
    started = time.time()
    first = True
    for changes in _bursts(paths, stop):
        if first:
            first = False
            ready()
            site.warm_up()  # the watcher runs: what changes meanwhile is reported next
            if not changes and changed_since(paths, site.state.built_at or started):
                changes = {("modified", "")}
        if changes:
            report(site.rebuild(path for _change, path in changes))
        elif site.day_is_over():  # nothing changed but the date: midnight passed
            report(site.rebuild())
        else:
            site.collect_when_idle()


def _bursts(paths: list[Path], stop: threading.Event) -> Iterator[set[tuple[Any, str]]]:
    """watchfiles' bursts of changes, or an empty one when nothing changed for a while.

    watchfiles fails on a path it cannot name in Python (a file name that is not UTF-8:
    its WatchfilesRustInternalError, a RuntimeError), and stops watching. Its burst is
    lost: what follows is a burst that says only "something changed" (the check then
    finds what, and says that the name is not UTF-8), and watching again."""
    from watchfiles import watch as watch_files

    while not stop.is_set():
        try:
            yield from watch_files(
                *paths,
                stop_event=stop,
                debounce=150,
                step=50,
                yield_on_timeout=True,
                rust_timeout=200,
            )
            return
        except RuntimeError:
            yield {("modified", "")}


def start_server(site: LiveSite, port: int) -> ThreadingHTTPServer:
    """Bound to 127.0.0.1 only: the playbook is not published by `serve`."""
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(site))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True, name="smcycle-http").start()
    return server
