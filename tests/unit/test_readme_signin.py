"""The README's sign-in shell examples run, and what they make is a working configuration."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

from chalicelib.auth.cloudfront import CloudFrontSigner, verify_signed_cookies
from chalicelib.auth.sessions import Session, SessionSigner
from chalicelib.config import Settings
from tests.conftest import REPO

SHELL = re.compile(r"```sh\n(.*?)```", re.S)
DUMP_ENV = "python3 -c 'import json, os; print(json.dumps(dict(os.environ)))'"


def _signin_section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Sign-in\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_the_sign_in_section_documents_every_setting() -> None:
    section = _signin_section()
    settings_source = (REPO / "functions" / "chalicelib" / "config.py").read_text()
    for name in sorted(set(re.findall(r'"(COMMONS_[A-Z_]+)"', settings_source))):
        assert f"`{name}`" in section, f"{name} is not documented in README.md, section Sign-in"


def test_the_shell_examples_make_a_working_configuration(tmp_path: Path) -> None:
    keys, configure, rotate = SHELL.findall(_signin_section())
    (tmp_path / "client-secret").write_text("from-the-identity-provider\n")
    script = f"set -euo pipefail\n{keys}\n{configure}\n{DUMP_ENV}\n{rotate}\n{DUMP_ENV}\n"
    run = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    first, second = (json.loads(line) for line in run.stdout.splitlines())

    configured = Settings.from_environ(first)
    assert configured.client_secret == "from-the-identity-provider"
    assert [k.key_id for k in configured.session_keys] == ["2026-11"]
    assert len(configured.session_keys[0].secret) == 32

    # The CloudFront key pair signs cookies that the public half verifies.
    signer = CloudFrontSigner(configured.cloudfront_key_pair_id, configured.cloudfront_private_key)
    now = int(time.time())
    cookies = signer.signed_cookies(f"{configured.public_origin}/*", now + 60)
    public = {configured.cloudfront_key_pair_id: (tmp_path / "cloudfront-public.pem").read_text()}
    verify_signed_cookies(cookies, "https://hub.example.com/teams/platform/", public, now)

    # After the rotation the new key signs, and sessions signed with the old one still open.
    rotated = Settings.from_environ(second)
    assert [k.key_id for k in rotated.session_keys] == ["2027-05", "2026-11"]
    session = Session("sub", "jane.doe", "Jane Doe", "jane.doe@example.com", now, now + 60)
    before = SessionSigner(configured.session_keys).seal(session)
    assert SessionSigner(rotated.session_keys).open(before, now) == session
    assert SessionSigner(rotated.session_keys).seal(session).startswith("s1.2027-05.")
    assert os.environ.get("COMMONS_SESSION_KEYS") is None, "the examples ran in their own shell"
