"""What a post's pages, events and rows show besides its own file: what they show of
the campaign, goal and audience it names.

A post is checked against the playbook, the channels, the ids of everything else and
the media (posts.py's `build_post`), and its key in the post store says so
(post_checks.py). Its outputs show a little more (`SHOWN`): its campaign's name on its
page, in its events' categories and in its months' filters, its goal's title, its
audience's name, and whom it is for (its campaign's audiences), which says the feeds
that hold it. So wherever a post stands for what it shows (page_keys.py, the feeds'
and schedules' keys, the runs of pieces.py), it stands by its key joined with those
(`shown_keys`): an edit of a campaign's name makes again the files of that campaign's
posts, not every post's; an edit of its dates, brief or milestones, none of them; and
neither checks any post again.

A page that holds an entity itself (a campaign's page, the year board) stands for it
by all its fields and its body (`render.page_keys.entity_digests`).
"""

from __future__ import annotations

import hashlib
from typing import Any

from .model import Model

# What a post's outputs show of what it names, by the entity's kind: the campaign's
# name (its page, its events' categories, its months' filters) and audiences (whom the
# post is for when it names none, which feeds hold it: plan.post_audiences), the goal's
# title, the audience's name. Whatever else of them a post's page, events or rows come
# to show must be added here (tests/test_shown.py edits every field and compares).
SHOWN = {"Campaign": ("name", "audiences"), "Goal": ("title",), "Audience": ("name",)}


def shown_keys(
    model: Model, keys: dict[str, str], heads: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Each post's key (`keys`, by post file) and its key without the body (`heads`),
    each joined with what its outputs show of the campaign, goal and audience it names
    (`SHOWN`). A post that names none keeps its keys. Joined, not hashed again: 10,000
    posts name a few dozen combinations, each digested once."""
    extras: dict[tuple[str | None, str | None, str | None], str] = {}
    shown, shown_heads = {}, {}
    for post in model.posts.values():
        path = post.loc.path
        key = keys.get(path)
        if key is None:
            continue
        names = (post.campaign, post.goal, post.audience)
        extra = extras.get(names)
        if extra is None:
            extra = extras[names] = _extra(model, names)
        shown[path] = key + extra
        shown_heads[path] = heads.get(path, key) + extra
    return shown, shown_heads


def _extra(model: Model, names: tuple[str | None, str | None, str | None]) -> str:
    """'' for a post that names nothing, else ':' and a digest of what its outputs show
    of what it names."""
    if not any(names):
        return ""
    campaign, goal, audience = names
    parts = []
    named = ((model.campaigns, campaign), (model.goals, goal), (model.audiences, audience))
    for table, ident in named:
        entity: Any = table.get(ident) if ident else None
        shown = [getattr(entity, name) for name in SHOWN[type(entity).__name__]] if entity else None
        parts.append(repr((ident, shown)))
    return ":" + hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
