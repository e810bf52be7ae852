"""Raw documents -> the typed model, every problem collected.

Fields are checked one by one (schema, time); ids are checked for form and
uniqueness (duplicate-id); then references between files (ref), only on records
whose own fields passed, so one mistake is reported once.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from . import fields as f
from . import schema
from .errors import Diagnostics
from .fields import At, did_you_mean, read_fields
from .frozen import frozen
from .load import RawDocument, Sources, checked_against
from .memo import Memo
from .metrics_csv import read_metrics
from .model import (
    Audience,
    Cadence,
    Campaign,
    Channel,
    Competitor,
    Cycle,
    Goal,
    Listening,
    Loc,
    MetricRef,
    Milestone,
    Model,
    Playbook,
    Post,
    Query,
    Response,
    Review,
    Situation,
    Survey,
    Theme,
)
from .networks import NETWORKS
from .posts import build_post, report_variants
from .times import parse_clock
from .yamlsrc import YList, YMap

if TYPE_CHECKING:
    from .post_checks import PostChecks


@frozen
class Record:
    """A file's parsed fields (None if any was invalid) and its id."""

    doc: RawDocument
    id: str
    values: dict[str, Any] | None

    @property
    def ymap(self) -> YMap:
        return self.doc.fields or YMap(1)

    def loc(self) -> Loc:
        return Loc.with_keys(self.doc.path, 1, self.ymap.key_lines)


class Refs:
    """Checks that ids name something, at the line where they are written."""

    def __init__(self, known: dict[str, set[str]], diags: Diagnostics) -> None:
        self.known = known
        self.diags = diags

    def to(self, diags: Diagnostics) -> Refs:
        """The same checks, reported to `diags`: one post's own problems, which a re-check
        replays when it reuses the post (`serve`'s memo, the post store)."""
        return Refs(self.known, diags)

    def check(self, rec: Record, name: str, kind: str, extra: tuple[str, ...] = ()) -> bool:
        """Every id in field `name` of `rec` must name a `kind`; reports the ones that don't."""
        values = rec.values[name] if rec.values else None
        if values is None:
            return True
        ymap = rec.ymap
        if isinstance(values, str):
            values, lines = (values,), [ymap.value_lines.get(name, 1)]
        else:
            raw = ymap.get(name)
            lines = raw.item_lines if isinstance(raw, YList) else [ymap.value_lines.get(name, 1)]
        ok = True
        for value, line in zip(values, lines, strict=False):
            ok &= self.one(rec.doc.path, line, value, kind, extra)
        return ok

    def one(self, path: str, line: int, value: str, kind: str, extra: tuple[str, ...] = ()) -> bool:
        if value in self.known[kind] or value in extra:
            return True
        singular = kind[:-1]
        self.diags.add(
            path,
            line,
            "ref",
            f"`{value}` names no {singular} (no such file in content/{kind}/)",
            hint=did_you_mean(value, self.known[kind] | set(extra)),
        )
        return False


