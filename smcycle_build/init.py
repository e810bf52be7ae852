"""`smcycle init DIR`: a new playbook repository that checks clean and builds as is.

A small starter (not the whole example): the focus, one goal, one audience, three
channels, one campaign, a weekly series and a first post, dated from today so the
plan is current, plus a README for the team, a .gitignore and the CI workflows.
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from .errors import SmcycleError


def starter_files(today: date) -> dict[str, str]:
    start = today
    end = today + timedelta(days=364)
    launch = today + timedelta(days=21)
    first_post = today + timedelta(days=2)
    d = date.isoformat
    return {
        "content/playbook.yaml": f"""\
title: "Our social media playbook"
organization: "Our organisation"
strategy: awareness        # the one focus of this cycle: awareness, loyalty or sales
timezone: Europe/Amsterdam # IANA name: every time is local to it
language: en               # en and he are built in
# base_url: https://ORG.github.io/REPO/   # where the site is published: feeds get absolute links
cycle: {{name: "First year", start: {d(start)}, end: {d(end)}}}
default_time: "09:00"
""",
        "content/situation.md": f"""\
---
as_of: {d(today)}
competitors: []
perception: ["Write how customers see us today"]
strengths: []
weaknesses: []
opportunities: []
threats: []
---
Where we stand, in a few paragraphs: what people say about us, who else they follow.
""",
        "content/goals/more-followers.md": f"""\
---
title: "More people follow us on Facebook"
metric: facebook.followers
baseline: 500
target: 600
due: {d(end)}
channels: [facebook]
audiences: [neighbours]
---
Measurable, with a deadline, and realistic: 20% in a year.
""",
        "content/audiences/neighbours.md": """\
---
name: "Neighbours"
description: "People who live and work near us"
networks: [facebook, x, website]
active_hours: ["07:30-09:00", "19:00-22:00"]
needs: ["To know what is new, without being flooded"]
---
Who they are, what they need from us, where they spend their time online.
""",
        "content/channels/website.md": """\
---
name: "Website"
role: "The full story, in our own words"
cadence: {min_per_week: 1, max_per_week: 3}
---
""",
        "content/channels/facebook.md": """\
---
name: "Facebook page"
role: "A few words and a picture for the neighbourhood"
default_time: "19:00"
cadence: {min_per_week: 1, max_per_week: 4}
quiet_cadence: {min_per_week: 1, max_per_week: 2}
---
""",
        "content/channels/x.md": """\
---
name: "X"
role: "Short news and answers"
default_time: "08:00"
cadence: {min_per_week: 1, max_per_week: 7}
---
""",
        "content/campaigns/launch.md": f"""\
---
name: "Launch"
goals: [more-followers]
audiences: [neighbours]
channels: [website, facebook, x]
start: {d(launch)}
end: {d(launch + timedelta(days=6))}
milestones:
  - {{date: {d(launch)}, title: "Launch day"}}
---
The brief: what we announce, to whom, and what success looks like.
""",
        "content/themes.yaml": f"""\
- {{month: "{start.strftime("%Y-%m")}", topic: "Getting started", notes: "Who we are"}}
""",
        "content/posts/weekly-note.md": f"""\
---
title: "This week with us"
date: {d(first_post)}
status: draft
goal: more-followers
audience: neighbours
repeat: {{freq: weekly, until: {d(end)}}}
variants:
  website: {{title: "This week with us"}}
  facebook: {{text: "What's new this week, in two lines and a photo."}}
  x: {{text: "This week: one thing worth knowing, in one line."}}
---
The weekly note for the website: what happened, what is coming.
""",
        "content/posts/hello.md": f"""\
---
title: "Hello, neighbours"
date: "{d(launch)} 10:00"
status: idea
campaign: launch
audience: neighbours
variants:
  facebook: {{text: "We are here! Come and say hello this week."}}
  x: {{text: "Hello, neighbours: we are live."}}
---
""",
        "content/metrics/.gitkeep": "",
        "content/media/.gitkeep": "",
        ".gitignore": "/output/\n.smcycle-cache/\n__pycache__/\n",
    }


def init_repository(target: Path, today: date) -> list[Path]:
    """Write the starter into `target` (new or empty); never overwrite a file."""
    if target.exists() and any(target.iterdir()):
        raise SmcycleError(f"{target} is not empty: choose a new folder")
    files = starter_files(today)
    docs = resources.files("smcycle_build") / "starter"
    for name in ("README.md", ".github/workflows/playbook.yml"):
        files[name] = (docs / name.replace(".github/", "github/")).read_text(encoding="utf-8")
    written = []
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
