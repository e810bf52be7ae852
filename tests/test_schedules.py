"""Schedules (SPEC §4 "CSV schedule columns", JSON) and the scheduling tools' exports (§5).

Every file is read back with the standard library and compared with the plan:
one row per occurrence, in time order, local date and time, UTC instant, nothing a
spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from feed_builds import JERUSALEM, REPO, Built, build_example, build_jerusalem, make_repo

from conftest import run_cli

COLUMNS = "date,time,timezone,datetime_utc,channel,network,post,title,status,text,media,link,url"
FORMULA = ("=", "+", "-", "@")


@pytest.fixture(scope="module")
def example() -> Built:
    return build_example()


@pytest.fixture(scope="module")
def jerusalem(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_jerusalem(tmp_path_factory.mktemp("jerusalem") / "repo")


@pytest.fixture(scope="module", params=["example", "jerusalem"])
def built(request, example: Built, jerusalem: Built) -> Built:
    return example if request.param == "example" else jerusalem


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def as_written(cell: str) -> str:
    """The value before it was made inert: `'=1+1` -> `=1+1`."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA) else cell


def cleaned(text: str) -> str:
    """What a cell holds of a text: control characters are stripped, as in the feeds."""
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", "", text)


# --- CSV ------------------------------------------------------------------------------------


def test_csv_header_is_exactly_the_spec_columns(built: Built) -> None:
    for cid in built.model.channels:
        data = built.out.files[f"channels/{cid}.csv"]
        assert data.startswith(COLUMNS.encode() + b"\r\n")
        assert data.endswith(b"\r\n")  # RFC 4180 line ends, whatever the machine


def test_csv_one_row_per_occurrence_in_time_order(built: Built) -> None:
    tz = built.model.playbook.timezone
    for cid, occs in built.plan.by_channel.items():
        header, *rows = read_csv(built.out.files[f"channels/{cid}.csv"])
        assert ",".join(header) == COLUMNS
        records = [dict(zip(header, row, strict=True)) for row in rows]
        assert len(records) == len(occs), cid
        instants = [r["datetime_utc"] for r in records]
        assert instants == sorted(instants), cid
        for rec, occ in zip(records, occs, strict=True):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rec["datetime_utc"])
            utc = datetime.strptime(rec["datetime_utc"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            assert utc == occ.utc
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", rec["date"])
            assert re.fullmatch(r"\d\d:\d\d", rec["time"])
            local = occ.utc.astimezone(tz)
            assert (rec["date"], rec["time"]) == (f"{local:%Y-%m-%d}", f"{local:%H:%M}")
            assert rec["timezone"] == tz.key
            channel = built.model.channels[cid]
            assert (rec["channel"], rec["network"]) == (cid, channel.network)
            assert (rec["post"], rec["status"]) == (occ.post.id, occ.post.status)
            assert as_written(rec["title"]) == cleaned(occ.post.title)
            assert as_written(rec["text"]) == cleaned(occ.variant.text)
            assert rec["media"] == ";".join(occ.variant.media)
            assert rec["url"].endswith(f"posts/{occ.post.id}/index.html")


def test_csv_local_date_and_time_on_the_daylight_saving_days(jerusalem: Built) -> None:
    rows = {
        (r[6], r[3]): r for r in read_csv(jerusalem.out.files["channels/x.csv"])[1:]
    }  # (post, utc) -> row
    assert rows[("spring-night", "2027-03-25T23:30:00Z")][:3] == [
        "2027-03-26",
        "01:30",
        "Asia/Jerusalem",
    ]
    assert rows[("spring-day", "2027-03-26T07:00:00Z")][:2] == ["2027-03-26", "10:00"]
    assert rows[("autumn-ambiguous", "2027-10-30T22:30:00Z")][:2] == ["2027-10-31", "01:30"]
    assert rows[("autumn-day", "2027-10-31T08:00:00Z")][:2] == ["2027-10-31", "10:00"]
    assert rows[("offset-single", "2027-05-31T22:30:00Z")][:2] == ["2027-06-01", "01:30"]


def test_csv_media_links_and_formulas(jerusalem: Built) -> None:
    def row(channel: str, post: str) -> dict[str, str]:
        header, *rows = read_csv(jerusalem.out.files[f"channels/{channel}.csv"])
        return next(dict(zip(header, r, strict=True)) for r in rows if r[6] == post)

    gallery = row("instagram", "gallery")
    assert gallery["media"] == "photo.png;second.png"
    # a cell that starts with = + - @ is shown by a spreadsheet, never run
    assert gallery["title"] == "'=SUM(1,2) gallery"
    assert gallery["text"] == "'+1 if you ride in the rain"
    assert row("website", "gallery")["text"] == "'-5 degrees and still riding"
    assert row("x", "gallery")["text"] == "'@riders see you Friday, 10:00"
    assert row("website", "noisy")["text"] == '\'=HYPERLINK("http://evil.example")'
    # a link to another channel's variant is that variant's place on the post's page
    assert row("x", "gallery")["link"] == (
        "https://feeds.example.org/pb/posts/gallery/index.html#variant-website"
    )
    assert row("website", "gallery")["link"] == "https://example.org/a,b?c=1"
    assert row("x", "hebrew")["title"] == "שלום רוכבים"
    for cid in jerusalem.model.channels:
        for r in read_csv(jerusalem.out.files[f"channels/{cid}.csv"]):
            assert not any(cell.startswith(FORMULA) for cell in r), r


def test_csv_multi_line_text_survives_a_round_trip(example: Built) -> None:
    header, *rows = read_csv(example.out.files["channels/instagram.csv"])
    texts = {r[header.index("post")]: r[header.index("text")] for r in rows}
    assert "\n\nA — Air" in texts["abc-check"]


def test_rows_are_quoted_exactly_as_the_csv_module_quotes_them() -> None:
    """The schedules quote their cells themselves (faster than the csv module with a
    post's whole text in a row): every character the module treats specially, in every
    combination, gives its bytes."""
    import random

    from smcycle_build.feeds.schedule import ScheduleDialect, csv_pieces

    rng = random.Random(8)
    alphabet = ["a", " ", ",", '"', "\r", "\n", "\x00", "'", "=", "\t", "é", "😀", ";", "\\"]
    rows = [
        ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4))) for _ in range(n)]
        for n in (rng.randint(1, 5) for _ in range(5000))
    ]
    rows += [[None, 1, 2.5, ""], [""], ["a"]]  # what the module writes for us
    expected = io.StringIO()
    csv.writer(expected, dialect=ScheduleDialect).writerows(rows)
    ours = "".join(csv_pieces(None, rows, plain=frozenset(range(5))))
    assert ours == expected.getvalue()


