"""The Jinja environment: a site's own templates over the built-in theme, file by file."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from functools import cache, partial
from importlib import resources
from pathlib import Path
from types import (
    BuiltinFunctionType,
    FunctionType,
    MethodDescriptorType,
    MethodType,
    MethodWrapperType,
    WrapperDescriptorType,
)
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # loaded by make_environment: `theme_dirs` alone stays light
    from jinja2 import Environment


def builtin_theme() -> Path:
    """The theme shipped in the package (a wheel), or the repository's templates/ (a checkout)."""
    packaged = resources.files("smcycle_build") / "theme"
    if packaged.is_dir() and (Path(str(packaged)) / "base.html").is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent.parent / "templates"


def theme_dirs(site_templates: Path | None) -> list[Path]:
    """Where templates, strings and assets are looked up, the site's own first."""
    builtin = builtin_theme()
    dirs = []
    if (
        site_templates is not None
        and site_templates.is_dir()
        and site_templates.resolve() != builtin.resolve()
    ):
        dirs.append(site_templates)
    dirs.append(builtin)
    return dirs


def make_environment(
    dirs: list[Path], reload: bool = True, bytecode: Path | None = None
) -> Environment:
    """`{% extends "default/base.html" %}` reaches the built-in original of an overridden file.

    With `reload`, a template edited meanwhile is read again (`serve`); a build reads each
    once, instead of asking the file system for every page's every template (a tenth of a
    second a thousand pages). With a `bytecode` folder, templates compiled by an earlier
    build are loaded from it (see `bytecode_cache`)."""
    from jinja2 import (
        ChoiceLoader,
        FileSystemLoader,
        PrefixLoader,
        StrictUndefined,
        select_autoescape,
    )

    own = _own_files_loader()
    loader = ChoiceLoader(
        [
            *(own(str(d)) for d in dirs[:-1]),
            FileSystemLoader(str(dirs[-1])),
            PrefixLoader({"default": FileSystemLoader(str(dirs[-1]))}),
        ]
    )
    env = _environment_class()(
        loader=loader,
        undefined=StrictUndefined,
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=reload,
        bytecode_cache=bytecode_cache(bytecode) if bytecode is not None else None,
    )
    env.filters["attr"] = _attr_watched(env.filters["attr"])
    return env


def _attr_watched(attr: Callable[..., Any]) -> Callable[..., Any]:
    """Jinja's `attr` filter, which looks the name up itself: noted as `a.body` is."""
    from jinja2 import pass_environment

    from .reads import note

    @pass_environment
    def watched_attr(environment: Any, obj: Any, name: Any) -> Any:
        note(obj, name)
        return attr(environment, obj, name)

    return watched_attr


@cache
def _own_files_loader() -> type:
    """Jinja's file loader for the repository's own templates, which come in pull
    requests: a file no part of a build may read (readfile.unsafe: a link out of the
    folder, to `/etc/passwd`, whose text would be published as a page) is passed by, as
    if it were not there, and `ThemeFiles.unsafe_files` says why (the build fails)."""
    import posixpath

    from jinja2 import FileSystemLoader, TemplateNotFound
    from jinja2.loaders import split_template_path

    from ..readfile import unsafe

    class OwnFiles(FileSystemLoader):
        def get_source(self, environment, template):
            pieces = split_template_path(template)
            for folder in self.searchpath:
                path = posixpath.join(folder, *pieces)
                if os.path.lexists(path) and unsafe(path, folder) is not None:
                    raise TemplateNotFound(template)
            return super().get_source(environment, template)

    return OwnFiles


