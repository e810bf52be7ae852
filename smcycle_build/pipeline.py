"""The pipeline, one stage a line: config -> load -> validate (-> plan -> render -> write)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import Diagnostic, Diagnostics, SmcycleError
from .lint import lint_plan
from .load import load_documents
from .model import Model
from .plan import Plan, make_plan
from .render.i18n import babel_locale
from .validate import validate


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


@dataclass(frozen=True)
class CheckResult:
    model: Model | None
    diagnostics: tuple[Diagnostic, ...]
    plan: Plan | None = None  # laid out only when the content has no error

    @property
    def ok(self) -> bool:
        return self.model is not None and not any(d.severity == "error" for d in self.diagnostics)


def check_project(project: Project) -> CheckResult:
    """Load and validate every file; every problem of every file, nothing written."""
    diags = Diagnostics()
    sources = load_documents(project.content, project.root, diags)
    model = validate(sources, diags)
    plan = None
    if model is not None and not diags.has_errors:
        plan = make_plan(model)
        # weeks are counted as the playbook's locale counts them
        lint_plan(model, plan, diags, babel_locale(model.playbook.language).first_week_day)
    return CheckResult(model, tuple(diags.sorted()), plan)
