"""HTML for the pages the build generates from the directory.

These are written as HTML rather than Markdown: at 10,000 people, Markdown rendering of a table or
a tree is where the time would go. Every value is escaped; links are relative, so the hub works
under any path. `root` is the relative path from a page to the hub's root, such as "../../".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from urllib.parse import quote

from hub import drafts, impact
from hub.content import HomePurpose, Org, Person, Space, read_home_purpose

LINK_LABELS = {"chat": "Chat", "mailing_list": "Mailing list", "repository": "Repository"}


def person_link(person: Person, root: str) -> str:
    return f'<a href="{root}people/{escape(person.handle)}/">{escape(person.name)}</a>'


def person_with_title(person: Person, root: str) -> str:
    """The person's name and, when their file has one, their title after a middle dot."""
    title = f" · {escape(person.title)}" if person.title else ""
    return person_link(person, root) + title


def picture(person: Person, size: int, css: str) -> str:
    """The person's photo, or nothing. It loads from the picture's own host (the CSP allows https
    images) without a referrer, and only once it is on screen."""
    if not person.picture:
        return ""
    return (
        f'<img class="{css}" src="{escape(person.picture)}" alt="" width="{size}" height="{size}"'
        ' loading="lazy" decoding="async" referrerpolicy="no-referrer">'
    )


def space_link(space: Space, root: str) -> str:
    return f'<a href="{root}teams/{escape(space.slug)}/">{escape(space.name)}</a>'


def _handle_link(org: Org, handle: str, root: str) -> str:
    person = org.people.get(handle)
    if person is None:
        return f'<span class="commons-missing" title="not in the directory">{escape(handle)}</span>'
    return person_link(person, root)


def parent_chain(org: Org, space: Space) -> list[Space]:
    """The space's parent, its parent, and so on (a loop, which the validator refuses, ends it)."""
    chain: list[Space] = []
    seen = {space.slug}
    parent = org.spaces.get(space.parent or "")
    while parent is not None and parent.slug not in seen:
        seen.add(parent.slug)
        chain.append(parent)
        parent = org.spaces.get(parent.parent or "")
    return chain


def manager_chain(org: Org, person: Person) -> list[Person]:
    """The person's manager, their manager, and so on up to the top."""
    chain: list[Person] = []
    seen = {person.handle}
    boss = org.people.get(person.manager or "")
    while boss is not None and boss.handle not in seen:
        seen.add(boss.handle)
        chain.append(boss)
        boss = org.people.get(boss.manager or "")
    return chain


@dataclass
class Views:
    """Relations derived once from the org, shared by every page."""

    org: Org
    members: dict[str, list[Person]]
    reports: dict[str, list[Person]]
    children: dict[str, list[Space]]
    stewarding: dict[str, list[Space]]
    communities: dict[str, list[Space]]
    #: The organisation's purpose and outcome, from its home page (the impact page shows them).
    home: HomePurpose | None = None
    #: Where "Edit this page" links start (repo_url + edit_uri), or None when the hub has none.
    edit_base: str | None = None
    #: Each skill's page under skills/ (see listings.skill_slugs).
    skill_slugs: dict[str, str] = field(default_factory=dict)
    #: Links made already, by root and handle or slug: at 100,000 people a manager's link is on
    #: the page of everyone below them, and the space's on each member's.
    _links: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def link(self, person: Person, root: str) -> str:
        """`person_link(person, root)`, made once."""
        made = self._links.setdefault(root, {})
        html = made.get(person.handle)
        if html is None:
            html = made[person.handle] = person_link(person, root)
        return html

    def space(self, space: Space, root: str) -> str:
        """`space_link(space, root)`, made once."""
        made = self._links.setdefault("space:" + root, {})
        html = made.get(space.slug)
        if html is None:
            html = made[space.slug] = space_link(space, root)
        return html

    @classmethod
    def of(cls, org: Org, edit_base: str | None = None) -> Views:
        children: dict[str, list[Space]] = defaultdict(list)
        stewarding: dict[str, list[Space]] = defaultdict(list)
        communities: dict[str, list[Space]] = defaultdict(list)
        for space in sorted(org.spaces.values(), key=lambda s: s.name.casefold()):
            if space.parent:
                children[space.parent].append(space)
            for handle in space.stewards:
                stewarding[handle].append(space)
            if not space.is_team:
                for handle in space.members:
                    communities[handle].append(space)
        home = read_home_purpose(org.root)
        views = cls(org, org.team_members(), org.reports(), children, stewarding, communities, home, edit_base)
        views.skill_slugs = skill_slugs(org)
        return views


