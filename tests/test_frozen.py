"""`frozen`: a frozen dataclass with slots whose `__init__` sets each slot directly. It
must make what dataclasses' own `__init__` makes, take the same arguments, and stay
frozen; the classes a build makes by the thousand must use it."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from dataclasses import FrozenInstanceError, InitVar, dataclass, field
from datetime import UTC, datetime

import pytest

from smcycle_build import fields, model, plan, post_checks
from smcycle_build.frozen import frozen
from smcycle_build.render import views


def _pair():
    """The same class made twice: by dataclasses, and by `frozen`."""

    def body():
        class Thing:
            name: str
            count: int
            tags: tuple[str, ...] = ()
            note: str | None = None
            label: str = field(init=False, default="-")
            size: int = field(init=False, compare=False)

            def __post_init__(self) -> None:
                object.__setattr__(self, "size", len(self.name) + self.count)

        return Thing

    return dataclass(frozen=True, slots=True)(body()), frozen(body())


def test_frozen_makes_what_dataclasses_makes():
    plain, fast = _pair()
    assert str(inspect.signature(fast)) == str(inspect.signature(plain))
    for args, kwargs in [
        (("a", 1), {}),
        (("ab", 2, ("x",)), {}),
        (("abc", 3), {"note": "n"}),
        ((), {"count": 4, "name": "abcd", "tags": ("y", "z"), "note": None}),
    ]:
        want, got = plain(*args, **kwargs), fast(*args, **kwargs)
        assert [getattr(got, s) for s in fast.__slots__] == [
            getattr(want, s) for s in plain.__slots__
        ]
        assert got.label == "-" and got.size == len(got.name) + got.count  # post-init ran
        assert repr(got).replace(fast.__qualname__, "") == repr(want).replace(
            plain.__qualname__, ""
        )
    for bad in [((), {}), (("a",), {}), (("a", 1), {"label": "x"}), (("a", 1, (), None, 5), {})]:
        with pytest.raises(TypeError):
            plain(*bad[0], **bad[1])
        with pytest.raises(TypeError):
            fast(*bad[0], **bad[1])


def test_frozen_stays_frozen_replaceable_and_picklable():
    _, fast = _pair()
    thing = fast("a", 1, ("t",))
    with pytest.raises(FrozenInstanceError):
        thing.name = "b"  # type: ignore[misc]
    assert not hasattr(thing, "__dict__")
    again = dataclasses.replace(thing, count=5)
    assert (again.name, again.count, again.tags, again.size) == ("a", 5, ("t",), 6)
    assert thing == fast("a", 1, ("t",)) and hash(thing) == hash(fast("a", 1, ("t",)))
    loc = model.Loc("posts/a.md", 3, ("title", 4))
    assert pickle.loads(pickle.dumps(loc)) == loc


def test_frozen_refuses_what_it_would_not_honour():
    with pytest.raises(TypeError, match="plain fields"):

        @frozen
        class Factory:
            items: list = field(default_factory=list)

    with pytest.raises(TypeError, match="plain fields"):

        @frozen
        class KeywordOnly:
            name: str = field(kw_only=True)

    with pytest.raises(TypeError, match="InitVar"):

        @frozen
        class Initialised:
            name: str
            seed: InitVar[int]

            def __post_init__(self, seed: int) -> None:
                pass


@pytest.mark.parametrize(
    "kind",
    [
        model.Loc,
        model.Variant,
        model.Post,
        model.Repeat,
        plan.Occurrence,
        post_checks.CheckedPost,
        fields.At,
        views.OccurrenceView,
    ],
)
def test_the_classes_made_by_the_thousand_set_their_slots_directly(kind):
    """Their `__init__` never calls `object.__setattr__` (dataclasses' frozen one does,
    once per field): it is the one `frozen` wrote."""
    assert dataclasses.is_dataclass(kind) and kind.__dataclass_params__.frozen
    assert "__setattr__" not in kind.__init__.__code__.co_names
    assert kind.__init__.__qualname__ == f"{kind.__qualname__}.__init__"


def test_a_post_round_trips_through_the_store_format():
    loc = model.Loc("posts/p.md", 1, ("variants", 5))
    start = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    variant = model.Variant("x", "Hello", "T", ("a.png",), None, start, loc)
    post = model.Post(
        "p", "T", "draft", None, "g", None, "topic", "me", (variant,), None, "body", loc
    )
    entry = post_checks.CheckedPost("posts/p.md", "p", "p", 2, (), (), post, ())
    back = pickle.loads(pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == entry and back.post.variants[0].start == start
    assert back.copy_paste is None  # the default, as dataclasses would give it
