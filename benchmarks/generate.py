"""A synthetic playbook of N posts for the benchmarks, and the same N bodies as a Hugo site.

    python benchmarks/generate.py N OUT_DIR

writes OUT_DIR/content/ (a complete playbook that `smcycle check` accepts without an error:
a five-year cycle 2027-2031, four channels, three goals, two audiences, three campaigns a
year, a topic a month, a weekly series, a few reused PNGs, metrics, and N posts in
posts/YYYY-MM/, each with a ~2.4 KiB website body and tailored facebook, x and instagram
variants) and OUT_DIR/hugo/ (a minimal Hugo site whose content/posts/ holds the same N
bodies with title and date). The words are pseudo-random from a fixed seed: the same N
always gives byte-identical files. Post i's text does not depend on N; its date does.

Only the standard library: the benchmark must not depend on what it measures.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import struct
import sys
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

SEED = 20270101
TIMEZONE = "Europe/Amsterdam"
CYCLE_START = date(2027, 1, 1)
CYCLE_END = date(2031, 12, 31)
YEARS = range(CYCLE_START.year, CYCLE_END.year + 1)
CHANNELS = ("website", "facebook", "x", "instagram")
AUDIENCES = ("riders", "families")
GOALS = ("website-readers", "instagram-followers", "facebook-community")
OWNERS = ("Mila de Groot", "Sanne Visser", "Joris Bakker", "Eva Jansen")
STATUSES = ("approved",) * 10 + ("scheduled",) * 6 + ("published",) * 4 + ("draft", "review")
SLOTS = ("07:45", "08:00", "09:30", "12:30", "17:15", "19:00", "20:30")
IMAGES = 6  # media/synthetic/photo-1.png .. photo-6.png, reused by every instagram variant
BODY_BYTES = 2480  # the website body of every post: ~2.4 KiB (2,458 bytes) of Markdown

# (id suffix, name, start month-day, end month-day, goals): three campaigns a year
CAMPAIGNS = (
    ("spring-check", "Spring Check", (3, 10), (4, 10), ("website-readers", "instagram-followers")),
    ("summer-rides", "Summer Rides", (6, 14), (7, 12), ("facebook-community", "website-readers")),
    (
        "dark-evenings",
        "Dark Evenings",
        (10, 4),
        (11, 8),
        ("instagram-followers", "website-readers"),
    ),
)
TOPICS = (
    "Winter commuting",
    "Behind the workshop door",
    "Spring check",
    "Ride season opens",
    "Ride to work",
    "Summer touring",
    "Holidays by bike",
    "Back to school",
    "Back to the commute",
    "Dark evenings",
    "Lights and visibility",
    "Thanks for riding",
)

_WORDS_TEXT = """
bike wheel chain brake saddle tyre pedal gear lever spoke frame fork rim valve pump lock light
bell basket rack pannier helmet jacket glove route ride rider street lane path bridge harbour
river dyke canal park market shop workshop bench mechanic tool spanner oil rag brush bucket
morning evening weekend winter spring summer autumn rain wind sun frost salt puddle gravel
road city village ferry train station school office family child parent friend neighbour
club coffee cake map photo story plan list check guide tip question answer reason minute
hour day week month season year distance speed climb corner junction crossing signal
quiet busy steady gentle quick slow easy hard safe bright dark warm cold wet dry clean
simple careful honest friendly local early late short long light heavy small large new old
ride carry fix clean check pump tighten adjust replace oil wipe park lock charge pack
bring share show tell ask answer meet join start finish wait turn lean brake shift roll
always often never sometimes together again almost nearly simply really usually mostly
before after during between around across along through under over behind beside toward
the a an our your their this that every each some many few more most other same
and but so because while when where if then also just only still even
is are was were has have had will can should must could would may might
"""
WORDS = _WORDS_TEXT.split()
HEADINGS = ("What we check", "How it works", "Why it matters", "What you need", "Next steps")
TAGS = (
    "#fietsenrotterdam",
    "#bikecare",
    "#rotterdamcycling",
    "#workshop",
    "#rideon",
    "#kopvanzuid",
)


@dataclass(frozen=True)
class Post:
    index: int  # 0-based
    id: str
    folder: str  # YYYY-MM
    title: str
    when: datetime  # local wall-clock time
    body: str
    smcycle_text: str  # the whole posts/YYYY-MM/ID.md
    hugo_text: str  # the whole hugo/content/posts/ID.md


def rng_for(index: int) -> random.Random:
    return random.Random(SEED * 1_000_003 + index)


def sentence(rng: random.Random, low: int = 8, high: int = 16) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def paragraph(rng: random.Random, size: int) -> str:
    """Sentences until the paragraph reaches `size` characters, wrapped at 72 columns."""
    text = sentence(rng)
    while len(text) < size:
        text += " " + sentence(rng)
    return wrap(text)


def wrap(text: str, width: int = 72) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines)


def phrase(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def make_body(rng: random.Random, slug: str) -> str:
    """A few paragraphs, a heading, a list and a link: about BODY_BYTES of Markdown."""
    items = "\n".join(f"- {phrase(rng, 5, 9)};" for _ in range(4))
    parts = [
        paragraph(rng, 560),
        paragraph(rng, 520),
        f"## {rng.choice(HEADINGS)}",
        paragraph(rng, 380),
        items,
    ]
    head = "\n\n".join(parts)
    link = f"Read the whole guide on [our journal](https://bench.example/journal/{slug}/)."
    rest = BODY_BYTES - len(head) - len(link) - 4
    tail = sentence(rng)
    while len(tail) < rest - 60:
        tail += " " + sentence(rng)
    return f"{head}\n\n{wrap(tail)}\n{link}\n"


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def campaign_windows() -> list[tuple[str, date, date, tuple[str, ...]]]:
    """(id, first day of the before phase, last day of the after phase, goals)."""
    out = []
    for year in YEARS:
        for suffix, _name, (m1, d1), (m2, d2), goals in CAMPAIGNS:
            start, end = date(year, m1, d1), date(year, m2, d2)
            out.append(
                (f"{year}-{suffix}", start - timedelta(days=7), end + timedelta(days=3), goals)
            )
    return out


WINDOWS = campaign_windows()


def campaign_of(day: date) -> tuple[str, tuple[str, ...]] | None:
    for cid, first, last, goals in WINDOWS:
        if first <= day <= last:
            return cid, goals
    return None


def make_post(index: int, n: int) -> Post:
    """Post `index` of `n`: its words come from its own seed, its date from its place in n."""
    rng = rng_for(index)
    total_days = (CYCLE_END - CYCLE_START).days + 1
    day = CYCLE_START + timedelta(days=index * total_days // n)
    hh, mm = (int(x) for x in rng.choice(SLOTS).split(":"))
    when = datetime(day.year, day.month, day.day, hh, mm)
    title_words = phrase(rng, 4, 7)
    title = title_words[0].upper() + title_words[1:]
    slug = "-".join(title_words.split()[:4])
    post_id = f"p{index + 1:05d}-{slug}"
    body = make_body(rng, post_id)
    status = rng.choice(STATUSES)
    audience = AUDIENCES[index % len(AUDIENCES)]
    topic = TOPICS[day.month - 1]
    owner = rng.choice(OWNERS)
    found = campaign_of(day)
    lines = [
        "---",
        f"title: {q(title)}",
        f'date: "{when:%Y-%m-%d %H:%M}"',
        f"status: {status}",
    ]
    if found:
        lines.append(f"campaign: {found[0]}")
        goal = found[1][index % len(found[1])]
    else:
        goal = GOALS[index % len(GOALS)]
    # x: at most 200 characters with its link (a link counts as 23)
    x_text = sentence(rng, 10, 14)
    while len(x_text) > 160:
        x_text = sentence(rng, 10, 14)
    facebook = f"{sentence(rng, 12, 18)} {sentence(rng, 10, 16)} {sentence(rng, 6, 10)}"
    caption = [sentence(rng, 12, 18), "", sentence(rng, 10, 16) + " " + sentence(rng, 8, 12), ""]
    caption.append(" ".join(rng.sample(TAGS, 3)))
    image = f"synthetic/photo-{rng.randint(1, IMAGES)}.png"
    lines += [
        f"goal: {goal}",
        f"audience: {audience}",
        f"topic: {q(topic)}",
        f"owner: {q(owner)}",
        "variants:",
        "  website:",
        f"    title: {q(title + ': the guide')}",
        "  facebook:",
        f"    text: {q(facebook)}",
        "    link: website",
        "  x:",
        f"    text: {q(x_text)}",
        "    link: website",
        "  instagram:",
        "    text: |-",
        *(f"      {c}".rstrip() for c in caption),
        f"    media: [{image}]",
        f'    at: "{day:%Y-%m-%d} 12:30"',
        "---",
        "",
        "",
    ]
    smcycle_text = "\n".join(lines) + body
    offset = when.replace(tzinfo=ZoneInfo(TIMEZONE)).isoformat()
    hugo_text = f"---\ntitle: {q(title)}\ndate: {offset}\n---\n\n{body}"
    return Post(index, post_id, f"{day:%Y-%m}", title, when, body, smcycle_text, hugo_text)


def post_path(post: Post) -> Path:
    """Where the post lives, relative to OUT_DIR."""
    return Path("content", "posts", post.folder, f"{post.id}.md")


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small valid PNG: a vertical gradient of one colour (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(
        b"\x00" + bytes(min(255, c * (y + height) // (2 * height)) for c in rgb) * width
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


PLAYBOOK = f"""\
# A synthetic playbook for the benchmarks (benchmarks/generate.py): not a real plan.
title: "Bench Bikes - Synthetic Playbook 2027-2031"
organization: "Bench Bikes"
strategy: awareness
timezone: {TIMEZONE}
language: en
base_url: "https://bench.example/"
cycle:
  name: "2027-2031"
  start: {CYCLE_START}
  end: {CYCLE_END}
