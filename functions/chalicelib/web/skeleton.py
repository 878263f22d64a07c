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


@dataclass(frozen=True)
class Skeleton:
    style: str
    nav: tuple[tuple[str, str], ...] = (("/", "Hub"),)  # (href, text), in order
    csp: str = field(init=False)

    def __post_init__(self) -> None:
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
