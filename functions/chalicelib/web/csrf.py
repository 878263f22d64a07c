"""CSRF defence: a state-changing request must come from the hub's own origin.

`Origin` decides; `Referer` stands in only when `Origin` is missing. A request with neither is
refused, and so is `Origin: null` (sandboxed frames, some cross-origin redirects).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from chalicelib.errors import CrossOriginError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check_same_origin(method: str, headers: Mapping[str, str], public_origin: str) -> None:
    if method.upper() in SAFE_METHODS:
        return
    origin = headers.get("origin")
    if origin is not None:
        if origin.strip().lower() != public_origin:
            raise CrossOriginError(f"{method} with Origin {origin[:200]!r}, expected {public_origin}")
        return
    referer = headers.get("referer")
    if not referer:
        raise CrossOriginError(f"{method} with neither Origin nor Referer")
    parts = urlsplit(referer.strip())
    if f"{parts.scheme}://{parts.netloc}".lower() != public_origin:
        raise CrossOriginError(f"{method} with Referer from {parts.scheme}://{parts.netloc[:200]}")
