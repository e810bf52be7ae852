"""A post and its variants: references, instants, character limits and media.

A variant's instant needs its channel (for `default_time`), its length needs
the channel's network, and its media need the files in `content/media/`: so
variants are read here, after channels are known, not in the field schema.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from . import fields as f
from . import schema
from .errors import Diagnostics
from .fields import At, did_you_mean, read_fields
from .model import MAX_OCCURRENCES, Channel, Loc, Playbook, Post, Repeat, Variant
from .networks import NETWORKS, count_x
from .times import Moment, TimeError
from .webtext import url_problem
from .yamlsrc import YList, YMap

if TYPE_CHECKING:
    from .load import Sources
    from .validate import Record, Refs


def build_post(
    rec: Record,
    playbook: Playbook | None,
    channels: dict[str, Channel],
    refs: Refs,
    src: Sources,
    diags: Diagnostics,
) -> Post | None:
    """The post, or None if anything in it is wrong (every problem reported).

    Without a usable playbook (no time zone) the instants cannot be resolved, but
    references, lengths and media are still checked: every problem in one run.
    """
    v = rec.values
    assert v is not None
    ok = refs.check(rec, "campaign", "campaigns") & refs.check(rec, "goal", "goals")
    ok &= refs.check(rec, "audience", "audiences")
    repeat = build_repeat(rec, v, diags)
    ok &= repeat is not False
    raw = rec.ymap["variants"]
    if not isinstance(raw, YMap) or not raw:
        diags.add(
            rec.doc.path,
            rec.ymap.value_lines["variants"],
            "schema",
            "`variants` should map channel ids to what is posted there",
            hint="for example `variants: {instagram: {text: ..., media: [...]}}`",
        )
        return None
    variants = []
    for channel_id, body in raw.items():
        key_line = raw.key_lines[channel_id]
        if not refs.one(rec.doc.path, key_line, channel_id, "channels"):
            ok = False
            continue
        channel = channels.get(channel_id)
        if channel is None:  # the channel file itself is invalid: reported there
            ok = False
            continue
        if body is None:  # `website:` alone: an empty variant
            body = YMap(key_line)
        if not isinstance(body, YMap):
            diags.add(
                rec.doc.path,
                raw.value_lines[channel_id],
                "schema",
                f"the {channel_id} variant should be a mapping of `field: value`",
            )
            ok = False
            continue
        reader = VariantReader(rec, channel, body, key_line, src, diags)
        variant = reader.build(v, playbook)
        ok &= variant is not None
        if variant is not None:
            variants.append(variant)
    if not ok or playbook is None:
        return None
    return Post(
        id=rec.id,
        title=v["title"],
        status=v["status"],
        campaign=v["campaign"],
        goal=v["goal"],
        audience=v["audience"],
        topic=v["topic"],
        owner=v["owner"],
        variants=tuple(variants),
        repeat=repeat or None,
        body=rec.doc.body,
        loc=rec.loc(),
    )


def report_variants(
    rec: Record, channels: dict[str, Channel], refs: Refs, src: Sources, diags: Diagnostics
) -> None:
    """The problems of a post whose own fields are wrong (said already, `rec.values` None)
    in its variants and references too: in this run, not after the fields are mended
    (a date of 30 February hid an X text over its limit). Read with the fields that did
    read, the others at their defaults; without its instants (its date may be what is
    wrong), and no post is made."""
    from .validate import Record  # validate imports this module

    if rec.doc.fields is None:
        return
    failed: set[str] = set()
    quiet = At(rec.doc.path, rec.doc.fields.line, Diagnostics())  # each said once already
    values = read_fields(rec.doc.fields, schema.POST, quiet, "a post", failed)
    if values is None or "variants" in failed:
        return
    if "date" in failed:  # a series is checked against its date
        values["repeat"] = None
    build_post(Record(rec.doc, rec.id, values), None, channels, refs, src, diags)


def _most_occurrences(r: dict, start: date) -> int:
    """At most how many times a series that ends can go out (one open series stops at the
    plan's horizon: plan.expand_variant)."""
    if r["count"] is not None:
        return r["count"]
    if r["until"] is None:
        return 0
    days, interval = (r["until"] - start).days, r["interval"]
    if r["freq"] == "daily":
        return days // interval + 1
    if r["freq"] == "weekly":
        return (days // (7 * interval) + 1) * max(1, len(r["byday"]))
    return days // (28 * interval) + 1  # monthly: a month is 28 days or more


def build_repeat(rec: Record, v: dict, diags: Diagnostics) -> Repeat | bool | None:
    """The series, None without one, False when it is contradictory (reported)."""
    r = v["repeat"]
    if r is None:
        return None
    ymap = rec.ymap["repeat"]
    if r["count"] is not None and r["until"] is not None:
        diags.add(
            rec.doc.path,
            ymap.key_lines["until"],
            "schema",
            "a series ends by `count` or by `until`, not both",
        )
        return False
    if r["until"] is not None and r["until"] < v["date"].day:
        diags.add(rec.doc.path, ymap.value_lines["until"], "time", "`until` is before `date`")
        return False
    most = _most_occurrences(r, v["date"].day)
    if most > MAX_OCCURRENCES:
        end = "count" if r["count"] is not None else "until"
        diags.add(
            rec.doc.path,
            ymap.value_lines[end],
            "schema",
            f"a series of up to {most:,} occurrences: at most {MAX_OCCURRENCES:,}",
            hint="end it sooner, or split it into several posts",
        )
        return False
    return Repeat(
        freq=r["freq"],
        interval=r["interval"],
        byday=tuple(dict.fromkeys(r["byday"])),
        count=r["count"],
        until=r["until"],
        except_dates=tuple(sorted(set(r["except"]))),
    )


def resolve_start(
    post_date: Moment, at: Moment | time | None, channel: Channel, playbook: Playbook
) -> datetime:
    """The variant's instant: `at` replaces the post's date (a time alone keeps its day)."""
    clock = channel.default_time or playbook.default_time
    if isinstance(at, time):
        return Moment(post_date.day, at, None).resolve(playbook.timezone, clock)
    return (at or post_date).resolve(playbook.timezone, clock)


class VariantReader:
    """Reads one variant of one post and reports its problems at their lines."""

    def __init__(
        self,
        rec: Record,
        channel: Channel,
        body: YMap,
        key_line: int,
        src: Sources,
        diags: Diagnostics,
    ) -> None:
        self.rec, self.channel, self.body, self.key_line = rec, channel, body, key_line
        self.src, self.diags = src, diags
        self.path = rec.doc.path
        self.what = f"the {channel.id} variant"

    def error(
        self, line: int, rule: str, message: str, hint: str | None = None, locked: bool = False
    ) -> bool:
        """Report a problem; False (drop the variant) only if it stays an error after `lint:`."""
        return not self.diags.add(self.path, line, rule, message, hint=hint, locked=locked)

    def build(self, post: dict, playbook: Playbook | None) -> Variant | None:
        v = read_fields(
            self.body, schema.VARIANT, At(self.path, self.key_line, self.diags), self.what
        )
        if v is None:
            return None
        ok, start = True, None
        if playbook is not None:
            try:
                start = resolve_start(post["date"], v["at"], self.channel, playbook)
            except TimeError as exc:
                if v["at"] is not None:
                    ok = self.error(self.body.value_lines["at"], "time", f"{exc} ({self.what})")
                else:  # the post's own date: said once, however many variants share it
                    ok = self.error(self.rec.ymap.value_lines["date"], "time", str(exc))
        network = NETWORKS[self.channel.network]
        text = v["text"]
        if text is None and network.uses_body:
            text = self.rec.doc.body.strip()
        text, title = text or "", v["title"] or ""
        unit = "weighted characters" if network.counter is count_x else "characters"
        ok &= self.check_length(
            "text", text, self.channel.text_limit, network.counter, unit, network.at_most
        )
        ok &= self.check_length("title", title, self.channel.title_limit, len, "characters")
        if not text.strip() and not v["media"] and not title.strip():  # blanks post nothing
            ok = self.error(
                self.key_line, "schema", f"{self.what} has nothing to post", hint="add `text:`"
            )
        # an idea is not a post yet: its picture may come later
        ok &= self.check_media(v["media"], network.needs_media and post["status"] != "idea")
        if v["link"] is not None:
            ok &= self.check_link(v["link"].strip())
        if not ok or start is None:
            return None
        return Variant(
            channel=self.channel.id,
            text=text,
            title=title,
            media=tuple(m.strip() for m in v["media"]),
            link=v["link"].strip() if v["link"] else None,
            start=start,
            loc=Loc.with_keys(self.path, self.key_line, self.body.key_lines),
        )

    def check_length(
        self, name: str, text: str, limit: int | None, counter, unit: str, at_most=None
    ) -> bool:
        if not text or limit is None:
            return True
        if at_most is not None and at_most(text) <= limit:
            return True  # within it by a quick bound: not counted (networks.x_at_most)
        length = counter(text)
        if length <= limit:
            return True
        return self.error(
            self.body.value_lines.get(name, self.key_line),
            "length",
            f"the {name} of {self.what} is {length} {unit}, "
            f"{length - limit} over the limit of {limit}",
        )

    def check_media(self, media: tuple[str, ...], needs_media: bool) -> bool:
        if not media:
            if needs_media:
                return self.error(
                    self.key_line,
                    "media",
                    f"{self.what} needs a picture or video: this network does not post text alone",
                    hint="add `media: [FILE]` with a file under content/media/",
                )
            return True
        ok = True
        raw = self.body["media"]
        lines = raw.item_lines if isinstance(raw, YList) else [self.body.value_lines["media"]]
        for item, line in zip(media, lines, strict=True):
            name = item.strip()
            pure = PurePosixPath(name)
            if (
                not name
                or pure.is_absolute()
                or ".." in pure.parts
                or "\\" in name
                or name in self.src.media_escapes
            ):
                ok &= self.error(
                    line,
                    "media",
                    f"`{name}` is outside content/media/",
                    hint="media paths are relative to content/media/, e.g. `spring/poster.png`",
                    locked=True,  # whatever `lint:` says: no file from outside content/
                )
            elif name not in self.src.media:
                hint = did_you_mean(name, self.src.media)
                if hint is None and name.startswith("media/") and name[6:] in self.src.media:
                    hint = f"media paths are relative to content/media/: write `{name[6:]}`"
                ok &= self.error(line, "ref", f"`{name}` names no file in content/media/", hint)
        return ok

    def check_link(self, link: str) -> bool:
        """A URL, or the id of a channel of this post whose variant page the link points to."""
        line = self.body.value_lines["link"]
        if urlparse(link).scheme:
            problem = url_problem(link)
            if problem is None:
                return True
            return self.error(line, "schema", problem.message, problem.hint)
        variants = self.rec.ymap["variants"]
        if f.ID_RE.match(link) and link in variants:
            return True
        return self.error(
            line,
            "ref",
            f"`{link}` is neither a URL nor a channel of this post",
            hint=did_you_mean(link, variants) or "write a full https:// URL or a channel id",
        )