def validate(src: Sources, diags: Diagnostics, memo: Memo | None = None) -> Model | None:
    """The model of the playbook, or None if playbook.yaml itself is unusable. With a
    `memo`, a post is validated again only when its file or what it refers to changed."""
    playbook = build_playbook(src.playbook, diags)
    if playbook is not None:
        diags.overrides.update({k: str(v) for k, v in playbook.lint.items() if k in schema.RULES})
    # posts are many and read through the memo; the few other files are read every time
    records = {
        kind: read_records(kind, docs, diags, memo, src)
        if kind == "posts"
        else read_records(kind, docs, diags)
        for kind, docs in src.entities.items()
    }
    known = {kind: {r.id for r in recs} for kind, recs in records.items()}
    refs = Refs(known, diags)
    situation = build_situation(src.situation, diags)
    themes = build_themes(src.themes, diags)
    channels = build_channels(records["channels"], diags)
    goals = build_goals(records["goals"], playbook, refs, diags)
    audiences = build_audiences(records["audiences"])
    campaigns = build_campaigns(records["campaigns"], playbook, refs, diags)
    reviews = build_reviews(records["reviews"], refs, diags)
    listening = build_listening(src.listening, refs, diags)
    metrics = read_metrics(src.metrics, known, diags)
    context: tuple[Any, ...] = ()
    if memo is not None:
        # what a post's check reads of the files it is checked against, as the post store
        # keys it (load.checked_against): an edit of a campaign's dates or a channel's
        # description validates, lints and expands no post again
        context = (
            post_reads(playbook),
            *(
                checked_against(kind, doc)
                for kind, docs in src.entities.items()
                if kind != "posts"
                for doc in docs
            ),
        )
        context = memo.value("context", "posts", context, lambda: context)
    posts = {}
    post_records: list[Record | None] = list(records.pop("posts"))
    if memo is None:
        # without a memo to keep them, each post's parse is let go once its post is made,
        # so that the posts fill the room their parses leave: a denser heap, which the
        # build's forked workers copy less of
        src.entities["posts"] = []
    checks = src.checks
    for i, rec in enumerate(post_records):
        assert rec is not None
        reused = checks.found.get(rec.doc.path) if checks is not None else None
        if reused is not None:  # from the post store, its problems replayed
            diags.absorb(reused.built)
            post = reused.post
        else:

            def make(d: Diagnostics, rec: Record = rec) -> Post | None:
                if rec.values is None:  # its fields were wrong: no post, its variants' problems
                    report_variants(rec, channels, refs.to(d), src, d)
                    return None
                return build_post(rec, playbook, channels, refs.to(d), src, d)

            if checks is not None:  # the post's own problems, kept for its entry
                built = diags.fork()
                post = make(built)
                diags.absorb(built.items)
                checks.make(rec.doc, rec, post, built.items)
            elif memo is None:
                post = make(diags)
            else:
                token = (rec, context, *media_read(rec, src))
                post = memo.reuse("posts", rec.doc.path, token, diags, make)
            if memo is None:
                post_records[i] = rec = None
        if post is not None:
            posts[post.id] = post
    if memo is not None:
        memo.keep("posts", (rec.doc.path for rec in post_records if rec is not None))
    if playbook is None:
        return None
    return Model(
        playbook=playbook,
        situation=situation,
        goals=goals,
        audiences=audiences,
        channels=channels,
        campaigns=campaigns,
        themes=themes,
        posts=dict(sorted(posts.items())),
        listening=listening,
        metrics=metrics,
        reviews=reviews,
        media=src.media,
    )


def named_media(rec: Record | None) -> list[str] | None:
    """The files of content/media/ a post file names, as its check looks them up
    (posts.py); None when its variants or their `media` are not what a check reads
    (then it holds only for the same content/media/ as a whole)."""
    variants = rec.ymap.get("variants") if rec is not None and rec.values is not None else None
    if not isinstance(variants, YMap):
        return None
    names: list[object] = []
    for body in variants.values():
        media = body.get("media") if isinstance(body, YMap) else None
        if isinstance(media, str):
            names.append(media)
        elif isinstance(media, YList):
            names.extend(media)
        elif media is not None:
            return None
    if not all(type(name) is str for name in names):
        return None
    return [name.strip() for name in names]  # type: ignore[union-attr]


def media_read(rec: Record, src: Sources) -> tuple[object, object, object]:
    """What a post's check finds of content/media/, for `serve`'s memo: each file it
    names and whether it is there, as text; and when one is not (or the names are not
    a list of texts), all of content/media/ as well, whose files a hint names. A
    picture added for another post checks no post again (as `PostChecks.media_holds`)."""
    whole = src.media, src.media_escapes
    names = named_media(rec)
    if names is None:
        return "", *whole
    found = [name in src.media for name in names]
    said = "\0".join(f"{name}\0{there}" for name, there in zip(names, found, strict=True))
    return (said, None, None) if all(found) else (said, *whole)


def post_reads(playbook: Playbook | None) -> str:
    """What a post's check reads of playbook.yaml (posts.py), as `serve`'s memo and the
    post store key posts by it: its zone and default time, which place a post's variants
    in time, and its `lint:`, whose severities a post's problems are recorded with and
    whose copy-paste threshold its variants are compared by. A new title, a comment or a
    line moved checks no post again; a page, feed or schedule shows the playbook's fields
    through the site's key (`Layout.site_key`)."""
    if playbook is None:
        return "no playbook"  # no instants: every post is made again once there is one
    lint = repr(sorted(playbook.lint.items()))
    return f"{playbook.timezone.key} {playbook.default_time.isoformat()} {lint}"


