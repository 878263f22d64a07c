"""The skeleton of the pages the functions render for browsers without JavaScript (a feed, mail
preferences, feed links, the impact tables): a nav, a title, the body, and one inline style,
allowed by its hash in a strict Content-Security-Policy. The pages load and run nothing else.
Each feature keeps its own style and nav; everything else is here once."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from html import escape

from chalicelib.web.http import Outgoing

#: The dark scheme, when the browser asks for it, over every feature's own light style: text at
#: least 4.5:1 on the page, as on the hub.
DARK_STYLE = (
    "@media (prefers-color-scheme:dark){:root{color-scheme:dark}body{background:#1d2026;color:#e4e6eb}"
    "a{color:#9db4ff}.meta{color:#b9bec8}code{color:#d0d4dc}.note{background:#3a2a12;color:#ffe0b2}"
    ".done{background:#1c3321;color:#c8e6c9}pre{background:#272b33}fieldset,th,td,article{border-color:#555}}"
)


@dataclass(frozen=True)
class Skeleton:
    style: str
    nav: tuple[tuple[str, str], ...] = (("/", "Hub"),)  # (href, text), in order
    csp: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "style", self.style + DARK_STYLE)
        digest = base64.b64encode(hashlib.sha256(self.style.encode()).digest()).decode()
        csp = (
            f"default-src 'none'; style-src 'sha256-{digest}'; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'; img-src 'none'"
        )
        object.__setattr__(self, "csp", csp)

    def page(self, title: str, body: str, status: int = 200) -> Outgoing:
        """`body` is HTML already escaped (or sanitised); the title is escaped here."""
        links = "".join(f'<a href="{escape(href)}">{escape(text)}</a>' for href, text in self.nav)
        document = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)} · Commons</title><style>{self.style}</style></head><body>"
            f"<nav>{links}</nav><main><h1>{escape(title)}</h1>{body}</main></body></html>"
        )
        return Outgoing(status, document, headers={"Content-Security-Policy": self.csp})