default_time: "09:00"
event_minutes: 15
lint:
  # No rule is turned off. The thresholds stay at their defaults: the channels' cadences
  # (channels/*.md) are wide enough for 20,000 posts, every audience is on every network,
  # every post serves a goal and an audience, and each variant is written for its network.
  max_silence_days: 14
  max_monthly_growth: 0.3
  copy_paste_similarity: 0.85
"""

SITUATION = """\
---
as_of: 2026-11-01
competitors:
  - id: wheel-works
    name: "Wheel Works"
    networks: [instagram, facebook]
    notes: "Big shop in the centre; fast repairs, little advice."
perception:
  - "Friendly and honest, a bit slow in spring."
strengths: ["Mechanics who explain", "The Saturday ride"]
weaknesses: ["Booking by phone only"]
opportunities: ["New families in the neighbourhood"]
threats: ["Online shops with home repair vans"]
---

A synthetic situation: the benchmark needs every page of the cycle to have something on it.
"""

LISTENING = """\
queries:
  - terms: ["Bench Bikes", "@benchbikes"]
    networks: [instagram, facebook, x]
    why: "Every mention of the shop, answered within a day."
routine:
  every: week
  owner: "Joris Bakker"
responses:
  - trigger: "A question in a comment"
    within: "4h"
    owner: "Sanne Visser"
    steps: ["Answer in public", "Link the guide if there is one"]