def bytecode_cache(folder: Path):
    """Jinja's own cache of compiled templates, in `folder`: compiling the theme's 32
    templates costs 0.12 s in every process of every build, loading them 4 ms.

    Jinja keys a template's code by its name, path and source, and checks its own and
    Python's version; what the code also depends on, the environment's settings above,
    is smcycle's source, for which the caller gives each version its folder. A file that
    does not load (damaged, half a disk) is compiled again, as a missing one is: a
    damaged cache is only a slower build."""
    from jinja2 import FileSystemBytecodeCache

    class TemplateBytecode(FileSystemBytecodeCache):
        def load_bytecode(self, bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except Exception:
                bucket.reset()

        def dump_bytecode(self, bucket) -> None:
            with contextlib.suppress(OSError):  # a folder that cannot be written: no cache
                super().dump_bytecode(bucket)

    return TemplateBytecode(str(folder))


_DICT_ATTRIBUTES = frozenset(dir(dict))


@cache
def _environment_class() -> type[Environment]:
    from jinja2 import Environment

    from .reads import note

    class SiteEnvironment(Environment):
        """Jinja's environment, with `a.b` on a plain dict looked up as the key at once.

        Jinja tries the attribute first and the key only after an AttributeError; our
        pages show dicts of values, so every `card.html` raised and caught an exception
        (6% of rendering time). A dict has no attribute but its methods, so for any other
        name the answer is the same."""

        def getattr(self, obj: Any, attribute: str) -> Any:
            if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
                try:
                    return obj[attribute]
                except KeyError:
                    return self.undefined(obj=obj, name=attribute)
            # Environment.getattr itself, inlined: a cold build at 10,000 posts looks up
            # five million attributes, and calling super() for each cost 0.3 CPU s
            try:
                return getattr(obj, attribute)
            except AttributeError:
                pass
            try:
                return obj[attribute]
            except (TypeError, LookupError, AttributeError):
                return self.undefined(obj=obj, name=attribute)

        def getattr_watched(self, obj: Any, attribute: str) -> Any:
            """`a.body`, `a.text` or `a.__name__`, as compiled (`_code_generator_class`):
            noted when `a` holds a post's body or a description (reads.py)."""
            note(obj, attribute)
            return self.getattr(obj, attribute)

        def getitem(self, obj: Any, argument: Any) -> Any:
            """`a[name]`, and what every filter with `attribute=` looks up: noted as
            `getattr_watched` notes."""
            note(obj, argument)
            return Environment.getitem(self, obj, argument)

    SiteEnvironment.template_class = _template_class()
    SiteEnvironment.context_class = _context_class()
    SiteEnvironment.code_generator_class = _code_generator_class()
    return SiteEnvironment


# what `_code_generator_class` takes from Jinja's CodeGenerator (3.1)
_OUTPUT_HELPERS = (
    "_make_finalize",
    "_output_child_to_const",
    "_output_child_pre",
    "_output_child_post",
    "_output_const_repr",
)


def _code_generator_class() -> type:
    """Jinja's code generator, whose templates yield each run of output once.

    Jinja compiles `<a href="{{ url(x) }}">{{ name }}</a>` to five `yield`s, and every
    piece a block yields is passed up through the template that extends it and the one
    that extends that: a post page is 230 pieces, each resumed three times. This one
    yields the run as one string, `"".join` of the same pieces, made by Jinja's own code
    for each piece in the same order (a macro's or `{% set %}` block's output, which
    Jinja collects in a list, and anything outside a block are left as Jinja makes
    them). A page is the same text: Jinja joins its pieces with `"".join` too.

    It reuses Jinja's private helpers of `visit_Output`: a Jinja without one of them
    gets its own generator, which is slower but the same."""
    from jinja2 import nodes
    from jinja2.compiler import CodeGenerator

    from .reads import watched

    class Watching(CodeGenerator):
        """`a.body` compiled to `environment.getattr_watched(a, 'body')`, and the same
        for every name that may read a body (a post's, a description: reads.py); every
        other `a.b` as Jinja compiles it, at no cost."""

        def visit_Getattr(self, node: nodes.Getattr, frame) -> None:
            if self.environment.is_async or not watched(node.attr):
                return super().visit_Getattr(node, frame)
            self.write("environment.getattr_watched(")
            self.visit(node.node, frame)
            self.write(f", {node.attr!r})")
            return None

    if not all(hasattr(CodeGenerator, name) for name in _OUTPUT_HELPERS):
        return Watching

    class JoinedOutput(Watching):
        def visit_Output(self, node: nodes.Output, frame) -> None:
            if frame.buffer is not None or frame.require_output_check:
                return super().visit_Output(node, frame)
            # Jinja's grouping (CodeGenerator.visit_Output): constants folded at compile
            # time into runs, and each expression evaluated when the template runs
            finalize = self._make_finalize()
            body: list[list[Any] | nodes.Expr] = []
            for child in node.nodes:
                try:
                    if not (finalize.const or isinstance(child, nodes.TemplateData)):
                        raise nodes.Impossible()
                    const = self._output_child_to_const(child, frame, finalize)
                except (nodes.Impossible, Exception):
                    body.append(child)
                    continue
                if body and isinstance(body[-1], list):
                    body[-1].append(const)
                else:
                    body.append([const])
            if len(body) < 2:  # one piece: one yield already
                return super().visit_Output(node, frame)
            self.writeline('yield "".join((')
            self.indent()
            for item in body:
                if isinstance(item, list):
                    self.writeline(self._output_const_repr(item) + ",")
                else:
                    self.newline(item)
                    self._output_child_pre(item, frame, finalize)
                    self.visit(item, frame)
                    self._output_child_post(item, frame, finalize)
                    self.write(",")
            self.outdent()
            self.writeline("))")
            return None

    return JoinedOutput


def _context_class() -> type:
    """Jinja's Context, whose `call` calls a plain callable at once.

    A template's `t(...)`, `url(...)` or macro call is `context.call(obj, ...)`, which
    looks for a `pass_context` (or `pass_eval_context`, `pass_environment`) mark on the
    object and on its `__call__`, each time, and takes out the loop and block variables
    the call is given for such a function: a quarter of the time a post page takes to
    render. A function, a bound method, the UI strings or a macro carries no mark unless
    its own attribute says so; for the rest, and anything marked, Jinja's own `call`."""
    from jinja2.runtime import Context, Macro

    from .i18n import Strings

    plain = frozenset({FunctionType, MethodType, Strings, Macro})

    class SiteContext(Context):
        # Jinja's names: a template may pass a keyword argument called `self` or `obj`
        def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            if type(__obj) not in plain or hasattr(__obj, "jinja_pass_arg"):
                return Context.call(__self, __obj, *args, **kwargs)
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:  # as Jinja's own
                return __self.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception"
                )

    return SiteContext


