"""A repository's own templates (`templates/`, over the built-in theme) come in pull
requests like the content: one that does not compile or render is a problem at a line
of that file, reported as every other (`templates/post.html:12: error template: ...`),
never an internal error with a traceback.

Jinja keeps the template's file and line: a syntax error carries them, and a failure
while rendering (an undefined name, a missing include, a filter given the wrong thing)
comes back with its traceback rewritten to the lines of the templates it ran through.
The innermost of those frames that is one of the repository's files is where the
problem is. A failure only in the built-in theme is smcycle's own bug, and stays one.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import Diagnostic

RULE = "template"


class TemplateProblem(Exception):
    """A page that could not be made because of a repository template."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.headline())
        self.diagnostic = diagnostic


class TemplateProblems(Exception):
    """Every template problem a build met, each once."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} template problem(s)")
        self.diagnostics = diagnostics


def unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Each problem once (a broken post.html fails ten thousand pages alike), in order."""
    seen = {d.headline(): d for d in diagnostics}
    return sorted(seen.values(), key=lambda d: (d.path, d.line, d.message))


class ThemeFiles:
    """The repository's template folders, and where paths are reported from."""

    def __init__(self, dirs: list[Path], root: Path) -> None:
        # `dirs` as `env.theme_dirs` gives them: the site's own, then the built-in theme
        self.own = [os.path.realpath(d) for d in dirs[:-1]]
        self.root = root

    def _mine(self, filename: str | None) -> str | None:
        """`filename` as reported (relative to the repository) when it is ours, else None."""
        if not filename:
            return None
        real = os.path.realpath(filename)
        if not any(real.startswith(folder + os.sep) for folder in self.own):
            return None
        try:
            return Path(real).relative_to(self.root.resolve()).as_posix()
        except ValueError:  # --templates outside the repository: its full path
            return real

    def locate(self, exc: BaseException) -> Diagnostic | None:
        """Where in our templates `exc` happened, or None when not in one of them."""
        from jinja2 import TemplateSyntaxError

        if isinstance(exc, TemplateSyntaxError):
            path = self._mine(exc.filename)
            if path is None:
                return None
            return Diagnostic(path, max(exc.lineno or 1, 1), "error", RULE, exc.message or "")
        found = None
        tb = exc.__traceback__
        while tb is not None:  # outermost first: the last one of ours is the innermost
            path = self._mine(tb.tb_frame.f_code.co_filename)
            if path is not None:
                found = (path, tb.tb_lineno)
            tb = tb.tb_next
        if found is None:
            return None
        return Diagnostic(found[0], max(found[1], 1), "error", RULE, _message(exc))

    def problem(self, exc: Exception) -> TemplateProblem | None:
        located = self.locate(exc)
        return TemplateProblem(located) if located is not None else None

    def compile_problems(self, env) -> list[Diagnostic]:
        """Every template of ours that does not compile in `env`, each at its line: all of
        them, before any page is made, and those no page uses too."""
        found = []
        for name in self.names():
            unreadable = self._unreadable(name)
            if unreadable is not None:  # Jinja would pass it by: to the built-in one, or none
                found.append(unreadable)
                continue
            try:
                env.get_template(name)
            except Exception as exc:
                located = self.locate(exc)
                if located is None:
                    raise
                found.append(located)
        return found

    def _unreadable(self, name: str) -> Diagnostic | None:
        """The problem of our file of that name when it is no file Jinja can read: a link
        to nothing, round, or to a folder."""
        for folder in self.own:
            path = os.path.join(folder, name)
            if not os.path.lexists(path):
                continue
            try:
                with open(path, "rb"):
                    pass
            except OSError as exc:
                root = str(self.root.resolve()) + os.sep
                shown = path.removeprefix(root).replace(os.sep, "/")  # else its full path
                message = f"cannot read the template: {exc.strerror or exc}"
                return Diagnostic(shown, 1, "error", RULE, message)
            return None
        return None

    def names(self) -> list[str]:
        """Every template file of ours, by the name Jinja loads it by."""
        found = set()
        for folder in self.own:
            for dirpath, _, files in os.walk(folder):
                rel = os.path.relpath(dirpath, folder)
                if rel.split(os.sep)[0] == "assets":
                    continue  # the site's CSS and scripts, not Jinja's
                for name in files:
                    if name.endswith((".html", ".xml", ".txt", ".j2")):
                        found.add(Path(rel, name).as_posix().removeprefix("./"))
        return sorted(found)


def _message(exc: BaseException) -> str:
    from jinja2 import TemplateNotFound, UndefinedError

    if isinstance(exc, UndefinedError):
        return str(exc)
    if isinstance(exc, TemplateNotFound):
        return f"no template `{exc.name}`"
    return f"{type(exc).__name__}: {exc}"