surveys:
  - title: "Reader survey"
    date: 2027-10-01
    channel: website
"""

CHANNEL_FILES = {
    "website": ("Website journal", "https://bench.example/journal/", None, "08:00"),
    "facebook": ("Facebook page", "https://www.facebook.com/benchbikes", "Bench Bikes", "19:00"),
    "x": ("X @benchbikes", "https://x.com/benchbikes", "@benchbikes", "07:45"),
    "instagram": ("Instagram", "https://www.instagram.com/benchbikes/", "@benchbikes", "12:30"),
}

GOAL_FILES = {
    # id: (title, metric, baseline, target, channels)
    "website-readers": ("12,000 readers a month on the journal", "website.sessions", 8000, 12000),
    "instagram-followers": ("6,000 Instagram followers", "instagram.followers", 4000, 6000),
    "facebook-community": (
        "3,500 people follow the Facebook page",
        "facebook.followers",
        2500,
        3500,
    ),
}


def channel_file(cid: str) -> str:
    name, url, handle, at = CHANNEL_FILES[cid]
    lines = ["---", f"name: {q(name)}", f"network: {cid}"]
    if handle:
        lines.append(f"handle: {q(handle)}")
    lines += [
        f"url: {q(url)}",
        f"role: {q('Synthetic channel ' + cid + ' for the benchmarks.')}",
        f'default_time: "{at}"',
        "# wide enough for 20,000 posts over five years (~80 a week on every channel)",
        "cadence:",
        "  min_per_week: 1",
        "  max_per_week: 200",
        "quiet_cadence:",
        "  min_per_week: 1",
        "  max_per_week: 200",
        "---",
        "",
        f"How we post on {name}: short, useful, written for the network.",
        "",
    ]
    return "\n".join(lines)


def goal_file(gid: str) -> str:
    title, metric, baseline, target = GOAL_FILES[gid]
    return f"""---
