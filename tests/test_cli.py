"""The command line: output formats, exit codes, and never a traceback."""

from __future__ import annotations

import json
import pstats
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import probe, run_cli
from smcycle_build.cli import cli
from smcycle_build.pipeline import Project, check_project

BROKEN_GOAL = "title: More replies\nmetric: x.replies\nbaseline: 10\ntarget: 12\ndue: 2027-06-31\n"


def test_text_format_shows_source_line_and_summary(playbook) -> None:
    root = playbook({"content/goals/more-replies.yaml": BROKEN_GOAL})
    run = run_cli(root, "check")
    assert run.exit_code == 1
    assert run.output == (
        "content/goals/more-replies.yaml:5: error time: `2027-06-31` is not a date: "
        "day is out of range for month\n"
        "     5 | due: 2027-06-31\n"
        "1 error in 1 file\n"
    )


def test_clean_playbook_exits_zero(playbook) -> None:
    run = run_cli(playbook(), "check")
    assert (run.exit_code, run.output) == (0, "no problems found\n")


def test_github_format_annotates_lines(playbook) -> None:
    root = playbook({"content/goals/more-replies.yaml": BROKEN_GOAL.replace("title", "titel")})
    run = run_cli(root, "check", "--format", "github")
    lines = run.output.splitlines()
    assert lines[0] == (
        "::error file=content/goals/more-replies.yaml,line=1,title=schema::a goal needs `title`"
    )
    assert lines[1] == (
        "::error file=content/goals/more-replies.yaml,line=1,title=schema::"
        "unknown field `titel` in a goal (hint: did you mean `title`?)"
    )
    assert lines[-1] == "3 errors in 1 file"
    assert run.exit_code == 1


def test_text_format_shows_control_characters_as_written(playbook) -> None:
    """A key holding a line break printed a line of its own: one that reads as a problem
    of another file, or as a command to GitHub Actions (`::error ...::`); an ESC reached
    the terminal. Each is shown as YAML writes it."""
    forged = "evil\\n::error file=README.md,line=1::forged\\e[2J"
    root = playbook({"content/goals/more-replies.yaml": f'{BROKEN_GOAL}"{forged}": 1\n'})
    run = run_cli(root, "check")
    assert run.exit_code == 1
    lines = run.output.splitlines()
    assert not any(line.startswith(("::", "\x1b")) for line in lines), run.output
    assert "\x1b" not in run.output
    said = [line for line in lines if "unknown field" in line]
    assert len(said) == 1 and "evil\\n::error file=README.md,line=1::forged\\x1b[2J" in said[0]


def test_json_format(playbook) -> None:
    root = playbook({"content/goals/more-replies.yaml": BROKEN_GOAL})
    run = run_cli(root, "check", "--format", "json")
    doc = json.loads(run.output)
    assert doc["summary"] == {"error": 1, "warning": 0, "info": 0}
    assert doc["problems"][0]["path"] == "content/goals/more-replies.yaml"
    assert doc["problems"][0]["line"] == 5 and doc["problems"][0]["rule"] == "time"


def test_lint_setting_relaxes_a_rule_and_keeps_the_post(playbook) -> None:
    base = (Path(__file__).parent / "invalid/_base/content/playbook.yaml").read_text()
    long_post = (Path(__file__).parent / "invalid/_base/content/posts/hello.md").read_text()
    long_post = long_post.replace("Hello riders", "Hello riders! " * 30)
    root = playbook(
        {
            "content/playbook.yaml": base + "lint: {length: warning}\n",
            "content/posts/hello.md": long_post,
        }
    )
    run = run_cli(root, "check")
    assert "content/posts/hello.md:7: warning length:" in run.output
    assert run.exit_code == 0
    assert run_cli(root, "check", "--strict").exit_code == 1
    # relaxed means "post it anyway": the variant stays in the plan
    result = check_project(Project.locate("content", cwd=root))
    assert [v.channel for v in result.model.posts["hello"].variants] == [
        "x",
        "instagram",
        "website",
    ]
    # and `off` silences it
    (root / "content/playbook.yaml").write_text(base + "lint: {length: off}\n")
    assert run_cli(root, "check").output == "no problems found\n"


def test_structural_rules_cannot_be_relaxed(playbook) -> None:
    base = (Path(__file__).parent / "invalid/_base/content/playbook.yaml").read_text()
    root = playbook({"content/playbook.yaml": base + "lint: {time: warning}\n"})
    run = run_cli(root, "check")
    assert run.exit_code == 1
    assert (
        "content/playbook.yaml:6: error schema: `time` problems cannot be turned down: "
        "a file with one cannot be built" in run.output
    )


