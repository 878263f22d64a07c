"""Browser fixtures: Debian's Chromium driven by Python Playwright, against the dev server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import REPO, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def devstack(root: Path, work: Path) -> Iterator[str]:
    """The dev stack on free ports, serving the built hub `root`: the hub behind the sign-in gate,
    /auth and /api, and the dev identity provider with every person of its directory as an account."""
    port = free_port()
    log = (work / "devserver.log").open("wb")
    command = [sys.executable, str(REPO / "scripts" / "devstack"), "--root", str(root)]
    command += ["--port", str(port), "--state-dir", str(work / "state"), "--idp-port", "0"]
    command += ["--smtp-port", "0"]  # the mailbox says where it listens (dev_smtp)
    # The browser tests write and read at once: the spaces table is worked out at each read here.
    # Keeping it for a minute is tested in tests/integration/test_metrics_api.py.
    env = {**os.environ, "COMMONS_METRICS_SUMMARY_SECONDS": "0"}
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            # A public page: it answers once the app and the identity provider are up.
            urllib.request.urlopen(url + "/auth/signed-out", timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                log.close()
                raise RuntimeError(f"dev server did not start:\n{(work / 'devserver.log').read_text()}") from None
            time.sleep(0.1)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def hub_url(built_hub: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dev stack serving the sample organisation's hub."""
    with devstack(built_hub, tmp_path_factory.mktemp("devstack")) as url:
        yield url


@pytest.fixture(scope="session")
def dev_smtp(hub_url: str) -> tuple[str, int]:
    """Where the dev stack's SMTP server listens, as its mailbox's JSON says."""
    with urllib.request.urlopen(hub_url + "/_dev/mail.json", timeout=5) as answer:
        smtp = json.load(answer)["smtp"]
    return str(smtp["host"]), int(smtp["port"])


@pytest.fixture(scope="session")
def sample_person(built_hub: Path) -> str:
    """The handle of a person of the sample organisation, to sign in as."""
    people = json.loads((built_hub / "directory.json").read_text())["people"]
    return str(sorted(people)[0])


def sign_in(page: Page, hub_url: str, handle: str, path: str = "/") -> None:
    """Open `path` with no session, sign in at the dev identity provider, land back on `path`."""
    page.goto(hub_url + path)
    page.locator("input[name=login]").fill(handle)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(hub_url + path)


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture()
def signed_in_page(browser: Browser, hub_url: str, sample_person: str) -> Iterator[Page]:
    """A page in a fresh browser context, signed in as a person of the sample organisation."""
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, hub_url, sample_person)
    yield page
    context.close()
