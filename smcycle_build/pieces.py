"""The last build's pieces of the feeds and schedules, reused where their posts did not change.

A build writes a feed or a schedule whole: 150 MB of iCal and 130 MB of CSV and JSON
at 10,000 posts, 2 CPU seconds of making events and rows. After an edit nearly all of
it is what the last build made. So a big file is made in runs (the feeds' events a
run of posts at a time, the schedules' rows a month at a time), and each run is kept
in `.smcycle-cache/` by the digest of what it was made from:

* the keys of its posts (`post_checks.py`: each post file, every file a post is
  checked against, smcycle's source, and the libraries and time zone rules that turn
  a post's dates into instants), in the run's order;
* what else the file's writer says the run depends on (which occurrence of a post a
  row is, the base URL).

An edit makes the runs that hold its post again and reads the others. Nothing is
reused because two values merely look alike, and a store that cannot be read is only
a slower build. A file none of whose posts changed is not even made: the last build's
is kept (Layout.long_jobs).
"""

from __future__ import annotations

import hashlib
import pickle
from array import array
from collections.abc import Callable, Iterable
from typing import TypeVar

from .cache import PieceStore

T = TypeVar("T")
SPAN = "Q"  # the array type of a piece's start and end in the bytes it is cut from
PAIR = 2 * array(SPAN).itemsize  # the bytes of one span, as `spans` stores it


def spans(bounds: list[int]) -> bytes:
    """Starts and ends, one after the other (a piece's start, its end, the next...), as
    they are stored: a value that joins its pieces once keeps where each file's are."""
    return array(SPAN, bounds).tobytes()


def bounds(stored: bytes) -> array:
    """What `spans` stored."""
    out = array(SPAN)
    out.frombytes(stored)
    return out


def views(data: bytes, stored: bytes) -> list[memoryview]:
    """The pieces of `data` that `stored` spans, as views: no copy until they are joined."""
    at = bounds(stored)
    view = memoryview(data)
    return [view[at[i] : at[i + 1]] for i in range(0, len(at), 2)]


def shaped(value: object, *kinds: type) -> bool:
    """Whether `value` is a tuple of exactly these kinds of values (a stored value read
    back is checked before it is used: `Runs.run`'s `fits`)."""
    return (
        type(value) is tuple
        and len(value) == len(kinds)
        and all(type(item) is kind for item, kind in zip(value, kinds, strict=True))
    )


def spans_fit(stored: object, size: int) -> bool:
    """Whether `stored` is spans (`spans`) that end within `size` bytes."""
    return (
        type(stored) is bytes and len(stored) % PAIR == 0 and max(bounds(stored), default=0) <= size
    )


class Runs:
    """One build's use of a PieceStore: each run's pieces, made or reused."""

    def __init__(self, store: PieceStore, post_keys: dict[str, str], salt: str) -> None:
        self.store, self.post_keys, self.salt = store, post_keys, salt
        self.keep: set[str] = set()

    def key(self, post_path: str) -> str | None:
        """A post's key, None when it has none (then no run that holds it is reused)."""
        return self.post_keys.get(post_path)

    def run(
        self,
        parts: Iterable[str | None],
        make: Callable[[], T],
        fits: Callable[[object], bool] = lambda value: True,
    ) -> T:
        """The run whose inputs are `parts` (None among them: unknown, always made); a
        stored value that does not `fit` (not what `make` makes) is made again."""
        parts = list(parts)
        known = [part for part in parts if part is not None]
        if len(known) < len(parts):
            return make()
        h = hashlib.sha256(self.salt.encode())
        h.update("\0".join(known).encode())  # one update a run: a schedule's has thousands
        key = h.hexdigest()
        self.keep.add(key)
        blob = self.store.get(key)
        if blob is not None:
            try:
                value = pickle.loads(blob)
            except Exception:  # damaged, or another program's: make it again
                value = None
            if value is not None and fits(value):
                return value  # type: ignore[return-value]
        value = make()
        self.store.put(key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        return value

    def finish(self) -> None:
        """Keep this build's runs, forget the others."""
        self.store.finish(self.keep)
