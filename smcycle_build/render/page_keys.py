"""What a page shows, as a key: a build keeps the last build's file of a page whose key
did not change, instead of rendering it again.

A page is a function of its template (the theme), its context, the site's settings
(the language, the day, the base URL, the program and its libraries) and its path
(relative links). Its key is a digest of all of them, the context walked value by
value, with three shortcuts that keep it cheap and still exact:

* a post (and anything reached through it: its variants, its occurrences) is its key
  in the post store, which covers its file and what posts are checked against, joined
  with what its outputs show of the campaign, goal and audience it names (`shown.py`);
  a page has two keys, one with each post as its file but the body, and one with
  each post whole, and the build records the first when the render read no body
  (reads.py): an edit of a body does not make the pages that list the post again;
* a channel, campaign, goal, audience or review is its id, the digest of its fields
  (`entity_digests`) and its body's digest, so that a campaign's brief or dates
  edited make its pages again, not every page; a render that reads a body through an
  object the walk does not meet (an occurrence's view holds its channel) records a
  key that holds every body's digest (reads.py); a channel's fields are in the site
  key as well, with the playbook's (`Layout._settings`);
* an occurrence's view (`Views.occurrence`) is its occurrence, and a row of a table of
  posts (`PostRow`, or `PostRows` not yet made) its post: the rest of them is made
  from that, the channels and the site's language;
* post pages are keyed without building their context (`PostPages.page_keys`), and
  month pages by what they are made from (calendar_pages.py), their channels by their
  fields alone: a month whose render read a description is recorded by the key with
  every description, as any other page (`input_keys`).

A context holding anything the walk does not know (a function, the whole model) has
no key: that page is always rendered. Nothing is reused because two values merely
print alike: types are part of the key.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from operator import attrgetter
from typing import Any

from markupsafe import Markup

from ..cache import LastBuild, joined_digest
from ..model import Audience, Campaign, Channel, Goal, Model, Post, Review
from ..plan import Occurrence
from .page import Page
from .views import OccurrenceView, OccurrenceViews, PostRow, PostRows

# each stands for its fields and its body (`entity_digests`)
ENTITIES = (Channel, Campaign, Goal, Audience, Review)
SCALARS = (int, float, bool, type(None), date, datetime, time, timedelta)
FLUSH = 4096  # parts of a key held before they go into its digest
Ref = tuple[str, str]  # an entity's kind (its class's name) and id


class Unkeyable(Exception):
    """A value the walk cannot stand for: its page is rendered every time."""


class PageKeys:
    def __init__(
        self,
        site: str,
        posts: dict[str, str],
        heads: dict[str, str] | None = None,
        bodies: dict[Ref, str] | None = None,
        fields: dict[Ref, str] | None = None,
    ) -> None:
        self.site = site
        self.posts = posts  # post file path -> its key in the post store
        # post file path -> its key without its body (PostChecks.heads); none: the key
        self.heads = heads if heads is not None else posts
        # (kind, id) -> the digest of a channel's, campaign's... body (`entity_digests`)
        self.bodies = bodies or {}
        # (kind, id) -> the digest of its fields but the body (`entity_digests`)
        self.fields = fields or {}
        self._bodies = hashlib.sha256(repr(sorted(self.bodies.items())).encode()).hexdigest()
        self._described = True  # an entity met in the walk stands for its body too
        self._fields: dict[type, Callable[[Any], tuple[Any, ...]]] = {}
        self._digest = hashlib.sha256()
        self._parts: list[str] = []
        self._whole: list[str] = []  # the keys of the posts met, in the walk's order

    def key(self, page: Page) -> str | None:
        """The page's key with every post it shows as a whole, for a page keyed by what
        it is made from before it is made (the months'): whatever of a channel it can
        show is among those inputs (`_walk`'s entities)."""
        keys = self.keys(page)
        return None if keys is None else keys[1]

    def input_keys(self, page: Page) -> tuple[str, str] | None:
        """A page keyed by what it is made from (a month's: its inputs hold every
        channel): its key with each channel, campaign... standing for its fields alone,
        and that key with every description, which the build records instead when the
        page's render read one (reads.py, `PageReuse.rendered`). No template of the
        built-in theme shows a channel's description on a month, so one edited makes no
        month page again."""
        self._described = False
        try:
            keys = self.keys(page)
        finally:
            self._described = True
        return None if keys is None else (keys[1], keys[2])

    def keys(self, page: Page) -> tuple[str, str, str] | None:
        """The page's key with every post it shows but for its body ("h" and a digest),
        with every post as a whole, and with every post as a whole and every
        description (of a channel, campaign...): one walk, in which each post is its
        key without the body, followed by the keys of the whole posts in the order they
        were met. Which one a build records depends on what the render read
        (reads.py)."""
        walked = self._walked(page)
        if walked is None:
            return None
        head, whole = walked
        posts = joined_digest([head, *whole])
        return "h" + head, posts, joined_digest([posts, self._bodies])

    def _walked(self, page: Page) -> tuple[str, list[str]] | None:
        """The digest of the page's context as walked, each post as its key without the
        body, and the keys of the whole posts met; None: it cannot be keyed."""
        self._digest = hashlib.sha256()
        parts = self._parts = [self.site, page.path, page.template, page.nav]
        self._whole = []
        try:
            self._walk(page.context, parts.append)
        except Unkeyable:
            return None
        self._flush(parts)
        return self._digest.hexdigest(), self._whole

    def _flush(self, parts: list[str]) -> None:
        """Into the digest, in pieces: the context of a page listing every post would
        otherwise be held as a hundred thousand strings at once."""
        self._digest.update(("\0".join(parts) + "\0").encode("utf-8", "surrogatepass"))
        parts.clear()

    def _walk(self, value: Any, out: Callable[[str], None]) -> None:
        """Each value typed and measured (no two walks print alike), depth first."""
        kind = type(value)
        if kind is str:
            out(f"s{len(value)}:{value}")
        elif kind is dict:
            out(f"d{len(value)}")
            for k, v in value.items():
                self._walk(k, out)
                self._items((v,), out)
        elif kind is list or kind is tuple:
            out(f"{'l' if kind is list else 't'}{len(value)}")
            self._items(value, out)
        elif kind in SCALARS:
            out(repr(value))
        elif kind is Markup:
            out(f"m{len(value)}:{value}")
        elif kind is Post:
            out("P" + self._post(value))
        elif kind is Occurrence:
            out("O" + self._occurrence(value))
        elif kind is OccurrenceView:  # Views.occurrence(occ), from nothing but `occ`
            out("V" + self._occurrence(value.occ))
        elif kind is PostRow:  # made from nothing but its post (and the site's settings)
            out("R" + self._post(value.post))
        elif kind is OccurrenceViews or kind is PostRows:  # the same, one for each item
            rows = kind is PostRows
            out(f"{'Q' if rows else 'W'}{len(value)}")
            parts = out.__self__  # type: ignore[attr-defined]  # the list `out` appends to
            for item in value.items:
                out("R" + self._post(item) if rows else "V" + self._occurrence(item))
                if len(parts) > FLUSH and parts is self._parts:  # as in `_items`
                    self._flush(parts)
        elif kind in ENTITIES:
            ref = (kind.__name__, value.id)
            body = self.bodies.get(ref, "-") if self._described else "not read"
            out(f"{ref[0]}:{ref[1]}:{self.fields.get(ref, '-')}:{body}")
        elif kind is frozenset or kind is set:
            parts: list[tuple[str, list[str]]] = []
            whole = self._whole
            for item in value:
                one: list[str] = []
                self._whole = []
                self._walk(item, one.append)
                parts.append(("\0".join(one), self._whole))
            self._whole = whole
            out(f"f{len(value)}")
            for part, posts in sorted(parts):  # an order of its own: not the set's
                out(part)
                whole.extend(posts)
        elif isinstance(value, tuple):  # a named tuple
            out(f"{kind.__qualname__}{len(value)}")
            self._items(value, out)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = self._fields.get(kind)
            if fields is None:
                fields = self._fields[kind] = _getter([f.name for f in dataclasses.fields(value)])
            out(kind.__qualname__)
            self._items(fields(value), out)
        else:
            raise Unkeyable(kind.__qualname__)

    def _items(self, items: Any, out: Callable[[str], None]) -> None:
        """`_walk` of each item, the strings and numbers (most of them) without a call."""
        parts = out.__self__  # type: ignore[attr-defined]  # the list `out` appends to
        for item in items:
            kind = type(item)
            if kind is str:
                out(f"s{len(item)}:{item}")
            elif kind is int or kind is bool or item is None:
                out(repr(item))
            else:
                self._walk(item, out)
            if len(parts) > FLUSH and parts is self._parts:  # not a set's item's own
                self._flush(parts)

    def _occurrence(self, occ: Occurrence) -> str:
        """Its post, channel and index: its start is made of those, and of the playbook's
        zone (`site`, with the files posts are checked against) and the zone rules (the
        checker's id, in `site`), as the schedules' months are keyed (feeds/schedule.py).
        Formatting each start was half the time of keying the campaigns' pages."""
        # `_post` and `occ.channel` inlined: a build keys a hundred thousand occurrences
        path = occ.post.loc.path
        key = self.posts.get(path)
        if key is None:
            raise Unkeyable("a post without a key")
        self._whole.append(key)
        return f"{self.heads[path]} {occ.variant.channel} {occ.index}"

    def _post(self, post: Post) -> str:
        path = post.loc.path
        key = self.posts.get(path)
        if key is None:
            raise Unkeyable("a post without a key")
        self._whole.append(key)
        return self.heads[path]


def entity_digests(model: Model) -> tuple[dict[Ref, str], dict[Ref, str]]:
    """The digests of each channel's, campaign's, goal's, audience's and review's fields
    but its body (as built: its `repr` is exact, the fields being strings, numbers,
    dates and times, and tuples and frozen classes of those) and of its body, by its
    kind (the class's name) and id (`PageKeys`)."""
    fields: dict[Ref, str] = {}
    bodies: dict[Ref, str] = {}
    for table in (model.channels, model.campaigns, model.goals, model.audiences, model.reviews):
        for e in table.values():
            ref = (type(e).__name__, e.id)
            made = repr(dataclasses.replace(e, body=""))
            fields[ref] = hashlib.sha256(made.encode("utf-8", "surrogatepass")).hexdigest()
            bodies[ref] = hashlib.sha256(e.body.encode("utf-8", "surrogatepass")).hexdigest()
    return fields, bodies


def _getter(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A dataclass's field values as a tuple, read at C speed."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda value: (one(value),)
    return lambda value: ()


class PageReuse:
    """One build's use of the last build's pages, in each process that renders."""

    def __init__(
        self,
        keys: PageKeys,
        last: LastBuild,
        declared: set[str],
        described: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        self.keys, self.last = keys, last
        self.declared = declared  # pages keyed without their context: the posts'
        # path -> the keys of a page keyed by its inputs (`PageKeys.input_keys`): without
        # the descriptions, and with them, which is recorded if its render reads one
        self.described = described or {}
        self.made: dict[str, str] = {}  # path -> key, of each page this process keyed
        self._rendering: dict[str, tuple[str, ...]] = {}  # path -> keys, until it is made

    def keep(self, page: Page, out: Any) -> bool:
        """Keep the last build's file of `page` when it has the same key (and is as that
        build wrote it): the key without the bodies if its render read none of them, the
        whole key if it read posts' bodies, the whole key with every description if it
        read one (reads.py); False: render it, then say what it read (`rendered`)."""
        if page.path in self.declared:
            both = self.described.get(page.path)
            if both is not None:  # `rendered` records one of them, as it reads
                self._rendering[page.path] = (both[0], *both)
            return False  # its key is known, and it is made because that key changed
        keys = self.keys.keys(page)
        if keys is None:
            return False
        for key in keys:
            if self.last.has(page.path, key):
                self.made[page.path] = key
                out.keep(page.path)
                return True
        self._rendering[page.path] = keys
        return False

    def rendered(self, path: str, read: tuple[bool, bool]) -> None:
        """The page `keep` did not keep is made: its key is the one that holds what it
        read (`reads.since`: a post's body, a description)."""
        keys = self._rendering.pop(path, None)
        if keys is not None:
            bodies, descriptions = read
            self.made[path] = keys[2] if descriptions else keys[1] if bodies else keys[0]
