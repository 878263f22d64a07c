"""`next`: where sign-in returns to. Only ever a path on this origin."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from chalicelib.errors import UnsafeNextError
from chalicelib.web.http import is_text

MAX_LENGTH = 2048


def safe_next_path(raw: str | None) -> str:
    """`raw` if it is a same-origin path, "/" if absent; UnsafeNextError for anything else.

    Browsers read `\\` as `/` and drop tabs and newlines, so `/\\evil.example` and `/\\t/evil.example`
    would leave the origin; both are refused along with `//host` and absolute URLs.
    """
    if not raw:
        return "/"
    if len(raw) > MAX_LENGTH:
        raise UnsafeNextError("next is too long")
    if not raw.startswith("/") or raw.startswith("//"):
        raise UnsafeNextError(f"next {raw[:100]!r} is not a path on this origin")
    if "\\" in raw or any(ord(c) < 0x21 or ord(c) == 0x7F for c in raw):
        raise UnsafeNextError(f"next {raw[:100]!r} holds a backslash, space or control character")
    if not is_text(raw):
        raise UnsafeNextError(f"next {raw[:100]!r} holds a lone surrogate")
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        raise UnsafeNextError(f"next {raw[:100]!r} names another origin")
    if parts.path == "/auth" or parts.path.startswith("/auth/"):
        # Returning into the sign-in routes themselves would loop; land on the hub instead.
        return "/"
    # It becomes a Location header, which must be ASCII: percent-encode the rest, as a browser would.
    encoded = "".join(c if c.isascii() else quote(c, safe="") for c in raw)
    if len(encoded) > MAX_LENGTH:
        raise UnsafeNextError("next is too long")
    return encoded
