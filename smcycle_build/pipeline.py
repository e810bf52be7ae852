"""The pipeline, one stage a line: config -> load -> validate (-> plan -> render -> write)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Diagnostic, Diagnostics, SmcycleError

if TYPE_CHECKING:  # the check's modules load with the first check: `Project` stays light
    from .cache import PostStore
    from .load import DiskFiles
    from .memo import Memo
    from .model import Model
    from .plan import Plan
    from .post_checks import PostChecks


@dataclass(frozen=True)
class Project:
    """Where things are: the repository root (paths in messages are relative to it)."""

    root: Path
    content: Path

    @classmethod
    def locate(cls, content: str | Path | None = None, cwd: Path | None = None) -> Project:
        cwd = (cwd or Path.cwd()).resolve()
        folder = (cwd / (content or "content")).resolve()
        if not folder.is_dir():
            raise SmcycleError(f"no content folder at {folder} (run in a playbook repository)")
        # messages name files relative to where the user stands, when the content is below it
        root = cwd if folder.is_relative_to(cwd) else folder.parent
        return cls(root=root, content=folder)

    def templates(self, given: Path | None = None) -> Path:
        """The site's own templates: `--templates`, else the repository's `templates/`
        (render/env.theme_dirs puts the built-in theme under them)."""
        return given if given is not None else self.root / "templates"


@dataclass(frozen=True)
class CheckResult:
    model: Model | None
    diagnostics: tuple[Diagnostic, ...]
    plan: Plan | None = None  # laid out only when the content has no error
    checks: PostChecks | None = None  # with a post store: what to save in it

    @property
    def ok(self) -> bool:
        return self.model is not None and not any(d.severity == "error" for d in self.diagnostics)


@contextlib.contextmanager
def long_lived(freeze: bool = True) -> Iterator[None]:
    """A checked playbook is one large heap of objects that live as long as the build and
    hold no cycles to free; the cyclic collector would only walk it again and again (a
    quarter of a check of 10,000 posts). It is paused while the heap is made, and the heap
    is then frozen: later collections (rendering's short-lived objects) skip it, and forked
    workers do not copy its pages by touching them. `serve` freezes only its first check
    (the memo of every file): what each edit makes and drops is collected as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def check_project(
    project: Project,
    memo: Memo | None = None,
    *,
    freeze: bool = True,
    store: PostStore | None = None,
    files: DiskFiles | None = None,
    planned: Callable[[CheckResult], None] | None = None,
) -> CheckResult:
    """Load and validate every file; every problem of every file, nothing written. With a
    `memo` (serve), what did not change since the last check is not read or checked again;
    with a post `store`, the posts checked before as they are now are not parsed, validated
    or compared again (the caller saves what this check made: `CheckResult.checks`).
    `files`: where the files are read (the disk unless said: revision.py). `planned` is
    called with the result so far once the plan is made, before the strategy checks: a
    build starts what needs the plan but none of their findings (its feeds and schedules,
    build.py)."""
    with long_lived(freeze):
        return _check(project, memo, store, files, planned)


def _check(
    project: Project,
    memo: Memo | None,
    store: PostStore | None,
    files: DiskFiles | None,
    planned: Callable[[CheckResult], None] | None = None,
) -> CheckResult:
    from .lint import lint_plan, lint_series
    from .load import DISK, load_documents
    from .plan import make_plan
    from .post_checks import PostChecks
    from .render.i18n import babel_locale
    from .validate import validate

    diags = Diagnostics()
    checks = PostChecks(store) if store is not None and memo is None else None
    if checks is not None:  # then it is loaded only for a text never counted before
        checks.know_x_lengths()
    sources = load_documents(project.content, project.root, diags, memo, checks, files or DISK)
    model = validate(sources, diags, memo)
    del sources  # the parses: what the plan and the checks make takes their room
    plan = None
    if model is not None and not diags.has_errors:
        plan = make_plan(model, memo)
        if planned is not None:
            planned(CheckResult(model, tuple(diags.sorted()), plan, checks))
        # weeks are counted as the playbook's locale counts them
        first_weekday = babel_locale(model.playbook.language).first_week_day
        copy_paste = checks.linted() if checks is not None else None
        lint_plan(model, plan, diags, first_weekday, memo, copy_paste)
    elif model is not None:  # errors elsewhere: a series' own errors are said in this run too
        lint_series(model, make_plan(model, memo), diags)
    return CheckResult(model, tuple(diags.sorted()), plan, checks)
