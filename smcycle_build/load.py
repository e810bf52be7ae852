"""Find the playbook's files and read them into raw documents with source lines.

No validation happens here beyond "does it parse": each file becomes a
`RawDocument` (fields as a line-aware YMap, the Markdown body and the line it
starts on), and problems are collected, never raised.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Diagnostics
from .frozen import frozen
from .markdown_limits import body_problems
from .memo import Memo
from .readfile import leads_inside, read_regular
from .walk import walk
from .webtext import showable
from .yamlsrc import FAILED, YList, YMap, load_yaml

if TYPE_CHECKING:
    from .post_checks import PostChecks

ENTITY_KINDS = ("goals", "audiences", "channels", "campaigns", "posts", "reviews")
ENTITY_EXTS = (".md", ".yaml", ".yml")
# the files a post is checked against (validate's `context`), besides the media
CONTEXT_KINDS = frozenset({"playbook", *ENTITY_KINDS} - {"posts"})
NAMED_KINDS = CONTEXT_KINDS - {"playbook", "channels"}  # a post's check reads their ids


@frozen
class RawDocument:
    """One file as read: its fields with their lines, and its Markdown body."""

    kind: str
    path: str  # relative to the repository, with forward slashes
    stem: str  # the file name without extension: the default id
    fields: YMap | None  # None when it did not parse into a mapping
    body: str = ""
    body_line: int = 1
    # a digest of its path and front matter: what it is but its body (render/reads.py)
    head: str = ""


@dataclass(frozen=True)
class CsvFile:
    path: str
    header: tuple[str, ...]
    header_line: int
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # (file line, cells)


@dataclass
class Sources:
    """Everything read from `content/`, still untyped."""

    root: Path
    content: Path
    playbook: RawDocument | None = None
    situation: RawDocument | None = None
    themes: RawDocument | None = None
    listening: RawDocument | None = None
    entities: dict[str, list[RawDocument]] = field(default_factory=dict)
    metrics: list[CsvFile] = field(default_factory=list)
    media: frozenset[str] = frozenset()
    # media files that are links resolving outside content/media/
    media_escapes: frozenset[str] = frozenset()
    # with a post store: the posts reused from it (the others are in entities["posts"])
    checks: PostChecks | None = None

    def rel(self, path: Path) -> str:
        return relative(path, self.root)


def relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


OUTSIDE = "this file links to a place outside content/"


def ignored(name: str) -> bool:
    """A name the check passes by, with all below it: `_drafts/`, `.DS_Store`."""
    return name.startswith(("_", "."))


class DiskFiles:
    """The playbook's files where they are: on disk. What a check asks of its files goes
    through one of these, so that `smcycle diff` can check a git revision held in memory
    (revision.py) with the same code, never writing it out."""

    def is_file(self, path: str) -> bool:
        return os.path.isfile(path)

    def is_dir(self, path: str) -> bool:
        return os.path.isdir(path)

    def read(self, path: str) -> bytes:
        return read_regular(path)

    def scan(self, folder: str) -> list[tuple[str, bool]]:
        """(path, is a link) of the files below `folder`: `scan_files`."""
        return scan_files(folder)

    def inside(self, path: str, folder: str) -> bool:
        """Whether `path`, its links followed, is below `folder` (readfile.leads_inside)."""
        return leads_inside(path, folder)


DISK = DiskFiles()


def shown_if_not_utf8(rel: str) -> str | None:
    """None for a name in UTF-8; else the name as it can be shown, each byte that is not
    UTF-8 as `\\xNN`. Git and the file system take any bytes in a name, and Python gives
    the bad ones as lone surrogates, which nothing can write out (a message, a digest)."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(rel).decode("utf-8", "backslashreplace")
    return None


def _refused_name(rel: str, diags: Diagnostics) -> bool:
    """Whether the file at `rel` is passed by for its name (and said so)."""
    shown = shown_if_not_utf8(rel)
    if shown is not None:
        diags.add(shown, 1, "schema", "the file name is not UTF-8", hint="rename it")
    return shown is not None


