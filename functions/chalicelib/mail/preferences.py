"""Each person's choices of what Commons mails them, and the rules that read them.

Defaults: you follow your team's space and the spaces you steward, the weekly digest is on, each
post as it comes is off, and mentions and replies mail you. Someone who never chose keeps the
defaults as the directory changes (a new team, a new space to steward), because nothing is stored
for them until they choose.

Choices come as JSON (the hub's script, fields optional) or as an HTML form (the page without
JavaScript), which names every choice: a checkbox left out is off, and no `follows` is none.
Only the fields below are read, and only the fields of `public` leave the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, cast
from urllib.parse import parse_qs

from chalicelib.directory import Directory, Person
from chalicelib.errors import (
    CommonsError,
    InvalidInputError,
    InvalidTextError,
    PayloadTooLargeError,
    UnsafeReturnError,
)
from chalicelib.mail.persistence.base import DIGESTS, Digest, MailStore, Preferences, Suppression
from chalicelib.mail.unsubscribe import Unsubscribe, apply
from chalicelib.web.forms import MAX_BODY_BYTES
from chalicelib.web.http import Incoming
from chalicelib.web.next_path import safe_next_path

DEFAULTS = Preferences()
FIELDS = frozenset({"follows", "each_post", "digest", "mentions", "replies", "resume"})
FLAGS = ("each_post", "mentions", "replies")
FORM_SINGLE = frozenset({"each_post", "digest", "mentions", "replies", "resume", "return_to"})
# A form names each followed space in a field of its own; the body limit still holds.
MAX_FORM_FIELDS = 5_000
Reason = Literal["mention", "reply", "thread", "post"]


def default_follows(person: Person, directory: Directory) -> frozenset[str]:
    """The team's space and the spaces the person stewards."""
    follows = set(directory.stewarded_by(person.handle))
    if person.team and directory.space(person.team) is not None:
        follows.add(person.team)
    return frozenset(follows)


def follows(chosen: Preferences | None, person: Person, directory: Directory) -> frozenset[str]:
    """The spaces the person follows now: their choice, or the defaults; only spaces that exist."""
    picked = (chosen or DEFAULTS).follows
    if picked is None:
        return default_follows(person, directory)
    return frozenset(slug for slug in picked if directory.space(slug) is not None)


def wants(chosen: Preferences | None, reason: Reason) -> bool:
    """Whether the person takes mail for this reason (a new post also needs the space followed)."""
    preferences = chosen or DEFAULTS
    if reason == "mention":
        return preferences.mentions
    if reason in ("reply", "thread"):
        return preferences.replies
    return preferences.each_post


def spaces(directory: Directory) -> list[dict[str, str]]:
    names = directory.space_names()
    return [{"slug": slug, "name": name} for slug, name in sorted(names.items(), key=lambda s: (s[1].casefold(), s[0]))]


def public(
    person: Person, chosen: Preferences | None, suppression: Suppression | None, directory: Directory
) -> dict[str, Any]:
    """What the preferences answer shows: the effective choices, the suppression, every space."""
    preferences = chosen or DEFAULTS
    return {
        "follows": sorted(follows(chosen, person, directory)),
        "each_post": preferences.each_post,
        "digest": preferences.digest,
        "mentions": preferences.mentions,
        "replies": preferences.replies,
        "suppressed": {"reason": suppression.reason, "at": suppression.at} if suppression is not None else None,
        "spaces": spaces(directory),
    }


@dataclass(frozen=True)
class Change:
    """New preferences (None: leave them as they are), and whether to mail the address again."""

    preferences: Preferences | None
    resume: bool = False


def from_json(fields: Mapping[str, Any], current: Preferences, directory: Directory) -> Change:
    """The fields sent change those choices only. `follows: null` goes back to the defaults."""
    preferences = current
    if "follows" in fields:
        raw = fields["follows"]
        if raw is not None and not (isinstance(raw, list) and all(isinstance(slug, str) for slug in raw)):
            raise InvalidInputError("follows is not a list", message="follows must be a list of space slugs, or null.")
        preferences = replace(preferences, follows=None if raw is None else _known(raw, directory))
    for flag in FLAGS:
        if flag in fields:
            if not isinstance(fields[flag], bool):
                raise InvalidInputError(f"{flag} is not a boolean", message=f"{flag} must be true or false.")
            preferences = replace(preferences, **{flag: fields[flag]})
    if "digest" in fields:
        preferences = replace(preferences, digest=_digest(fields["digest"]))
    resume = fields.get("resume", False)
    if not isinstance(resume, bool):
        raise InvalidInputError("resume is not a boolean", message="resume must be true or false.")
    return Change(preferences, resume)


