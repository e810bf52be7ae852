"""Built-in network profiles: character limits, media needs, and how each one counts.

X counts with its own weighted rules (a URL is 23, emoji and CJK are 2), which the
twitter-text library implements from X's published configuration; every other
network counts Unicode code points.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sys
import types
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_LINE_ENDS = re.compile(r"\r\n|\r|\n")
# below U+00A9 (the first emoji, ©) no emoji can start: the costly emoji pass is skipped
_FIRST_EMOJI = 0xA9
# where a text can hold a URL: at a dot before a letter. twitter-text finds URLs by
# their domain, which ends in a dot and a top-level domain, and every one starts with a
# letter of some script ("nl", "рф", "中国", punycode's "xn--"); not a digit or "_",
# nor what follows a sentence's full stop. In ASCII: a dot before A-Z or a-z
_URL_DOTS = re.compile(r"\.(?=[^\W\d_])")
_MAY_HOLD_URL = _URL_DOTS.search
# twitter-text v3's weights, scaled: the most a character or an emoji weighs, and a URL
_MOST_A_CHARACTER = 2
_URL_WEIGHT = 23


def count_code_points(text: str) -> int:
    return len(text)


@lru_cache(maxsize=1)
def _twitter_text():
    """X's configuration, URL extractor and emoji pattern: loaded on the first X text that
    is not known (`count_x`), as compiling twitter-text's patterns takes a fifth of a
    second every command would pay.

    A check runs with the cyclic collector paused and freezes what it made, so a reference
    cycle made meanwhile lives for the whole build. Through `pkg_resources` (see below)
    this import once made some through the frames of whoever imported it, and with them
    every file's parse; as it is now it makes none, wherever in the check it happens,
    which tests/test_load_model.py holds."""
    with _resource_reader():
        from twitter_text.config import config
        from twitter_text.extract_urls import extract_urls_with_indices
        from twitter_text.regexp.emoji import emoji

    return config["defaults"], extract_urls_with_indices, emoji


@contextlib.contextmanager
def _resource_reader() -> Iterator[None]:
    """twitter-text-parser reads its emoji list with `pkg_resources.resource_string`,
    from setuptools, which it does not declare: a Python 3.12 environment has no
    setuptools, and recent setuptools releases no longer ship `pkg_resources` (it was
    also slow to import, 90 ms). For the length of that import, a module with that one function, on
    `importlib.resources`, stands in; whatever `pkg_resources` was before comes back."""

    def resource_string(module: str, name: str) -> bytes:
        """A file next to `module`, as pkg_resources reads it."""
        is_package = hasattr(sys.modules.get(module), "__path__")
        package = module if is_package else module.rpartition(".")[0]
        return resources.files(package).joinpath(name).read_bytes()

    stand_in = types.ModuleType("pkg_resources")
    stand_in.resource_string = resource_string  # type: ignore[attr-defined]
    missing = object()
    before = sys.modules.get("pkg_resources", missing)
    sys.modules["pkg_resources"] = stand_in
    try:
        yield
    finally:
        if before is missing:
            del sys.modules["pkg_resources"]
        else:
            sys.modules["pkg_resources"] = before  # type: ignore[assignment]


def _weight(char: str) -> int:
    x = _twitter_text()[0]
    code = ord(char)
    for r in x["ranges"]:
        if r["start"] <= code <= r["end"]:
            return r["weight"]
    return x["default_weight"]


# X lengths by the digest of their text, from the last checks (post_checks.py keeps them
# with the checked posts): a check that meets only texts it counted before never pays the
# fifth of a second twitter-text takes to load
_known_x: dict[str, int] = {}
_counted_x: dict[str, int] = {}  # counted by this process


def _x_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def know_x_lengths(lengths: dict[str, int]) -> None:
    """Lengths counted before (by `_x_key`), by the same twitter-text."""
    _known_x.update(lengths)


def x_lengths() -> dict[str, int]:
    """Every length known, the ones counted last at the end."""
    return {**_known_x, **_counted_x}


@lru_cache(maxsize=65536)
def count_x(text: str) -> int:
    """X's weighted length (see `_count_x`), or the one counted before for this text. An
    ASCII text without a URL needs no twitter-text: its characters weigh one each (a
    CRLF is one line end). Many texts are such, and twitter-text takes 0.1 s to load
    and searched 10,000 of them in 0.14 s, on the path of every build (a check counts
    only the texts `x_at_most` cannot place within the limit)."""
    if text.isascii() and _MAY_HOLD_URL(text) is None:
        return len(text) - text.count("\r\n")
    key = _x_key(text)
    known = _known_x.get(key)
    if known is None:
        known = _counted_x[key] = _count_x(text)
    return known


def x_at_most(text: str) -> int:
    """No less than X's weighted length of `text` (`count_x`), found without twitter-text,
    whose loading is most of a small playbook's check: its characters after NFC (which
    can make one three) at one for ASCII and at the most any other weighs, and a URL's
    weight for every dot a domain can end at (a URL weighs that whatever it holds). A text
    within its limit by this bound is within it by X's count, and nearly every post is:
    only one near or over the limit is counted. tests/test_networks.py holds the bound to
    parse_tweet, and these weights to twitter-text's configuration."""
    text = unicodedata.normalize("NFC", text)
    ascii_count = len(text.encode("ascii", "ignore"))
    weights = _MOST_A_CHARACTER * (len(text) - ascii_count) + ascii_count
    return weights + _URL_WEIGHT * len(_URL_DOTS.findall(text))


def _count_x(text: str) -> int:
    """X's weighted length: twitter-text v3's parse_tweet, its URL and emoji rules and
    weights, without the emoji regex where no emoji can be (ten times faster on plain text).
    tests/test_networks.py holds it equal to parse_tweet."""
    x, extract_urls_with_indices, emoji = _twitter_text()
    text = _LINE_ENDS.sub("\n", unicodedata.normalize("NFC", text))
    scale = x["scale"]
    spans = {u["indices"][0]: u["indices"][1] for u in extract_urls_with_indices(text)}
    url_weight = x["transformed_url_length"] * scale
    emojis: dict[int, int] = {}
    if not text.isascii() and any(ord(c) >= _FIRST_EMOJI for c in text):
        emojis = {m.start(): m.end() for m in emoji.finditer(text)}
    elif text.isascii():  # every character weighs one: only the URLs count otherwise
        return (len(text) - sum(e - s for s, e in spans.items())) + len(spans) * url_weight // scale
    total, i = 0, 0
    while i < len(text):
        if i in spans:
            total += url_weight
            i = spans[i]
        elif i in emojis:
            total += x["default_weight"]
            i = emojis[i]
        else:
            total += _weight(text[i])
            i += 1
    return total // scale


@dataclass(frozen=True)
class Network:
    kind: str
    label: str
    text_limit: int | None = None
    title_limit: int | None = None
    needs_media: bool = False
    counter: Callable[[str], int] = count_code_points
    # a quick bound of `counter`: a text within the limit by it needs no exact count
    at_most: Callable[[str], int] | None = None
    # long-form networks: a variant without text takes the post's body
    uses_body: bool = False


NETWORKS: dict[str, Network] = {
    n.kind: n
    for n in (
        Network("facebook", "Facebook", text_limit=63206),
        Network("instagram", "Instagram", text_limit=2200, needs_media=True),
        Network("pinterest", "Pinterest", text_limit=500, needs_media=True),
        Network("linkedin", "LinkedIn", text_limit=3000),
        Network("x", "X", text_limit=280, counter=count_x, at_most=x_at_most),
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
