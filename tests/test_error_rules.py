"""Each error rule of SPEC §6 at the exact file and line, with its hint."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import run_cli
from smcycle_build.markdown_limits import MAX_NESTING, MAX_TRIES
from smcycle_build.pipeline import Project, check_project


def problems(root: Path) -> list[str]:
    run = run_cli(root, "check")
    return [line for line in run.output.splitlines() if ": error " in line or ": warning " in line]


POST = """
---
title: Hello
date: "2027-03-10 09:00"
goal: more-replies
audience: riders
variants:
  x: {{text: "{x}"}}
  instagram: {{text: "Hello", media: [photo.png]}}
---
Body.
"""


def post(x: str = "Hello riders") -> str:
    return POST.format(x=x)


def test_schema_unknown_field_with_did_you_mean(playbook) -> None:
    root = playbook({"content/posts/hello.md": post().replace("goal:", "gaol:")})
    run = run_cli(root, "check")
    assert "content/posts/hello.md:4: error schema: unknown field `gaol` in a post" in run.output
    assert "hint: did you mean `goal`?" in run.output
    assert run.exit_code == 1


def test_schema_missing_required_and_wrong_type(playbook) -> None:
    root = playbook(
        {
            "content/goals/more-replies.yaml": "title: [a list]\nmetric: x.r\nbaseline: ten\n"
            "target: 5\ndue: 2027-01-01\n"
        }
    )
    assert problems(root) == [
        "content/goals/more-replies.yaml:1: error schema: expected text, got a list",
        "content/goals/more-replies.yaml:3: error schema: expected a number, got `ten`",
    ]
    root2 = playbook({"content/goals/more-replies.yaml": "title: x\nmetric: x.r\ntarget: 5\n"})
    assert problems(root2) == [
        "content/goals/more-replies.yaml:1: error schema: a goal needs `baseline`",
        "content/goals/more-replies.yaml:1: error schema: a goal needs `due`",
    ]


def test_ref_names_nothing_with_hint(playbook) -> None:
    root = playbook(
        {"content/posts/hello.md": post().replace("goal: more-replies", "goal: more-reply")}
    )
    run = run_cli(root, "check")
    assert (
        "content/posts/hello.md:4: error ref: `more-reply` names no goal "
        "(no such file in content/goals/)" in run.output
    )
    assert "hint: did you mean `more-replies`?" in run.output


def test_ref_variant_channel_and_media(playbook) -> None:
    text = post().replace("  x: {", "  twitter: {").replace("photo.png", "fotos/photo.png")
    root = playbook({"content/posts/hello.md": text})
    assert problems(root) == [
        "content/posts/hello.md:7: error ref: `twitter` names no channel "
        "(no such file in content/channels/)",
        "content/posts/hello.md:8: error ref: `fotos/photo.png` names no file in content/media/",
    ]


def test_a_variant_of_blanks_has_nothing_to_post(playbook) -> None:
    """`text: ""` was refused, `text: "   "` scheduled a blank post on X."""
    for blank in ("", "   ", "\\t \\n"):
        root = playbook({"content/posts/hello.md": post(blank)})
        assert problems(root) == [
            "content/posts/hello.md:7: error schema: the x variant has nothing to post"
        ], repr(blank)


def test_a_post_whose_fields_are_wrong_still_has_its_variants_checked(playbook) -> None:
    """A date of 30 February (or a misspelt field) stopped the post's check there: its
    variants' problems came one run later, once the date was mended."""
    broken = """---
title: Multi
date: 2027-02-30
campain: spring
audience: nobody
variants:
  instagram: {text: "pic", media: ["../../etc/passwd"]}
  nochan: {text: "x"}
  x: {text: "   "}
repeat: {freq: weekly, count: 3}
---
"""
    root = playbook({"content/posts/multi.md": broken})
    expected = [
        "content/posts/multi.md:3: error time: `2027-02-30` is not a date: day is out of range "
        "for month",
        "content/posts/multi.md:4: error schema: unknown field `campain` in a post",
        "content/posts/multi.md:5: error ref: `nobody` names no audience (no such file in "
        "content/audiences/)",
        "content/posts/multi.md:7: error media: `../../etc/passwd` is outside content/media/",
        "content/posts/multi.md:8: error ref: `nochan` names no channel (no such file in "
        "content/channels/)",
        "content/posts/multi.md:9: error schema: the x variant has nothing to post",
    ]
    assert problems(root) == expected
    assert problems(root) == expected  # the same, the post's entry read from the store
    # mended, the post is made, and only what is still wrong is said
    (root / "content/posts/multi.md").write_text(
        broken.replace("2027-02-30", '"2027-03-10 09:00"').replace("campain", "campaign")
    )
    assert problems(root) == expected[2:]


