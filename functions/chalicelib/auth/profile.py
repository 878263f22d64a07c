"""`/api/me`: the signed-in person, with only the fields the hub may show, and their private feed
links (`feeds`; null for someone not in the directory, who has none)."""

from __future__ import annotations

from typing import Any

from chalicelib.runtime import Services
from chalicelib.web.http import Incoming, Outgoing, json_body


def me(incoming: Incoming, services: Services) -> Outgoing:
    session = services.auth.current_session(incoming, services.clock())
    person = services.directory.by_handle(session.handle) if session.handle else None
    document: dict[str, Any]
    if person is not None:
        document = {**person.public(), "in_directory": True, "feeds": services.feeds.links.of(person)}
    else:
        document = {"handle": None, "name": session.name, "email": session.email, "in_directory": False, "feeds": None}
    document["session_expires_at"] = session.expires_at
    return json_body(document)