title: {q(title)}
strategy: awareness
metric: {metric}
aggregate: last
baseline: {baseline}
target: {target}
start: {CYCLE_START}
due: {CYCLE_END}
audiences: [{", ".join(AUDIENCES)}]
channels: [{metric.split(".")[0]}]
owner: "Mila de Groot"
---

A synthetic goal: {title.lower()} by the end of the cycle.
"""


def audience_file(aid: str) -> str:
    return f"""---
name: {q(aid.capitalize())}
description: "Synthetic audience `{aid}` for the benchmarks."
networks: [{", ".join(CHANNELS)}]
active_hours: ["07:00-09:00", "12:00-13:00", "19:00-22:00"]
needs:
  - "Useful tips, not adverts."
---

A synthetic persona.
"""


def campaign_files() -> dict[str, str]:
    out = {}
    for year in YEARS:
        for suffix, name, (m1, d1), (m2, d2), goals in CAMPAIGNS:
            start, end = date(year, m1, d1), date(year, m2, d2)
            middle = start + (end - start) // 2
            out[f"{year}-{suffix}"] = f"""---
name: "{name} {year}"
strategy: awareness
goals: [{", ".join(goals)}]
audiences: [{", ".join(AUDIENCES)}]
channels: [{", ".join(CHANNELS)}]
start: {start}
end: {end}
before_days: 7
after_days: 3
milestones:
  - date: {start}
    title: "{name} opens"
  - date: {middle}
    title: "{name}: halfway event"
---

## The brief

A synthetic campaign: {name.lower()} in {year}.
"""
    return out


def themes_file() -> str:
    lines = ["# one topic a month for the whole cycle"]
    for year in YEARS:
        for month in range(1, 13):
            lines += [
                f'- month: "{year}-{month:02d}"',
                f"  topic: {q(TOPICS[month - 1])}",
                f'  notes: "What we write about in {year}-{month:02d}."',
            ]
    return "\n".join(lines) + "\n"


def metrics_file() -> str:
    """A year of weekly rows, growing steadily towards each goal."""
    rows = ["date,channel,metric,value"]
    day = CYCLE_START - timedelta(days=CYCLE_START.weekday())  # the Monday of the first week
    for week in range(52):
        for _title, metric, baseline, target in GOAL_FILES.values():
            channel, name = metric.split(".")
            value = baseline + (target - baseline) * week // 200
            rows.append(f"{day + timedelta(weeks=week)},{channel},{name},{value}")
    return "\n".join(rows) + "\n"


SERIES = f"""\
---
title: "Friday roundup"
date: "2027-01-01 16:00"
status: approved
goal: facebook-community
audience: riders
topic: "The week in the workshop"
owner: "Joris Bakker"
repeat:
  freq: weekly
  byday: [FR]
  until: {CYCLE_END}
  except: [2027-12-24, 2027-12-31, 2029-12-28, 2030-12-27]
