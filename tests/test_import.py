"""`smcycle import metrics`: platform exports appended in the canonical form."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from conftest import run_cli

DATA = Path(__file__).parent / "data/imports"


def setup(playbook, *names: str) -> Path:
    root = playbook(
        {
            "content/channels/facebook.yaml": "name: Facebook\n",
            "content/channels/linkedin.yaml": "name: LinkedIn\n",
        }
    )
    for name in names:
        shutil.copy(DATA / name, root / name)
    return root


def rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_meta_business_suite_with_a_bad_number(playbook) -> None:
    root = setup(playbook, "meta_business_suite_facebook.csv")
    run = run_cli(
        root, "import", "metrics", "meta_business_suite_facebook.csv", "--channel", "facebook"
    )
    assert run.exit_code == 1  # one cell refused: said, and the rest imported
    assert (
        "meta_business_suite_facebook.csv:3: error schema: `many` is not a number (engagements)"
        in run.output
    )
    assert "appended 12 rows to content/metrics/facebook.csv (0 already there, 1 refused)" in (
        run.output
    )
    got = rows(root / "content/metrics/facebook.csv")
    assert got[0] == ["date", "channel", "metric", "value", "post"]
    assert ["2027-04-01", "facebook", "reach", "1234", ""] in got
    assert ["2027-04-01", "facebook", "new_followers", "7", ""] in got
    assert ["2027-04-03", "facebook", "visits", "40", ""] in got
    assert not any(r[0] == "2027-04-03" and r[2] == "clicks" for r in got)  # "--" is no data
    # and the playbook still checks clean with them
    assert run_cli(root, "check").exit_code == 0


def test_page_insights_skips_its_description_row(playbook) -> None:
    root = setup(playbook, "meta_page_insights.csv")
    run = run_cli(root, "import", "metrics", "meta_page_insights.csv", "--channel", "facebook")
    assert run.exit_code == 0, run.output
    got = rows(root / "content/metrics/facebook.csv")
    assert ["2027-04-02", "facebook", "followers", "2644", ""] in got
    assert ["2027-04-02", "facebook", "impressions", "5302", ""] in got
    assert len(got) == 1 + 2 * 5


def test_linkedin_followers_and_updates(playbook) -> None:
    root = setup(playbook, "linkedin_followers.csv", "linkedin_updates.csv")
    assert (
        run_cli(
            root, "import", "metrics", "linkedin_followers.csv", "--channel", "linkedin"
        ).exit_code
        == 0
    )
    run = run_cli(root, "import", "metrics", "linkedin_updates.csv", "--channel", "linkedin")
    assert run.exit_code == 0, run.output
    got = rows(root / "content/metrics/linkedin.csv")
    assert ["2027-04-01", "linkedin", "new_followers", "5", ""] in got
    assert ["2027-04-01", "linkedin", "impressions", "812", ""] in got
    assert ["2027-04-02", "linkedin", "shares", "1", ""] in got
    assert ["2027-04-01", "linkedin", "engagement_rate", "0.0739", ""] in got
    assert run_cli(root, "check").exit_code == 0


def test_rows_already_there_are_never_rewritten(playbook) -> None:
    root = setup(playbook, "meta_business_suite_instagram.csv")
    (root / "content/metrics").mkdir()
    existing = "date,channel,metric,value\n2027-04-01,instagram,reach,2310\n"
    existing += "2027-04-02,instagram,followers,5000\n"
    (root / "content/metrics/old.csv").write_text(existing)
    args = ["import", "metrics", "meta_business_suite_instagram.csv", "--channel", "instagram"]
    run = run_cli(root, *args)
    assert run.exit_code == 1
    assert (
        "meta_business_suite_instagram.csv:3: error schema: followers on 2027-04-02 is 5131 "
        "here but 5000 in content/metrics/old.csv:3" in run.output
    )
    assert "(1 already there, 1 refused)" in run.output
    assert (root / "content/metrics/old.csv").read_text() == existing
    # a second import adds nothing
    again = run_cli(root, *args)
    assert "appended 0 rows" in again.output and "(7 already there, 1 refused)" in again.output


def test_numbers_are_appended_with_every_digit(playbook) -> None:
    """A reach of 1,234,567 was appended as `1.23457e+06` (six digits: 1,234,570), and the
    same export imported again then conflicted with its own rounded rows."""
    root = setup(playbook)
    (root / "export.csv").write_text(
        'Date,Reach,Engagement rate (total)\n"2027-04-01","1,234,567",0.123456789\n'
        "2027-04-02,98765432109,12.5%\n"
    )
    args = ["import", "metrics", "export.csv", "--channel", "facebook"]
    run = run_cli(root, *args)
    assert run.exit_code == 0, run.output
    got = rows(root / "content/metrics/facebook.csv")
    assert ["2027-04-01", "facebook", "reach", "1234567", ""] in got
    assert ["2027-04-01", "facebook", "engagement_rate", "0.123456789", ""] in got
    assert ["2027-04-02", "facebook", "reach", "98765432109", ""] in got
    assert ["2027-04-02", "facebook", "engagement_rate", "12.5", ""] in got
    again = run_cli(root, *args)
    assert again.exit_code == 0, again.output
    assert "appended 0 rows" in again.output and "(4 already there, 0 refused)" in again.output
    assert run_cli(root, "check").exit_code == 0


def test_unknown_channel_and_unknown_layout(playbook) -> None:
    root = setup(playbook, "linkedin_followers.csv")
    run = run_cli(root, "import", "metrics", "linkedin_followers.csv", "--channel", "tiktok")
    assert run.exit_code == 1 and "no channel `tiktok`" in run.output
    (root / "odd.csv").write_text("Day,Mood\n2027-04-01,great\n")
    run = run_cli(root, "import", "metrics", "odd.csv", "--channel", "x")
    assert run.exit_code == 1 and "odd.csv:1: error schema: no column this importer knows" in (
        run.output
    )


def test_a_count_no_platform_gives_is_not_a_number() -> None:
    """An export's `inf`, `nan` or `1e300` would be appended, and then refused by every
    check after (or break the pages' number formatting)."""
    from smcycle_build.importers import parse_number

    assert parse_number("1,234") == 1234 and parse_number("12.5%") == 12.5
    assert [parse_number(text) for text in ("inf", "-inf", "nan", "1e300", "1e16")] == [None] * 5
    assert parse_number("1e15") == 1e15
    # what Python's float() takes and no export writes: not a count
    odd = ("1_000", "\u0661\u0662\u0663", "infinity", "0x10", "", "-", ".", "1e", "+-1")
    assert [parse_number(text) for text in odd] == [None] * len(odd)
    assert [parse_number(t) for t in ("-5", ".5", "5.", "1E3", "1 234")] == [-5, 0.5, 5, 1e3, 1234]


def test_a_cell_csv_cannot_read_is_a_problem_at_its_line(playbook) -> None:
    """A cell over csv's limit of 131,072 characters was an internal error. Now it is a
    problem at the line its record starts on (after a cell over two lines), nothing is
    appended, and a header line that csv cannot read is no header."""
    root = setup(playbook)
    long = "1" * 200_000
    (root / "export.csv").write_text(
        f'{long}\nDate,Reach,Comments\n2027-04-01,5,"two\nlines"\n2027-04-02,{long},1\n'
    )
    run = run_cli(root, "import", "metrics", "export.csv", "--channel", "facebook")
    assert run.exit_code == 1
    assert "export.csv:5: error schema: CSV does not parse: field larger than field limit" in (
        run.output
    )
    assert "internal error" not in run.output
    assert not (root / "content/metrics/facebook.csv").exists()


def test_only_a_file_of_an_exports_size_is_read(playbook, tmp_path: Path) -> None:
    """/dev/zero was read for ever (and into memory); a file over 100 MB is no export."""
    root = setup(playbook)
    run = run_cli(root, "import", "metrics", "/dev/zero", "--channel", "facebook")
    assert run.exit_code == 1 and "smcycle: /dev/zero is not a file" in run.output
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(100_000_001)  # sparse: no disk spent
    run = run_cli(root, "import", "metrics", str(big), "--channel", "facebook")
    assert run.exit_code == 1
    assert f"smcycle: {big} is 100.0 MB: an analytics export is at most 100 MB" in run.output
