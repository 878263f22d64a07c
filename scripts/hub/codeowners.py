"""CODEOWNERS from the stewards: each space's stewards review changes to its page.

A person's own file is reviewed by that person and their team's stewards.
"""

from __future__ import annotations

from pathlib import Path

from hub.content import Org

HEADER = """\
# Generated from the stewards in {content}/teams/*.md by `make codeowners`. Do not edit:
# `make validate` fails when this file no longer matches the content.
"""


def codeowners_path(content: Path) -> Path:
    """CODEOWNERS lives in the repository that holds the content folder."""
    return content.resolve().parent / ".github" / "CODEOWNERS"


def render_codeowners(org: Org) -> str:
    content = org.root.name
    lines = [HEADER.format(content=content)]

    def owners(handles: list[str]) -> list[str]:
        found = []
        for handle in handles:
            person = org.people.get(handle)
            if person is not None and person.github and f"@{person.github}" not in found:
                found.append(f"@{person.github}")
        return found

    lines.append("# Spaces: their stewards.")
    for slug, space in sorted(org.spaces.items()):
        stewards = owners(space.stewards)
        path = f"/{content}/teams/{slug}.md"
        if stewards:
            lines.append(f"{path} {' '.join(stewards)}")
        elif space.draft and not space.stewards:
            # Anyone may finish a draft until its team names stewards, who then review it.
            lines.append(f"# {path}: a draft, with no stewards yet")
        else:
            lines.append(f"# {path}: no steward has a code-host username")
    lines.append("")
    lines.append("# People: the person and their team's stewards.")
    for handle, person in sorted(org.people.items()):
        team = org.spaces.get(person.team or "")
        reviewers = owners([handle, *(team.stewards if team else [])])
        if reviewers:
            lines.append(f"/{content}/people/{handle}.yml {' '.join(reviewers)}")
    return "\n".join(lines) + "\n"
