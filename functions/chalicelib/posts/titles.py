"""A post's title and excerpt as plain text, for what shows a post outside the hub: a mail's
subject, a digest's entry, a feed's entry."""

from __future__ import annotations

import re

TITLE_LENGTH = 80
EXCERPT_LENGTH = 200


def title_of(body: str, limit: int = TITLE_LENGTH) -> str:
    """A post's first line of text, without Markdown's marks, as a subject or a digest's entry."""
    for line in body.splitlines():
        text = re.sub(r"^\s*(#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)+", "", line)
        text = re.sub(r"[*_`~]+", "", text).strip()
        if text:
            return shorten(text, limit)
    return "A post"


def excerpt_of(body: str, limit: int = EXCERPT_LENGTH) -> str:
    return shorten(re.sub(r"\s+", " ", re.sub(r"[*_`~#>]+", "", body)).strip(), limit)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
