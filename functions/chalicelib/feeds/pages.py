"""The signed-in person's feed links as a page the function renders, for browsers without
JavaScript: every link, and the form that revokes them all (it posts to `/api/feeds/revoke`).

Everything shown is escaped. The page loads nothing and runs no script: its only style is inline,
allowed by its hash in a strict Content-Security-Policy, as for posts' and mail's pages.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from chalicelib.feeds.api import signed_in_person
from chalicelib.feeds.links import PAGE_PATH, REVOKE_PATH
from chalicelib.web.http import Incoming, Outgoing
from chalicelib.web.skeleton import Skeleton

if TYPE_CHECKING:
    from chalicelib.runtime import Services

STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}"
    "li{margin:.3rem 0}code{word-break:break-all;font-size:.85rem;color:#333}"
    "button{font:inherit;padding:.4rem .9rem;cursor:pointer;border:1px solid #b71c1c;border-radius:4px;"
    "background:#b71c1c;color:#fff}.done{background:#e8f5e9;padding:.5rem .8rem}.meta{color:#555;font-size:.9rem}"
    "nav a{margin-right:1rem}"
)
SKELETON = Skeleton(STYLE)
TITLE = "Your feeds"


def feeds_page(incoming: Incoming, services: Services) -> Outgoing:
    person = signed_in_person(incoming, services)
    links = services.feeds.links.of(person)
    names = services.directory.space_names()
    parts = [
        '<p class="meta">Private Atom feeds for a feed reader (Outlook has one). Each link works without '
        "signing in, so keep it to yourself: whoever has it reads what you may read.</p>"
    ]
    if incoming.param("revoked") == "1":
        parts.append('<p class="done" role="status">Your old feed links no longer work. These are the new ones.</p>')
    parts.append(f"<h2>Every space</h2><ul>{_link('All posts', links['org'])}</ul>")
    spaces = sorted(links["spaces"].items(), key=lambda item: (names.get(item[0], item[0]).casefold(), item[0]))
    items = "".join(_link(names.get(slug, slug), url) for slug, url in spaces)
    parts.append(f"<h2>One space</h2><ul>{items}</ul>" if items else "<p>There are no spaces yet.</p>")
    parts.append(
        f'<form method="post" action="{REVOKE_PATH}">'
        f'<input type="hidden" name="return_to" value="{PAGE_PATH}?revoked=1">'
        "<p>Shared a link by mistake, or lost a device? Revoke them all: every old link stops working, "
        "and you get new ones.</p>"
        '<button type="submit">Revoke all feed links</button></form>'
        f'<p><a href="/{escape(person.url.lstrip("/"))}">Back to your page</a></p>'
    )
    return SKELETON.page(TITLE, "".join(parts))


def _link(name: str, url: str) -> str:
    return f'<li><a href="{escape(url)}">{escape(name)}</a><br><code>{escape(url)}</code></li>'