# --- JSON ------------------------------------------------------------------------------------


def canonical(doc) -> str:
    """Sorted keys at every level, UTF-8 as is, one occurrence a line, a final newline."""

    def one(value) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    lines = []
    for key in sorted(doc):
        if key == "occurrences" and doc[key]:
            body = ",\n".join(f"    {one(o)}" for o in doc[key])
            lines.append(f"  {one(key)}: [\n{body}\n  ]")
        else:
            lines.append(f"  {one(key)}: {one(doc[key])}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def test_records_are_encoded_as_the_json_module_encodes_them() -> None:
    """The schedules encode their records with orjson (feeds/schedule.encode), five times
    the json module's speed: every character the module escapes, or might, in keys and
    values, gives its bytes."""
    import random

    from smcycle_build.feeds.schedule import encode

    rng = random.Random(9)
    alphabet = [*map(chr, range(0x20)), '"', "\\", "/", "\x7f", "\x85", "é", "😀", "\u2028"]
    alphabet += ["\u2029", "\ufeff", "\U0010fffd", "a", " ", "<", "&", "'"]

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))

    for _ in range(3000):
        record = {text(): rng.choice([text(), None, True, False, rng.randint(-9, 10**12)])}
        record.update(media=[text() for _ in range(rng.randint(0, 2))], z={"n": text()})
        expected = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        assert encode(record) == expected.encode("utf-8"), record


def test_json_sorted_keys_utf8_and_a_trailing_newline(built: Built) -> None:
    paths = ["schedule.json"] + [f"channels/{c}.json" for c in built.model.channels]
    for path in paths:
        text = built.out.text(path)
        assert text == canonical(json.loads(text)), path  # sorted keys, UTF-8, final newline
        assert text.endswith("}\n") and not text.endswith("\n\n")


def test_json_hebrew_stays_hebrew(jerusalem: Built) -> None:
    text = jerusalem.out.text("channels/x.json")
    assert '"title":"שלום רוכבים"' in text
    assert "\\u05e9" not in text


def test_json_occurrences_are_the_plans_in_time_order(built: Built) -> None:
    schedule = json.loads(built.out.text("schedule.json"))
    assert schedule["timezone"] == built.model.playbook.timezone.key
    occs = schedule["occurrences"]
    assert [(o["post"], o["channel"], o["datetime_utc"], o["occurrence"]) for o in occs] == [
        (o.post.id, o.channel, o.utc.strftime("%Y-%m-%dT%H:%M:%SZ"), o.index)
        for o in built.plan.occurrences
    ]
    keys = {tuple(sorted(o)) for o in occs}
    assert len(keys) == 1  # every record has the same keys, present even when empty
    for cid, planned in built.plan.by_channel.items():
        doc = json.loads(built.out.text(f"channels/{cid}.json"))
        assert doc["channel"]["id"] == cid
        assert [o for o in occs if o["channel"] == cid] == doc["occurrences"]
        assert len(doc["occurrences"]) == len(planned)


