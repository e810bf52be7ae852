"""The example playbooks check clean and are the full year the README promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from smcycle_build.networks import NETWORKS
from smcycle_build.pipeline import Project, check_project

REPO = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def example():
    result = check_project(Project.locate("content", cwd=REPO))
    return result


@pytest.fixture(scope="module")
def hebrew():
    return check_project(Project.locate("examples/he/content", cwd=REPO))


def test_example_checks_clean(example) -> None:
    assert [d.headline() for d in example.diagnostics if d.severity == "error"] == []
    assert example.ok


def test_example_is_a_whole_year(example) -> None:
    m = example.model
    assert len(m.goals) >= 3
    assert {g.strategy for g in m.goals.values()} == {m.playbook.strategy}
    assert len(m.audiences) >= 2
    networks = {c.network for c in m.channels.values()}
    assert {"website", "instagram", "x", "facebook"} <= networks
    assert networks & {"pinterest", "linkedin"}
    assert len(m.channels) >= 5
    assert len(m.campaigns) >= 2
    assert all(c.milestones for c in m.campaigns.values())
    assert len({t.month for t in m.themes}) >= 12
    assert len(m.posts) >= 60
    assert any(p.repeat and p.repeat.freq == "weekly" for p in m.posts.values())
    assert m.listening.responses and m.listening.surveys
    assert len({(r.date.year, r.date.month) for r in m.metrics}) >= 3
    assert m.reviews and m.media
    assert m.situation is not None and m.situation.competitors and m.situation.perception


def test_example_variants_are_tailored(example) -> None:
    """Pictures where the network wants them, and no text posted twice within a post."""
    for post in example.model.posts.values():
        texts = [v.text for v in post.variants if v.text]
        assert len(texts) == len(set(texts)), post.id
        for v in post.variants:
            network = NETWORKS[example.model.channels[v.channel].network]
            assert v.media or not network.needs_media, (post.id, v.channel)
            assert all(m in example.model.media for m in v.media)


def test_hebrew_example_is_right_to_left_and_clean(hebrew) -> None:
    assert [d.headline() for d in hebrew.diagnostics if d.severity == "error"] == []
    m = hebrew.model
    assert m.playbook.language == "he" and m.playbook.timezone.key == "Asia/Jerusalem"
    assert len(m.posts) >= 8
    assert any("\u0590" <= ch <= "\u05ff" for ch in m.playbook.title)