def test_duplicate_id(playbook) -> None:
    root = playbook(
        {
            "content/posts/2027/hello.md": post(),
            "content/posts/other.yaml": "id: hello\ntitle: T\ndate: 2027-01-01\n"
            "variants: {x: {text: t}}\n",
        }
    )
    assert problems(root) == [
        "content/posts/hello.md:1: error duplicate-id: the id `hello` is already used by "
        "content/posts/2027/hello.md",
        "content/posts/other.yaml:1: error duplicate-id: the id `hello` is already used by "
        "content/posts/2027/hello.md",
    ]


def test_time_gap_and_bad_zone(playbook) -> None:
    root = playbook(
        {"content/posts/hello.md": post().replace("2027-03-10 09:00", "2027-03-28 02:30")}
    )
    # reported once at the post's date, not once per variant
    assert problems(root) == [
        "content/posts/hello.md:3: error time: 2027-03-28 02:30 does not exist in "
        "Europe/Amsterdam: the clocks jump over it (daylight saving)",
    ]
    root = playbook(
        {
            "content/playbook.yaml": "title: T\norganization: O\nstrategy: sales\n"
            "timezone: Europe/Amsterdan\n"
        }
    )
    assert problems(root) == [
        "content/playbook.yaml:4: error time: `Europe/Amsterdan` is not a known IANA time zone"
    ]


def test_a_series_in_the_gap_is_said_with_the_other_files_errors(playbook) -> None:
    """A series whose later occurrence falls in the night the clocks jump is found by
    the strategy checks, which a check with an error elsewhere did not run: it came one
    run later. The checks that span files still wait (no cadence, orphan or silence
    warning on a half-read playbook)."""
    series = post().replace("2027-03-10 09:00", "2027-03-21 02:30")
    series = series.replace("variants:", "repeat: {freq: weekly, count: 2}\nvariants:")
    gap = (
        "content/posts/hello.md:6: error time: the {} series falls on 2027-03-28 02:30, a time "
        "that does not exist in Europe/Amsterdam (the clocks jump over it)"
    )
    expected = [gap.format("instagram"), gap.format("x")]
    root = playbook({"content/posts/hello.md": series})
    assert [p for p in problems(root) if ": error " in p] == expected
    broken_goal = "title: [a list]\nmetric: x.r\nbaseline: 1\ntarget: 5\ndue: 2027-06-01\n"
    root = playbook({"content/goals/other.yaml": broken_goal})
    assert problems(root) == [
        "content/goals/other.yaml:1: error schema: expected text, got a list",
        *expected,
    ]


def test_length_x_weighted_and_how_far_over(playbook) -> None:
    # 140 emoji are 140 code points but 280 weighted characters: exactly at the limit
    root = playbook({"content/posts/hello.md": post("😀" * 140)})
    assert problems(root) == []
    root = playbook({"content/posts/hello.md": post("😀" * 140 + "!")})
    assert problems(root) == [
        "content/posts/hello.md:7: error length: the text of the x variant is 281 weighted "
        "characters, 1 over the limit of 280"
    ]
    # a URL counts as 23 whatever its length
    url = "https://example.com/" + "a" * 400
    root = playbook({"content/posts/hello.md": post(url)})
    assert problems(root) == []


def test_length_channel_override(playbook) -> None:
    root = playbook({"content/channels/x.yaml": "name: X\nlimits: {text: 5}\n"})
    assert problems(root) == [
        "content/posts/hello.md:7: error length: the text of the x variant is 12 weighted "
        "characters, 7 over the limit of 5"
    ]


def test_media_needed_and_outside(playbook, tmp_path: Path) -> None:
    text = post().replace(", media: [photo.png]", "")
    root = playbook({"content/posts/hello.md": text})
    assert problems(root) == [
        "content/posts/hello.md:8: error media: the instagram variant needs a picture or video: "
        "this network does not post text alone"
    ]
    for bad in ("../playbook.yaml", "/etc/passwd", "a/../../x.png"):
        root = playbook({"content/posts/hello.md": post().replace("photo.png", bad)})
        assert problems(root) == [
            f"content/posts/hello.md:8: error media: `{bad}` is outside content/media/"
        ]


