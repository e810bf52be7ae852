"""Where each thing lives in the built site: one place for every path and URL."""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin

_SAFE = re.compile(r"[A-Za-z0-9._~/-]*")


def post_url(post_id: str) -> str:
    return f"posts/{post_id}/index.html"


def entity_url(kind: str, entity_id: str) -> str:
    return f"{kind}/{entity_id}/index.html"


def channel_month_url(channel_id: str, month: str) -> str:
    """One month of a long channel schedule."""
    return f"channels/{channel_id}/{month}/index.html"


def month_url(month: str) -> str:
    return f"calendar/{month}/index.html"


def feed_url(kind: str | None, entity_id: str | None = None) -> str:
    """`calendar.ics`, or `channels/ID.ics` and the like."""
    return "calendar.ics" if kind is None else f"{kind}/{entity_id}.ics"


class Links:
    """Site paths, made absolute when the playbook says where it is published."""

    def __init__(self, base_url: str | None) -> None:
        self.base = None
        if base_url:
            base = base_url if base_url.endswith("/") else base_url + "/"
            self.base = urljoin(base, ".")  # normalised once

    def absolute(self, path: str) -> str | None:
        """The published URL of a site path; None when `base_url` is not set."""
        if not self.base:
            return None
        # site paths never climb (no ..): joining is appending; most need no quoting
        return self.base + (path if _SAFE.fullmatch(path) else quote(path))

    def public(self, path: str) -> str:
        """Absolute when it can be, else the site path (relative to the site's root)."""
        return self.absolute(path) or path

    post = staticmethod(post_url)
    entity = staticmethod(entity_url)
    month = staticmethod(month_url)

    @staticmethod
    def page(path: str) -> str:
        return path


# every name a build writes at the top of its folder (SPEC §4; tests/test_destination.py
# builds the example and compares): a folder holding anything else is not a build's
TOP_LEVEL = frozenset(
    {
        "index.html",
        "404.html",
        "sitemap.xml",
        "calendar.ics",
        "schedule.json",
        "assets",
        "media",
        "situation",
        "listening",
        "measurement",
        "reviews",
        "health",
        "goals",
        "audiences",
        "channels",
        "campaigns",
        "posts",
        "calendar",
    }
)
