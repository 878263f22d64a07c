"""The forked worker that writes person pages while mkdocs builds the rest (`hub.build.on_nav`):
it stops when the build fails, and the build stops when the theme it rendered from has changed.

Each build here runs mkdocs.yml with one more hook file, as a plugin of the company's would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.errors import DeployError
from deploy.publish import local_files
from hub.build import PARALLEL_PAGES_FROM
from hub.synthetic import generate
from tests.conftest import REPO
from tests.unit.test_build import mkdocs_build

#: Enough people for the worker (`PARALLEL_PAGES_FROM`), and many more than it writes in a chunk.
PEOPLE = 4 * PARALLEL_PAGES_FROM

#: Fails the build in `on_nav`, just after the Commons hooks have started the worker.
FAILS_AFTER_NAV = """
def on_nav(nav, config, files):
    raise RuntimeError("a company plugin failed")
"""

#: Changes the theme in `on_env` before the Commons hooks see it, as a plugin overriding a
#: template would: the person page shell rendered in `on_nav` is no longer the theme's page.
CHANGES_THE_THEME = """
import jinja2

def on_env(env, config, files):
    changed = jinja2.DictLoader({"partials/copyright.html": "<p>changed by a plugin</p>"})
    env.loader = jinja2.ChoiceLoader([changed, env.loader])
    return env
"""


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("worker") / "org", people=PEOPLE, spaces=40)


def config_with(tmp_path: Path, hook: str, first: bool) -> Path:
    """mkdocs.yml with `hook` as one more hook file, before the Commons hooks or after them."""
    (tmp_path / "company_hook.py").write_text(hook, encoding="utf-8")
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    commons = f"  - {REPO / 'scripts/mkdocs_hooks.py'}"
    hooks = [commons, f"  - {tmp_path / 'company_hook.py'}"]
    text = text.replace("  - scripts/mkdocs_hooks.py", "\n".join(hooks[::-1] if first else hooks))
    text = text.replace("custom_dir: site/overrides", f"custom_dir: {REPO / 'site/overrides'}")
    config = tmp_path / "mkdocs.yml"
    config.write_text(text, encoding="utf-8")
    return config


def person_pages(out: Path) -> int:
    return sum(1 for _ in (out / "people").glob("p[0-9]*/index.html"))  # the synthetic handles


def test_a_build_that_fails_after_the_worker_started_stops_it(many: Path, tmp_path: Path) -> None:
    """Without `on_build_error` the failed build would wait for the worker to write every page."""
    out = tmp_path / "out"
    result = mkdocs_build(many, out, config_with(tmp_path, FAILS_AFTER_NAV, first=False))
    assert result.returncode != 0
    assert "a company plugin failed" in result.stderr
    assert person_pages(out) < PEOPLE


def test_a_plugin_that_changes_the_theme_stops_the_build(many: Path, tmp_path: Path) -> None:
    """The person pages are written from the shell rendered before mkdocs' own environment existed:
    a build that would publish them from another theme than its pages' stops, and says why."""
    out = tmp_path / "out"
    result = mkdocs_build(many, out, config_with(tmp_path, CHANGES_THE_THEME, first=True))
    assert result.returncode != 0
    assert "the person page shell differs from the theme's own page" in result.stderr
    # How many person pages the worker wrote by then is a race (on a quick machine, all of them, while
    # mkdocs converted the other pages), and that a failed build stops the worker is the test above.
    # What holds either way: the theme's pages were never written, so none of it can be published.
    with pytest.raises(DeployError, match="build the hub first"):
        local_files(out)


def test_the_same_hook_after_the_commons_hooks_builds(many: Path, tmp_path: Path) -> None:
    """The check above is not a build that always fails: a hook changing the environment after the
    Commons hooks have checked it builds (the changed footer is on pages mkdocs renders)."""
    out = tmp_path / "out"
    result = mkdocs_build(many, out, config_with(tmp_path, CHANGES_THE_THEME, first=False))
    assert result.returncode == 0, result.stderr
    assert person_pages(out) == PEOPLE
    assert "changed by a plugin" in (out / "health" / "index.html").read_text(encoding="utf-8")
