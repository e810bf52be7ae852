"""A page of the site: where it is written, the template that shows it, what it shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Page:
    path: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    nav: str = ""  # the navigation entry it belongs to


@dataclass(frozen=True)
class PageJob:
    """A unit of work: the paths of the pages it makes, known before it runs (so `serve`
    can make one page when it is asked for), and how to make them."""

    paths: tuple[str, ...]
    run: Callable[[], list[Page]]

    def __call__(self) -> list[Page]:
        pages = self.run()
        if sorted(p.path for p in pages) != sorted(self.paths):
            # a route and a page that disagree would serve one thing and build another
            raise AssertionError(f"pages {[p.path for p in pages]} declared as {self.paths}")
        return pages