def channel_reads(doc: RawDocument) -> str:
    """What a post's check reads of a channel's file (posts.py): its id, and whether it
    is usable with its network, its limits and its default time. A new name, handle,
    cadence or role checks no post again; a page, feed or schedule shows a channel's
    fields through the site's key (`Layout.site_key`)."""
    quiet = Diagnostics()
    recs = read_records("channels", [doc], quiet)
    if not recs:
        return "no id"
    rec = recs[0]
    channel = build_channels(recs, quiet).get(rec.id)
    if channel is None:
        return f"id {rec.id}, unusable"
    clock = channel.default_time
    limits = f"{channel.text_limit} {channel.title_limit}"
    return f"id {rec.id} {channel.network} {limits} {clock and clock.isoformat()}"


def severities(diags: Diagnostics) -> str:
    """The severities playbook.yaml's `lint:` gives the rules, with which the problems a
    re-check replays were recorded: part of what a reused record or post depends on."""
    return repr(sorted(diags.overrides.items()))


def read_records(
    kind: str,
    docs: list[RawDocument],
    diags: Diagnostics,
    memo: Memo | None = None,
    src: Sources | None = None,
) -> list[Record]:
    """Each file's fields, its id (file name unless `id:`), and duplicate-id checks."""
    spec, what = schema.ENTITY_SPECS[kind]

    def read(doc: RawDocument, diags: Diagnostics) -> Record | None:
        values = None
        if doc.fields is not None:
            values = read_fields(doc.fields, spec, At(doc.path, doc.fields.line, diags), what)
        rec_id = record_id(doc, diags)
        return None if rec_id is None else Record(doc, rec_id, values)

    checks = src.checks if kind == "posts" and src is not None else None
    # playbook.yaml's `lint:` settles the severity of what is found: part of a memo's key
    settled = severities(diags) if memo is not None else ""
    found: list[Record] = []
    for doc in docs:
        if checks is not None:  # each file's problems kept apart, for its entry
            own = diags.fork()
            rec = read(doc, own)
            diags.absorb(own.items)
            checks.recorded[doc.path] = own.items
            if rec is None:
                checks.make(doc, None, None, ())
        elif memo is None:
            rec = read(doc, diags)
        else:
            token = (doc, settled)
            rec = memo.reuse(f"records-{kind}", doc.path, token, diags, partial(read, doc))
        if rec is not None:
            found.append(rec)
    if memo is not None:
        memo.keep(f"records-{kind}", (doc.path for doc in docs))
    if checks is not None:
        found.extend(reused_records(checks, diags))
    # the file named after an id keeps it (then the first path); the other files are the
    # ones to change, and are reported at their `id:` line
    found.sort(key=lambda r: (r.doc.stem != r.id, r.doc.path))
    owners: dict[str, str] = {}
    out: list[Record] = []
    for rec in found:
        if rec.id in owners:
            diags.add(
                rec.doc.path,
                rec.ymap.key_lines.get("id", 1),
                "duplicate-id",
                f"the id `{rec.id}` is already used by {owners[rec.id]}",
                hint="ids are unique per folder: rename one file or set a different `id:`",
            )
            continue
        owners[rec.id] = rec.doc.path
        out.append(rec)
    return sorted(out, key=lambda r: r.doc.path)


def reused_records(checks: PostChecks, diags: Diagnostics) -> list[Record]:
    """Stand-ins for the posts a check reuses (their problems replayed): an id, and where
    it is written, for the duplicate-id check; never built again."""
    out = []
    for entry in checks.found.values():
        diags.absorb(entry.parsed)
        diags.absorb(entry.read)
        if entry.id is not None:
            fields = YMap(1)
            fields.key_lines["id"] = entry.id_line
            out.append(Record(RawDocument("posts", entry.path, entry.stem, fields), entry.id, None))
    return out


def record_id(doc: RawDocument, diags: Diagnostics) -> str | None:
    """`id:` when written (an invalid one was reported by read_fields), else the file name."""
    written = (doc.fields or YMap(1)).get("id")
    if written is not None:
        candidate = str(written).strip()
        return candidate if f.ID_RE.match(candidate) else None
    if f.ID_RE.match(doc.stem):
        return doc.stem
    diags.add(
        doc.path,
        1,
        "schema",
        f"the file name `{doc.stem}` is not a valid id",
        hint="rename the file (lowercase letters, digits and dashes) or set `id:`",
    )
    return None


