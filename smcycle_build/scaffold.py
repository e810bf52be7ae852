"""`smcycle new`: a new file that passes `smcycle check` as written.

Every field a person fills is there, the optional ones with a comment. The file
name comes from the title: non-Latin titles are transliterated with anyascii
(`חלות לשבת` -> `hlvt-lsvt`), so every id stays `[a-z0-9-]`, readable and typeable.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from anyascii import anyascii

from .errors import SmcycleError
from .networks import NETWORKS
from .times import FIRST_YEAR, LAST_YEAR

if TYPE_CHECKING:  # the CLI lists KINDS at every start: the model loads with `new`
    from .model import Model

KINDS = ("post", "goal", "campaign", "audience", "channel")
CAMPAIGN_DAYS = 14  # a new campaign's "during" phase, from its date


def make_id(title: str, fallback: str) -> str:
    """A readable id from any title; `fallback` when nothing Latin is left."""
    ascii_title = anyascii(title).lower().replace("'", "")
    ident = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")[:60].strip("-")
    return ident or fallback


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escaping is YAML's), any script kept as is."""
    return json.dumps(text, ensure_ascii=False)


@dataclass(frozen=True)
class NewFile:
    path: Path
    text: str


def free_path(folder: Path, ident: str, taken: set[str]) -> tuple[Path, str]:
    """`ident`, or `ident-2`... so a new file never overwrites nor clashes with an id."""
    candidate, n = ident, 1
    while candidate in taken or (folder / f"{candidate}.md").exists():
        n += 1
        candidate = f"{ident}-{n}"
    return folder / f"{candidate}.md", candidate


def new_file(
    kind: str,
    title: str,
    content: Path,
    model: Model,
    today: date,
    *,
    when: date | None = None,
    channels: tuple[str, ...] = (),
    campaign: str | None = None,
    network: str | None = None,
) -> NewFile:
    for cid in channels:
        if cid not in model.channels:
            raise SmcycleError(f"no channel `{cid}` (channels: {', '.join(model.channels)})")
    if campaign and campaign not in model.campaigns:
        raise SmcycleError(f"no campaign `{campaign}`")
    if network is not None and network not in NETWORKS:
        raise SmcycleError(f"no network `{network}` (networks: {', '.join(NETWORKS)})")
    when = when or today + timedelta(days=7)
    # the file is valid as written: its last date (a campaign's end) is one the check takes
    last = when + timedelta(days=CAMPAIGN_DAYS - 1 if kind == "campaign" else 0)
    if when.year < FIRST_YEAR or last.year > LAST_YEAR:
        raise SmcycleError(
            f"`{when.isoformat()}` is out of range: a plan's dates are in {FIRST_YEAR}-{LAST_YEAR}"
        )
    folder = content / f"{kind}s"
    taken = set(getattr(model, f"{kind}s"))
    if kind == "post":
        folder = folder / when.strftime("%Y-%m")
    ident = make_id(title, f"{kind}-{when.isoformat()}")
    if kind == "channel" and network is None:
        network = network_named(ident)
    path, ident = free_path(folder, ident, taken)
    writer = {
        "post": post_text,
        "goal": goal_text,
        "campaign": campaign_text,
        "audience": audience_text,
        "channel": channel_text,
    }[kind]
    text = writer(title, model, when, channels, campaign, network)
    return NewFile(path, text)


def network_named(ident: str) -> str | None:
    """The network a new channel's title names, when no --network is given: its id, as
    a channel's `network` defaults to (`smcycle new channel Bluesky`), or the id's first
    word (`Instagram Reels`, `Facebook page`). None: `other`, for the author to set."""
    for name in (ident, ident.split("-", 1)[0]):
        if name in NETWORKS and name != "other":
            return name
    return None


