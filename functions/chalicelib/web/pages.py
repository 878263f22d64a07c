"""The few plain pages the sign-in routes show. Public: no hub content, no external assets."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#1b1b1b}"
    "h1{font-size:1.4rem}a.button,button{display:inline-block;font:inherit;padding:.45rem .9rem;"
    "border:1px solid #3f51b5;border-radius:4px;background:#3f51b5;color:#fff;text-decoration:none;cursor:pointer}"
    "@media (prefers-color-scheme:dark){:root{color-scheme:dark}body{background:#1d2026;color:#e4e6eb}}"
)


def page(title: str, body_html: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · Commons</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body_html}</main></body></html>"
    )


def sign_in_link(next_path: str = "/") -> str:
    return f"/auth/login?next={quote(next_path, safe='/')}"


def problem(title: str, message: str, next_path: str = "/") -> str:
    """What the person sees when sign-in or a request is refused: what happened, and a way back."""
    return page(
        title,
        f'<p>{escape(message)}</p><p><a class="button" href="{escape(sign_in_link(next_path))}">Sign in again</a></p>',
    )


def refused(title: str, message: str, back: str) -> str:
    """A refused form or page: what was wrong, and a way back to where it came from."""
    return page(
        title,
        f'<p>{escape(message)}</p><p><a class="button" href="{escape(back)}">Go back</a></p>',
    )


def confirm_sign_out() -> str:
    # A form, so that signing out is a POST that the Origin check covers.
    return page(
        "Sign out of Commons",
        "<p>You will be signed out of the hub and of your company sign-in in this browser.</p>"
        '<form method="post" action="/auth/logout"><button type="submit">Sign out</button></form>',
    )


def signed_out() -> str:
    return page(
        "You are signed out",
        "<p>The hub is closed until you sign in again.</p>"
        f'<p><a class="button" href="{escape(sign_in_link())}">Sign in</a></p>',
    )
