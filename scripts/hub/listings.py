"""The hub's listings of everyone and everything: the directory, the teams index, skills, the org chart.

At 100,000 people none of them fits one page a browser opens in a second, so each is paged. The
first page is the mkdocs page (in the nav); the others are `Extra` pages that the build fills into
the person page shell, at the same depth (`people/_2/`, `skills/python/`, `org-chart/<handle>/`).
`_` cannot start a handle or a slug, so the paged URLs never meet a person's or a space's. Every page
is plain HTML with links, so each listing works without JavaScript; commons.js adds filtering and
the org chart's expanding, fetching what it needs when it needs it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from html import escape

from hub.content import Org, Person, Space
from hub.pages import Views, manager_chain, parent_chain, person_link, person_with_title, picture, space_link, stated

#: Rows on one page of the directory and of the teams index: a page stays near 150 KB of HTML.
PAGE_SIZE = 500
#: Levels of the org chart in the HTML of its first page: kept small, it is the one most opened.
CHART_LEVELS = 3
#: Each manager on the first page's last level has a part of the chart, holding as many whole
#: levels as fit this many people (at least two). Below a part, a manager links to the reports
#: on their person page: most people are on a tree's last levels, so parts of parts would be
#: thousands of pages of a handful of people each.
PART_BUDGET = 2_000
#: Of those, the levels shown open when JavaScript runs (commons.js closes the deeper ones).
CHART_OPEN = 2
MAX_SHOWN_DEPTH = 6  # deeper sub-teams are indented as much as this
DIRECTORY_COLUMNS = ("Name", "Title", "Team", "Location", "Skills")


@dataclass
class Extra:
    """A page after a listing's first: its URL (two levels deep, as the shell's), title and HTML."""

    url: str
    title: str
    body: str


@dataclass
class Listing:
    """A listing's first page, the pages after it, and plain files (JSON) to publish with them."""

    first: str
    extras: list[Extra] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)


def page_url(base: str, number: int) -> str:
    """Page `number` (from 1) of the listing at `base`, such as "people/"."""
    return base if number == 1 else f"{base}_{number}/"


def pager(base: str, count: int, current: int, root: str, labels: list[str]) -> str:
    """Links to every page of a listing, each named by what it starts with; the current one marked."""
    if count <= 1:
        return ""
    items = []
    for number in range(1, count + 1):
        label = escape(labels[number - 1])
        if number == current:
            items.append(f'<li><a aria-current="page" href="{root}{page_url(base, number)}">{number}</a> {label}</li>')
        else:
            items.append(f'<li><a href="{root}{page_url(base, number)}">{number}</a> {label}</li>')
    steps = []
    if current > 1:
        steps.append(f'<a rel="prev" href="{root}{page_url(base, current - 1)}">← Page {current - 1}</a>')
    if current < count:
        steps.append(f'<a rel="next" href="{root}{page_url(base, current + 1)}">Page {current + 1} →</a>')
    return (
        f'<nav class="commons-pager" aria-label="Pages"><p>Page {current} of {count}. {" · ".join(steps)}</p>'
        f"<details><summary>All {count} pages</summary><ol>{''.join(items)}</ol></details></nav>"
    )


def _root(number: int) -> str:
    return "../" if number == 1 else "../../"


# -- the directory -------------------------------------------------------------------------------


def directory(views: Views) -> Listing:
    """Everyone by name, `PAGE_SIZE` to a page. Typing in the filter searches everyone (commons.js
    loads the people index then, not before); without JavaScript, the pages and their links."""
    org = views.org
    people = sorted(org.people.values(), key=lambda p: p.name.casefold())
    chunks = [people[start : start + PAGE_SIZE] for start in range(0, len(people), PAGE_SIZE)] or [[]]
    labels = [chunk[0].name if chunk else "" for chunk in chunks]
    bodies = [
        _directory_page(views, chunk, number, len(chunks), len(people), labels)
        for number, chunk in enumerate(chunks, start=1)
    ]
    extras = [
        Extra(page_url("people/", number), f"People, page {number}", body)
        for number, body in enumerate(bodies[1:], start=2)
    ]
    return Listing(bodies[0], extras)


