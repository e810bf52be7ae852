"""A repository's own templates are input like its content: one that does not compile
or render is reported at its line, every one in one run, and the output stays as it was."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import files as tree
from conftest import run_cli
from smcycle_build.pipeline import Project
from smcycle_build.render.env import builtin_theme, make_environment
from smcycle_build.render.theme_errors import TemplateProblem, ThemeFiles
from smcycle_build.serve import LiveSite, _said

BROKEN = {
    # not used by any page: found because every template of ours is compiled
    "templates/partials/unused.html": "<p>\n{% if x %}\n  {{ oops(1 }}\n{% endif %}\n",
    # fails on every post's page: said once
    "templates/post.html": '{% extends "default/post.html" %}\n'
    "{% block main %}\n{{ post.no_such_field }}\n{% endblock %}\n",
    "templates/month.html": '{% extends "base.html" %}\n{% block main %}\n'
    '<p>{{ t("calendar.today") }}</p>\n{% include "missing.html" %}\n{% endblock %}\n',
}
EXPECTED = [
    "templates/month.html:4: error template: no template `missing.html`",
    "templates/partials/unused.html:3: error template: unexpected '}', expected ')'",
    "templates/post.html:3: error template: 'smcycle_build.model.Post object' has no "
    "attribute 'no_such_field'",
]


def headlines(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": error template: " in line]


def test_every_broken_template_is_said_at_its_line_and_the_output_is_kept(playbook) -> None:
    root = playbook()
    assert run_cli(root, "build").exit_code == 0
    before = tree(root / "output")
    root = playbook(BROKEN)
    run = run_cli(root, "build")
    assert run.exit_code == 1, run.output
    assert headlines(run.output) == EXPECTED
    assert "internal error" not in run.output and "Traceback" not in run.output
    assert "{{ post.no_such_field }}" in run.output  # the line itself, under its headline
    assert tree(root / "output") == before
    # `check` compiles them too (what fails only while a page is made, `build` finds)
    checked = run_cli(root, "check")
    assert checked.exit_code == 1 and headlines(checked.output) == [EXPECTED[1]]


def test_a_function_or_an_object_written_as_it_is_is_said_at_its_line(playbook) -> None:
    """`{{ post.title.upper }}` (the `()` forgotten) wrote `<built-in method upper of str
    object at 0x7f...>`, and an object with no text of its own writes its address too:
    another one every build, so the same files never built the same bytes twice
    (found by a fuzzer comparing builds). Each is said at its line (env.unprintable),
    and nothing is written."""
    root = playbook()
    assert run_cli(root, "build").exit_code == 0
    before = tree(root / "output")
    playbook(
        {
            "templates/post.html": '{% extends "default/post.html" %}\n'
            "{% block main %}\n<p>{{ post.title.upper }}</p>\n{% endblock %}\n",
            "templates/month.html": '{% extends "default/month.html" %}\n'
            '{% block main %}\n{{ cycler("odd", "even") }}\n{% endblock %}\n',
        }
    )
    run = run_cli(root, "build")
    assert run.exit_code == 1, run.output
    assert headlines(run.output) == [
        "templates/month.html:3: error template: shows a Cycler object, which has no text "
        "of its own",
        "templates/post.html:3: error template: shows the function `upper` itself, not "
        "what it returns: call it, `upper(...)`",
    ]
    assert tree(root / "output") == before
    # called, it is what it returns
    playbook(
        {
            "templates/post.html": '{% extends "default/post.html" %}\n'
            "{% block main %}\n<p>{{ post.title.upper() }}</p>\n{% endblock %}\n",
            "templates/month.html": '{% extends "default/month.html" %}\n',
        }
    )
    assert run_cli(root, "build").exit_code == 0
    assert "<p>HELLO</p>" in (root / "output/posts/hello/index.html").read_text()


def test_a_template_link_to_nothing_or_round_is_said_not_passed_by(playbook) -> None:
    """A `post.html` that cannot be read is not silently the built-in one."""
    root = playbook()
    (root / "templates").mkdir()
    os.symlink("nowhere.html", root / "templates/post.html")
    os.symlink("round.html", root / "templates/round.html")
    expected = [
        f"templates/post.html:1: error template: cannot read the template: {os.strerror(2)}",
        f"templates/round.html:1: error template: cannot read the template: {os.strerror(40)}",
    ]
    for command in ("check", "build"):
        run = run_cli(root, command)
        assert run.exit_code == 1 and headlines(run.output) == expected, run.output
    assert not (root / "output").exists()


def test_a_failure_only_in_the_built_in_theme_stays_smcycles_own(tmp_path: Path) -> None:
    """Not a line of the repository's to point at: located nowhere, it is an internal
    error (a bug of ours), not blamed on the team's files."""
    own = tmp_path / "templates"
    own.mkdir()
    theme = ThemeFiles([own, builtin_theme()], tmp_path)
    env = make_environment([own, builtin_theme()])
    try:
        env.get_template("post.html").render()
    except Exception as exc:
        assert theme.locate(exc) is None
    else:
        raise AssertionError("the built-in post.html needs its context")
    (own / "post.html").write_text("{{ nope }}\n")
    env = make_environment([own, builtin_theme()])
    try:
        env.get_template("post.html").render()
    except Exception as exc:
        located = theme.locate(exc)
        assert located is not None and (located.path, located.line) == ("templates/post.html", 1)


def test_serve_shows_a_broken_template_at_its_line(playbook) -> None:
    """One that does not compile is the error page of every page; one that fails while a
    page is made is said for that page, at its line."""
    root = playbook(BROKEN)
    state = LiveSite(Project.locate("content", cwd=root), None).rebuild()
    assert "templates/partials/unused.html:3: error template: unexpected '}'" in state.error_text
    playbook({"templates/partials/unused.html": "<p></p>\n"})
    state = LiveSite(Project.locate("content", cwd=root), None).rebuild()
    assert state.error_text == "" and state.layout is not None
    with pytest.raises(TemplateProblem) as failed:
        state.layout.get("posts/hello/index.html")
    assert _said(failed.value) == EXPECTED[2]


def test_a_forked_worker_hands_its_template_problems_back(tmp_path: Path) -> None:
    """The worker's problems travel back with its paths: here only the worker's pages
    fail, so without them the build would look fine."""
    import time

    from smcycle_build.errors import Diagnostic
    from smcycle_build.output import DiskOutput
    from smcycle_build.render.page import Page
    from smcycle_build.render.parallel import render_pages
    from smcycle_build.render.theme_errors import TemplateProblems

    parent = os.getpid()

    class Site:
        def render(self, page: Page) -> str:
            time.sleep(0.01)  # long enough for the worker to take its share
            if os.getpid() != parent:
                where = Diagnostic("templates/x.html", 7, "error", "template", "broken")
                raise TemplateProblem(where)
            return "<p>fine</p>"

    def job(i: int):
        return lambda: [Page(f"p{i}.html", "x.html")]

    out = DiskOutput(tmp_path / "output")
    with pytest.raises(TemplateProblems) as failed:
        render_pages([job(i) for i in range(60)], Site(), out, True, lambda: None, 2)
    out.abort()
    assert [d.headline() for d in failed.value.diagnostics] == [
        "templates/x.html:7: error template: broken"
    ]