def build_playbook(doc: RawDocument | None, diags: Diagnostics) -> Playbook | None:
    if doc is None or doc.fields is None:
        return None
    v = read_fields(doc.fields, schema.PLAYBOOK, At(doc.path, 1, diags), "playbook.yaml")
    if v is None:
        return None
    cycle = None
    if v["cycle"]:
        c = v["cycle"]
        if c["end"] < c["start"]:
            line = doc.fields["cycle"].value_lines.get("end", 1)
            diags.add(doc.path, line, "time", "the cycle ends before it starts")
            return None
        cycle = Cycle(c["name"], c["start"], c["end"])
    return Playbook(
        title=v["title"],
        organization=v["organization"],
        strategy=v["strategy"],
        timezone=v["timezone"],
        language=v["language"],
        base_url=v["base_url"],
        cycle=cycle,
        default_time=v["default_time"] or parse_clock("09:00"),
        event_minutes=v["event_minutes"],
        lint=v["lint"],
        loc=Loc(doc.path, 1),
    )


def _fields_of(doc: RawDocument | None, spec: dict, what: str, diags: Diagnostics):
    if doc is None or doc.fields is None:
        return None
    return read_fields(doc.fields, spec, At(doc.path, doc.fields.line, diags), what)


def build_situation(doc: RawDocument | None, diags: Diagnostics) -> Situation | None:
    v = _fields_of(doc, schema.SITUATION, "situation.md", diags)
    if v is None:
        return None
    competitors = tuple(
        Competitor(c["id"], c["name"], tuple(c["networks"]), c["notes"]) for c in v["competitors"]
    )
    lists = {k: tuple(v[k]) for k in ("perception", "strengths", "weaknesses")}
    return Situation(
        as_of=v["as_of"],
        competitors=competitors,
        opportunities=tuple(v["opportunities"]),
        threats=tuple(v["threats"]),
        body=doc.body,
        loc=Loc(doc.path, 1),
        **lists,
    )


def build_themes(doc: RawDocument | None, diags: Diagnostics) -> tuple[Theme, ...]:
    if doc is None or doc.fields is None:
        return ()
    data = doc.fields
    if isinstance(data, YMap) and not data:  # an empty file: no topics yet
        return ()
    if not isinstance(data, YList):
        diags.add(doc.path, 1, "schema", "themes.yaml should be a list of {month, topic, notes}")
        return ()
    themes = []
    parse = f.mapping(schema.THEME, "a theme")
    for item, item_at in f.items(data, At(doc.path, 1, diags)):
        try:
            t = parse(item, item_at)
        except f.Invalid as exc:
            item_at.report(exc)
            continue
        except f.Reported:
            continue
        themes.append(Theme(t["month"], t["topic"], t["notes"], Loc(doc.path, item_at.line)))
    return tuple(sorted(themes, key=lambda t: (t.month, t.loc.line)))


def build_channels(recs: list[Record], diags: Diagnostics) -> dict[str, Channel]:
    out = {}
    for rec in recs:
        v = rec.values
        if v is None:
            continue
        network = v["network"] or (rec.id if rec.id in NETWORKS else None)
        if network is None:
            diags.add(
                rec.doc.path,
                1,
                "schema",
                f"a channel needs `network`: `{rec.id}` is not a network kind",
                hint=f"set `network:` to one of {', '.join(NETWORKS)}",
            )
            continue
        profile = NETWORKS[network]
        limits = v["limits"] or {}
        out[rec.id] = Channel(
            id=rec.id,
            name=v["name"],
            network=network,
            handle=v["handle"],
            url=v["url"],
            role=v["role"],
            default_time=v["default_time"],
            cadence=Cadence(**v["cadence"]) if v["cadence"] else None,
            quiet_cadence=Cadence(**v["quiet_cadence"]) if v["quiet_cadence"] else None,
            text_limit=limits.get("text") or profile.text_limit,
            title_limit=limits.get("title") or profile.title_limit,
            body=rec.doc.body,
            loc=rec.loc(),
        )
    return dict(sorted(out.items()))


def build_goals(
    recs: list[Record], playbook: Playbook | None, refs: Refs, diags: Diagnostics
) -> dict[str, Goal]:
    out = {}
    for rec in recs:
        v = rec.values
        if v is None:
            continue
        channel, metric = v["metric"]
        written = rec.ymap["metric"]
        line = (
            written.value_lines["channel"]
            if isinstance(written, YMap)
            else rec.ymap.value_lines["metric"]
        )
        ok = refs.one(rec.doc.path, line, channel, "channels", ("all",))
        ok &= refs.check(rec, "audiences", "audiences") & refs.check(rec, "channels", "channels")
        if v["start"] and v["start"] > v["due"]:
            diags.add(rec.doc.path, rec.ymap.value_lines["due"], "time", "`due` is before `start`")
            ok = False
        if not ok:
            continue
        out[rec.id] = Goal(
            id=rec.id,
            title=v["title"],
            strategy=v["strategy"] or (playbook.strategy if playbook else "awareness"),
            metric=MetricRef(channel, metric),
            aggregate=v["aggregate"],
            baseline=v["baseline"],
            target=v["target"],
            start=v["start"] or (playbook.cycle.start if playbook and playbook.cycle else None),
            due=v["due"],
            audiences=tuple(v["audiences"]),
            channels=tuple(v["channels"]),
            owner=v["owner"],
            body=rec.doc.body,
            loc=rec.loc(),
        )
    return dict(sorted(out.items()))


