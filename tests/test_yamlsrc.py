"""The YAML loader: lines of keys and values, duplicate keys, YAML 1.1 traps, safety."""

from __future__ import annotations

import pytest

from conftest import probe
from smcycle_build.errors import Diagnostics
from smcycle_build.yamlsrc import FAILED, YList, YMap, load_yaml


def load(text: str, offset: int = 0):
    diags = Diagnostics()
    return load_yaml(text, "f.yaml", diags, offset=offset), diags.sorted()


def test_lines_of_keys_values_and_items() -> None:
    data, problems = load("a: 1\nb:\n  c: x\nd:\n  - one\n  - two\n")
    assert problems == []
    assert isinstance(data, YMap)
    assert data.key_lines == {"a": 1, "b": 2, "d": 4}
    assert data["b"].key_lines == {"c": 3}
    assert isinstance(data["d"], YList)
    assert data["d"].item_lines == [5, 6]


def test_offset_shifts_every_line() -> None:
    data, _ = load("title: x\ndate: y\n", offset=1)
    assert data.key_lines == {"title": 2, "date": 3}


def test_clock_time_is_not_sexagesimal() -> None:
    data, problems = load("time: 12:30\nn: 1:30:00\n")
    assert data["time"] == "12:30"  # YAML 1.1 would make this 750
    assert data["n"] == "1:30:00"
    assert problems == []


def test_yes_no_on_off_stay_text() -> None:
    data, _ = load("a: yes\nb: no\nc: on\nd: off\ne: true\nf: False\n")
    assert (data["a"], data["b"], data["c"], data["d"]) == ("yes", "no", "on", "off")
    assert data["e"] is True and data["f"] is False


def test_core_schema_numbers_and_nulls() -> None:
    data, _ = load("i: 42\nneg: -3\nf: 2.5\ne: 1e3\nh: 0x1F\nn: ~\nempty:\nq: '42'\n")
    assert data["i"] == 42 and data["neg"] == -3 and data["f"] == 2.5 and data["e"] == 1000.0
    assert data["h"] == 31 and data["n"] is None and data["empty"] is None
    assert data["q"] == "42"
    data, _ = load("plus: +7\ndot: .5\nminus: -.inf\nnan: .nan\nword: x1\n")
    assert data["plus"] == 7 and data["dot"] == 0.5 and data["minus"] == float("-inf")
    assert data["nan"] != data["nan"] and data["word"] == "x1"


def test_dates_stay_text_for_our_own_parser() -> None:
    data, _ = load("d: 2027-03-10\nt: 2027-03-10 09:00\n")
    assert data["d"] == "2027-03-10" and data["t"] == "2027-03-10 09:00"


def test_raw_text_of_plain_scalars_is_kept() -> None:
    data, _ = load("title: 2027\nq: '2027'\n")
    assert data.raw == {"title": "2027"}


def test_duplicate_key_is_an_error_at_the_second_line() -> None:
    data, problems = load("title: one\nstatus: draft\ntitle: two\n", offset=1)
    assert [p.headline() for p in problems] == [
        "f.yaml:4: error schema: duplicate key `title` (first set on line 2)"
    ]
    assert data["title"] == "one"


def test_duplicate_key_in_nested_mapping() -> None:
    _, problems = load("cadence:\n  min_per_week: 1\n  min_per_week: 2\n")
    assert [(p.line, p.rule) for p in problems] == [(3, "schema")]


def test_parse_error_reports_its_line() -> None:
    data, problems = load("a: 1\nb: [1, 2\nc: 3\n", offset=1)
    assert data is FAILED
    assert len(problems) == 1
    assert problems[0].rule == "schema" and problems[0].message.startswith("YAML does not parse")
    assert problems[0].line >= 3


def test_python_tags_construct_nothing() -> None:
    data, problems = load("a: !!python/object/apply:os.system ['echo hi']\n")
    assert data["a"] is None
    assert [p.rule for p in problems] == ["schema"]
    assert "unsupported YAML tag" in problems[0].message


def test_aliases_are_shared_not_expanded() -> None:
    # a "billion laughs" document stays small: each alias is the same object
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 20):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    data, problems = load("\n".join(lines) + "\n")
    assert problems == []
    assert data["a19"][0] is data["a18"]


def test_empty_document_is_none() -> None:
    data, problems = load("# only a comment\n")
    assert data is None and problems == []


def test_explicit_str_tag_keeps_text() -> None:
    data, problems = load("a: !!str 2027\nb: 2027\n")
    assert data["a"] == "2027" and data["b"] == 2027 and problems == []


def test_unclosed_bracket_is_reported_where_it_opened() -> None:
    _, problems = load("title: [broken\ndate: x\nstatus: y\n", offset=1)
    assert [(p.line, p.rule) for p in problems] == [(2, "schema")]


