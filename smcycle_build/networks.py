"""Built-in network profiles: character limits, media needs, and how each one counts.

X counts with its own weighted rules (a URL is 23, emoji and CJK are 2), which the
twitter-text library implements from X's published configuration; every other
network counts Unicode code points.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from twitter_text import parse_tweet


def count_code_points(text: str) -> int:
    return len(text)


def count_x(text: str) -> int:
    """X's weighted length (twitter-text v3: URLs 23, emoji and CJK 2, NFC first)."""
    return parse_tweet(text).weightedLength


@dataclass(frozen=True)
class Network:
    kind: str
    label: str
    text_limit: int | None = None
    title_limit: int | None = None
    needs_media: bool = False
    counter: Callable[[str], int] = count_code_points
    # long-form networks: a variant without text takes the post's body
    uses_body: bool = False


NETWORKS: dict[str, Network] = {
    n.kind: n
    for n in (
        Network("facebook", "Facebook", text_limit=63206),
        Network("instagram", "Instagram", text_limit=2200, needs_media=True),
        Network("pinterest", "Pinterest", text_limit=500, needs_media=True),
        Network("linkedin", "LinkedIn", text_limit=3000),
        Network("x", "X", text_limit=280, counter=count_x),
        Network("threads", "Threads", text_limit=500),
        Network("mastodon", "Mastodon", text_limit=500),
        Network("bluesky", "Bluesky", text_limit=300),
        Network("tiktok", "TikTok", text_limit=2200, needs_media=True),
        Network("youtube", "YouTube", title_limit=100, needs_media=True),
        Network("website", "Website", uses_body=True),
        Network("newsletter", "Newsletter", uses_body=True),
        Network("other", "Other"),
    )
}

KINDS: tuple[str, ...] = tuple(NETWORKS)
