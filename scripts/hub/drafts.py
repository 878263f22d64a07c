"""Draft spaces: what an unfinished space still needs, decided once for the validator, the build and
the health page.

An importer knows a space's name, kind, parent and members, but only its team can write what the
space is for. So it writes the page as a draft (`draft: true`): the hub builds it, its page says
what it still needs, and the health page lists every draft, which makes it the onboarding
checklist. Once a company is set up, CI can refuse drafts (`python -m hub.validate --strict-drafts`).
"""

from __future__ import annotations

from html import escape

from hub.content import Org, Space
from hub.problems import Problem

#: What a finished space states, as a page asks for it, and what each one is.
NEEDS = {
    "purpose": ("a purpose", "one sentence on why the space exists"),
    "outcome": ("the outcome that counts", "what counts as the purpose achieved"),
    "stewards": ("two stewards", "the handles of two people in the directory who look after the space"),
}


def needs(org: Org, space: Space) -> list[str]:
    """The keys of `NEEDS` the space still lacks; a steward counts only while they are in the directory."""
    missing = []
    if not space.purpose:
        missing.append("purpose")
    if not space.outcome:
        missing.append("outcome")
    if sum(1 for handle in space.stewards if handle in org.people) < 2:
        missing.append("stewards")
    return missing


def describe(missing: list[str]) -> str:
    """`["purpose", "stewards"]` as "a purpose and two stewards"."""
    words = [NEEDS[key][0] for key in missing]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def drafts(org: Org) -> list[Space]:
    """Every draft, by name."""
    return sorted((s for s in org.spaces.values() if s.draft), key=lambda s: s.name.casefold())


def strict_problems(org: Org) -> list[Problem]:
    """`--strict-drafts`: each draft is a problem at its `draft:` line, saying what it still needs."""
    problems = []
    for space in drafts(org):
        missing = needs(org, space)
        if missing:
            message = f"a draft: still needs {describe(missing)}; write them, then remove 'draft: true'"
        else:
            message = "a draft that has all it needs: remove 'draft: true'"
        problems.append(Problem(space.source.path, space.source.line("draft"), message))
    return problems


def edit_url(edit_base: str | None, space: Space) -> str | None:
    """The space page's "Edit this page" link, as mkdocs makes it from `repo_url` and `edit_uri`."""
    return f"{edit_base}teams/{space.slug}.md" if edit_base else None


def notice(org: Org, space: Space, edit: str | None) -> str:
    """The box at the top of a draft's page: what it still needs, and where to write it."""
    missing = needs(org, space)
    where = (
        f'<a href="{escape(edit)}">Edit this page</a>' if edit else f"Edit <code>teams/{escape(space.slug)}.md</code>"
    )
    if missing:
        items = "".join(f"<li><strong>{NEEDS[key][0]}</strong>: {NEEDS[key][1]}</li>" for key in missing)
        body = (
            f"<p>Its team has not finished it yet. It still needs:</p><ul>{items}</ul>"
            f"<p>{where} to write them in its front matter, then remove <code>draft: true</code>.</p>"
        )
    else:
        body = f"<p>It has everything it needs. {where} and remove <code>draft: true</code> to finish it.</p>"
    return (
        '<div class="admonition warning commons-draft" role="note" data-search-exclude>'
        f'<p class="admonition-title">This space is a draft</p>{body}</div>'
    )


def health_items(org: Org, edit_base: str | None, root: str) -> list[str]:
    """The health page's checklist: one line per draft, with what it needs and its edit link."""
    items = []
    for space in drafts(org):
        missing = needs(org, space)
        status = f"needs {describe(missing)}" if missing else "ready: remove <code>draft: true</code>"
        link = f'<a href="{root}teams/{escape(space.slug)}/">{escape(space.name)}</a>'
        edit = edit_url(edit_base, space)
        where = f' · <a href="{escape(edit)}">edit</a>' if edit else ""
        items.append(f'<li data-draft="{escape(space.slug)}">{link}: {status}{where}</li>')
    return items
