"""X's weighted count: our fast path is held equal to twitter-text's parse_tweet."""

from __future__ import annotations

import random

from twitter_text import parse_tweet

from conftest import probe
from smcycle_build.networks import count_x

PIECES = [
    "ride",
    " ",
    "\n",
    "\r\n",
    "https://harborlane.example/spring",
    "http://t.co/abc",
    "example.com",
    "www.rotterdam.nl/fiets",
    "#harborlaneride",
    "@riders",
    "😀",
    "👨‍👩‍👧",
    "🙋🏽",
    "#️⃣",
    "©",
    "®",
    "日本語",
    "חלות",
    "é",
    "e\u0301",
    "—",
    "…",
    "09:30",
    "3°C",
    ".",
    ",",
    "!",
]


def test_known_values() -> None:
    assert count_x("Hello riders") == 12
    assert count_x("😀" * 140) == 280
    assert count_x("https://example.com/" + "a" * 400) == 23
    assert count_x("日本") == 4


def test_equal_to_parse_tweet_on_many_texts() -> None:
    rnd = random.Random(7)
    for _ in range(3000):
        text = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 40)))
        assert count_x(text) == parse_tweet(text).weightedLength, repr(text)


# what an ASCII text is made of where a URL may or may not begin: dots before letters,
# digits and punctuation, domains in either case, addresses without a domain
ASCII_PIECES = [
    "ride",
    "Ride",
    " ",
    ".",
    "..",
    ". ",
    "e.g.",
    "U.S.",
    "v2.0",
    "9.30",
    "1.2.3.4",
    "http://10.0.0.1/x",
    "example",
    ".com",
    ".COM",
    ".Nl",
    ".xn--p1ai",
    ".-a",
    "._a",
    "/",
    ":",
    "https://",
    "www",
    "-",
    "_",
    "@",
    "#",
    "\r\n",
    "\r",
    "\n",
]


def test_ascii_texts_are_counted_as_parse_tweet_counts_them() -> None:
    """Most of them without twitter-text (see the next test): held equal on texts that
    hold URLs, in any case, and texts whose dots start none."""
    rnd = random.Random(11)
    for _ in range(4000):
        text = "".join(rnd.choice(ASCII_PIECES) for _ in range(rnd.randint(1, 12)))
        assert count_x(text) == parse_tweet(text).weightedLength, repr(text)


def fresh(code: str, before: str = "") -> list[str]:
    """The lines `code` prints in a new interpreter, `count_x` imported after `before`."""
    return probe(
        f"import sys\n{before}from smcycle_build.networks import count_x\n{code}"
    ).splitlines()


def test_plain_ascii_texts_are_counted_without_twitter_text() -> None:
    """Loading it takes a tenth of a second, and searching texts for URLs more: a check
    of X texts without one never loads it. In a fresh interpreter."""
    plain = ["Ride safe. See you at 9.30!", "Tyres: 4.5 bar.\r\nBring a lock.", "#ride @riders"]
    lines = fresh(
        f"print([count_x(t) for t in {plain!r}], 'twitter_text' in sys.modules)\n"
        "print(count_x('Spring rides: example.com/spring'), 'twitter_text' in sys.modules)\n"
    )
    counts = [parse_tweet(t).weightedLength for t in plain]
    linked = parse_tweet("Spring rides: example.com/spring").weightedLength
    assert lines == [f"{counts} False", f"{linked} True"]


def test_counts_without_pkg_resources() -> None:
    """twitter-text reads its emoji list through setuptools' `pkg_resources`, which a
    Python 3.12 environment or a recent setuptools does not have: X texts are still
    counted (the same as parse_tweet here, emoji included), and `pkg_resources` is left
    as it was. In a fresh interpreter where importing it fails."""
    texts = ["Hello riders", "😀👨‍👩‍👧 #️⃣ ride https://example.com/spring", "日本語 🙋🏽 é"]
    counts, left = fresh(
        f"print([count_x(t) for t in {texts!r}])\nprint(sys.modules['pkg_resources'])\n",
        before="sys.modules['pkg_resources'] = None\n",
    )
    assert counts == str([parse_tweet(t).weightedLength for t in texts])
    assert left == "None"
