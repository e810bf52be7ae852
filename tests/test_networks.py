"""X's weighted count: our fast path is held equal to twitter-text's parse_tweet."""

from __future__ import annotations

import random
import re

from twitter_text import parse_tweet

from conftest import probe
from smcycle_build import networks
from smcycle_build.networks import count_x, x_at_most

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


# what can make a text weigh more than its characters on X: URLs of every kind (a short
# one weighs 23), domains in other scripts, characters NFC makes two or three of (U+0958,
# U+FB2C, U+0344), characters of weight two, emoji sequences, and dots that start none
BOUND_PIECES = [
    *PIECES,
    "a.co",
    "t.co/x",
    "x.com",
    "пример.рф",
    "example.中国",
    "b.xn--p1ai",
    "ride.Example",
    "e.g.",
    "U.S.",
    "v2.0",
    "..",
    ". ",
    ".",
    "\u0958",
    "\ufb2c",
    "\u0344",
    "\u2126",
    "\u212a.nl",
    "一",
    "😀.com",
    "1\ufe0f\u20e3",
]


def test_the_quick_bound_is_never_below_parse_tweet() -> None:
    """`x_at_most` decides that a text is within X's limit without counting it: on texts
    of every kind, it is at least what twitter-text counts."""
    rnd = random.Random(5)
    for pieces, rounds in ((BOUND_PIECES, 1500), (ASCII_PIECES, 1000)):
        for _ in range(rounds):
            text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 40)))
            assert x_at_most(text) >= parse_tweet(text).weightedLength, repr(text)
    # a URL shorter than its weight, again and again: 23 each
    assert x_at_most("a.co " * 12) >= parse_tweet("a.co " * 12).weightedLength == 12 * 24


def test_the_quick_bound_has_twitter_texts_weights() -> None:
    """Its weights are twitter-text's configuration: a URL's, the most any character or
    emoji weighs, and one for every ASCII character."""
    from twitter_text.config import config

    x = config["defaults"]
    assert x["transformed_url_length"] == networks._URL_WEIGHT
    heaviest = max(x["default_weight"], *(r["weight"] for r in x["ranges"]))
    assert heaviest == networks._MOST_A_CHARACTER * x["scale"]
    ascii_range = next(r for r in x["ranges"] if r["start"] == 0)
    assert ascii_range["end"] >= 127 and ascii_range["weight"] == x["scale"]


def test_every_domain_ends_at_a_dot_the_bound_counts() -> None:
    """A URL is found by its domain, which ends in a dot and a top-level domain: every
    character a top-level domain twitter-text knows can start with, in either case (it
    matches without case), follows a dot the bound counts. And no single ASCII
    character is an emoji, which the bound counts as one."""
    from twitter_text.regexp.emoji import emoji
    from twitter_text.regexp.valid_cctld import valid_cctld
    from twitter_text.regexp.valid_gtld import valid_gtld

    domains = []
    for pattern in (valid_gtld.pattern, valid_cctld.pattern):
        listed = pattern[pattern.index("(?:(?:") + 6 : pattern.index(")(?=")]
        domains += listed.split("|")
    assert len(domains) > 1000 and "com" in domains and "рф" in domains
    firsts = {d[0] for d in domains} | {"x"}  # punycode: xn--
    starts = re.compile("[" + re.escape("".join(sorted(firsts))) + "]", re.IGNORECASE)
    every = "".join(map(chr, range(0x110000)))
    found = set(starts.findall(every))
    assert len(found) > len(firsts)  # the other case of each, and K (Kelvin) for k
    assert all(networks._URL_DOTS.match("." + c) for c in found)
    assert not any(emoji.fullmatch(chr(c)) for c in range(128))
