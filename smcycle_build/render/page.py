"""A page of the site: where it is written, the template that shows it, what it shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Page:
    path: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    nav: str = ""  # the navigation entry it belongs to
