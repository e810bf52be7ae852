"""Turns pages into HTML: the shared context, per-page relative URLs, the theme's assets."""

from __future__ import annotations

import os
import re
from html import escape
from pathlib import Path
from urllib.parse import urljoin

from jinja2 import Environment

from ..errors import Diagnostic
from ..model import Model
from .env import make_environment, relative_url
from .i18n import Locale, load_strings
from .pages import Page
from .theme_errors import ThemeFiles

NAV = (
    ("index", "index.html"),
    ("situation", "situation/index.html"),
    ("goals", "goals/index.html"),
    ("audiences", "audiences/index.html"),
    ("listening", "listening/index.html"),
    ("channels", "channels/index.html"),
    ("campaigns", "campaigns/index.html"),
    ("calendar", "calendar/index.html"),
    ("measurement", "measurement/index.html"),
    ("reviews", "reviews/index.html"),
    ("health", "health/index.html"),
)


def theme_assets(dirs: list[Path]) -> dict[str, Path]:
    """`assets/...` files of the theme; a site's own file of the same name wins. A file
    of the site's own no part of a build may read (readfile.unsafe: a link out of its
    folder would publish what it leads to) is passed by: `ThemeFiles` says why."""
    from ..readfile import unsafe
    from ..walk import walk

    found: dict[str, Path] = {}
    for folder in reversed(dirs):  # built-in first, then overridden by the site's
        root = folder / "assets"
        for rel, entry in walk(str(root)):  # nothing when there is no such folder
            if not os.path.isfile(entry.path) or entry.name.startswith((".", "_")):
                continue
            if folder != dirs[-1] and unsafe(entry.path, str(folder)) is not None:
                continue
            found["assets/" + rel] = Path(entry.path)
    return dict(sorted(found.items()))


class SiteRenderer:
    """Renders one page at a time (pages are written as they come: memory stays flat)."""

    def __init__(
        self,
        model: Model,
        dirs: list[Path],
        env: Environment | None = None,
        theme: ThemeFiles | None = None,
    ) -> None:
        playbook = model.playbook
        self.theme = theme  # the repository's own templates: their problems are its
        self.strings = load_strings(dirs, playbook.language)
        self.locale = Locale(playbook.language, self.strings)
        self.env = env or make_environment(dirs)
        self.common = {
            "playbook": playbook,
            "t": self.strings,
            "loc": self.locale,
            "lang": playbook.language,
            "dir": self.locale.direction,
        }

    def template_problems(self) -> list[Diagnostic]:
        """Every template of the repository that does not compile, each at its line:
        all of them before any page is made."""
        return self.theme.compile_problems(self.env) if self.theme is not None else []

    def render(self, page: Page) -> str:
        """The page's HTML; a repository template that fails raises `TemplateProblem`."""
        try:
            return self._render(page)
        except Exception as exc:
            problem = self.theme.problem(exc) if self.theme is not None else None
            if problem is None:
                raise
            raise problem from None  # its place is the problem; the traceback, ours

    def _render(self, page: Page) -> str:
        template = self.env.get_template(page.template)
        base = self.common["playbook"].base_url

        def url(target: str) -> str:
            if page.path == "404.html" and base:
                # a server shows the 404 page at any depth: only absolute links work there
                return urljoin(base if base.endswith("/") else base + "/", target)
            return relative_url(page.path, target)

        nav = [
            {
                "key": key,
                "label": self.strings(f"nav.{key}"),
                "url": url(target),
                "current": key == page.nav,
            }
            for key, target in NAV
        ]
        return template.render(**self.common, **page.context, url=url, nav=nav, page=page)


# a path `urljoin` only appends: segments that start with a letter, digit, _ or - (no
# `.`, `..`, scheme, query or fragment), as every page path of the site is
_APPENDED = re.compile(r"(?:[\w-][\w.-]*/)*(?:[\w-][\w.-]*)?")


def sitemap(base_url: str, paths: list[str]) -> str:
    """sitemap.xml of every page, as published under `base_url` (no dates: reproducible)."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for path in sorted(paths):
        if path == "404.html":
            continue
        clean = path[: -len("index.html")] if path.endswith("index.html") else path
        url = base + clean if _APPENDED.fullmatch(clean) else urljoin(base, clean)
        lines.append(f"  <url><loc>{escape(url, quote=False)}</loc></url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"