def test_media_outside_stays_an_error_whatever_lint_says(playbook) -> None:
    base = (Path(__file__).parent / "invalid/_base/content/playbook.yaml").read_text()
    post = (Path(__file__).parent / "invalid/_base/content/posts/hello.md").read_text()
    root = playbook(
        {
            "content/playbook.yaml": base + "lint: {media: off}\n",
            "content/posts/hello.md": post.replace("photo.png", "../playbook.yaml"),
        }
    )
    run = run_cli(root, "check")
    assert run.exit_code == 1
    assert "content/posts/hello.md:8: error media: `../playbook.yaml` is outside" in run.output


def test_body_text_over_a_channel_limit_is_reported_at_the_variant(playbook) -> None:
    root = playbook({"content/channels/website.yaml": "name: Website\nlimits: {text: 5}\n"})
    run = run_cli(root, "check")
    assert (
        "content/posts/hello.md:9: error length: the text of the website variant is 20 "
        "characters, 15 over the limit of 5" in run.output
    )


def test_unknown_lint_rule_is_a_schema_error(playbook) -> None:
    base = (Path(__file__).parent / "invalid/_base/content/playbook.yaml").read_text()
    root = playbook({"content/playbook.yaml": base + "lint:\n  cadense: off\n"})
    run = run_cli(root, "check")
    assert "content/playbook.yaml:7: error schema: unknown field `cadense` in lint" in run.output
    assert "did you mean `cadence`?" in run.output


