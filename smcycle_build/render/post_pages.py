"""The pages of single posts: every variant side by side, the way its network shows it.

A mixin of `Pages` (it reads the same model, plan and views); kept apart because
post pages are most of a large site and the unit that workers render in batches.
"""

from __future__ import annotations

import hashlib
from functools import partial

from ..model import Post, Variant
from ..networks import NETWORKS
from ..routes import entity_url
from .page import Page, PageJob


class PostPages:
    """What a post's page shows is its post, what posts are checked against (the
    playbook, channels, the ids of the rest, media), the fields of the campaign, goal
    and audience it names (shown.py), its own file's problems and the site's settings:
    its context reaches no other post (a theme's own template cannot show one either).
    A build reuses the page of an unchanged post on that promise (`page_keys`); whatever
    else a post page comes to show must go into its key."""

    def post_jobs(self, posts: list[Post], batch: int) -> list[PageJob]:
        """The pages of `posts`, `batch` a unit of work."""
        return [
            PageJob(
                tuple(entity_url("posts", p.id) for p in part),
                partial(lambda b: [self.post_page(p) for p in b], part),
            )
            for part in (posts[i : i + batch] for i in range(0, len(posts), batch))
        ]

    def page_keys(self, site: str, post_keys: dict[str, str]) -> dict[str, str]:
        """Each post page's key: what it shows, as `site` (the settings, templates and
        program), the post's key as shown (its file, what posts are checked against and
        the fields of what it names: shown.py) and its file's problems. Posts without a
        key get none."""
        keys = {}
        for post in self.model.posts.values():
            own = post_keys.get(post.loc.path)
            if own is not None:
                problems = repr(self.health_of(post.loc.path))
                text = f"{site}\0{own}\0{problems}".encode()
                keys[entity_url("posts", post.id)] = hashlib.sha256(text).hexdigest()
        return keys

    def markdown_texts(self, post: Post) -> list[str]:
        """The Markdown its page renders: the body, and the variants shown as a page."""
        texts = [post.body]
        for variant in post.variants:
            text = self._variant_markdown(post, variant)
            if text is not None and text is not post.body:  # most often the body itself
                texts.append(text)
        return texts

    def _variant_markdown(self, post: Post, variant: Variant) -> str | None:
        if not NETWORKS[self.model.channels[variant.channel].network].uses_body:
            return None
        # a body-based variant renders the same text as the body: one render (most often
        # its text is the body itself, see load.split_front_matter: no copy to compare)
        if variant.text is post.body or variant.text == post.body.strip():
            return post.body
        return variant.text

    def posts_index(self) -> Page:
        rows = self._posts_serving(lambda post: True)
        return Page("posts/index.html", "posts.html", {"posts": rows}, nav="calendar")

    def post_page(self, post: Post) -> Page:
        """One content piece: every variant side by side, the way its network shows it."""
        occs = self.plan.by_post[post.id]
        cards = []
        for variant in post.variants:
            channel = self.model.channels[variant.channel]
            network = NETWORKS[channel.network]
            limit = channel.text_limit
            count = network.counter(variant.text) if variant.text else 0
            first = next((o for o in occs if o.channel == variant.channel), None)
            cards.append(
                {
                    "variant": variant,
                    "channel": channel,
                    "network": network.label,
                    "kind": channel.network,
                    "colour": self.v.colours[channel.id],
                    "count": count,
                    "limit": limit,
                    "over": bool(limit and count > limit),
                    "when": self.loc.when(first.start) if first else "",
                    "when_iso": first.start.isoformat() if first else "",
                    "html": self.md.render(text)
                    if (text := self._variant_markdown(post, variant)) is not None
                    else None,
                    "link": self._variant_link(post.id, variant.link),
                }
            )
        series = [self.v.occurrence(o) for o in occs] if post.repeat else []
        ctx = {
            "post": post,
            "status_label": self.t(f"status.{post.status}"),
            "cards": cards,
            "body": self.md.render(post.body),
            "campaign": self._one("campaigns", post.campaign),
            "goal": self._one("goals", post.goal),
            "audience": self._one("audiences", post.audience),
            "series": series[:24],
            "series_more": max(0, len(series) - 24),
            "repeat": self._repeat_label(post),
            "health": self.health_of(post.loc.path),
        }
        return Page(entity_url("posts", post.id), "post.html", ctx, nav="calendar")

    def _one(self, kind: str, entity_id: str | None) -> tuple[str, str] | None:
        return self._links(kind, (entity_id,))[0] if entity_id else None

    def _variant_link(self, post_id: str, link: str | None) -> tuple[str, bool] | None:
        """(href, internal): a channel id links to this post's page, at that variant's card."""
        if link is None:
            return None
        if link.startswith(("http://", "https://")):
            return link, False
        return f"{entity_url('posts', post_id)}#variant-{link}", True

    def _repeat_label(self, post) -> str | None:
        r = post.repeat
        if r is None:
            return None
        label = self.t(f"repeat.{r.freq}", n=r.interval)
        if r.byday:
            label += " · " + ", ".join(self.t(f"weekday.{d}") for d in r.byday)
        if r.count:
            label += " · " + self.t("repeat.count", n=r.count)
        if r.until:
            label += " · " + self.t("repeat.until", date=self.loc.date(r.until))
        return label
