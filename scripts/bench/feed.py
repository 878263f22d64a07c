"""Browser figure: how soon a space's feed is on screen.

- feed_visible_ms: on a space page with posts in it, the time from DOMContentLoaded to the first
  frame painted after the first post is in the page, in Chromium against the whole dev stack on
  localhost (hub, /auth and /api in one origin). Median of several loads (issue budget: <= 300 ms).
  The page's own script is not trusted to report this: an init script watches the DOM.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from bench import report
from devstack.processes import free_port

REPO = Path(__file__).resolve().parents[2]
SPACE = "engineering"
POSTS = 30
LOADS = int(os.environ.get("BENCH_FEED_LOADS", "15"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]

# Records when the first post is in the page, then waits for the frame that paints it.
WATCH = """
(() => {
  const seen = new MutationObserver(() => {
    if (!document.querySelector("#posts article.commons-post")) return;
    seen.disconnect();
    requestAnimationFrame(() => setTimeout(() => { window.__feedVisibleAt = performance.now(); }, 0));
  });
  seen.observe(document, { childList: true, subtree: true });
})();
"""
MEASURE = """() => {
  const navigation = performance.getEntriesByType("navigation")[0];
  return window.__feedVisibleAt - navigation.domContentLoadedEventStart;
}"""


def build_hub(out: Path) -> None:
    env = {
        **os.environ,
        "COMMONS_CONTENT": str(REPO / "site"),
        "COMMONS_OUT": str(out),
        "NO_MKDOCS_2_WARNING": "1",
        "PYTHONPATH": str(REPO / "scripts"),
    }
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=REPO, env=env, check=True, capture_output=True
    )


def start_stack(hub: Path, work: Path, dynamodb_endpoint: str = "") -> tuple[subprocess.Popen[bytes], str]:
    """The dev stack (hub, /auth, /api, dev identity provider) on free loopback ports; with
    `dynamodb_endpoint`, on that moto server instead of one of its own."""
    port = free_port()
    log = (work / "devserver.log").open("wb")
    command = [sys.executable, str(REPO / "scripts" / "devstack"), "--root", str(hub), "--port", str(port)]
    command += ["--state-dir", str(work / "state"), "--idp-port", "0"]
    if dynamodb_endpoint:
        command += ["--dynamodb-endpoint", dynamodb_endpoint]
    proc = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            # A public page: it answers once the app and the identity provider are up.
            urllib.request.urlopen(url + "/auth/signed-out", timeout=1).close()  # noqa: S310 (http://localhost)
            return proc, url
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise SystemExit(f"dev server did not start:\n{(work / 'devserver.log').read_text()}") from None
            time.sleep(0.1)


def signed_in(playwright: Any, url: str, path: str, handle: str) -> tuple[Any, Any, Any]:
    """Chromium (the browser, its context and a page) signed in as `handle` through the dev
    identity provider, on `path`."""
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
    context = browser.new_context()
    page = context.new_page()
    page.goto(url + path)
    page.locator("input[name=login]").fill(handle)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url + path)
    return browser, context, page


def median_load_ms(page: Any, address: str, drawn: str, measure: str, loads: int, timeout: float) -> float:
    """Load `address` `loads` times (after two that warm the stack and the browser's cache, as a
    returning visitor has), each until the page's own watcher says `drawn` (a JavaScript test);
    the median of what `measure` reads from the page's own clock. Polled with evaluate, which the
    hub's CSP allows (it forbids the string evaluation that wait_for_function uses)."""
    samples: list[float] = []
    for run in range(loads + 2):
        page.goto(address, wait_until="domcontentloaded")
        deadline = time.monotonic() + timeout
        while not page.evaluate(drawn):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{address} was not drawn within {timeout} s")
            page.wait_for_timeout(5)
        if run >= 2:
            samples.append(max(0.0, float(page.evaluate(measure))))
    return statistics.median(samples)


def feed_visible_ms(url: str, handle: str) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        path = f"/teams/{SPACE}/"
        browser, context, page = signed_in(playwright, url, path, handle)
        for number in range(POSTS):
            body = f"Bench post {number}: the **release** went out, see @{handle}."
            headers = {"Origin": url, "Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
            response = context.request.post(
                f"{url}/api/spaces/{SPACE}/posts", data=json.dumps({"body": body}), headers=headers
            )
            if not response.ok:
                raise SystemExit(f"could not create a post: {response.status} {response.text()}")
        context.add_init_script(WATCH)
        value = median_load_ms(page, url + path, "window.__feedVisibleAt !== undefined", MEASURE, LOADS, 10.0)
        browser.close()
    return value


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="commons-bench-feed-") as tmp:
        work = Path(tmp)
        hub = work / "hub"
        build_hub(hub)
        handle = sorted(json.loads((hub / "directory.json").read_text())["people"])[0]
        proc, url = start_stack(hub, work)
        try:
            value = feed_visible_ms(url, handle)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    report("feed_visible_ms", round(value, 1), "ms")


if __name__ == "__main__":
    main()