def skill_slugs(org: Org) -> dict[str, str]:
    """A URL slug for each skill, unique even where two skills' letters agree ("C" and "C++")."""
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for skill in sorted({s for p in org.people.values() for s in p.skills}):
        base = re.sub(r"[^a-z0-9]+", "-", skill.lower()).strip("-") or "skill"
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        slugs[skill] = slug
    return slugs


# -- space pages ---------------------------------------------------------------------------------


def space_header(views: Views, space: Space) -> str:
    """Purpose, outcome, people and links above the space's own Markdown."""
    org, root = views.org, "../../"
    kind = "Team" if space.is_team else "Community"
    parts = ['<div class="commons-space">']
    crumbs = [space_link(parent, root) for parent in parent_chain(org, space)]
    if crumbs:
        parts.append(f'<p class="commons-crumbs" data-search-exclude>{kind} in {" › ".join(reversed(crumbs))}</p>')
    else:
        parts.append(f'<p class="commons-crumbs" data-search-exclude>{kind}</p>')
    if space.draft:
        parts.append(drafts.notice(org, space, drafts.edit_url(views.edit_base, space)))
    # How often a space achieved its outcome means something once it has one.
    achieved = (impact.space_achieved(space), impact.space_achieved_plain(space)) if space.outcome else ("", "")
    parts.append(
        '<dl class="commons-purpose">'
        f'<dt data-search-exclude>Purpose</dt><dd class="commons-purpose__purpose">{stated(space.purpose)}</dd>'
        "<dt data-search-exclude>Outcome that counts</dt>"
        f'<dd class="commons-purpose__outcome">{stated(space.outcome)}</dd>'
        f"{achieved[0]}"
        "</dl>"
        f"{achieved[1]}"
    )
    stewards = ", ".join(_handle_link(org, h, root) for h in space.stewards) or "none"
    members = views.members.get(space.slug, [])
    rows = [f"<tr><th>Stewards</th><td>{stewards}</td></tr>"]
    member_list = ", ".join(views.link(p, root) for p in members) or "<em>no members yet</em>"
    rows.append(f"<tr><th>Members ({len(members)})</th><td>{member_list}</td></tr>")
    subteams = views.children.get(space.slug, [])
    if subteams:
        rows.append(f"<tr><th>Sub-teams</th><td>{', '.join(space_link(s, root) for s in subteams)}</td></tr>")
    for key, label in LINK_LABELS.items():
        value = space.links.get(key)
        if value:
            href = f"mailto:{value}" if key == "mailing_list" else value
            rows.append(f'<tr><th>{label}</th><td><a href="{escape(href)}">{escape(value)}</a></td></tr>')
    parts.append(f'<table class="commons-facts" data-search-exclude><tbody>{"".join(rows)}</tbody></table>')
    parts.append("</div>")
    return "".join(parts)


def stated(text: str | None) -> str:
    """A purpose or outcome, or a plain "not written yet" in a draft that has none."""
    return escape(text) if text else '<em class="commons-unwritten">Not written yet</em>'


def space_posts(space: Space) -> str:
    """The space's feed and post form, filled in by commons-posts.js from `/api`."""
    slug = escape(space.slug)
    return posts_container(
        f'data-space="{slug}"',
        "Posts",
        f"/api/html/spaces/{slug}",
        "Read and write this space's posts on a plain page",
        "../../",
    )


#: Posts on a space page's first screen; commons-posts.js asks for the same.
SPACE_PAGE_SIZE = 20


def space_feed_url(space: Space) -> str:
    """The space's first feed page, as commons-posts.js fetches it (the page preloads it)."""
    return f"/api/spaces/{quote(space.slug, safe='')}/posts?limit={SPACE_PAGE_SIZE}"


def posts_container(attributes: str, heading: str, plain_page: str, plain_label: str, root: str) -> str:
    """A place for posts: filled in by commons-posts.js, with a link to the function-rendered page
    for browsers without JavaScript. The script comes right after it, so the feed is fetched as
    soon as the container exists, not after the rest of the page and Material's bundle."""
    return (
        f'<section class="commons-posts" id="posts" {attributes} aria-labelledby="posts-heading"'
        " data-search-exclude>"
        f'<h2 id="posts-heading">{escape(heading)}</h2>'
        f'<noscript><p class="commons-posts__plain"><a href="{escape(plain_page)}">{escape(plain_label)}</a>'
        " (works without JavaScript).</p></noscript>"
        '<p class="commons-posts__status" role="status" hidden>Loading posts…</p>'
        "</section>"
        # The API helper first: commons-posts.js starts as soon as it runs.
        f'<script src="{root}assets/commons-api.js"></script>'
        f'<script src="{root}assets/commons-posts.js"></script>'
    )