def from_form(fields: Mapping[str, list[str]], directory: Directory) -> Change:
    """A form that sends `digest` names every choice; one without it (the "mail me again"
    button) changes none."""
    for flag in (*FLAGS, "resume"):
        if fields.get(flag, ["on"])[0] != "on":
            raise InvalidInputError(f"checkbox {flag} is not 'on'", message=f"The box {flag} sends 'on' or nothing.")
    resume = "resume" in fields
    if "digest" not in fields:
        if not resume:
            raise InvalidInputError("form without digest or resume", message="The form did not say what to change.")
        return Change(None, resume=True)
    preferences = Preferences(
        follows=_known(fields.get("follows", []), directory),
        each_post="each_post" in fields,
        digest=_digest(fields["digest"][0]),
        mentions="mentions" in fields,
        replies="replies" in fields,
    )
    return Change(preferences, resume)


def _known(slugs: list[str], directory: Directory) -> frozenset[str]:
    if len(slugs) > len(directory.space_names()) + 10:
        raise InvalidInputError(f"{len(slugs)} follows", message="That is more spaces than the directory has.")
    for slug in slugs:
        if directory.space(slug) is None:
            shown = slug[:60]
            raise InvalidInputError(f"unknown space {shown!r}", message=f"There is no space {shown!r} to follow.")
    return frozenset(slugs)


def _digest(raw: Any) -> Digest:
    if raw not in DIGESTS:
        raise InvalidInputError("bad digest", message='digest must be "off", "daily" or "weekly".')
    return cast(Digest, raw)


def read_form(incoming: Incoming) -> tuple[dict[str, list[str]], str | None]:
    """An HTML form's fields (`follows` repeated once per space) and its `return_to`. The body
    limit and strict UTF-8 hold as for every form; unknown and repeated single fields are refused."""
    if len(incoming.body) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(f"preferences form of {len(incoming.body)} bytes")
    try:
        fields = parse_qs(
            incoming.body.decode("utf-8"), keep_blank_values=True, errors="strict", max_num_fields=MAX_FORM_FIELDS
        )
    except UnicodeDecodeError as exc:
        raise InvalidTextError("form is not UTF-8", message="The form holds text that is not valid UTF-8.") from exc
    except ValueError as exc:
        raise InvalidInputError(f"form does not parse: {exc}", message="The form has too many fields.") from exc
    unknown = sorted(set(fields) - FIELDS - {"return_to"})
    if unknown:
        listed = ", ".join(name[:40] for name in unknown)
        raise InvalidInputError(f"unknown fields {listed}", message=f"Unknown field(s): {listed}.")
    repeated = sorted(name for name in FORM_SINGLE if len(fields.get(name, [])) > 1)
    if repeated:
        raise InvalidInputError(f"repeated fields {repeated}", message=f"The form sent {repeated[0]!r} twice.")
    raw_return = fields.pop("return_to", [""])[0]
    try:
        return_to = safe_next_path(raw_return) if raw_return else None
    except CommonsError as exc:
        raise UnsafeReturnError(f"return_to {raw_return[:100]!r}: {exc}") from exc
    return fields, return_to


@dataclass(frozen=True)
class MailPreferences:
    """Reading and changing one person's choices."""

    store: MailStore
    directory: Directory

    def shown(self, person: Person) -> dict[str, Any]:
        chosen, stopped = self.store.preferences(person.handle), self.store.suppression(person.email)
        return public(person, chosen, stopped, self.directory)

    def change(self, person: Person, change: Change) -> None:
        if change.preferences is not None:
            self.store.save_preferences(person.handle, change.preferences)
        if change.resume:
            self.store.unsuppress(person.email)

    def current(self, person: Person) -> Preferences:
        return self.store.preferences(person.handle) or DEFAULTS

    def unsubscribe(self, unsubscribe: Unsubscribe) -> Preferences:
        """Turn off what the link names; what the person's preferences are now."""
        chosen = self.store.preferences(unsubscribe.handle)
        person = self.directory.by_handle(unsubscribe.handle)
        now_following = follows(chosen, person, self.directory) if person is not None else frozenset()
        changed = apply(unsubscribe, chosen or DEFAULTS, now_following)
        if changed != chosen:
            self.store.save_preferences(unsubscribe.handle, changed)
        return changed
