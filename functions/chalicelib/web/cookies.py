"""Reading the Cookie header and writing Set-Cookie values, with the attributes Commons requires."""

from __future__ import annotations

import time
from dataclasses import dataclass

MAX_COOKIE_HEADER = 16 * 1024


def parse_cookie_header(header: str) -> dict[str, str]:
    """Name → value. The first occurrence of a name wins, as the most specific path comes first."""
    jar: dict[str, str] = {}
    for part in header[:MAX_COOKIE_HEADER].split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in jar:
            jar[name] = value.strip().strip('"')
    return jar


@dataclass(frozen=True)
class CookiePolicy:
    """Attributes shared by every cookie Commons sets: HttpOnly, SameSite=Lax, Secure off-localhost."""

    secure: bool

    def name(self, base: str, *, path: str = "/") -> str:
        # __Host- pins a cookie to this origin and path /; __Secure- at least demands HTTPS.
        if not self.secure:
            return base
        return f"__Host-{base}" if path == "/" else f"__Secure-{base}"

    def set(self, name: str, value: str, *, max_age: int, path: str = "/", expires: float | None = None) -> str:
        parts = [f"{name}={value}", f"Path={path}", f"Max-Age={max_age}"]
        if expires is not None:
            # RFC 7231 IMF-fixdate; strftime's names are English in the C locale Lambda runs in.
            parts.append("Expires=" + time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(expires)))
        parts += ["HttpOnly", "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)

    def clear(self, name: str, *, path: str = "/") -> str:
        return self.set(name, "", max_age=0, path=path, expires=0)