def test_json_series_flags_and_media_urls(jerusalem: Built) -> None:
    occs = json.loads(jerusalem.out.text("schedule.json"))["occurrences"]
    fridays = [o for o in occs if o["post"] == "fridays" and o["channel"] == "x"]
    assert all(o["series"] for o in fridays) and len(fridays) == 38
    gallery = next(o for o in occs if o["post"] == "gallery" and o["channel"] == "instagram")
    assert gallery["media"] == [
        "https://feeds.example.org/pb/media/photo.png",
        "https://feeds.example.org/pb/media/second.png",
    ]
    assert gallery["text"] == "+1 if you ride in the rain"  # JSON is data: nothing to defuse


# --- exports for scheduling tools -------------------------------------------------------------


def export(root: Path, *args: str) -> list[list[str]]:
    run = run_cli(root, "export", *args)
    assert run.exit_code == 0, run.output
    return read_csv(run.stdout.encode())  # what it lacks is said on stderr


@pytest.fixture(scope="module")
def jerusalem_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("export") / "repo", JERUSALEM)


def meant_to_go_out(built: Built, channel: str):
    return [o for o in built.plan.by_channel[channel] if o.post.status not in ("idea", "cancelled")]


def test_buffer_export(jerusalem_repo: Path, jerusalem: Built) -> None:
    header, *rows = export(jerusalem_repo, "x", "--to", "buffer")
    assert header == ["Text", "Image URL", "Tags", "Posting Time"]
    planned = meant_to_go_out(jerusalem, "x")
    assert len(rows) == len(planned)
    tz = jerusalem.model.playbook.timezone
    for row, occ in zip(rows, planned, strict=True):
        assert len(row) == 4
        assert as_written(row[0]) == cleaned(occ.variant.text)
        assert row[3] == occ.utc.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    times = [r[3] for r in rows]
    assert "2027-10-31 01:30" in times  # the first 01:30 of the night the clocks go back
    header, *rows = export(jerusalem_repo, "instagram", "--to", "buffer")
    gallery = next(r for r in rows if r[0].endswith("ride in the rain"))
    assert gallery[1] == "https://feeds.example.org/pb/media/photo.png"


def test_hootsuite_export_has_no_header_and_three_columns(
    jerusalem_repo: Path, jerusalem: Built
) -> None:
    rows = export(jerusalem_repo, "x", "--to", "hootsuite")
    planned = meant_to_go_out(jerusalem, "x")
    assert len(rows) == len(planned)
    assert all(len(r) == 3 for r in rows)
    assert rows[0] == ["03/05/2027 10:00", "Friday ride at ten", ""]
    assert not re.match(r"[A-Za-z]", rows[0][0])  # a date, not a header


def test_sprout_export(jerusalem_repo: Path, jerusalem: Built) -> None:
    header, *rows = export(jerusalem_repo, "x", "--to", "sprout")
    assert header == ["date", "time_24hr", "message_text"]
    assert len(rows) == len(meant_to_go_out(jerusalem, "x"))
    assert rows[0] == ["03/05/2027", "10:00", "Friday ride at ten"]


def test_an_export_says_which_pictures_the_upload_lacks(playbook) -> None:
    """Without `base_url` Buffer's Image URL column stayed empty, and the Instagram post
    went to Buffer without the picture it needs: exit 0, not a word. The CSV is the same;
    what it lacks is said on stderr."""

    def export_run(root: Path, channel: str, tool: str) -> tuple[list[list[str]], str]:
        run = run_cli(root, "export", channel, "--to", tool)
        assert run.exit_code == 0, run.output
        return read_csv(run.stdout.encode()), run.stderr

    root = playbook()
    rows, said = export_run(root, "instagram", "buffer")
    assert rows[1][:2] == ["Hello from the shop", ""]
    assert said == (
        "warning: 1 of these posts have pictures, and Buffer takes a picture by its web "
        "address: set `base_url` in playbook.yaml to fill the Image URL column, or add "
        "them in Buffer\n"
    )
    for tool, name in (("hootsuite", "Hootsuite"), ("sprout", "Sprout Social")):
        said = export_run(root, "instagram", tool)[1]
        assert said == (
            f"warning: 1 of these posts have pictures, which this {name} file cannot carry: "
            f"add them in {name}\n"
        )
        assert export_run(root, "x", tool)[1] == ""  # no picture: nothing lacks
    playbook_file = root / "content/playbook.yaml"
    playbook_file.write_text(playbook_file.read_text() + 'base_url: "https://pb.example/"\n')
    rows, said = export_run(root, "instagram", "buffer")
    assert rows[1][1] == "https://pb.example/media/photo.png" and said == ""


