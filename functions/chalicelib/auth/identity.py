"""Who an ID token names: a person in the directory, or staff not in it yet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.directory import Directory, Person
from chalicelib.errors import EmailNotVerifiedError, IdentityError


@dataclass(frozen=True)
class Identity:
    subject: str
    person: Person | None
    name: str
    email: str


def identify(claims: Mapping[str, Any], directory: Directory, *, claim: str, allow_unknown_staff: bool) -> Identity:
    """Match the configured claim to a person's email (values with `@`) or handle (values without).

    Staff the identity provider accepted but who are not yet in the directory get a minimal
    identity unless `allow_unknown_staff` is off.
    """
    subject = str(claims["sub"])
    value = claims.get(claim)
    if not isinstance(value, str) or not value.strip():
        raise IdentityError(f"ID token for sub {subject!r} has no {claim} claim to match the directory")
    value = value.strip()
    if claim == "email" and claims.get("email_verified") is False:
        raise EmailNotVerifiedError(f"email {value!r} of sub {subject!r} is not verified by the provider")
    person = directory.by_email(value) if "@" in value else directory.by_handle(value)
    if person is not None:
        return Identity(subject=subject, person=person, name=person.name, email=person.email)
    if not allow_unknown_staff:
        raise IdentityError(f"{claim} {value!r} (sub {subject!r}) is not in the directory")
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    email = email or (value if "@" in value else "")
    name = claims.get("name") if isinstance(claims.get("name"), str) else None
    return Identity(subject=subject, person=None, name=name or email or value, email=email)
