"""The README's posts section: its shell examples run, and every posts setting is documented."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from pathlib import Path

from chalicelib.auth.sessions import COOKIE
from tests.conftest import REPO
from tests.integration.conftest import Stack
from tests.integration.posts_client import Person

SHELL = re.compile(r"```sh\n(.*?)```", re.S)


def _section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Posts, replies and reactions\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_every_posts_setting_is_documented() -> None:
    source = (REPO / "functions" / "chalicelib" / "posts" / "config.py").read_text()
    names = sorted(set(re.findall(r'"((?:COMMONS|AWS)_[A-Z_]+)"', source)))
    assert "COMMONS_TABLE" in names
    for name in names:
        assert f"`{name}`" in _section(), f"{name} is not documented in README.md, section Posts"


def test_the_curl_example_reads_a_feed(hub: Stack) -> None:
    curl, _ = SHELL.findall(_section())
    jane = Person(hub, "jane.doe")
    older, newer = (jane.create("platform", f"From the README {uuid.uuid4().hex[:6]}") for _ in range(2))
    command = curl.replace("http://localhost:8000", hub.origin)
    session = hub.session_cookie("lee.park")[COOKIE]
    run = subprocess.run(
        ["bash", "-c", f"set -euo pipefail\n{command}"],
        env={"PATH": "/usr/bin:/bin", "SESSION": session},
        capture_output=True,
        text=True,
        check=True,
    )
    document = json.loads(run.stdout)
    assert document["space"]["slug"] == "platform" and len(document["posts"]) == 2
    assert [p["id"] for p in document["posts"]] == [newer["id"], older["id"]]


def test_the_reset_example_removes_only_the_recording(tmp_path: Path) -> None:
    _, reset = SHELL.findall(_section())
    state = tmp_path / ".dev"
    state.mkdir()
    (state / "dynamodb.recording").write_text("{}\n")
    (state / "secrets.json").write_text("{}")
    subprocess.run(["bash", "-c", f"set -euo pipefail\n{reset}"], cwd=tmp_path, check=True)
    assert not (state / "dynamodb.recording").exists() and (state / "secrets.json").exists()