def _directory_page(views: Views, chunk: list[Person], number: int, count: int, total: int, labels: list[str]) -> str:
    org, root = views.org, _root(number)
    rows = []
    for person in chunk:
        team = org.spaces.get(person.team or "")
        rows.append(
            f"<tr><td>{picture(person, 24, 'commons-avatar')}{views.link(person, root)}</td>"
            f"<td>{escape(person.title or '')}</td>"
            f"<td>{views.space(team, root) if team else ''}</td><td>{escape(person.location or '')}</td>"
            f"<td>{escape(' · '.join(person.skills))}</td></tr>"
        )
    cols = "<colgroup>" + "<col>" * len(DIRECTORY_COLUMNS) + "</colgroup>"
    head = "".join(f'<th scope="col">{name}</th>' for name in DIRECTORY_COLUMNS)
    shown = f"{total:,} people" if count == 1 else f"{total:,} people; this page: {len(chunk):,}"
    return (
        f'<div class="commons-directory" data-root="{root}">'
        '<label class="commons-filter"><span>Find a person</span>'
        '<input type="search" id="commons-filter" placeholder="Name, title, team, place or skill"'
        ' autocomplete="off" aria-controls="commons-people"></label>'
        f'<p class="commons-filter__count" id="commons-filter-count" aria-live="polite">{shown}</p>'
        f'<div id="commons-people" class="commons-people" role="region" aria-label="People">'
        f'<table class="commons-people__table">{cols}<thead><tr>{head}</tr></thead>'
        f'<tbody class="commons-people__page">{"".join(rows)}</tbody></table></div>'
        f"{pager('people/', count, number, root, labels)}"
        "</div>"
    )


# -- the teams index -----------------------------------------------------------------------------


def teams_index(views: Views) -> Listing:
    """Teams in tree order, then communities, `PAGE_SIZE` rows to a page."""
    org = views.org
    rows: list[tuple[str, Space]] = [
        ("team", s) for s in _tree_order(org, [s for s in org.spaces.values() if s.is_team])
    ]
    communities = sorted((s for s in org.spaces.values() if not s.is_team), key=lambda s: s.name.casefold())
    rows += [("community", s) for s in communities]
    chunks = [rows[start : start + PAGE_SIZE] for start in range(0, len(rows), PAGE_SIZE)] or [[]]
    counts = {"team": len(rows) - len(communities), "community": len(communities)}
    labels = [chunk[0][1].name if chunk else "" for chunk in chunks]
    bodies = [
        _teams_page(views, chunk, number, len(chunks), counts, labels) for number, chunk in enumerate(chunks, start=1)
    ]
    extras = [
        Extra(page_url("teams/", number), f"Teams and communities, page {number}", body)
        for number, body in enumerate(bodies[1:], start=2)
    ]
    return Listing(bodies[0], extras)


def communities_url(views: Views) -> str:
    """The teams index page that holds the communities' heading (the home page's count links it)."""
    teams = sum(1 for s in views.org.spaces.values() if s.is_team)
    communities = len(views.org.spaces) - teams
    number = teams // PAGE_SIZE + 1 if communities else 1
    return page_url("teams/", number) + "#communities"


_KIND_HEADINGS = {"team": ("Teams", "teams"), "community": ("Communities", "communities")}


def _teams_page(
    views: Views, chunk: list[tuple[str, Space]], number: int, count: int, counts: dict[str, int], labels: list[str]
) -> str:
    """One page of the index; a kind's heading (with its anchor) where its first row is, and
    "continued" where a page carries it on."""
    org, root = views.org, _root(number)
    starts = {"team": 0, "community": counts["team"]}  # the row each kind begins on, over all pages
    first_row = (number - 1) * PAGE_SIZE
    parts: list[str] = []
    if number == 1 and not counts["team"]:
        parts.append('<h2 id="teams">Teams (0)</h2><p>None yet.</p>')
    kind_open: str | None = None
    rows: list[str] = []
    for offset, (kind, space) in enumerate(chunk):
        if kind != kind_open:
            if rows:
                parts.append(_teams_table(rows))
                rows = []
            heading, anchor = _KIND_HEADINGS[kind]
            if first_row + offset == starts[kind]:
                parts.append(f'<h2 id="{anchor}">{heading} ({counts[kind]})</h2>')
            else:
                parts.append(f"<h2>{heading}, continued</h2>")
            kind_open = kind
        depth = len(parent_chain(org, space)) if space.is_team else 0
        # A class, not a style attribute: the hub's CSP allows no inline style (commons.css).
        indent = f' class="commons-depth-{min(depth, MAX_SHOWN_DEPTH)}"' if depth else ""
        members = len(views.members.get(space.slug, []))
        rows.append(
            f"<tr><td{indent}>{space_link(space, root)}</td><td>{stated(space.purpose)}</td>"
            f"<td>{stated(space.outcome)}</td><td>{members}</td></tr>"
        )
    if rows:
        parts.append(_teams_table(rows))
    if number == count and not counts["community"]:
        parts.append('<h2 id="communities">Communities (0)</h2><p>None yet.</p>')
    parts.append(pager("teams/", count, number, root, labels))
    return "".join(parts)


