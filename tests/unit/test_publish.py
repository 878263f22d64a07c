"""Publishing rules without AWS: content types, cache headers, what a sync uploads and deletes, and
which paths it invalidates."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy import publish
from deploy.errors import DeployError
from deploy.publish import IMMUTABLE, REVALIDATE, SyncPlan, local_files, plan_sync


@pytest.mark.parametrize(
    ("key", "kind", "cache"),
    [
        ("index.html", "text/html; charset=utf-8", REVALIDATE),
        ("people/zoë/index.html", "text/html; charset=utf-8", REVALIDATE),
        ("directory.json", "application/json", REVALIDATE),
        ("search/search_index.json", "application/json", REVALIDATE),
        ("search/people.json", "application/json", REVALIDATE),
        ("assets/javascripts/bundle.f55a23d4.min.js", "text/javascript; charset=utf-8", IMMUTABLE),
        ("assets/javascripts/bundle.f55a23d4.min.js.map", "application/json", IMMUTABLE),
        ("assets/stylesheets/main.8608ea7d.min.css", "text/css; charset=utf-8", IMMUTABLE),
        ("assets/javascripts/workers/search.a7633da7.min.js", "text/javascript; charset=utf-8", IMMUTABLE),
        ("assets/commons.js", "text/javascript; charset=utf-8", REVALIDATE),
        ("assets/commons.css", "text/css; charset=utf-8", REVALIDATE),
        ("assets/javascripts/lunr/min/lunr.de.min.js", "text/javascript; charset=utf-8", REVALIDATE),
        ("assets/images/favicon.png", "image/png", REVALIDATE),
        ("sitemap.xml.gz", "application/gzip", REVALIDATE),
        ("schema/person.schema.json", "application/json", REVALIDATE),
        ("odd.unknownext", "application/octet-stream", REVALIDATE),
    ],
)
def test_each_file_gets_its_type_and_cache_rule(key: str, kind: str, cache: str) -> None:
    assert publish.content_type(key) == kind
    assert publish.cache_control(key) == cache


def hub(root: Path, files: dict[str, str]) -> Path:
    for key, text in files.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_sync_uploads_what_changed_deletes_what_went_and_keeps_the_rest(tmp_path: Path) -> None:
    before = local_files(hub(tmp_path / "a", {"index.html": "home", "a/index.html": "a", "gone.html": "x"}))
    manifest = {key: f.entry() for key, f in before.items()}
    after = local_files(hub(tmp_path / "b", {"index.html": "home", "a/index.html": "A!", "new.css": "c"}))
    plan = plan_sync(after, set(before), manifest)
    assert sorted(f.key for f in plan.uploads) == ["a/index.html", "new.css"]
    assert plan.deletes == ["gone.html"] and plan.unchanged == 1
    assert plan.summary() == "2 to upload, 1 to delete, 1 unchanged"


def test_a_file_missing_from_the_bucket_or_with_other_headers_is_uploaded_again(tmp_path: Path) -> None:
    files = local_files(hub(tmp_path, {"index.html": "home", "b/index.html": "b"}))
    manifest = {key: f.entry() for key, f in files.items()}
    manifest["b/index.html"] = {**manifest["b/index.html"], "cache_control": "max-age=60"}
    plan = plan_sync(files, {"b/index.html"}, manifest)
    assert sorted(f.key for f in plan.uploads) == ["b/index.html", "index.html"]


def test_the_manifest_is_never_deleted_or_published_as_a_page(tmp_path: Path) -> None:
    files = local_files(hub(tmp_path, {"index.html": "home", publish.MANIFEST: "{}"}))
    assert publish.MANIFEST not in files
    assert plan_sync(files, {publish.MANIFEST, "index.html"}, {}).deletes == []


def test_a_folder_that_is_not_a_built_hub_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DeployError, match="build the hub first"):
        local_files(tmp_path)


def test_a_build_that_stopped_part_way_is_never_published(tmp_path: Path) -> None:
    from hub.build import PREVIOUS

    root = hub(tmp_path, {"index.html": "home", f"{PREVIOUS}/people/ann/index.html": "old"})
    assert publish.UNFINISHED == PREVIOUS
    with pytest.raises(DeployError, match=r"stopped part way .*build the hub again"):
        local_files(root)


def test_invalidation_names_exactly_the_changed_paths_encoded(tmp_path: Path) -> None:
    files = local_files(hub(tmp_path, {"index.html": "h", "people/zoë/index.html": "z", "x y.css": "c"}))
    plan = SyncPlan(uploads=list(files.values()), deletes=["old/index.html"])
    assert publish.invalidation_paths(plan) == [
        "/index.html",
        "/old/index.html",
        "/people/zo%C3%AB/index.html",
        "/x%20y.css",
        "/",
    ]


def test_many_changes_are_invalidated_as_one_wildcard(tmp_path: Path) -> None:
    names = {f"p{n}/index.html": str(n) for n in range(publish.MAX_INVALIDATION_PATHS + 1)}
    plan = SyncPlan(uploads=list(local_files(hub(tmp_path, {"index.html": "h", **names})).values()))
    assert publish.invalidation_paths(plan) == ["/*"]
    assert publish.invalidation_paths(SyncPlan()) == []


def test_pages_are_uploaded_after_the_assets_they_use(tmp_path: Path) -> None:
    files = local_files(hub(tmp_path, {"index.html": "h", "a.css": "c", "z.js": "j", "b/index.html": "b"}))
    order = [f.key for f in publish._upload_order(files.values())]
    assert order == ["a.css", "z.js", "b/index.html", "index.html"]