def test_every_node_gets_the_tag_pyyamls_own_resolver_gives() -> None:
    """The loader resolves tags by the node's kind alone (PyYAML's resolver is slow
    Python): the tree must stay the one PyYAML's registry of resolvers makes."""
    import re

    import yaml

    from smcycle_build import yamlsrc

    class Reference(yamlsrc._BaseLoader):
        yaml_implicit_resolvers: dict = {}  # noqa: RUF012

    Reference.add_implicit_resolver(yamlsrc.PLAIN, re.compile(r"(?s).*"), None)

    def walk(node):
        if isinstance(node, yaml.ScalarNode):
            yield "scalar", node.tag, node.start_mark.line, node.value
            return
        yield type(node).__name__, node.tag, node.start_mark.line, None
        for child in node.value:
            for part in child if isinstance(child, tuple) else (child,):
                yield from walk(part)

    text = (
        "a: ! 42\nb: !!str 3\nc: '1'\nd: [1, \"z\", ~, yes]\ne: {f: 12:30, g: ''}\n"
        "h: !!map {i: !!seq [x]}\nj: |\n  block\nk: >\n  folded\n"
        "l: &a x\nm: *a\n? complex\n: value\n"
    )
    reference = yaml.compose(text, Loader=Reference)
    ours = yaml.compose(text, Loader=yamlsrc._NodeLoader)
    assert list(walk(ours)) == list(walk(reference))
    assert ours.value[3][1].value[0].tag == yamlsrc.PLAIN


@pytest.mark.parametrize(
    "value",
    [
        "[" * 900 + "]" * 900,  # libyaml composes it; our conversion would recurse too far
        "[" * 5000 + "]" * 5000,
        "{a: " * 5000 + "x" + "}" * 5000,
        "\n  - " + "- " * 5000 + "x",  # compact block sequences: two bytes a level
    ],
)
def test_a_value_nested_too_deep_is_a_problem_not_a_crash(value: str) -> None:
    data, problems = load(f"title: t\nowner: {value}\n", offset=1)
    assert data is FAILED
    assert [(p.line, p.message) for p in problems] == [
        (2, "YAML does not parse: it nests too deeply")
    ]


def test_nesting_libyaml_would_die_of_is_composed_in_python() -> None:
    """100,000 levels in 200 KB: libyaml's composer recurses in C and the process dies
    (SIGSEGV), so this runs in an interpreter of its own."""
    out = probe(
        "from smcycle_build.errors import Diagnostics\n"
        "from smcycle_build.yamlsrc import load_yaml\n"
        "d = Diagnostics()\n"
        "load_yaml('a: ' + '[' * 100_000 + ']' * 100_000, 'f.yaml', d)\n"
        "load_yaml('a:\\n  - ' + '- ' * 100_000 + 'x', 'g.yaml', d)\n"
        "print(*(f'{p.path} {p.message}' for p in d.sorted()), sep='\\n')\n"
    )
    too_deep = "YAML does not parse: it nests too deeply"
    assert out == f"f.yaml {too_deep}\ng.yaml {too_deep}\n"


def test_nesting_as_deep_as_a_playbook_goes_is_read() -> None:
    data, problems = load("a: " + "[" * 100 + "1" + "]" * 100 + "\nb: [[x], {c: [y]}]\n")
    assert problems == [] and data["b"] == [["x"], {"c": ["y"]}]
    inner = data["a"]
    for _ in range(100):
        inner = inner[0]
    assert inner == 1


def test_a_long_file_with_many_entries_reads_the_same_through_pythons_composer(
    monkeypatch,
) -> None:
    """Past NESTING places a value could open at, PyYAML's Python composer reads the
    text: a long list is not deep, and comes out as libyaml's reading of it would."""
    from smcycle_build import yamlsrc

    entries = "".join(
        f"- {{month: '2027-{i % 12 + 1:02d}', topic: \"T{i}\", tags: [a, 'b', {i}]}}\n"
        f"- name: N{i}\n  when: 12:30\n  on: yes\n"
        for i in range(600)
    )
    text = "items:\n" + "".join("  " + line + "\n" for line in entries.splitlines())
    assert yamlsrc._may_nest_deep(text)
    deep, deep_problems = load(text, offset=1)
    monkeypatch.setattr(yamlsrc, "NESTING", 10**9)  # the same text through libyaml
    assert not yamlsrc._may_nest_deep(text)
    shallow, shallow_problems = load(text, offset=1)
    assert deep_problems == shallow_problems == []
    assert deep == shallow and len(deep["items"]) == 1200
    assert deep["items"].item_lines == shallow["items"].item_lines
    assert deep["items"][1]["when"] == "12:30" and deep["items"][1].key_lines["on"] == 6
    assert deep["items"][0]["tags"].item_lines == shallow["items"][0]["tags"].item_lines