def _teams_table(rows: list[str]) -> str:
    return (
        '<table class="commons-table"><thead><tr><th>Name</th><th>Purpose</th>'
        f"<th>Outcome that counts</th><th>Members</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _tree_order(org: Org, spaces: list[Space]) -> list[Space]:
    """Parents before their children, siblings by name."""
    chosen = {s.slug for s in spaces}
    kids: dict[str | None, list[Space]] = defaultdict(list)
    for space in spaces:
        parent = space.parent if space.parent in chosen else None
        kids[parent].append(space)
    ordered: list[Space] = []
    stack = sorted(kids[None], key=lambda s: s.name.casefold(), reverse=True)
    while stack:
        space = stack.pop()
        ordered.append(space)
        stack.extend(sorted(kids.get(space.slug, []), key=lambda s: s.name.casefold(), reverse=True))
    return ordered


# -- skills --------------------------------------------------------------------------------------


def skill_url(views: Views, skill: str) -> str:
    """The page of a skill, relative to the hub's root (person pages link their skills to it)."""
    return f"skills/{views.skill_slugs.get(skill, 'skill')}/"


def skills(views: Views) -> Listing:
    """Every skill with how many hold it; each skill's holders on a page of its own."""
    org = views.org
    holders: dict[str, list[Person]] = defaultdict(list)
    for person in sorted(org.people.values(), key=lambda p: p.name.casefold()):
        for skill in person.skills:
            holders[skill].append(person)
    index = "".join(
        f'<li><a href="../{skill_url(views, s)}">{escape(s)}</a> <small>{len(holders[s]):,}</small></li>'
        for s in sorted(holders)
    )
    intro = f"<p>{len(holders):,} skills. Each opens the list of people who have it.</p>"
    first = f'{intro}<ul class="commons-chips">{index}</ul>'
    extras = []
    for skill in sorted(holders):
        people = "".join(f"<li>{person_with_title(p, '../../')}</li>" for p in holders[skill])
        body = (
            f'<p><a href="../../skills/">All skills</a> · {len(holders[skill]):,} people</p>'
            f'<ul class="commons-skill-holders">{people}</ul>'
        )
        extras.append(Extra(skill_url(views, skill), f"Skill: {skill}", body))
    return Listing(first, extras)


# -- the org chart -------------------------------------------------------------------------------


def org_chart(views: Views) -> Listing:
    """The manager tree, `CHART_LEVELS` levels on its page; each part's as many as `PART_BUDGET` allows.

    Each disclosure button is beside its person's link, never around it. Below a page's last
    level, each manager has a page of their own (`org-chart/<handle>/`) and a JSON list of their
    reports, which commons.js fetches when the button is pressed."""
    org = views.org
    sizes = _tree_sizes(views)
    files: dict[str, str] = {}
    for handle, reports in views.reports.items():
        if reports:
            rows = [
                [r.handle, r.name, r.title, len(views.reports.get(r.handle, [])), sizes[r.handle] - 1] for r in reports
            ]
            files[f"org-chart/reports/{handle}.json"] = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    top = sorted((p for p in org.people.values() if p.manager not in org.people), key=lambda p: p.name.casefold())
    first, cut = _chart(views, top, sizes, "../", CHART_LEVELS, parts=True)
    extras: list[Extra] = []
    for person in cut:
        body, _below = _chart(views, [person], sizes, "../../", _part_levels(views, person), parts=False)
        extras.append(Extra(f"org-chart/{person.handle}/", f"Org chart: {person.name}", _crumbs(views, person) + body))
    return Listing(first, extras, files)


def _part_levels(views: Views, person: Person) -> int:
    """How many whole levels of `person`'s tree fit `PART_BUDGET` people, counting them; at least two."""
    levels, total, level = 0, 0, [person]
    while level and total + len(level) <= PART_BUDGET:
        levels, total = levels + 1, total + len(level)
        level = [r for p in level for r in views.reports.get(p.handle, [])]
    return max(levels, 2)


def _tree_sizes(views: Views) -> dict[str, int]:
    """Each person's count of people under them, themselves included, without recursion."""
    order: list[Person] = []
    stack = [p for p in views.org.people.values() if p.manager not in views.org.people]
    seen: set[str] = set()
    while stack:
        person = stack.pop()
        if person.handle in seen:
            continue
        seen.add(person.handle)
        order.append(person)
        stack.extend(views.reports.get(person.handle, []))
    sizes: dict[str, int] = {}
    for person in reversed(order):
        sizes[person.handle] = 1 + sum(sizes.get(r.handle, 1) for r in views.reports.get(person.handle, []))
    return sizes


def _chart(
    views: Views, top: list[Person], sizes: dict[str, int], root: str, levels: int, *, parts: bool
) -> tuple[str, list[Person]]:
    """One page's part of the tree, and the managers below its last level (who get pages)."""
    out: list[str] = [f'<div class="commons-orgchart" data-reports="{root}org-chart/reports/"><ul>']
    work: list[tuple[Person, int] | str] = [(p, 0) for p in reversed(top)]
    deeper: list[Person] = []
    while work:
        item = work.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        person, depth = item
        reports = views.reports.get(person.handle, [])
        out.append(f"<li>{_chart_row(person, reports, sizes, depth, root, levels, parts)}")
        if reports and depth + 1 < levels:
            out.append(f'<ul id="{_chart_id(person)}">')
            work.append("</ul></li>")
            work.extend((r, depth + 1) for r in reversed(reports))
        else:
            out.append("</li>")
            if reports:
                deeper.append(person)
    out.append("</ul></div>")
    return "".join(out), deeper


def _crumbs(views: Views, person: Person) -> str:
    root = "../../"
    chain = [person_link(boss, root) for boss in reversed(manager_chain(views.org, person))]
    return f'<p class="commons-crumbs"><a href="{root}org-chart/">Whole org chart</a> › {" › ".join(chain)}</p>'


def _chart_id(person: Person) -> str:
    return "oc-" + person.handle


def _chart_row(
    person: Person, reports: list[Person], sizes: dict[str, int], depth: int, root: str, levels: int, parts: bool
) -> str:
    """A person's line: the disclosure button (hidden until commons.js runs), then the link."""
    line = ['<div class="commons-orgchart__row">']
    if reports:
        shown = depth + 1 < levels
        expanded = "true" if shown and depth < CHART_OPEN else "false"
        target = f' aria-controls="{_chart_id(person)}"' if shown else ""
        fetch = "" if shown else f' data-handle="{escape(person.handle)}"'
        line.append(
            f'<button type="button" class="commons-orgchart__toggle" aria-expanded="{expanded}"{target}{fetch}'
            f' aria-label="Reports of {escape(person.name)}" data-depth="{depth}" hidden></button>'
        )
    line.append(person_link(person, root) + (f" <span>· {escape(person.title)}</span>" if person.title else ""))
    if reports:
        line.append(f" <small>({len(reports)} direct, {sizes[person.handle] - 1} in all)</small>")
        if depth + 1 >= levels and parts:
            href = f"{root}org-chart/{escape(person.handle)}/"
            line.append(f' <a class="commons-orgchart__more" href="{href}">their part of the chart</a>')
        elif depth + 1 >= levels:
            href = f"{root}people/{escape(person.handle)}/#reports"
            line.append(f' <a class="commons-orgchart__more" href="{href}">their reports</a>')
    line.append("</div>")
    return "".join(line)
