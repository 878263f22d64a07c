"""`make package`: the deployable artefacts in build/deploy/, made without AWS credentials.

- `template.json`: `chalice package` (SAM: the REST API and the functions, for arm64) with
  `infra/template.yaml` merged in and the CloudFront Function's code inlined. Every block of the
  template without a `Type` (those of the mail handlers' functions) must name a resource chalice
  made: a block naming nothing would be half a resource, and packaging refuses it.
- `deployment.zip`: the functions' code and its dependencies (Linux arm64 wheels, which chalice
  fetches from PyPI), with the built hub's `directory.json`. It is rebuilt byte for byte the same
  from the same inputs (sorted entries, fixed times), so an unchanged function is not redeployed,
  and botocore keeps only the service models the functions call.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.errors import DeployError
from deploy.template import REPO, inline_function_code, load_source

FUNCTIONS = REPO / "functions"
# chalice's cache of downloaded wheels, shared by every packaging on this machine.
WHEEL_CACHE = REPO / "build" / "cache" / "chalice-deployments"
CHALICE_STAGE = "aws"  # the stage in functions/.chalice/config.json that packaging uses
# Every AWS service the functions call: PynamoDB's DynamoDB, the stage's secret, and for mail SES
# (v2) to send, S3 to read what SES stored and SQS to queue sending. botocore's other models (most
# of the zip) are left out; add a service here before calling it.
BOTOCORE_SERVICES = ("dynamodb", "s3", "secretsmanager", "sesv2", "sqs")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Packaged:
    template: Path
    code: Path

    @property
    def code_sha256(self) -> str:
        return hashlib.sha256(self.code.read_bytes()).hexdigest()


def package(out: Path, hub: Path, functions: Path = FUNCTIONS) -> Packaged:
    """Write `out/template.json` and `out/deployment.zip` from `functions` (the Chalice project) and
    the built `hub`."""
    directory = hub / "directory.json"
    if not directory.is_file():
        raise DeployError(f"{directory} is missing: build the hub first (make build)")
    out.mkdir(parents=True, exist_ok=True)
    app = _stage_app(out / "app", directory, functions)
    merge = out / "infra.json"
    source = inline_function_code(load_source())
    merge.write_text(json.dumps(source, indent=1), encoding="utf-8")
    chalice_out = out / "chalice"
    shutil.rmtree(chalice_out, ignore_errors=True)
    _chalice_package(app, merge, chalice_out)
    template = restore_intrinsics(source, json.loads((chalice_out / "sam.json").read_text(encoding="utf-8")))
    refuse_unmade_blocks(template)
    code = out / "deployment.zip"
    normalise_zip(chalice_out / "deployment.zip", code)
    for function in functions_of(template).values():
        function["Properties"]["CodeUri"] = f"./{code.name}"
    template_path = out / "template.json"
    template_path.write_text(json.dumps(template, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    shutil.rmtree(chalice_out, ignore_errors=True)
    merge.unlink()
    return Packaged(template_path, code)


def restore_intrinsics(source: Any, merged: Any) -> Any:
    """chalice merges the file into its template dict by dict, so a `!Ref` over chalice's
    `{"Fn::Sub": …}` (an event's topic, say) would come out with both keys: where the file has an
    intrinsic function, it replaces chalice's value whole."""
    if _intrinsic(source):
        return source
    if isinstance(source, dict) and isinstance(merged, dict):
        for key, value in source.items():
            merged[key] = restore_intrinsics(value, merged.get(key))
    return merged


def _intrinsic(value: Any) -> bool:
    if not (isinstance(value, dict) and len(value) == 1):
        return False
    key = str(next(iter(value)))
    return key == "Ref" or key.startswith("Fn::")


def functions_of(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The template's Lambda functions (SAM), by logical id."""
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource.get("Type") == "AWS::Serverless::Function"
    }


def refuse_unmade_blocks(template: dict[str, Any]) -> None:
    """A merged resource without a Type is a block of infra/template.yaml that names nothing chalice
    made: a renamed handler in functions/app.py, or a typo in the block's logical id."""
    stray = sorted(name for name, resource in template["Resources"].items() if "Type" not in resource)
    if stray:
        raise DeployError(
            f"infra/template.yaml merges {', '.join(stray)} into resources chalice did not make: "
            "check the logical ids against the handlers of functions/app.py and `chalice package`"
        )


def _stage_app(app: Path, directory: Path, functions: Path = FUNCTIONS) -> Path:
    """A clean copy of the Chalice project with the hub's directory snapshot in it. chalice keeps its
    dependency cache in `.chalice/deployments`, which survives here between runs."""
    if app.exists():
        for child in app.iterdir():
            if child.name != ".chalice":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    (app / ".chalice").mkdir(parents=True, exist_ok=True)
    deployments = app / ".chalice" / "deployments"
    if not deployments.exists():
        WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
        deployments.symlink_to(WHEEL_CACHE, target_is_directory=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "directory.json")
    shutil.copytree(functions / "chalicelib", app / "chalicelib", ignore=ignore)
    for name in ("app.py", "requirements.txt"):
        shutil.copy2(functions / name, app / name)
    shutil.copy2(functions / ".chalice" / "config.json", app / ".chalice" / "config.json")
    shutil.copy2(directory, app / "chalicelib" / "directory.json")
    return app


def _chalice_package(app: Path, merge: Path, out: Path) -> None:
    chalice = Path(sys.executable).parent / "chalice"
    command = [str(chalice), "package", "--stage", CHALICE_STAGE, "--merge-template", str(merge), str(out)]
    # chalice wants a region for ARNs it never fills in here; no credentials are read.
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"}
    result = subprocess.run(command, cwd=app, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise DeployError(f"chalice package failed: {last[0]}")


def _kept(name: str) -> bool:
    if "/__pycache__/" in f"/{name}" or name.endswith(".pyc"):
        return False
    if name.startswith("botocore/data/"):
        rest = name[len("botocore/data/") :]
        return "/" not in rest or rest.split("/", 1)[0] in BOTOCORE_SERVICES
    return True


def normalise_zip(source: Path, target: Path) -> None:
    """Copy the zip with only the files Lambda needs, in name order, with fixed times and modes."""
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out,
    ):
        for name in sorted(info.filename for info in original.infolist() if not info.is_dir()):
            if not _kept(name):
                continue
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, original.read(name), compresslevel=9)


def main(argv: list[str] | None = None) -> Packaged:
    import argparse

    parser = argparse.ArgumentParser(prog="deploy package", description="Write the deployable artefacts.")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "deploy")
    parser.add_argument("--hub", type=Path, default=REPO / "build" / "hub")
    args = parser.parse_args(argv)
    packaged = package(args.out, args.hub)
    size = packaged.code.stat().st_size / 1e6
    print(f"wrote {_shown(packaged.template)} and {_shown(packaged.code)} ({size:.1f} MB)", flush=True)
    return packaged


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
