"""Whether a page, as it was rendered, read a post's body.

A page that lists posts (the index of every post, a goal's, a campaign's) shows their
titles, dates and channels, not their bodies; yet its key (page_keys.py) stood for
each post by its key in the post store, which changes with any edit of the file. So
an edit of one body made every such page again: a tenth of a second each at 10,000
posts. The key of a page is now made twice over in one walk: with each post standing
for its file without the body (`CheckedPost.head`), and with each post as a whole.
Which of the two the build records depends on what the render read, watched here:

* `a.body` and `a.text` (and any `a.__name__`) on a post, a variant, an occurrence
  or its view, as the templates compile them (env.py's code generator), and
  `a[name]`, `a|attr(name)` and every filter that takes `attribute=`;
* the text of a post or a variant, which holds its body (`{{ post }}`, `|string`).

A page that read none of them is recorded by the first key: it is kept while every
post it shows keeps its file but the body, because the same render would read the
same things and make the same bytes. A page that read one is recorded by the second,
as before. Everything else a template can reach of a post is in the first key.

The description of a channel, campaign, goal, audience or review (its Markdown body)
is not in the site key either. A render that reads one, in the same ways, is recorded
by a third key, which also holds every description's digest; one that reads only
posts' bodies keeps the second, so that a brief edited does not make again every page
that shows a post's text.
"""

from __future__ import annotations

from typing import Any

from ..model import Audience, Campaign, Channel, Goal, Post, Review, Variant
from ..plan import Occurrence
from .views import OccurrenceView, PostRow

# what holds a post's body (a variant's text is the post's body on the website); the
# rest of these objects are in the first key
WATCHED = frozenset({"body", "text"})
HOLDERS = frozenset({Post, Variant, Occurrence, OccurrenceView, PostRow})
# what holds a description, which is not in the site key (page_keys.py): a channel,
# campaign, goal, audience or review (an occurrence's view holds its channel)
DESCRIBED = frozenset({Channel, Campaign, Goal, Audience, Review})
_reads = [0, 0]  # the reads of a post's body, of a description, noted so far


def watched(name: Any) -> bool:
    """Whether reading `name` of a post (or what holds one) may read its body. Any
    double-underscore name too: `post.__getattribute__('body')`."""
    return type(name) is str and (name in WATCHED or name.startswith("__"))


def note(obj: Any, name: Any) -> None:
    """`name` is read of `obj` by a template."""
    if watched(name):
        kind = type(obj)
        if kind in HOLDERS:
            _reads[0] += 1
        elif kind in DESCRIBED:
            _reads[1] += 1


def count() -> tuple[int, int]:
    """How many reads of a post's body and of a description this process noted so far
    (`since`)."""
    return _reads[0], _reads[1]


def since(before: tuple[int, int]) -> tuple[bool, bool]:
    """Whether a render that began at `count()` `before` read a post's body, and whether
    it read a description."""
    return _reads[0] != before[0], _reads[1] != before[1]


def _noting(original: Any, which: int) -> Any:
    def __repr__(self: Any) -> str:
        _reads[which] += 1  # the text shows every field, the body too
        return original(self)

    return __repr__


for _kind in (Post, Variant):  # the others show theirs through these
    _kind.__repr__ = _noting(_kind.__repr__, 0)  # type: ignore[method-assign]
for _kind in DESCRIBED:
    _kind.__repr__ = _noting(_kind.__repr__, 1)  # type: ignore[method-assign]
