"""Deploy figures: the Lambda zip's size, and how many hub files one person's edit re-uploads.

- `lambda_zip_mb`: `make package` of the sample organisation (deployment.zip, in MB).
- `deploy_sync_one_person_files`: the sample hub is published to moto's S3, one person's title is
  changed in their YAML, the hub is built again and published again; the figure is the files
  that second publish uploads or deletes (the directory snapshot, which changes too, is never
  published: `deploy.publish.UNPUBLISHED`). The files are listed on stderr.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import report

REPO = Path(__file__).resolve().parents[2]


def _build(content: Path, out: Path) -> None:
    env = {**os.environ, "COMMONS_CONTENT": str(content), "COMMONS_OUT": str(out), "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"], cwd=REPO, env=env, check=True)


def zip_size(work: Path, hub: Path) -> None:
    from deploy.package import package

    packaged = package(work / "deploy", hub)
    report("lambda_zip_mb", round(packaged.code.stat().st_size / 1e6, 1), "MB")


def one_person_sync(work: Path, hub: Path) -> None:
    import boto3

    from deploy import publish
    from devstack import local_aws

    content = work / "site"
    shutil.copytree(REPO / "site", content)
    person = sorted((content / "people").glob("*.yml"))[0]
    text = person.read_text(encoding="utf-8")
    changed = re.sub(r"(?m)^title: .*$", "title: Principal Engineer (changed)", text, count=1)
    assert changed != text, f"{person} has no title to change"
    person.write_text(changed, encoding="utf-8")
    edited = work / "hub-edited"
    _build(content, edited)

    log = (work / "moto.log").open("wb")
    aws = local_aws.start(output=log)
    try:
        kw = {"endpoint_url": aws.endpoint, "region_name": "us-east-1"}
        kw |= {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}
        s3, cloudfront = boto3.client("s3", **kw), boto3.client("cloudfront", **kw)
        s3.create_bucket(Bucket="hub")
        distribution = cloudfront.create_distribution(
            DistributionConfig={
                "CallerReference": "bench",
                "Comment": "",
                "Enabled": True,
                "Origins": {"Quantity": 1, "Items": [{"Id": "hub", "DomainName": "hub.s3.amazonaws.com"}]},
                "DefaultCacheBehavior": {"TargetOriginId": "hub", "ViewerProtocolPolicy": "redirect-to-https"},
            }
        )["Distribution"]["Id"]
        publish.publish(s3, cloudfront, "hub", distribution, hub)
        second = publish.publish(s3, cloudfront, "hub", distribution, edited)
    finally:
        aws.stop()
        log.close()
    keys = second.plan.changed_keys
    print(f"  {person.name}: {', '.join(keys)}", file=sys.stderr, flush=True)
    report("deploy_sync_one_person_files", len(keys), "files")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="commons-bench-deploy-") as folder:
        work = Path(folder)
        hub = work / "hub"
        _build(REPO / "site", hub)
        failed = []
        for figure in (zip_size, one_person_sync):
            try:
                figure(work, hub)
            except Exception as exc:  # one failing figure never stops the others
                failed.append(figure.__name__)
                print(f"bench: {figure.__name__} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
    if failed:
        raise SystemExit(f"bench deploy: {', '.join(failed)} failed")
