"""Markdown is stored harmless: each way of smuggling script in comes out inert."""

from __future__ import annotations

import re

import pytest

from chalicelib.posts.rendering import render

PEOPLE = {"jane.doe", "lee.park"}


def html(source: str) -> str:
    return render(source, PEOPLE.__contains__).html


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        '<a href="#" onclick="alert(1)">x</a>',
        "<p onmouseover=alert(1)>hover</p>",
        "[click](javascript:alert(1))",
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href=" javascript:alert(1)">x</a>',
        "[x](vbscript:msgbox(1))",
        "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![pixel](data:image/png;base64,iVBORw0KGgo=)",
        "![js](javascript:alert(1))",
        '<svg onload="alert(1)"><circle r="1"/></svg>',
        '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
        "<svg><script>alert(1)</script></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        '<iframe src="https://evil.example"></iframe>',
        '<object data="javascript:alert(1)"></object>',
        "<style>body{display:none}</style>",
        '<div style="background:url(javascript:alert(1))">x</div>',
        '<form action="https://evil.example"><input name=x></form>',
        "<!-- <script>alert(1)</script> -->",
        '<a href="//evil.example/steal">protocol-relative</a>',
        '<base href="https://evil.example/">',
        '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    ],
)
def test_script_payloads_are_stored_harmless(payload: str) -> None:
    out = html(payload)
    lowered = out.lower()
    for bad in ("<script", "javascript:", "vbscript:", "data:", "<svg", "<math", "<iframe", "<object", "<style"):
        assert bad not in lowered, out
    assert not re.search(r"\son\w+\s*=", lowered), out
    assert "<img" not in lowered and "<form" not in lowered and "<base" not in lowered and "<meta" not in lowered
    assert "evil.example" not in re.sub(r">[^<]*<", "><", out), "no attribute may point elsewhere"


def test_links_are_http_https_or_mailto_with_rel() -> None:
    out = html("[a](https://example.com/a?b=1) [m](mailto:x@example.com) [h](http://example.com)")
    assert out.count('rel="nofollow noopener noreferrer"') == 3
    assert 'href="https://example.com/a?b=1"' in out and 'href="mailto:x@example.com"' in out


def test_markdown_renders_and_text_is_escaped() -> None:
    out = html("# Title\n\n**bold** _em_ `a < b`\n\n- one\n- two\n\n```\n<b>code</b>\n```\n\n> quote\n\n1 < 2 & 3")
    assert "<h1>Title</h1>" in out and "<strong>bold</strong>" in out and "<em>em</em>" in out
    assert "<code>a &lt; b</code>" in out and "&lt;b&gt;code&lt;/b&gt;" in out and "<blockquote>" in out
    assert "<li>one</li>" in out and "1 &lt; 2 &amp; 3" in out


def test_mentions_link_known_people_only_and_not_in_code() -> None:
    rendered = render("Hi @jane.doe, @ghost and `@lee.park`; mail me@jane.doe. Also @lee.park!", PEOPLE.__contains__)
    assert rendered.mentions == ("jane.doe", "lee.park")
    assert '<a href="/people/jane.doe/" rel="nofollow noopener noreferrer">@jane.doe</a>' in rendered.html
    assert "@ghost" in rendered.html and 'href="/people/ghost/"' not in rendered.html
    assert "<code>@lee.park</code>" in rendered.html


HUB = "https://hub.example/"


def live_links(out: str) -> list[str]:
    """Each link's target, resolved as a browser on the hub would (WHATWG URL: tabs and newlines
    dropped, C0 and spaces trimmed, `\\` read as `/`), so the check does not trust the code under test."""
    from html.parser import HTMLParser
    from urllib.parse import urljoin

    hrefs: list[str] = []

    class Links(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            hrefs.extend(value or "" for name, value in attrs if tag == "a" and name == "href")

    Links().feed(out)
    c0_or_space = "".join(chr(c) for c in range(0x21))
    read = [
        h.strip(c0_or_space).replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/") for h in hrefs
    ]
    return [urljoin(HUB, href) for href in read]


@pytest.mark.parametrize(
    "payload",
    [
        '<a href="/&#9;/evil.example/">x</a>',
        '<a href="/&#x09;/evil.example/">x</a>',
        '<a href="/&Tab;/evil.example/">x</a>',
        '<a href="/&#10;/evil.example/">x</a>',
        '<a href="/&NewLine;/evil.example/">x</a>',
        '<a href="/&#13;/evil.example/">x</a>',
        '<a href="/\t/evil.example/">x</a>',
        '<a href="/\n/evil.example/">x</a>',
        '<a href="/\\evil.example/">x</a>',
        '<a href="\\\\evil.example/">x</a>',
        '<a href="\\/evil.example/">x</a>',
        '<a href="&#1;//evil.example/">x</a>',
        '<a href=" &#9;//evil.example/ ">x</a>',
        '<a href="/&#9;&#10;/evil.example/">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="java&#9;script:alert(1)">x</a>',
        '<a href="java&#x0A;script:alert(1)">x</a>',
        '<a href="&#1;javascript:alert(1)">x</a>',
        "[x](/\t/evil.example/)",
        "[x](/\\evil.example/)",
        "[x](<\\\\evil.example/>)",
        "[x](/&#9;/evil.example/)",
        "[x](JaVaScRiPt:alert(1))",
        "[x](<java\tscript:alert(1)>)",
    ],
)
def test_link_filter_reads_urls_as_browsers_do(payload: str) -> None:
    out = html(payload)
    assert all(target.startswith(HUB) for target in live_links(out)), (payload, out)
    assert "javascript:" not in out.lower(), out


@pytest.mark.parametrize("payload", ['<a href="/%09/evil.example/">x</a>', "[x](/%09/evil.example/)"])
def test_a_percent_encoded_tab_stays_a_path_on_the_hub(payload: str) -> None:
    # Browsers drop a tab, not `%09`: this is the path /%09/evil.example/ on the hub, and stays a link.
    out = html(payload)
    assert live_links(out) == [HUB + "%09/evil.example/"], out
    assert 'href="/%09/evil.example/"' in out


def test_paths_on_the_hub_are_stored_as_the_browser_reads_them() -> None:
    out = html('[p](/people/jane.doe/) <a href="/teams/&#9;platform/">t</a> <a href="/a\\b">b</a> [q](?page=2#top)')
    assert 'href="/people/jane.doe/"' in out and 'href="/teams/platform/"' in out and 'href="/a/b"' in out
    assert 'href="?page=2#top"' in out