def test_media_symlink_out_of_media(playbook, tmp_path: Path) -> None:
    root = playbook()
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"x")
    os.symlink(secret, root / "content/media/link.png")
    (root / "content/posts/hello.md").write_text(post().replace("photo.png", "link.png").lstrip())
    assert problems(root) == [
        "content/posts/hello.md:8: error media: `link.png` is outside content/media/"
    ]


def test_all_problems_of_all_files_in_one_run(playbook) -> None:
    root = playbook(
        {
            "content/posts/hello.md": post().replace("title: Hello", "titel: Hello"),
            "content/channels/x.yaml": "name: X\ndefault_time: '25:00'\n",
            "content/campaigns/spring.yaml": "name: S\nstart: 2027-03-01\nend: 2027-02-01\n",
        }
    )
    run = run_cli(root, "check")
    assert run.exit_code == 1
    assert [line.split(": error")[0] for line in problems(root)] == [
        "content/campaigns/spring.yaml:3",
        "content/channels/x.yaml:2",
        "content/posts/hello.md:2",
        "content/posts/hello.md:2",
    ]
    assert run.output.rstrip().endswith("4 errors in 3 files")


def test_metrics_csv_errors_at_csv_lines(playbook) -> None:
    root = playbook(
        {
            "content/metrics/x.csv": "date,channel,metric,value\n"
            "2027-01-04,x,replies,10\n"
            "2027-01-32,x,replies,10\n"
            "2027-01-11,x,replies,many\n"
            "2027-01-04,x,replies,12\n"
            "2027-01-18,insta,replies,3\n"
            "2027-01-19,x,replies,1_000\n"
            "2027-01-20,x,replies,\u0661\u0662\n",
            "content/metrics/bad.csv": "day,channel,metric,value\n",
        }
    )
    assert problems(root) == [
        "content/metrics/bad.csv:1: error schema: the header is `day,channel,metric,value`",
        "content/metrics/x.csv:3: error time: `2027-01-32` is not a date: day is out of range "
        "for month",
        "content/metrics/x.csv:4: error schema: `many` is not a number",
        "content/metrics/x.csv:5: error schema: x replies on 2027-01-04 is 12 here but 10 at "
        "content/metrics/x.csv:2",
        "content/metrics/x.csv:6: error ref: `insta` names no channel",
        "content/metrics/x.csv:7: error schema: `1_000` is not a number",
        "content/metrics/x.csv:8: error schema: `\u0661\u0662` is not a number",
    ]


def test_front_matter_offset_is_file_lines(playbook) -> None:
    # the bad key is the 6th YAML line: file line 7 (the opening --- is line 1)
    text = post().replace("audience: riders", "audience: riders\nmood: happy")
    root = playbook({"content/posts/hello.md": text})
    assert problems(root) == [
        "content/posts/hello.md:6: error schema: unknown field `mood` in a post"
    ]


def test_goal_due_before_start_and_cadence_upside_down(playbook) -> None:
    root = playbook(
        {
            "content/goals/more-replies.yaml": "title: T\nmetric: x.r\nbaseline: 1\ntarget: 2\n"
            "start: 2027-07-01\ndue: 2027-06-30\n",
            "content/channels/x.yaml": "name: X\ncadence: {min_per_week: 5, max_per_week: 2}\n",
        }
    )
    assert problems(root) == [
        "content/channels/x.yaml:2: error schema: cadence: `min_per_week` (5) is above "
        "`max_per_week` (2)",
        "content/goals/more-replies.yaml:6: error time: `due` is before `start`",
    ]


def test_empty_themes_file_is_no_topics(playbook) -> None:
    root = playbook({"content/themes.yaml": "# topics come later\n"})
    assert problems(root) == []


def test_metrics_file_linking_outside_content(playbook, tmp_path: Path) -> None:
    root = playbook()
    outside = tmp_path / "secret.csv"
    outside.write_text("date,channel,metric,value\n")
    (root / "content/metrics").mkdir()
    os.symlink(outside, root / "content/metrics/x.csv")
    assert problems(root) == [
        "content/metrics/x.csv:1: error schema: this file links to a place outside content/"
    ]


