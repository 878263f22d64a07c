"""Publishing the built hub to its bucket: upload what changed, delete what is no longer built, and
invalidate exactly those paths at the edge.

Changes are found by content hash, never by time: the bucket keeps a manifest of what was last
published (`MANIFEST`), with each file's SHA-256 and headers, and the bucket's listing finds files
that went missing or were never ours. `cache_control` and `content_type` are also what the dev
server sends, so a page is cached the same way on the laptop as in production.

The build's files in `UNPUBLISHED` never reach the bucket, and a publish deletes them from it: every
signed-in visitor could read them there.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from deploy.errors import DeployError

MANIFEST = ".commons/published.json"
MANIFEST_FORMAT = 1
# The directory snapshot is packaged into the functions (deploy.package), which need it; in the
# bucket it would show every visitor the fields the hub keeps private, such as email aliases.
UNPUBLISHED = frozenset({"directory.json"})
#: Where a build sets the previous output aside while it writes (hub.build.PREVIOUS); it is gone
#: once the build has finished, so a folder that still holds it is half old and half new.
UNFINISHED = ".commons-previous"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Material names its bundles with a content hash (bundle.f55a23d4.min.js, main.8608ea7d.min.css),
# so a changed bundle is a new file and an old one can be cached for good.
_HASHED = re.compile(r"\.[0-9a-f]{8,}\.(?:min\.)?(?:js|css)(?:\.map)?$")
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".gz": "application/gzip",
}
# More than this many changed paths are invalidated as one `/*` (CloudFront bills per path, and a
# wildcard counts as one).
MAX_INVALIDATION_PATHS = 100
UPLOAD_THREADS = 16


def content_type(key: str) -> str:
    suffix = Path(key).suffix.lower()
    return _TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def cache_control(key: str) -> str:
    """Hashed assets forever; everything else (HTML, search indexes, our own unhashed assets)
    revalidated on every use, so a publish is seen at once."""
    return IMMUTABLE if _HASHED.search(key) else REVALIDATE


@dataclass(frozen=True)
class HubFile:
    key: str
    path: Path
    sha256: str
    content_type: str
    cache_control: str

    def entry(self) -> dict[str, str]:
        return {"sha256": self.sha256, "content_type": self.content_type, "cache_control": self.cache_control}


def local_files(root: Path) -> dict[str, HubFile]:
    """Every file of the built hub to publish, keyed as it is stored (the path below the root, with
    /): all but `UNPUBLISHED`."""
    if not (root / "index.html").is_file():
        raise DeployError(f"{root} has no index.html: build the hub first (make build)")
    if (root / UNFINISHED).exists():
        raise DeployError(f"{root} holds a build that stopped part way ({UNFINISHED} is there): build the hub again")
    files: dict[str, HubFile] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        key = path.relative_to(root).as_posix()
        if key == MANIFEST or key in UNPUBLISHED:
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        files[key] = HubFile(key, path, digest, content_type(key), cache_control(key))
    return files


@dataclass
class SyncPlan:
    uploads: list[HubFile] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed_keys(self) -> list[str]:
        return sorted({f.key for f in self.uploads} | set(self.deletes))

    def summary(self) -> str:
        return f"{len(self.uploads)} to upload, {len(self.deletes)} to delete, {self.unchanged} unchanged"


def remote_keys(s3: Any, bucket: str) -> set[str]:
    keys: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys.update(item["Key"] for item in page.get("Contents", []))
    return keys


def published_manifest(s3: Any, bucket: str) -> dict[str, dict[str, str]]:
    """What the last publish wrote; empty when there is none (the first publish) or it is unreadable."""
    from botocore.exceptions import ClientError

    try:
        body = s3.get_object(Bucket=bucket, Key=MANIFEST)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return {}
        raise
    try:
        document = json.loads(body)
    except ValueError:
        return {}
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        return {}
    files = document.get("files")
    return files if isinstance(files, dict) else {}


def plan_sync(local: Mapping[str, HubFile], remote: set[str], manifest: Mapping[str, Any]) -> SyncPlan:
    plan = SyncPlan()
    for key, hub_file in local.items():
        if key in remote and manifest.get(key) == hub_file.entry():
            plan.unchanged += 1
        else:
            plan.uploads.append(hub_file)
    plan.deletes = sorted(key for key in remote if key not in local and key != MANIFEST)
    return plan


def _upload_order(uploads: Iterable[HubFile]) -> list[HubFile]:
    # Assets before the pages that use them, so no page is ever live before its CSS and scripts.
    return sorted(uploads, key=lambda f: (f.key.endswith(".html"), f.key))


def apply_sync(s3: Any, bucket: str, local: Mapping[str, HubFile], plan: SyncPlan) -> None:
    def put(hub_file: HubFile) -> None:
        s3.put_object(
            Bucket=bucket,
            Key=hub_file.key,
            Body=hub_file.path.read_bytes(),
            ContentType=hub_file.content_type,
            CacheControl=hub_file.cache_control,
        )

    ordered = _upload_order(plan.uploads)
    assets = [f for f in ordered if not f.key.endswith(".html")]
    pages = [f for f in ordered if f.key.endswith(".html")]
    with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
        for batch in (assets, pages):
            list(pool.map(put, batch))  # list() re-raises the first failure
    manifest = {"format": MANIFEST_FORMAT, "files": {key: f.entry() for key, f in sorted(local.items())}}
    s3.put_object(
        Bucket=bucket,
        Key=MANIFEST,
        Body=json.dumps(manifest, indent=0).encode(),
        ContentType="application/json",
        CacheControl="no-store",
    )
    for start in range(0, len(plan.deletes), 1000):
        chunk = plan.deletes[start : start + 1000]
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True})
        if answer.get("Errors"):
            first = answer["Errors"][0]
            raise DeployError(f"S3 refused to delete {first.get('Key')}: {first.get('Code')} {first.get('Message')}")


def invalidation_paths(plan: SyncPlan) -> list[str]:
    """The edge caches paths as the viewer-request function leaves them (`/x/` is `/x/index.html`),
    so the object keys are exactly the paths to invalidate."""
    paths = [quote(f"/{key}", safe="/-_.~") for key in plan.changed_keys]
    if "index.html" in plan.changed_keys:
        paths.append("/")  # DefaultRootObject
    return ["/*"] if len(paths) > MAX_INVALIDATION_PATHS else paths


def invalidate(cloudfront: Any, distribution_id: str, paths: list[str]) -> str | None:
    if not paths:
        return None
    answer = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": f"commons-{time.time_ns()}",
        },
    )
    invalidation_id: str = answer["Invalidation"]["Id"]
    return invalidation_id


@dataclass(frozen=True)
class Published:
    plan: SyncPlan
    invalidation_id: str | None
    invalidated: list[str]


def publish(s3: Any, cloudfront: Any, bucket: str, distribution_id: str, root: Path) -> Published:
    local = local_files(root)
    plan = plan_sync(local, remote_keys(s3, bucket), published_manifest(s3, bucket))
    if not plan.uploads and not plan.deletes:
        return Published(plan, None, [])
    apply_sync(s3, bucket, local, plan)
    paths = invalidation_paths(plan)
    return Published(plan, invalidate(cloudfront, distribution_id, paths), paths)


def preview(s3: Any, bucket: str | None, root: Path) -> SyncPlan:
    """What `publish` would do, reading only; every file is an upload when there is no bucket yet."""
    local = local_files(root)
    if bucket is None:
        return plan_sync(local, set(), {})
    return plan_sync(local, remote_keys(s3, bucket), published_manifest(s3, bucket))
