"""The whole hub is private: for every file of the built hub, a request with no session gets none of
its content, whether it comes as a page visit or as a sub-resource."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import requests

NAVIGATE = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}
SUBRESOURCE = {"Sec-Fetch-Mode": "no-cors", "Accept": "*/*"}
CLOSED = b"The hub is private: sign in at /auth/login first.\n"


def _urls(built_hub: Path) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for path in sorted(p for p in built_hub.rglob("*") if p.is_file()):
        relative = path.relative_to(built_hub).as_posix()
        found.append(("/" + quote(relative), path))
        if path.name == "index.html":
            found.append(("/" + quote(relative[: -len("index.html")]), path))
    return found


def test_no_page_of_the_hub_leaks_without_a_session(built_hub: Path, hub_url: str) -> None:
    urls = _urls(built_hub)
    people = json.loads((built_hub / "directory.json").read_text())["people"]
    assert sum(1 for url, _ in urls if url.endswith(".html")) > len(people), "every person has a page"
    leaks: list[str] = []
    with requests.Session() as visitor:
        for url, path in urls:
            content = path.read_bytes()
            page = visitor.get(hub_url + url, headers=NAVIGATE, allow_redirects=False)
            asset = visitor.get(hub_url + url, headers=SUBRESOURCE, allow_redirects=False)
            opened = (
                page.status_code != 302
                or page.headers["Location"] != f"/auth/login?next={quote(url, safe='')}"
                or page.content != b""
                or asset.status_code != 403
                or asset.content != CLOSED
            )
            if opened or (content and content in page.content + asset.content):
                leaks.append(url)
    assert leaks == [], f"{len(leaks)} of {len(urls)} URLs leak: {leaks[:10]}"