def post_text(title, model: Model, when: date, channels, campaign, network) -> str:
    picked = (
        channels
        or tuple(cid for cid, c in model.channels.items() if not NETWORKS[c.network].needs_media)[
            :3
        ]
    )
    goal = next(iter(model.goals), None)
    audience = next(iter(model.audiences), None)
    lines = [
        "---",
        f"title: {q(title)}",
        # a bare date: each channel's default_time applies (add " HH:MM" to choose)
        f"date: {when.isoformat()}   # local time in {model.playbook.timezone.key}",
        "status: idea          # idea, draft, review, approved, scheduled, published, cancelled",
    ]
    lines.append(f"campaign: {campaign}" if campaign else "# campaign: CAMPAIGN-ID")
    lines.append(f"goal: {goal}" if goal else "# goal: GOAL-ID")
    lines.append(f"audience: {audience}" if audience else "# audience: AUDIENCE-ID")
    lines += [
        '# topic: ""            # optional: the month\'s topic it belongs to',
        '# owner: ""            # optional: who writes it',
        "variants:              # tailored to each network, never copied across them",
    ]
    for cid in picked:
        network_kind = model.channels[cid].network
        profile = NETWORKS[network_kind]
        lines.append(f"  {cid}:")
        if profile.uses_body:
            lines.append(f"    title: {q(title)}      # no text: the body below is the post")
        else:
            lines.append(f"    text: {q(f'TODO: what we post on {profile.label}')}")
        if profile.needs_media:
            lines.append(
                "    # media: [FOLDER/FILE.png]   # required before it is a draft: under "
                "content/media/"
            )
        lines.append('    # at: "18:30"        # optional: another time (or date and time)')
    lines += ["---", "", "TODO: the long form, for the website.", ""]
    return "\n".join(lines)


def goal_text(title, model: Model, when: date, channels, campaign, network) -> str:
    channel = channels[0] if channels else next(iter(model.channels), "all")
    cycle = model.playbook.cycle
    due = cycle.end if cycle and cycle.end > when else when + timedelta(days=90)
    return "\n".join(
        [
            "---",
            f"title: {q(title)}",
            f"metric: {channel}.followers   # CHANNEL.METRIC, as in content/metrics/*.csv",
            "aggregate: last       # last, sum or mean of the rows in the goal's period",
            "baseline: 100         # where we start",
            "target: 110           # where we want to be: measurable and realistic",
            f"due: {due.isoformat()}",
            f"# strategy: {model.playbook.strategy}   # defaults to the playbook's one focus",
            "# start: YYYY-MM-DD   # defaults to the cycle's start",
            "# audiences: []",
            "# channels: []",
            '# owner: ""',
            "---",
            "",
            "TODO: why this goal, and how we will know.",
            "",
        ]
    )


def campaign_text(title, model: Model, when: date, channels, campaign, network) -> str:
    picked = list(channels or model.channels)
    return "\n".join(
        [
            "---",
            f"name: {q(title)}",
            f"start: {when.isoformat()}       # the 'during' phase, inclusive",
            f"end: {(when + timedelta(days=CAMPAIGN_DAYS - 1)).isoformat()}",
            "before_days: 7        # teasers before the start",
            "after_days: 3         # follow-up after the end",
            f"channels: [{', '.join(picked)}]",
            "# goals: []",
            "# audiences: []",
            "# milestones:",
            f"#   - {{date: {when.isoformat()}, title: Launch}}",
            "---",
            "",
            "TODO: the brief. What we say, to whom, and what success looks like.",
            "",
        ]
    )


def audience_text(title, model: Model, when: date, channels, campaign, network) -> str:
    networks = sorted({model.channels[c].network for c in (channels or model.channels)})
    return "\n".join(
        [
            "---",
            f"name: {q(title)}",
            '# description: ""',
            f"networks: [{', '.join(networks)}]   # where they are comfortable",
            '# active_hours: ["07:00-09:00"]',
            "# needs: []",
            "---",
            "",
            "TODO: the persona. Who they are, what they need from us.",
            "",
        ]
    )


def channel_text(title, model: Model, when: date, channels, campaign, network) -> str:
    kinds = ", ".join(NETWORKS)
    return "\n".join(
        [
            "---",
            f"name: {q(title)}",
            f"network: {network or 'other'}        # {kinds}",
            '# handle: ""',
            "# url: https://",
            '# role: ""            # the value we give on this network',
            '# default_time: "09:00"',
            "# cadence: {min_per_week: 1, max_per_week: 3}",
            "# quiet_cadence: {min_per_week: 1, max_per_week: 1}",
            "---",
            "",
            "TODO: what this channel is for.",
            "",
        ]
    )