def test_a_link_to_nothing_or_round_is_a_file_that_cannot_be_read(playbook) -> None:
    """Not an internal error in `check`, `build` or the build's fingerprint of its inputs."""
    root = playbook()
    os.symlink("nowhere.md", root / "content/posts/dangling.md")
    os.symlink("round.md", root / "content/posts/round.md")
    expected = [
        "content/posts/dangling.md:1: error schema: cannot read the file: "
        + os.strerror(2),  # ENOENT
        "content/posts/round.md:1: error schema: cannot read the file: " + os.strerror(40),  # ELOOP
    ]
    assert problems(root) == expected
    run = run_cli(root, "build")
    assert run.exit_code == 1
    assert [line for line in run.output.splitlines() if ": error " in line] == expected
    assert "build failed: output/ is left as it was" in run.output


def test_media_links_to_nothing_round_or_to_a_folder_name_no_file(playbook) -> None:
    root = playbook()
    media = root / "content/media"
    (media / "album").mkdir()
    os.symlink("nowhere.png", media / "gone.png")
    os.symlink("round.png", media / "round.png")
    os.symlink("album", media / "folder.png")
    hello = root / "content/posts/hello.md"
    hello.write_text(post().replace("[photo.png]", "[gone.png, round.png, folder.png]").lstrip())
    expected = [
        f"content/posts/hello.md:8: error ref: `{name}` names no file in content/media/"
        for name in ("gone.png", "round.png", "folder.png")
    ]
    assert sorted(problems(root)) == sorted(expected)
    run = run_cli(root, "build")  # not an internal error, copying the media
    assert run.exit_code == 1 and "build failed: output/ is left as it was" in run.output


def test_a_file_name_that_is_not_utf8_is_said_not_a_crash(playbook) -> None:
    """Git and the file system take any bytes in a name; a message or a digest cannot
    hold what Python makes of the bad ones."""
    root = playbook()
    hello = (root / "content/posts/hello.md").read_bytes()
    (root / "content/metrics").mkdir()
    for name, data in (
        (b"content/posts/caf\xe9.md", hello.replace(b"Hello", b"Other")),
        (b"content/media/caf\xe9.png", b"png"),
        (b"content/metrics/caf\xe9.csv", b"date,channel,metric,value\n"),
        (b"content/posts/notes\xe9.txt", b"not a post: passed by, as any .txt"),
    ):
        with open(os.path.join(os.fsencode(root), name), "wb") as handle:
            handle.write(data)
    expected = [
        f"content/{kind}/caf\\xe9.{ext}:1: error schema: the file name is not UTF-8"
        for kind, ext in (("media", "png"), ("metrics", "csv"), ("posts", "md"))
    ]
    assert sorted(problems(root)) == expected
    run = run_cli(root, "build")
    assert run.exit_code == 1 and "build failed: output/ is left as it was" in run.output


def test_a_date_out_of_the_years_a_plan_can_name(playbook) -> None:
    """Around year 1 or 9999 a zone's offset leaves what a date can hold."""
    for written in ("0001-01-01 00:00", "9999-12-31 23:59", "1899-12-31"):
        root = playbook({"content/posts/hello.md": post().replace("2027-03-10 09:00", written)})
        day = written.split()[0]
        assert problems(root) == [
            f"content/posts/hello.md:3: error time: `{day}` is out of range: "
            "a plan's dates are in 1900-2999"
        ]


@pytest.mark.parametrize(
    ("repeat", "most"),
    [
        ("{freq: daily, count: 100000000}", "100,000,000"),
        ("{freq: daily, until: 2041-01-01}", "5,047"),
        ("{freq: weekly, byday: [MO, TU], until: 2999-01-01}", "101,414"),
        ("{freq: monthly, interval: 1, until: 2999-01-01}", "12,677"),
    ],
)
def test_a_series_of_more_than_5000_occurrences(playbook, repeat: str, most: str) -> None:
    """A pull request could otherwise ask for a hundred million occurrences."""
    text = post().replace('date: "2027-03-10 09:00"', f'date: "2027-03-10 09:00"\nrepeat: {repeat}')
    root = playbook({"content/posts/hello.md": text})
    assert problems(root) == [
        f"content/posts/hello.md:4: error schema: a series of up to {most} occurrences: "
        "at most 5,000"
    ]