def test_missing_content_folder_is_a_message(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "smcycle_build", "check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("smcycle: no content folder at")
    assert "Traceback" not in proc.stderr


def test_garbage_never_gives_a_traceback(playbook) -> None:
    root = playbook(
        {
            "content/posts/a.md": b"---\n\xff\xfe bad bytes\n---\n",
            "content/posts/b.md": "---\n[1, 2\n---\n",
            "content/posts/c.md": "---\n- a list\n---\n",
            "content/posts/d.md": "---\ntitle: x\n",
            "content/posts/e.yaml": "",
            "content/posts/f.yaml": "variants: 5\ntitle: t\ndate: 2027-01-01\n",
            "content/posts/g.yaml": "variants: {x: [1]}\ntitle: t\ndate: 2027-01-01\n",
            "content/posts/h.yaml": "variants: {x: {text: {a: b}}}\ntitle: t\ndate: 2027-01-01\n",
            "content/posts/i.yaml": "? [a, b]\n: c\n",
            "content/posts/j.yaml": "title: &a [*a]\n",
            "content/posts/k.yaml": "repeat: {freq: weekly, byday: [XX]}\n",
            "content/themes.yaml": "month: 2027-01\n",
            "content/listening.yaml": "- not a mapping\n",
            "content/situation.md": "no front matter",
            "content/metrics/m.csv": 'date,channel,metric,value\n"unclosed\n',
        }
    )
    proc = subprocess.run(
        [sys.executable, "-m", "smcycle_build", "check"], cwd=root, capture_output=True, text=True
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    files = {line.split(":")[0] for line in proc.stdout.splitlines() if ": error " in line}
    assert files == {
        "content/posts/a.md",
        "content/posts/b.md",
        "content/posts/c.md",
        "content/posts/d.md",
        "content/posts/e.yaml",
        "content/posts/f.yaml",
        "content/posts/g.yaml",
        "content/posts/h.yaml",
        "content/posts/i.yaml",
        "content/posts/j.yaml",
        "content/posts/k.yaml",
        "content/themes.yaml",
        "content/listening.yaml",
        "content/situation.md",
        "content/metrics/m.csv",
    }


def test_version_and_module_entry_point() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "smcycle_build", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0 and proc.stdout.startswith("smcycle, version ")


def test_debug_is_accepted_after_the_command(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "smcycle_build", "check", "--debug"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1 and proc.stderr.startswith("smcycle: no content folder")


def test_the_command_line_starts_without_the_model_or_the_renderer() -> None:
    """A warm build answers "up to date" in a quarter of a second at 10,000 posts: the
    command line lists the export tools and the scaffold kinds without loading the model
    (its dataclasses, the plan, the schedules: a tenth of that quarter), Jinja or
    Python-Markdown."""
    code = (
        "import sys, smcycle_build.cli; "
        "print(sorted(m for m in ('smcycle_build.model', 'smcycle_build.plan', 'jinja2', "
        "'markdown', 'webbrowser') if m in sys.modules))"
    )
    assert probe(code).strip() == "[]"


def test_a_check_that_finds_every_post_in_its_store_compares_no_texts(playbook) -> None:
    """rapidfuzz (14 ms of the start of a check) is loaded when a post's variants are
    first compared; a check after a build, or a pre-commit hook's after an edit to some
    other file, finds every post's findings in the store and starts without it."""
    root = playbook()
    code = (
        "import sys\n"
        "from smcycle_build.cache import DiskCache\n"
        "from smcycle_build.pipeline import Project, check_project\n"
        "project = Project.locate()\n"
        "checked = check_project(project, store=DiskCache(project.root).post_store())\n"
        "checked.checks.save()\n"
        "print(checked.ok, 'rapidfuzz' in sys.modules)\n"
    )
    assert probe(code, cwd=root).split() == ["True", "True"]  # a first check compares
    assert probe(code, cwd=root).split() == ["True", "False"]


def test_the_command_leaves_without_the_interpreters_teardown(playbook) -> None:
    """`smcycle` (`cli.run`) ends as a normal exit would, with the command's exit code,
    every exit function run and all its output flushed into a pipe, but without
    finalising the interpreter: an object a module holds is never freed one by one."""
    root = playbook({"content/posts/bad.md": "---\ntitle: [unclosed\n---\n"})
    code = (
        "import atexit, sys\n"
        "class Held:\n"
        "    def __del__(self):\n"
        "        print('torn down', flush=True)\n"
        "held = Held()\n"
        "atexit.register(print, 'exit functions ran')\n"
        "from smcycle_build.cli import run\n"
        "sys.argv = ['smcycle', *sys.argv[1:]]\n"
        "run()\n"
    )
    for args, exit_code, said in (
        (["check"], 1, "content/posts/bad.md:2: error schema: YAML does not parse"),
        (["--version"], 0, "smcycle, version "),
    ):
        proc = subprocess.run(
            [sys.executable, "-c", code, *args], cwd=root, capture_output=True, text=True
        )
        assert proc.returncode == exit_code, proc.stderr
        assert proc.stdout.startswith(said)  # flushed: a pipe's output is block-buffered
        assert proc.stdout.endswith("exit functions ran\n")
        assert "torn down" not in proc.stdout


def test_a_profiler_still_gets_its_results(tmp_path: Path) -> None:
    """`python -m cProfile -m smcycle_build` writes its profile at the interpreter's exit,
    which the command's quick exit would skip: under a profiler the exit is a normal one."""
    stats = tmp_path / "build.prof"
    proc = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(stats), "-m", "smcycle_build", "--version"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert pstats.Stats(str(stats)).total_calls > 0


def test_a_file_the_system_refuses_is_a_message(playbook, tmp_path: Path) -> None:
    """Writing where no file can be (a folder that is not there, below a file) says
    where and why, as `cp` would, exit 1: never an internal error."""
    root = playbook()
    (tmp_path / "a-file").write_text("")

    def smcycle(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "smcycle_build", *args], cwd=root, capture_output=True, text=True
        )

    missing = tmp_path / "no-such-folder" / "x.csv"
    for args, said in (
        (["export", "x", "--to", "buffer", "-o", str(missing)], f"{missing}: No such file"),
        (["init", str(tmp_path / "a-file" / "pb")], f"{tmp_path / 'a-file'}/pb"),
    ):
        proc = smcycle(*args)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.startswith(f"smcycle: {said}"), proc.stderr
        assert "internal error" not in proc.stderr
    proc = smcycle(
        "export", "x", "--to", "buffer", "--from", "2027-05-01", "--to-date", "2027-01-01"
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr == "smcycle: --from 2027-05-01 is after --to-date 2027-01-01\n"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "not a url", "//example.com/"])
def test_a_base_url_that_is_no_web_address_is_refused(playbook, url: str) -> None:
    """`--base-url` is held to the rule of the playbook's `base_url`; before, such a value
    was an internal error (the feeds' webcal:// links are made of it)."""
    run = run_cli(playbook(), "build", "--base-url", url)
    assert run.exit_code == 2
    assert f"Invalid value for '--base-url': `{url}` is not an http(s) URL" in run.output


def test_a_port_out_of_range_is_refused() -> None:
    run = CliRunner().invoke(cli, ["serve", "--port", "99999"])
    assert run.exit_code == 2 and "99999 is not in the range 0<=x<=65535" in run.output