variants:
  facebook:
    text: >-
      The week in the workshop: what was on the bench, what broke, what we learned.
      Questions welcome below.
    link: website
  x:
    text: "Friday roundup: this week's workshop notes are up."
    link: website
  website:
    title: "Friday roundup"
---

Every Friday afternoon: what was on the bench this week, and what it taught us.
"""

HUGO_CONFIG = f"""\
baseURL = "https://bench.example/"
languageCode = "en"
title = "Bench Bikes - Hugo baseline"
timeZone = "{TIMEZONE}"
# the posts are dated 2027-2031
buildFuture = true
# a minimal site: the N post pages, the posts list and the home page
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
"""

HUGO_BASEOF = """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title></head>
<body><main>{{ block "main" . }}{{ end }}</main></body>
</html>
"""

HUGO_SINGLE = """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">
{{- .Date.Format "2 Jan 2006 15:04" }}</time></p>
{{ .Content }}
{{ end }}
"""

HUGO_LIST = """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>
{{ range .Site.RegularPages -}}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>
{{ end }}</ul>
{{ end }}
"""


def files_of(n: int) -> dict[str, bytes]:
    """Every file under OUT_DIR for N posts: relative path -> bytes."""
    files: dict[str, str | bytes] = {
        "content/playbook.yaml": PLAYBOOK,
        "content/situation.md": SITUATION,
        "content/listening.yaml": LISTENING,
        "content/themes.yaml": themes_file(),
        "content/metrics/weekly.csv": metrics_file(),
        "content/posts/series/friday-roundup.md": SERIES,
        "hugo/hugo.toml": HUGO_CONFIG,
        "hugo/layouts/baseof.html": HUGO_BASEOF,
        "hugo/layouts/single.html": HUGO_SINGLE,
        "hugo/layouts/list.html": HUGO_LIST,
        "hugo/content/_index.md": '---\ntitle: "Home"\n---\n',
        "hugo/content/posts/_index.md": '---\ntitle: "Posts"\n---\n',
    }
    for cid in CHANNELS:
        files[f"content/channels/{cid}.md"] = channel_file(cid)
    for gid in GOALS:
        files[f"content/goals/{gid}.md"] = goal_file(gid)
    for aid in AUDIENCES:
        files[f"content/audiences/{aid}.md"] = audience_file(aid)
    for cid, text in campaign_files().items():
        files[f"content/campaigns/{cid}.md"] = text
    palette = ((200, 80, 60), (60, 140, 200), (90, 170, 90), (220, 180, 60), (140, 90, 180))
    for k in range(1, IMAGES + 1):
        files[f"content/media/synthetic/photo-{k}.png"] = png(48, 48, palette[k % len(palette)])
    for i in range(n):
        post = make_post(i, n)
        files[post_path(post).as_posix()] = post.smcycle_text
        files[f"hugo/content/posts/{post.id}.md"] = post.hugo_text
    return {k: v.encode("utf-8") if isinstance(v, str) else v for k, v in files.items()}


def generate(n: int, out: Path) -> int:
    """Write the playbook and the Hugo site for N posts into `out` (replacing both)."""
    if n < 1:
        raise ValueError("N must be at least 1")
    for sub in ("content", "hugo"):
        shutil.rmtree(out / sub, ignore_errors=True)
    files = files_of(n)
    for rel, data in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return len(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of posts")
    parser.add_argument("out", type=Path, help="output folder (content/ and hugo/ are replaced)")
    args = parser.parse_args(argv)
    count = generate(args.n, args.out)
    print(f"wrote {count} files for {args.n} posts into {args.out}/", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