def build_audiences(recs: list[Record]) -> dict[str, Audience]:
    out = {}
    for rec in recs:
        v = rec.values
        if v is None:
            continue
        out[rec.id] = Audience(
            id=rec.id,
            name=v["name"],
            description=v["description"],
            networks=tuple(v["networks"]),
            active_hours=tuple(v["active_hours"]),
            needs=tuple(v["needs"]),
            body=rec.doc.body,
            loc=rec.loc(),
        )
    return dict(sorted(out.items()))


def build_campaigns(
    recs: list[Record], playbook: Playbook | None, refs: Refs, diags: Diagnostics
) -> dict[str, Campaign]:
    out = {}
    for rec in recs:
        v = rec.values
        if v is None:
            continue
        ok = refs.check(rec, "goals", "goals") & refs.check(rec, "audiences", "audiences")
        ok &= refs.check(rec, "channels", "channels")
        if v["end"] < v["start"]:
            diags.add(rec.doc.path, rec.ymap.value_lines["end"], "time", "`end` is before `start`")
            ok = False
        if not ok:
            continue
        lines = rec.ymap["milestones"].item_lines if v["milestones"] else []
        milestones = tuple(
            Milestone(m["date"], m["title"], Loc(rec.doc.path, line))
            for m, line in zip(v["milestones"], lines, strict=True)
        )
        out[rec.id] = Campaign(
            id=rec.id,
            name=v["name"],
            strategy=v["strategy"] or (playbook.strategy if playbook else "awareness"),
            goals=tuple(v["goals"]),
            audiences=tuple(v["audiences"]),
            channels=tuple(v["channels"]),
            start=v["start"],
            end=v["end"],
            before_days=v["before_days"],
            after_days=v["after_days"],
            milestones=tuple(sorted(milestones, key=lambda m: (m.date, m.title))),
            body=rec.doc.body,
            loc=rec.loc(),
        )
    return dict(sorted(out.items()))


def build_reviews(recs: list[Record], refs: Refs, diags: Diagnostics) -> dict[str, Review]:
    out = {}
    for rec in recs:
        v = rec.values
        if v is None or not refs.check(rec, "goals_met", "goals"):
            continue
        period = None
        if v["period"]:
            period = (v["period"]["start"], v["period"]["end"])
            if period[1] < period[0]:
                line = rec.ymap["period"].value_lines["end"]
                diags.add(rec.doc.path, line, "time", "the period ends before it starts")
                continue
        out[rec.id] = Review(
            rec.id, v["date"], period, tuple(v["goals_met"]), rec.doc.body, rec.loc()
        )
    return dict(sorted(out.items()))


def build_listening(doc: RawDocument | None, refs: Refs, diags: Diagnostics) -> Listening:
    v = _fields_of(doc, schema.LISTENING, "listening.yaml", diags)
    if v is None:
        return Listening()
    surveys = []
    raw = doc.fields.get("surveys")
    lines = raw.item_lines if isinstance(raw, YList) else []
    for s, line in zip(v["surveys"], lines, strict=False):
        channel_line = raw[lines.index(line)].value_lines.get("channel", line)
        if s["channel"] and not refs.one(doc.path, channel_line, s["channel"], "channels"):
            continue
        surveys.append(Survey(s["title"], s["date"], s["channel"], Loc(doc.path, line)))
    routine = v["routine"] or {}
    return Listening(
        queries=tuple(
            Query(tuple(q["terms"]), tuple(q["networks"]), q["why"]) for q in v["queries"]
        ),
        routine_every=routine.get("every"),
        routine_owner=routine.get("owner") or "",
        responses=tuple(
            Response(r["trigger"], r["within"], r["owner"], tuple(r["steps"]))
            for r in v["responses"]
        ),
        surveys=tuple(sorted(surveys, key=lambda s: (s.date, s.title))),
    )
