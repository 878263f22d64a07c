"""The style-keeping YAML writer behind every import: only what changed changes, and the data is always right."""

from __future__ import annotations

import difflib
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.importers._people import PERSON_FIELDS
from hub.importers._yaml_edit import Style, render, rewrite
from tests.conftest import REPO


def changes(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("---", "+++")]


def edited(text: str, **fields: Any) -> tuple[dict[str, Any], str]:
    """The record of `text` with `fields` set (None removes one), and `text` rewritten to hold it."""
    record = yaml.safe_load(text)
    for name, value in fields.items():
        if value is None:
            record.pop(name)
        else:
            record[name] = value
    return record, rewrite(text, record, PERSON_FIELDS)


def test_render_writes_lists_in_the_style_it_is_given() -> None:
    record = {"handle": "a", "skills": ["go"], "links": [{"label": "x", "url": "https://x.example"}]}

    assert render(record, Style(indented_lists=True)) == (
        "handle: a\nskills:\n  - go\nlinks:\n  - label: x\n    url: https://x.example\n"
    )
    assert render(record) == "handle: a\nskills:\n- go\nlinks:\n- label: x\n  url: https://x.example\n"
    assert render({"a": "b"}, Style(newline="\r\n")) == "a: b\r\n"


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("a: 1\nskills:\n  - go\n", Style(indented_lists=True)),
        ("a: 1\nskills:\n- go\n", Style()),
        ("a: 1\r\nskills: # mine\r\n\r\n    - go\r\n", Style(indented_lists=True, newline="\r\n")),
        ("a: 1\n", Style()),
    ],
)
def test_the_style_of_a_file(text: str, style: Style) -> None:
    assert Style.of(text) == style


def test_a_changed_scalar_keeps_its_quotes_and_its_comment() -> None:
    text = "handle: a  # me\nname: 'Al'  # short for Alan\ntitle: \"Dev\"\n"

    record, after = edited(text, name="Alan O'Neil", title="Lead Dev")

    assert after == "handle: a  # me\nname: 'Alan O''Neil'  # short for Alan\ntitle: \"Lead Dev\"\n"
    assert yaml.safe_load(after) == record


def test_a_value_that_plain_style_cannot_hold_is_quoted() -> None:
    record, after = edited("handle: a\ntitle: Dev\n", title="yes")

    assert after == "handle: a\ntitle: 'yes'\n"
    assert yaml.safe_load(after) == record


def test_a_new_key_goes_where_the_field_order_puts_it_even_first() -> None:
    text = "name: Al\n# the rest is mine\nskills:\n  - go\n"

    _, after = edited(text, handle="a", team="ops", manager="bo", github="al")

    assert after == "handle: a\nname: Al\nteam: ops\nmanager: bo\n# the rest is mine\nskills:\n  - go\ngithub: al\n"


def test_a_key_the_field_order_does_not_know_goes_last_and_a_file_without_a_final_break_gets_one() -> None:
    _, after = edited("handle: a\nname: Al", pronouns="he/him")

    assert after == "handle: a\nname: Al\npronouns: he/him\n"


def test_a_removed_key_takes_its_comment_and_list_lines_with_it() -> None:
    text = "handle: a\nskills:  # mine\n  - go\n\n  - rust  # new\nlocation: Oslo\n"

    _, after = edited(text, skills=None)

    assert after == "handle: a\nlocation: Oslo\n"


def test_one_changed_item_of_a_list_is_replaced_alone() -> None:
    text = "handle: a\nemail_aliases:\n  - a@x.example  # old\n  - 'b@x.example'\n"

    _, after = edited(text, email_aliases=["a@x.example", "c@x.example"])

    assert after == "handle: a\nemail_aliases:\n  - a@x.example  # old\n  - 'c@x.example'\n"


def test_a_list_that_changes_length_is_written_again_in_the_files_style() -> None:
    text = "handle: a\nskills:\n  - go\ntimezone: UTC\n"

    _, after = edited(text, skills=["go", "rust"])

    assert after == "handle: a\nskills:\n  - go\n  - rust\ntimezone: UTC\n"


def test_a_block_scalar_is_replaced_as_a_whole_entry() -> None:
    text = "handle: a\ntitle: |\n  Two\n  lines\nteam: ops\n"

    record, after = edited(text, title="One line")

    assert after == "handle: a\ntitle: One line\nteam: ops\n"
    assert yaml.safe_load(after) == record


@pytest.mark.parametrize(
    "text",
    [
        "{handle: a, title: Dev}\n",  # a flow mapping has no lines to edit
        "  handle: a\n  title: Dev\n",  # indented keys
    ],
)
def test_yaml_it_does_not_edit_is_rendered_whole_with_the_right_data(text: str) -> None:
    record, after = edited(text, title="Lead")

    assert yaml.safe_load(after) == record == {"handle": "a", "title": "Lead"}
    assert after == "handle: a\ntitle: Lead\n"


def test_a_key_given_twice_has_the_one_that_counts_edited_and_the_other_left_for_the_validator() -> None:
    record, after = edited("handle: a\ntitle: Dev\ntitle: Ops\n", title="Lead")

    assert after == "handle: a\ntitle: Dev\ntitle: Lead\n"
    assert yaml.safe_load(after) == record


def test_a_byte_order_mark_stays_first() -> None:
    _, after = edited("\ufeffhandle: a\ntitle: Dev\n", title="Lead")

    assert after == "\ufeffhandle: a\ntitle: Lead\n"


SAMPLE_PEOPLE = sorted((REPO / "site" / "people").glob("*.yml"))


@pytest.mark.parametrize("path", SAMPLE_PEOPLE[:20], ids=[p.stem for p in SAMPLE_PEOPLE[:20]])
def test_random_edits_of_real_files_hold_the_record_and_change_only_their_lines(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    chooser = random.Random(path.stem)  # noqa: S311 - repeatable edits, not secrets
    for _ in range(10):
        record = yaml.safe_load(text)
        touched = set()
        for name in chooser.sample(["title", "team", "manager", "location", "github", "timezone"], 3):
            if name in record and chooser.random() < 0.3:
                record.pop(name)
            else:
                record[name] = f"{name}-{chooser.randrange(1000)}"
            touched.add(name)

        after = rewrite(text, record, PERSON_FIELDS)

        assert yaml.safe_load(after) == record
        assert {line[1:].split(":")[0] for line in changes(text, after)} <= touched