def feed_block() -> str:
    """The home page's org-wide feed: the latest posts of every space."""
    plain_label = "Read the latest posts on a plain page"
    return posts_container('data-feed="org"', "Latest posts", "/api/html/feed", plain_label, "")


# -- person pages --------------------------------------------------------------------------------


def person_body(views: Views, person: Person, code_host: str) -> str:
    org, root = views.org, "../../"
    rows = [f"<tr><th>Title</th><td>{escape(person.title)}</td></tr>"] if person.title else []
    team = org.spaces.get(person.team or "")
    if team is not None:
        rows.append(f"<tr><th>Team</th><td>{views.space(team, root)}</td></tr>")
    rows.append(f'<tr><th>Email</th><td><a href="mailto:{escape(person.email)}">{escape(person.email)}</a></td></tr>')
    manager = org.people.get(person.manager or "")
    if manager is not None:
        rows.append(f"<tr><th>Manager</th><td>{views.link(manager, root)}</td></tr>")
    if person.location:
        rows.append(f"<tr><th>Location</th><td>{escape(person.location)}</td></tr>")
    if person.timezone:
        rows.append(f"<tr><th>Time zone</th><td>{escape(person.timezone)}</td></tr>")
    if person.github:
        href = escape(code_host + person.github)
        rows.append(f'<tr><th>Code host</th><td><a href="{href}">{escape(person.github)}</a></td></tr>')
    for link in person.links:
        rows.append(
            f'<tr><th>{escape(link.label)}</th><td><a href="{escape(link.url)}">{escape(link.url)}</a></td></tr>'
        )
    parts = [
        picture(person, 128, "commons-portrait"),
        f'<table class="commons-facts commons-profile"><tbody>{"".join(rows)}</tbody></table>',
    ]

    chain = [views.link(boss, root) for boss in manager_chain(org, person)]
    if chain:
        parts.append(f'<p class="commons-chain">Reports to {" › ".join(chain)}</p>')

    reports = views.reports.get(person.handle, [])
    parts.append(f'<h2 id="reports">Reports ({len(reports)})</h2>')
    if reports:
        items = "".join(f"<li>{views.link(p, root)}{f' · {escape(p.title)}' if p.title else ''}</li>" for p in reports)
        parts.append(f'<ul class="commons-reports">{items}</ul>')
    else:
        parts.append("<p>No direct reports.</p>")

    parts.append('<h2 id="skills">Skills</h2>')
    if person.skills:
        slugs = views.skill_slugs
        chips = "".join(
            f'<li><a href="{root}skills/{slugs.get(s, "skill")}/">{escape(s)}</a></li>' for s in person.skills
        )
        parts.append(f'<ul class="commons-chips">{chips}</ul>')
    else:
        parts.append("<p>No skills listed yet.</p>")

    spaces = {s.slug: s for s in views.stewarding.get(person.handle, []) + views.communities.get(person.handle, [])}
    if spaces:
        entries = []
        for space in spaces.values():
            role = "steward" if person.handle in space.stewards else "member"
            entries.append(f"<li>{views.space(space, root)} · {role}</li>")
        parts.append(f'<h2 id="spaces">Spaces</h2><ul>{"".join(entries)}</ul>')
    parts.append(mail_preferences(person))
    parts.append(feed_links(person))
    handle = escape(person.handle)
    parts.append(
        posts_container(
            f'data-person="{handle}"',
            "Recent posts",
            f"/api/html/people/{handle}",
            f"Read {person.name}'s posts on a plain page",
            root,
        )
    )
    return "".join(parts)


#: The page the functions render with the signed-in person's mail preferences, for no JavaScript.
MAIL_PREFERENCES_PAGE = "/api/html/mail/preferences"


def mail_preferences(person: Person) -> str:
    """A place for the signed-in person's mail preferences, on every person page.

    The page is the same for everyone, so it holds no one's preferences: commons-mail.js shows the
    form only when `/api/me` is the person the page is about (`data-mail-person`). Without
    JavaScript, a link to the page the functions render, which is always the visitor's own.
    """
    return (
        '<noscript><p class="commons-mail__plain">Is this you? Choose what Commons mails you on the '
        f'<a href="{MAIL_PREFERENCES_PAGE}">Mail preferences</a> page (works without JavaScript).</p></noscript>'
        f'<section class="commons-mail" id="mail" data-mail-person="{escape(person.handle)}"'
        ' aria-labelledby="mail-heading" data-search-exclude hidden>'
        '<h2 id="mail-heading">Mail preferences</h2>'
        "</section>"
    )