def test_a_series_of_5000_is_planned_whole_and_an_open_one_stops_there(playbook) -> None:
    """An open series runs to the plan's horizon, which a post dated far ahead moves."""
    text = post().replace('date: "2027-03-10 09:00"', 'date: "2027-03-10 09:00"\nrepeat: R')
    far = post().replace("2027-03-10", "2999-03-10").replace("title: Hello", "title: Far")
    for repeat in ("{freq: daily, count: 5000}", "{freq: daily}"):
        root = playbook(
            {"content/posts/hello.md": text.replace("R", repeat), "content/posts/far.md": far}
        )
        pb = root / "content/playbook.yaml"  # no cycle: the plan spans every post
        pb.write_text(
            "\n".join(line for line in pb.read_text().splitlines() if "cycle" not in line)
        )
        result = check_project(Project.locate("content", cwd=root))
        assert result.plan is not None, result.diagnostics
        occurrences = [o for o in result.plan.occurrences if o.post.id == "hello"]
        assert len([o for o in occurrences if o.channel == "x"]) == 5000


DEEP_LIST = "".join("    " * i + "- item\n" for i in range(MAX_NESTING + 1))


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        # the item indented 100 times is the 101st list in a list
        (f"Intro.\n\n{DEEP_LIST}", 12 + MAX_NESTING, "the body nests more than 100 levels deep"),
        ("Intro.\n\n" + "- " * 500 + "x\n", 12, "the body nests more than 100 levels deep"),
        ("Intro.\n\n" + "1. " * 500 + "x\n", 12, "the body nests more than 100 levels deep"),
        ("One.\n\nTwo\nlines.\n\n" + "[ " * 20000, 15, "a paragraph with 20,000 `[` and `<`"),
        ("<http://a" * 4000, 10, "a paragraph with 4,000 `[` and `<`"),
    ],
)
def test_a_body_markdown_cannot_render_is_said_at_its_line(
    playbook, body: str, line: int, message: str
) -> None:
    """Before the renderer ahead or a page meets it: it would fail, or take minutes."""
    root = playbook({"content/posts/hello.md": post().replace("Body.", body)})
    found = problems(root)
    assert len(found) == 1 and found[0].startswith(
        f"content/posts/hello.md:{line}: error schema: {message}"
    ), found
    run = run_cli(root, "build")
    assert run.exit_code == 1 and len(run.output.splitlines()[1]) < 1020  # the line, clipped


def test_bodies_up_to_the_limits_are_rendered(playbook) -> None:
    """The limits are well inside what Python-Markdown renders: a hundred levels, and a
    thousand links in one paragraph."""
    deep = "".join("    " * i + "- item\n" for i in range(MAX_NESTING))
    links = " ".join(f"[{i}](https://example.com/{i})" for i in range(MAX_TRIES))
    root = playbook({"content/posts/hello.md": post().replace("Body.", f"{links}\n\n{deep}")})
    assert problems(root) == []
    assert run_cli(root, "build").exit_code == 0
    page = (root / "output/posts/hello/index.html").read_text()
    assert page.count('href="https://example.com/') == MAX_TRIES and page.count("<ul>") > 90


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        (
            "content/campaigns/spring.yaml",
            "name: Spring\nstart: 2027-03-01\nend: 2027-03-31\nbefore_days: 1000000000\n",
            "content/campaigns/spring.yaml:4: error schema: expected a whole number of at most "
            "366, got 1,000,000,000",
        ),
        (
            "content/goals/more-replies.yaml",
            "title: More\nmetric: x.replies\nbaseline: 10\ntarget: 1e300\ndue: 2027-06-30\n",
            "content/goals/more-replies.yaml:4: error schema: `1e+300` is out of range: numbers "
            "are at most 10^15 in size",
        ),
        (
            "content/metrics/x.csv",
            "date,channel,metric,value\n2027-03-01,x,replies,10\n2027-03-05,x,replies,1e30\n",
            "content/metrics/x.csv:3: error schema: `1e30` is out of range: numbers are at most "
            "10^15 in size",
        ),
    ],
)
def test_numbers_no_date_or_page_can_take(playbook, path: str, text: str, expected: str) -> None:
    """Each was an internal error: a date's arithmetic overflowed, or the pages' number
    formatting (Babel) gave up."""
    root = playbook({path: text})
    assert problems(root) == [expected]
    run = run_cli(root, "build")
    assert run.exit_code == 1 and "internal error" not in run.output