@pytest.mark.parametrize("tool", ["buffer", "hootsuite", "sprout"])
def test_exports_leave_out_ideas_and_cancelled_posts(
    jerusalem_repo: Path, jerusalem: Built, tool: str
) -> None:
    rows = export(jerusalem_repo, "x", "--to", tool)
    texts = " ".join(cell for row in rows for cell in row)
    assert "Not this time" not in texts  # cancelled
    assert "שבוע טוב" not in texts and "Every other week" not in texts  # ideas
    assert "01:30 happens twice" in texts  # review: goes out
    assert "Ten of these" in texts  # draft: goes out


def test_export_filters_by_local_date(jerusalem_repo: Path) -> None:
    """31 October local: the 01:30 post is 30 October in UTC and still belongs to the 31st."""
    rows = export(
        jerusalem_repo, "x", "--to", "sprout", "--from", "2027-10-31", "--to-date", "2027-10-31"
    )
    assert rows[1:] == [
        ["10/31/2027", "01:30", "01:30 happens twice tonight; this is the first"],
        ["10/31/2027", "10:00", "An hour more sleep"],
    ]
    rows = export(jerusalem_repo, "x", "--to", "hootsuite", "--from", "2027-06-01")
    assert rows[0][0] == "06/01/2027 01:30" and rows[0][1] == "Night owls"  # 31 May in UTC
    assert all(datetime.strptime(r[0], "%m/%d/%Y %H:%M").date() >= date(2027, 6, 1) for r in rows)
    rows = export(jerusalem_repo, "x", "--to", "buffer", "--to-date", "2027-03-05")
    assert [r[3] for r in rows[1:]] == ["2027-03-05 10:00"]


def test_export_to_a_file_and_to_stdout_are_the_same_bytes(
    jerusalem_repo: Path, tmp_path: Path
) -> None:
    """Regression: stdout went through click.echo, which drops escape sequences of a text."""
    out = tmp_path / "buffer.csv"
    run = run_cli(jerusalem_repo, "export", "x", "--to", "buffer", "-o", str(out))
    assert run.exit_code == 0 and run.output == ""
    data = out.read_bytes()
    assert data.startswith(b"Text,Image URL,Tags,Posting Time\r\n")
    assert b"Ring the [1mbell" in data  # control characters stripped, the rest as written
    piped = subprocess.run(
        [sys.executable, "-m", "smcycle_build", "export", "x", "--to", "buffer"],
        cwd=jerusalem_repo,
        capture_output=True,
        timeout=60,
    )
    assert piped.returncode == 0 and piped.stdout == data


def test_example_exports(example: Built) -> None:
    for tool in ("buffer", "hootsuite", "sprout"):
        rows = export(REPO, "facebook", "--to", tool)
        body = rows if tool == "hootsuite" else rows[1:]
        assert len(body) == len(meant_to_go_out(example, "facebook")) > 51  # the coffee ride


def test_over_350_rows_for_hootsuite_or_sprout_fails_with_a_message(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "repo",
        {
            "content/posts/daily.yaml": """
                title: Daily
                date: "2027-01-01 08:00"
                status: approved
                repeat: {freq: daily, count: 400}
                variants:
                  x: {text: "Every day"}
                """,
        },
    )
    for tool in ("hootsuite", "sprout"):
        run = subprocess.run(
            [sys.executable, "-m", "smcycle_build", "export", "x", "--to", tool],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 1, run.stderr
        assert run.stdout == ""
        tool_name = {"hootsuite": "Hootsuite", "sprout": "Sprout Social"}[tool]
        assert f"401 posts, but {tool_name} takes at most 350 in one upload" in run.stderr
        assert "--from and --to-date" in run.stderr
    # a shorter period fits, and Buffer has no such limit
    rows = export(root, "x", "--to", "sprout", "--to-date", "2027-06-30")
    assert len(rows) - 1 == 182
    assert len(export(root, "x", "--to", "buffer")) - 1 == 401


def test_exports_keep_mentions_and_lists_but_never_a_formula(jerusalem_repo: Path) -> None:
    """A tool publishes what it imports: `@riders` must not become `'@riders`; `=` still must."""
    _, *rows = export(jerusalem_repo, "x", "--to", "buffer")
    texts = [r[0] for r in rows]
    assert "@riders see you Friday, 10:00" in texts
    from smcycle_build.feeds.schedule import TOOL_FORMULA_START, inert

    assert inert("=HYPERLINK(1)", TOOL_FORMULA_START) == "'=HYPERLINK(1)"
    assert inert("@riders", TOOL_FORMULA_START) == "@riders"
    assert inert("@riders") == "'@riders" and inert("-5 degrees") == "'-5 degrees"
