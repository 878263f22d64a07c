"""The fast YAML path gives the same records as the careful one, and problems still name their line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hub import content, lined_yaml
from hub.content import load_org
from hub.validate import check
from tests.conftest import REPO


def test_plain_files_read_fast_give_the_records_the_careful_reader_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = load_org(REPO / "site")
    assert all(person.source.pending is not None for person in fast.people.values())  # none were line-tracked
    monkeypatch.setattr(lined_yaml, "load_plain", lambda text: lined_yaml.NOT_PLAIN)
    careful = load_org(REPO / "site")
    assert all(person.source.pending is None for person in careful.people.values())
    for records in ("people", "spaces"):
        a, b = getattr(fast, records), getattr(careful, records)
        assert a.keys() == b.keys()
        for key in a:
            mine, theirs = vars(a[key]).copy(), vars(b[key]).copy()
            source_a, source_b = mine.pop("source"), theirs.pop("source")
            assert mine == theirs, key
            for field in ("handle", "team", "manager", "skills", "stewards", "parent", "members"):
                assert source_a.line(field) == source_b.line(field), (key, field)
            assert (source_a.first_line, source_a.lines) == (source_b.first_line, source_b.lines)


def test_a_reference_problem_in_a_file_read_fast_names_its_line(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(REPO / "site", site)
    person = site / "people" / "aisha.khan.yml"
    person.write_text(person.read_text(encoding="utf-8").replace("team: engineering", "team: nowhere"))
    org = load_org(site)
    assert org.people["aisha.khan"].source.pending is not None  # valid YAML and schema: read fast
    messages = [str(p) for p in check(org)]
    assert any(
        m.endswith("people/aisha.khan.yml:5: team 'nowhere' does not exist (no teams/nowhere.md)") for m in messages
    )


@pytest.mark.parametrize(
    "text",
    [
        "handle: a\nhandle: b\n",  # a key given twice: a plain load would keep the last
        "a: &x [1]\nb: *x\n",  # anchors
        "a: [" * 40 + "]" * 40 + "\n",  # nested too deep
        "a: [1\n",  # does not parse
    ],
)
def test_what_the_fast_reader_cannot_vouch_for_goes_the_careful_way(text: str) -> None:
    assert lined_yaml.load_plain(text) is lined_yaml.NOT_PLAIN


def test_many_people_files_are_read_on_two_cores_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    one = load_org(REPO / "site")
    monkeypatch.setattr(content, "PARALLEL_FROM", 2)
    monkeypatch.setattr(content, "two_processes", lambda: True)
    two = load_org(REPO / "site")
    assert [vars(p)["name"] for p in two.people.values()] == [vars(p)["name"] for p in one.people.values()]
    assert list(two.spaces) == list(one.spaces)
    assert two.problems == one.problems
    # The second process reads the last files: their lines are still found when a problem needs them.
    last = list(two.people.values())[-1]
    assert last.source.pending is not None
    assert last.source.line("skills", 1) == one.people[last.handle].source.line("skills", 1) > 1


def test_a_problem_in_a_file_the_second_process_read_names_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    shutil.copytree(REPO / "site", site)
    last = sorted((site / "people").glob("*.yml"))[-1]
    lines = [line for line in last.read_text(encoding="utf-8").splitlines() if not line.startswith("handle:")]
    last.write_text("\n".join([*lines, "handle: someone.else"]) + "\n", encoding="utf-8")
    line = len(lines) + 1  # the last line, so not a line the record's first could stand for
    monkeypatch.setattr(content, "PARALLEL_FROM", 2)
    monkeypatch.setattr(content, "two_processes", lambda: True)
    org = load_org(site)
    found = [p for p in org.problems if p.path.endswith(f"people/{last.name}")]
    assert [(p.line, p.message) for p in found] == [
        (line, f"handle 'someone.else' must match the file name '{last.stem}'")
    ]


SCALARS = [
    *("yes", "No", "null", "~", "on", "Off", "TRUE", "y", "n", "NaN", ".inf", "<<", "= x"),
    *("1.5", "0x1f", "0o17", "1_000", "1e3", ".5", "12:30", "2020-01-01", "3M"),
    *("a: b", "a #b", "a#b", "a:b", "x:", "x ", "-x", "[x]", "{x}", "!x", "|", ">", "%x", "@x", "`x"),
    *("http://x.y/z", "O'Brien", 'say "hi"', "_x", "São Paulo, Brazil", "A\u2028B", "A\x85B", "x\ty"),
    *("C++", "C#", "é", "a - b", "p00123", "gh-p00123", "p00123@example.com", "America/Sao_Paulo"),
]


@pytest.mark.parametrize("key", ["handle", "yes", "on", "null", "true", "_k", "k1", "1k", "y"])
def test_the_line_reader_reads_what_yaml_reads_or_leaves_it_to_yaml(key: str) -> None:
    """People files are read line by line when they are a flat mapping of plain strings and lists
    of them; anything it takes must read exactly as PyYAML reads it."""
    import yaml

    taken = 0
    for value in SCALARS:
        for text in (
            f"{key}: {value}\n",
            f"{key}:\n- {value}\n",
            f"{key}:\n  - {value}\n  - z\nother: q\n",
            f"a: b\n{key}: {value}",
        ):
            data = lined_yaml._load_simple(text)
            if data is not None:
                taken += 1
                assert data == yaml.safe_load(text), text
    if key == "handle":
        assert taken, "the reader took none of the plain strings"
    for text in ("a:\n- x\n  - y\n", "a:\nb: c\n", "a: b\n- c\n", "- a\n", "a: b\n  c\n", "a:\n", "", "a: b\na: c\n"):
        assert lined_yaml._load_simple(text) is None, text