# a function or method a template writes without calling it (`{{ day.strftime }}`): it
# prints as its address in memory, another one every build
UNCALLED = frozenset(
    {
        FunctionType,
        MethodType,
        BuiltinFunctionType,
        MethodWrapperType,
        WrapperDescriptorType,
        MethodDescriptorType,
        partial,
    }
)


def unprintable(value: Any) -> str | None:
    """Why `{{ value }}` must not be written, or None: a function not called, or an object
    with no text of its own. Either prints as its address in memory, so two builds of
    the same files would differ; the forgotten `()` is the usual cause."""
    kind = type(value)
    if kind in UNCALLED:
        name = getattr(value, "__name__", "") or "it"
        return f"shows the function `{name}` itself, not what it returns: call it, `{name}(...)`"
    if kind.__repr__ is object.__repr__ and kind.__str__ is object.__str__:
        return f"shows a {kind.__name__} object, which has no text of its own"
    return None


def _output_escape() -> Callable[[Any], str] | None:
    """What `{{ value }}` writes, escaped as MarkupSafe escapes it, as a plain `str`.

    Jinja's compiled templates wrap every value they write in `markupsafe.escape`, which
    since MarkupSafe 3 is Python around its C escaping that makes a `Markup` of each
    result: 3.4 million values in a cold build of 10,000 posts, 8% of its time. A value
    written to the output is only ever joined into the page (a `{% set %}` block, a
    macro or a `caller()` makes its own `Markup` of the whole), so it need not be one.
    A value that is neither text nor safe markup is looked at (`unprintable`: ints and
    floats, about two a post), and a function or an object that would print its
    address fails the page at the template's line.
    None when MarkupSafe no longer has that C function: its own `escape` stays."""
    try:
        from markupsafe import _escape_inner  # what markupsafe.escape escapes with
    except ImportError:  # pragma: no cover - another MarkupSafe
        return None
    from jinja2 import TemplateRuntimeError

    def escape(value: Any) -> str:
        if type(value) is str:
            return _escape_inner(value)
        html = getattr(value, "__html__", None)
        if html is not None:  # safe already: a Markup, a rendered body
            return str(html())
        why = unprintable(value)
        if why is not None:  # a problem at the template's line (theme_errors.py)
            raise TemplateRuntimeError(why)
        return _escape_inner(str(value))

    return escape


def _template_class() -> type:
    """Jinja's Template, whose compiled code writes values with `_output_escape`."""
    from jinja2 import Template
    from markupsafe import escape as markupsafe_escape

    escape = _output_escape()

    class SiteTemplate(Template):
        @classmethod
        def from_code(cls, environment, code, globals, uptodate=None):
            template = super().from_code(environment, code, globals, uptodate)
            # the module the template's code runs in: its render functions' globals
            namespace = template.root_render_func.__globals__
            if escape is not None and namespace.get("escape") is markupsafe_escape:
                namespace["escape"] = escape
            return template

    return SiteTemplate


def relative_url(page: str, target: str) -> str:
    """A link from the page at `page` to the file `target`, both site paths: works anywhere.

    Up to the site's root, then down to the target: one string operation per link (a
    page of thousands of links renders as fast as a small one), never an absolute path.
    """
    return "../" * page.count("/") + target
