"""A synthetic organisation of any size, for benchmarks and scale tests.

    python -m hub.synthetic OUT --people 10000 --spaces 1000

Writes OUT/site (laid out like site/) and OUT/.github/CODEOWNERS, so that the result validates.
The same arguments always give the same organisation.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

import yaml

from hub.codeowners import codeowners_path, render_codeowners
from hub.content import load_org

FIRST = [
    "Ada",
    "Amir",
    "Ana",
    "Arjun",
    "Aisha",
    "Ben",
    "Bruno",
    "Chen",
    "Chiara",
    "Dara",
    "Diego",
    "Elif",
    "Emma",
    "Farah",
    "Femi",
    "Grace",
    "Hana",
    "Ines",
    "Ivan",
    "Jun",
]
FIRST += [
    "Kai",
    "Kemal",
    "Lara",
    "Leo",
    "Lina",
    "Maya",
    "Mei",
    "Nia",
    "Noor",
    "Omar",
    "Pablo",
    "Priya",
    "Quinn",
    "Rafa",
    "Rosa",
    "Sami",
    "Sara",
    "Tomas",
    "Uma",
    "Wei",
    "Yara",
    "Zoe",
]
LAST = [
    "Abe",
    "Bauer",
    "Costa",
    "Diaz",
    "Eze",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Nair",
    "Okafor",
    "Park",
]
LAST += [
    "Quist",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Berg",
    "Cruz",
    "Dubois",
    "Hansen",
    "Kim",
    "Mendes",
]
TITLES = [
    "Engineer",
    "Senior Engineer",
    "Designer",
    "Product Manager",
    "Analyst",
    "Support Specialist",
    "Account Executive",
]
SKILLS = [f"skill-{n:03d}" for n in range(400)]
PLACES = [
    ("Lisbon, Portugal", "Europe/Lisbon"),
    ("London, United Kingdom", "Europe/London"),
    ("Berlin, Germany", "Europe/Berlin"),
    ("Lagos, Nigeria", "Africa/Lagos"),
    ("Bangalore, India", "Asia/Kolkata"),
    ("Tokyo, Japan", "Asia/Tokyo"),
    ("Toronto, Canada", "America/Toronto"),
    ("São Paulo, Brazil", "America/Sao_Paulo"),
]
SPAN = 8  # direct reports per manager


def generate(out: Path, people: int, spaces: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    site = out / "site"
    if site.exists():
        shutil.rmtree(site)
    (site / "people").mkdir(parents=True)
    (site / "teams").mkdir()
    communities = max(1, spaces // 10)
    teams = spaces - communities
    handles = [f"p{i:05d}" for i in range(people)]
    team_of = [f"team-{(i * teams) // people:04d}" for i in range(people)]
    team_people: dict[str, list[str]] = {}
    for handle, team in zip(handles, team_of, strict=True):
        team_people.setdefault(team, []).append(handle)

    for i, handle in enumerate(handles):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        place, zone = rng.choice(PLACES)
        record: dict[str, object] = {
            "handle": handle,
            "name": f"{first} {last} {i}",
            "email": f"{handle}@example.com",
            "title": rng.choice(TITLES),
            "team": team_of[i],
        }
        if i:
            record["manager"] = handles[(i - 1) // SPAN]
        record.update(
            location=place,
            timezone=zone,
            skills=rng.sample(SKILLS, 3),
            github=f"gh-{handle}",
        )
        text = yaml.safe_dump(record, sort_keys=False, allow_unicode=True)
        (site / "people" / f"{handle}.yml").write_text(text, encoding="utf-8")

    for t in range(teams):
        slug = f"team-{t:04d}"
        members = team_people.get(slug) or handles[:2]
        front: dict[str, object] = {
            "name": f"Team {t}",
            "kind": "team",
            "purpose": f"Team {t} keeps part {t} of the product working for its customers.",
            "outcome": f"A request to team {t} answered within one working day.",
            "stewards": (members + handles)[:2] if len(members) < 2 else members[:2],
        }
        if t >= 10:
            front["parent"] = f"team-{(t - 10) // 10:04d}"
        _write_space(site, slug, front)
    for c in range(communities):
        members = rng.sample(handles, min(12, people))
        front = {
            "name": f"Community {c}",
            "kind": "community",
            "purpose": f"Community {c} shares what its members learn about topic {c}.",
            "outcome": f"A question about topic {c} gets a useful answer.",
            "stewards": members[:2],
            "members": members,
        }
        _write_space(site, f"community-{c:03d}", front)

    (site / "index.md").write_text(
        "# Synthetic Co. Commons\n\nA generated organisation for benchmarks.\n\n<!-- commons:counts -->\n",
        encoding="utf-8",
    )
    owners = codeowners_path(site)
    owners.parent.mkdir(parents=True, exist_ok=True)
    owners.write_text(render_codeowners(load_org(site)), encoding="utf-8")
    return site


def _write_space(site: Path, slug: str, front: dict[str, object]) -> None:
    body = "## How we work\n\nWe plan on Mondays and demo on Fridays. Ask us anything in our channel.\n"
    text = "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n\n" + body
    (site / "teams" / f"{slug}.md").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--spaces", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    site = generate(args.out, args.people, args.spaces, args.seed)
    print(site)


if __name__ == "__main__":
    main()
