"""What a web page can hold as written: the characters it can show, and URLs.

Content comes from many hands and every page must pass the W3C checker, whatever it
holds. A text field and a Markdown body are read through `showable`; a URL field is
held to `url_problem`, and a body's links are written `escaped` (render/markup.py,
whose stored HTML is keyed by this module's source too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# What no page can show: HTML's forbidden code points, the control characters but white
# space, and the noncharacters. A YAML escape writes one (`"\a"`, `"\x1b"`, `"\0"`), text
# pasted from another program may carry one, and the W3C checker rejects the page.
_NONCHARACTERS = "".join(
    f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0x10000, 0x110000, 0x10000)
)
_UNSHOWABLE = re.compile(
    f"[\\x00-\\x08\\x0b\\x0e-\\x1f\\x7f-\\x9f\\ufdd0-\\ufdef\\ufffe\\uffff\\ud800-\\udfff{_NONCHARACTERS}]"
)
# The same, found sooner: that expression reads a text at 80 ns a character (three
# seconds for the bodies of 10,000 posts), so the text's UTF-8 is tested first. The
# ASCII ones are deleted by a byte table; each other is found behind the bytes it starts
# with, which `in` finds at memchr's speed and a text rarely holds.
_ASCII_UNSHOWABLE = bytes(range(0x09)) + b"\x0b" + bytes(range(0x0E, 0x20)) + b"\x7f"
_WIDE_UNSHOWABLE = (
    (b"\xc2", re.compile(rb"\xc2[\x80-\x9f]")),  # U+0080 to U+009F
    (b"\xef\xb7", re.compile(rb"\xef\xb7[\x90-\xaf]")),  # U+FDD0 to U+FDEF
    (b"\xef\xbf", re.compile(rb"\xef\xbf[\xbe\xbf]")),  # U+FFFE, U+FFFF
    (b"\xed", re.compile(rb"\xed[\xa0-\xbf]")),  # a lone surrogate ("surrogatepass")
    (b"\xbf\xbe", re.compile(rb"[\x8f\x9f\xaf\xbf]\xbf\xbe")),  # U+1FFFE to U+10FFFE
    (b"\xbf\xbf", re.compile(rb"[\x8f\x9f\xaf\xbf]\xbf\xbf")),  # U+1FFFF to U+10FFFF
)


def showable(text: str) -> str:
    """`text` without the characters no page can show: left out of every file, as the
    feeds and the CSV always left control characters out (feeds/icstext.clean)."""
    if text.isprintable():  # most values: one line of letters, digits and spaces
        return text
    data = text.encode("utf-8", "surrogatepass")
    if len(data.translate(None, _ASCII_UNSHOWABLE)) == len(data) and (
        text.isascii()
        or not any(lead in data and found.search(data) for lead, found in _WIDE_UNSHOWABLE)
    ):
        return text
    return _UNSHOWABLE.sub("", text)


# What a URL cannot hold as written (the URL Standard's validation errors; the W3C
# checker rejects a page that links to it, and a scheduling tool may cut the link
# there): white space and control characters, these, and a `%` that starts no escape.
# A `[` or `]` belongs only around an IPv6 host, a `#` only before the fragment.
_NOT_IN_URL = re.compile(r'[\x00-\x20\x7f"<>\\^`{|}\[\]]|%(?![0-9A-Fa-f]{2})')
# scheme://user@host:port, then the rest (path, query, fragment)
_PARTS = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<user>[^/?#@]*@)?"
    r"(?P<host>\[[^\]/?#]*\]|[^:/?#]*)(?::(?P<port>[0-9]*))?(?P<rest>[/?#].*)?",
    re.DOTALL,
)
_NAMES = {" ": "a space", "\t": "a tab", "\n": "a line break", "%": "a `%` that starts no escape"}


@dataclass(frozen=True)
class UrlProblem:
    """Why a text is not an absolute http(s) URL as a page can link to it."""

    message: str
    hint: str | None = None  # the same URL, written as it must be, where there is one


def url_problem(link: str) -> UrlProblem | None:
    """None when `link` is an absolute http(s) URL with a host, written as a URL must be:
    what a post's link, a channel's `url` and `base_url` are."""
    parts = _PARTS.fullmatch(link)
    if parts is None or parts["scheme"].lower() not in ("http", "https") or not parts["host"]:
        return UrlProblem(f"`{link}` is not an http(s) URL")
    host, rest = parts["host"], parts["rest"] or ""
    bad = _NOT_IN_URL.search(host[1:-1] if host[0] + host[-1] == "[]" else host)
    if bad is not None:
        return UrlProblem(f"`{link}` is not a URL: its host cannot hold {_name(bad[0])}")
    if parts["user"] is not None:  # a password in a link is published with it
        bare = link.replace(parts["user"], "", 1)
        return UrlProblem(
            f"`{link}` is no link to publish: it holds credentials (`{parts['user']}`)",
            hint=f"write `{bare}`",
        )
    if parts["port"] and int(parts["port"]) > 65535:
        return UrlProblem(f"`{link}` is not a URL: its port is no number from 0 to 65535")
    fixed = escaped(link)
    if fixed == link:
        return None
    bad = _NOT_IN_URL.search(rest)
    what = _name(bad[0]) if bad is not None else "a second `#`"
    return UrlProblem(
        f"`{link}` is not a URL as written: it holds {what}", hint=f"write it escaped: `{fixed}`"
    )


def escaped(link: str) -> str:
    """`link` with what a URL cannot hold as written escaped, as CommonMark's renderers
    write a link's destination (a `#` after the first is %23); the host of an absolute
    URL is left as it is (a space there cannot be escaped)."""
    parts = _PARTS.fullmatch(link)
    start = len(link) - len(parts["rest"] or "") if parts is not None else 0
    head, hash_, fragment = _NOT_IN_URL.sub(_escape, link[start:]).partition("#")
    return link[:start] + head + hash_ + fragment.replace("#", "%23")


def _name(char: str) -> str:
    return _NAMES.get(char) or (f"`{char}`" if char.isprintable() else f"U+{ord(char):04X}")


def _escape(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match[0].encode("utf-8"))