def read_text(path: Path, rel: str, diags: Diagnostics, files: DiskFiles = DISK) -> str | None:
    """UTF-8 text with a BOM dropped; a file that is not UTF-8 is reported at its line."""
    data = read_bytes(path, rel, diags, files)
    return None if data is None else decode(data, rel, diags)


def read_bytes(
    path: str | Path, rel: str, diags: Diagnostics, files: DiskFiles = DISK
) -> bytes | None:
    """The file's bytes; one that cannot be read is reported."""
    try:
        return files.read(str(path))
    except OSError as exc:
        diags.add(rel, 1, "schema", f"cannot read the file: {exc.strerror or exc}")
        return None


def decode(data: bytes, rel: str, diags: Diagnostics) -> str | None:
    """`read_text` of bytes already read."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        diags.add(rel, line, "schema", "the file is not UTF-8 text", hint="save it as UTF-8")
        return None


def split_front_matter(text: str) -> tuple[str | None, int, str, int]:
    """(yaml text, yaml's first file line - 1, body, body's first line).

    The YAML between the two `---` lines starts on file line 2: its 0-based marks
    are shifted by one (the Hugo and Eleventy bug this guards against).
    """
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None, 0, text, 1
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            first = i + 1
            while first < len(lines) and not lines[first].strip():
                first += 1
            # blank lines around a body mean nothing to Markdown; without them the body is
            # usually its own stripped text too, one string where a post would hold two.
            # What no page can show is left out, as it is of every text field (fields.py)
            body = showable("\n".join(lines[first:]).rstrip())
            return "\n".join(lines[1:i]), 1, body, first + 1
    return None, -1, text, 1


def read_document(
    kind: str, path: Path, rel: str, diags: Diagnostics, files: DiskFiles = DISK
) -> RawDocument | None:
    text = read_text(path, rel, diags, files)
    return None if text is None else parse_document(kind, path, rel, text, diags)


def parse_document(kind: str, path: Path, rel: str, text: str, diags: Diagnostics) -> RawDocument:
    stem = path.name.rsplit(".", 1)[0]
    head = ""
    if path.suffix == ".md":
        front, offset, body, body_line = split_front_matter(text)
        if front is None:
            if offset == -1:
                diags.add(rel, 1, "schema", "the front matter has no closing `---` line")
            else:
                diags.add(
                    rel,
                    1,
                    "schema",
                    "a Markdown file needs YAML front matter",
                    hint="start the file with a `---` line, the fields, then another `---` line",
                )
            return RawDocument(kind, rel, stem, None)
        fields = load_yaml(front, rel, diags, offset=offset)
        head = hashlib.sha256(f"{rel}\0{front}".encode("utf-8", "surrogatepass")).hexdigest()
        for line, message, hint in body_problems(body):
            diags.add(rel, body_line + line, "schema", message, hint=hint)
    else:
        fields, body, body_line = load_yaml(text, rel, diags), "", 1
    if fields is FAILED:
        return RawDocument(kind, rel, stem, None, body, body_line, head)
    if fields is None:  # an empty file or front matter: every required field is missing
        fields = YMap(1 + (path.suffix == ".md"))
    if kind == "themes" and isinstance(fields, YList):
        return RawDocument(kind, rel, stem, fields, body, body_line, head)  # themes.yaml: a list
    if not isinstance(fields, YMap):
        diags.add(rel, 1 + (path.suffix == ".md"), "schema", "expected a mapping of `field: value`")
        fields = None
    return RawDocument(kind, rel, stem, fields, body, body_line, head)


def scan_files(folder: str) -> list[tuple[str, bool]]:
    """(path, is a link) of the files below `folder`, in `walk`'s order, without the names
    the check passes by (`ignored`)."""
    return [(entry.path, entry.is_symlink()) for _rel, entry in walk(folder, ignored)]


def read_csv(path: Path, rel: str, diags: Diagnostics, files: DiskFiles = DISK) -> CsvFile | None:
    text = read_text(path, rel, diags, files)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, tuple[str, ...]]] = []
    header: tuple[str, ...] = ()
    header_line = 1
    try:
        start = 1
        for cells in reader:
            if not header:
                header, header_line = tuple(c.strip() for c in cells), start
            elif any(c.strip() for c in cells):
                rows.append((start, tuple(cells)))
            start = reader.line_num + 1
    except csv.Error as exc:
        diags.add(rel, start, "schema", f"CSV does not parse: {exc}")
        return None
    return CsvFile(rel, header, header_line, tuple(rows))


def _media_files(
    media: Path, src: Sources, diags: Diagnostics, files: DiskFiles
) -> tuple[frozenset[str], frozenset[str]]:
    inside: set[str] = set()
    escapes: set[str] = set()
    folder = str(media)
    if not files.is_dir(folder):
        return frozenset(), frozenset()
    for path, link in files.scan(folder):
        name = Path(path).relative_to(media).as_posix()
        if _refused_name(src.rel(Path(path)), diags):
            continue
        if link and not files.inside(path, folder):
            escapes.add(name)
        elif files.is_file(path):  # a regular file, or a link to one: no pipe, no device
            inside.add(name)
        # else a link to nothing, round or to a folder, a pipe, a device: no file a post
        # can show or copy
    return frozenset(inside), frozenset(escapes)


def _checked_against(kind: str, doc: RawDocument | None, text: str | None) -> str | None:
    """What a post's check reads of a file it is checked against (`PostChecks.depend`):
    of the playbook, its zone, default time and `lint:` (`validate.post_reads`); of a
    channel, its id, network, limits and default time (`validate.channel_reads`); of a
    campaign, goal, audience or review, its id alone (a post names it: posts.py). A
    page, event or row that shows more of one is keyed by it (shown.py; the playbook's
    and the channels' fields by the site's key), so an edit of a campaign's dates, of
    a channel's name or of the playbook's title checks no post again."""
    if doc is None:
        return text
    if kind in NAMED_KINDS:
        from .validate import record_id

        return f"id {record_id(doc, Diagnostics())}"  # None: it has no id to name
    if kind == "playbook":  # its zone, default time and `lint:`, not its title or comments
        from .validate import build_playbook, post_reads

        return post_reads(build_playbook(doc, Diagnostics()))
    if kind == "channels":  # its network, limits and default time, not its name or cadence
        from .validate import channel_reads

        return channel_reads(doc)
    return doc.head or text


def checked_against(kind: str, doc: RawDocument) -> str | RawDocument:
    """The same for `serve`'s memo, which has the parse and not the text: a value that
    is equal as long as what a post's check reads of the file is (the document itself,
    compared by identity, when it has no front matter to digest)."""
    said = _checked_against(kind, doc, None)
    return doc if said is None else f"{doc.path}\0{said}"


def load_documents(
    content: Path,
    root: Path,
    diags: Diagnostics,
    memo: Memo | None = None,
    checks: PostChecks | None = None,
    files: DiskFiles = DISK,
) -> Sources:
    """Read every file of SPEC §2 under `content/` (problems go to `diags`); with a `memo`,
    only the files that changed since the last time; with `checks`, every post file but
    only those not checked before are parsed (the others are in `checks.found`). `files`:
    where they are read from (the disk, or a revision in memory: without a memo)."""
    assert memo is None or files is DISK, "a memo knows files on disk by their stat"
    src = Sources(root=root, content=content, checks=checks)
    seen: list[str] = []
    posts: list[tuple[str, str]] = []  # (path, rel) of the posts, read last with `checks`

    def read(kind: str, path: str | Path, rel: str) -> RawDocument | None:
        if checks is not None and kind in CONTEXT_KINDS:  # what every post depends on
            text = read_text(Path(path), rel, diags, files)
            doc = None if text is None else parse_document(kind, Path(path), rel, text, diags)
            checks.depend(rel, _checked_against(kind, doc, text))
            return doc
        if memo is None:
            return read_document(kind, Path(path), rel, diags, files)
        seen.append(rel)
        return memo.file(path, rel, diags, lambda d: read_document(kind, Path(path), rel, d))

    refused: set[str] = set()  # names whose file links out of content/ (said so)

    def single(name: str) -> RawDocument | None:
        for ext in (".md",) if name == "situation" else (".yaml", ".yml"):
            path = content / f"{name}{ext}"
            if files.is_file(str(path)):
                if not files.inside(str(path), str(content)):  # as any other file
                    diags.add(src.rel(path), 1, "schema", OUTSIDE)
                    refused.add(name)
                    return None
                return read(name, path, src.rel(path))
        return None

    src.playbook = single("playbook")
    if src.playbook is None and "playbook" not in refused:
        diags.add(
            src.rel(content / "playbook.yaml"),
            1,
            "schema",
            "playbook.yaml is missing",
            hint="every playbook needs content/playbook.yaml with title, organization, "
            "strategy and timezone",
        )
    src.situation = single("situation")
    src.themes = single("themes")
    src.listening = single("listening")
    root_prefix = str(root) + os.sep
    for kind in ENTITY_KINDS:
        docs: list[RawDocument] = []
        for name, link in files.scan(str(content / kind)):
            if not name.endswith(ENTITY_EXTS):
                continue
            rel = name[len(root_prefix) :] if name.startswith(root_prefix) else name
            if _refused_name(rel, diags):
                continue
            # os.walk follows no folder link: only a file that is a link can lead out
            if link and not files.inside(name, str(content)):
                diags.add(rel, 1, "schema", OUTSIDE)
                continue
            if kind == "posts" and checks is not None:
                posts.append((name, rel))
                continue
            doc = read(kind, name, rel)
            if doc is not None:
                docs.append(doc)
        src.entities[kind] = docs
    for name, link in files.scan(str(content / "metrics")):
        path = Path(name)
        if path.suffix != ".csv" or _refused_name(src.rel(path), diags):
            continue
        if link and not files.inside(name, str(content)):
            diags.add(src.rel(path), 1, "schema", OUTSIDE)
        else:
            rel = src.rel(path)
            if memo is None:
                table = read_csv(path, rel, diags, files)
            else:
                seen.append(rel)
                table = memo.file(path, rel, diags, lambda d, p=path, r=rel: read_csv(p, r, d))
            if table is not None:
                src.metrics.append(table)
    src.media, src.media_escapes = _media_files(content / "media", src, diags, files)
    if checks is not None:
        checks.depend_media(src.media, src.media_escapes)
        src.entities["posts"] = _read_posts(posts, checks, diags, files)
    if memo is not None:
        memo.keep("files", seen)
        src.media = memo.stable("media", src.media)
        src.media_escapes = memo.stable("media-escapes", src.media_escapes)
    return src


def _read_posts(
    posts: list[tuple[str, str]], checks: PostChecks, diags: Diagnostics, files: DiskFiles
) -> list[RawDocument]:
    """Every post file read, and parsed unless `checks` has its entry as it is now. One
    file at a time: ten thousand texts are never held at once."""
    docs = []

    def parse(name: str, rel: str, text: str) -> None:
        own = diags.fork()
        docs.append(parse_document("posts", Path(name), rel, text, own))
        diags.absorb(own.items)
        checks.parsed[rel] = own.items

    stored = []
    for name, rel in posts:
        # a file unchanged since it was hashed is not even read (cache.FileDigests)
        known = checks.known_digest(name)
        if known is not None and checks.reuse(rel, known):
            stored.append(rel)
            continue
        read = checks.read(name, rel, diags, files)
        if read is None:
            continue
        text, digest = read
        if checks.reuse(rel, digest):
            stored.append(rel)
        else:
            parse(name, rel, text)
    if stored:
        names = {rel: name for name, rel in posts}
        for rel in checks.fetch(stored):  # an entry gone or damaged meanwhile: read again
            read = checks.read(names[rel], rel, diags, files)
            if read is not None:
                checks.reuse(rel, read[1])  # its key, as it is now
                parse(names[rel], rel, read[0])
    checks.close()
    return docs


__all__ = ["DISK", "DiskFiles", "RawDocument", "Sources", "YList", "YMap", "load_documents"]
