"""The pages of single posts: every variant side by side, the way its network shows it.

A mixin of `Pages` (it reads the same model, plan and views); kept apart because
post pages are most of a large site and the unit that workers render in batches.
"""

from __future__ import annotations

from ..model import Post
from ..networks import NETWORKS
from ..routes import entity_url
from .page import Page


class PostPages:
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
                    "when": self.loc.datetime(first.start) if first else "",
                    "when_iso": first.start.isoformat() if first else "",
                    # a body-based variant renders the same text as the body: one render
                    "html": self.md.render(
                        post.body if variant.text == post.body.strip() else variant.text
                    )
                    if network.uses_body
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
