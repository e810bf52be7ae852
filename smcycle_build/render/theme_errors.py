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

import contextlib
import os
from pathlib import Path

from ..errors import Diagnostic

RULE = "template"
TEMPLATE_EXTS = (".html", ".xml", ".txt", ".j2")  # what Jinja loads
NOT_JINJA = ("assets", "i18n")  # the site's CSS and scripts, and its strings


class StringsError(ValueError):
    """A strings file (`i18n/LANG.yaml`) that is no mapping of texts, and the line."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


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
        """Every file of ours a build must not read, every strings file that does not
        load, and every template of ours that does not compile in `env`, each at its
        line: all of them, before any page is made, and those no page uses too."""
        unsafe, found = self.unsafe_files()
        found += self.strings_problems(unsafe)
        for name in self.names():
            if any(os.path.join(folder, name) in unsafe for folder in self.own):
                continue  # said: Jinja passes it by, to the built-in one or none
            try:
                env.get_template(name)
            except Exception as exc:
                located = self.locate(exc)
                if located is None:
                    raise
                found.append(located)
        return sorted(found, key=lambda d: (d.path, d.line))

    def unsafe_files(self) -> tuple[set[str], list[Diagnostic]]:
        """The files of ours no part of a build reads (readfile.unsafe: a link out of its
        folder, to nothing or round, a pipe, a device), and a problem for each. Jinja's
        loader (env.py), the strings and the assets pass them by; without this they
        would be the built-in theme's, silently."""
        from ..readfile import unsafe
        from ..walk import walk

        paths: set[str] = set()
        found = []
        for folder in self.own:
            for rel, entry in walk(folder):
                why = unsafe(entry.path, folder)
                if why is None:
                    continue
                paths.add(entry.path)
                kind = "template" if _jinjas(rel) else "file"
                why = why.replace("its folder", self._shown(folder) + "/")
                message = f"cannot read the {kind}: {why}"
                found.append(Diagnostic(self._shown(entry.path), 1, "error", RULE, message))
        return paths, found

    def strings_problems(self, unsafe: set[str]) -> list[Diagnostic]:
        """Each strings file of ours (`i18n/LANG.yaml`) that is no mapping of texts, at
        its line; `i18n.load_strings` passes it by."""
        from .i18n import read_strings

        found = []
        for folder in self.own:
            i18n = os.path.join(folder, "i18n")
            names = sorted(os.listdir(i18n)) if os.path.isdir(i18n) else []
            for name in names:
                path = os.path.join(i18n, name)
                if not name.endswith(".yaml") or path in unsafe:
                    continue
                try:
                    read_strings(path)
                except StringsError as exc:
                    shown = self._shown(path)
                    found.append(Diagnostic(shown, exc.line, "error", RULE, str(exc)))
        return found

    def _shown(self, path: str) -> str:
        """`path` as messages name it: relative to the repository, else in full."""
        root = str(self.root.resolve()) + os.sep
        return path.removeprefix(root).replace(os.sep, "/")

    def names(self) -> list[str]:
        """Every template file of ours, by the name Jinja loads it by."""
        from ..walk import walk

        found = set()
        for folder in self.own:
            for rel, entry in walk(folder):
                if _jinjas(rel):
                    with contextlib.suppress(OSError):  # a loop of links: unsafe_files
                        if entry.is_file():  # else said by unsafe_files, if at all
                            found.add(rel)
        return sorted(found)


def _jinjas(rel: str) -> bool:
    """Whether the file at `rel` in a template folder is one Jinja loads."""
    return rel.endswith(TEMPLATE_EXTS) and rel.split("/")[0] not in NOT_JINJA


def _message(exc: BaseException) -> str:
    from jinja2 import TemplateNotFound, TemplateRuntimeError

    if isinstance(exc, TemplateRuntimeError):  # an undefined name, env.unprintable...
        return str(exc)
    if isinstance(exc, TemplateNotFound):
        return f"no template `{exc.name}`"
    return f"{type(exc).__name__}: {exc}"