#: The page the functions render with the signed-in person's feed links, for no JavaScript.
FEEDS_PAGE = "/api/html/feeds"


def feed_links(person: Person) -> str:
    """A place for the signed-in person's private Atom feed links, on every person page.

    As for mail preferences, the page holds no one's links: commons-feeds.js fills the section from
    `/api/me` only when it is the person the page is about (`data-feeds-person`). Without
    JavaScript, a link to the page the functions render, which is always the visitor's own.
    """
    return (
        '<noscript><p class="commons-feeds__plain">Is this you? Your private feed links for a feed reader are on '
        f'the <a href="{FEEDS_PAGE}">Your feeds</a> page (works without JavaScript).</p></noscript>'
        f'<section class="commons-feeds" id="feeds" data-feeds-person="{escape(person.handle)}"'
        ' aria-labelledby="feeds-heading" data-search-exclude hidden>'
        '<h2 id="feeds-heading">Your feeds</h2>'
        "</section>"
    )


# -- hub pages -----------------------------------------------------------------------------------


def counts_block(views: Views, communities_url: str = "teams/#communities") -> str:
    """The home page's counts, each a link; `communities_url` is the teams index page they start on."""
    org = views.org
    teams = sum(1 for s in org.spaces.values() if s.is_team)
    communities = len(org.spaces) - teams
    skills = len({s for p in org.people.values() for s in p.skills})
    places = len({p.location for p in org.people.values() if p.location})
    cells = [
        (len(org.people), "people", "people/"),
        (teams, "teams", "teams/"),
        (communities, "communities", communities_url),
        (skills, "skills", "skills/"),
        (places, "locations", "people/"),
    ]
    items = "".join(f'<li><a href="{href}"><strong>{count:,}</strong> {label}</a></li>' for count, label, href in cells)
    return f'<ul class="commons-counts">{items}</ul>'


def health(views: Views) -> str:
    org, root = views.org, "../"
    # A draft's missing stewards are in its own checklist, below.
    few = [s for s in org.spaces.values() if not s.draft and sum(1 for h in s.stewards if h in org.people) < 2]
    gone = [(s, h) for s in org.spaces.values() for h in s.stewards if h not in org.people]
    teamless = sorted((p for p in org.people.values() if p.team not in org.spaces), key=lambda p: p.name.casefold())
    empty = [s for s in org.spaces.values() if not views.members.get(s.slug)]
    checklist = drafts.health_items(org, views.edit_base, root)
    sections: list[tuple[str, str, str, Iterable[str]]] = [
        (
            "drafts",
            "Draft spaces",
            "Spaces whose team has not yet written what they are for: each says what it still needs.",
            checklist,
        ),
        (
            "stewards",
            "Spaces with fewer than two stewards",
            "Each space needs two current stewards, so it survives one of them moving on.",
            (f"<li>{space_link(s, root)}: {sum(1 for h in s.stewards if h in org.people)} current</li>" for s in few),
        ),
        (
            "departed",
            "Stewards who are no longer in the directory",
            "Replace them in the space's front matter.",
            (f"<li>{space_link(s, root)}: <code>{escape(h)}</code></li>" for s, h in gone),
        ),
        (
            "teamless",
            "People with no team",
            "Add a <code>team</code> to their file.",
            (f"<li>{person_with_title(p, root)}</li>" for p in teamless),
        ),
        (
            "empty",
            "Spaces with no members",
            "A team gets members from people files; a community lists them.",
            (f"<li>{space_link(s, root)}</li>" for s in empty),
        ),
    ]
    total = len(checklist) + len(few) + len(gone) + len(teamless) + len(empty)
    summary = "Everything looks healthy." if total == 0 else f"{total} thing(s) need a look."
    parts = [f'<p class="commons-health__summary">{summary}</p>']
    for anchor, title, advice, items in sections:
        listed = list(items)
        parts.append(f'<h2 id="{anchor}">{title} ({len(listed)})</h2>')
        parts.append(f"<p>{advice}</p><ul>{''.join(listed)}</ul>" if listed else "<p>None.</p>")
    parts.append(impact.health_activity())
    return "".join(parts)
