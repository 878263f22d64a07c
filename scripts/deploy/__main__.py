"""The deploy commands. Each refusal or failure is one line, `deploy: …`, and exit status 1."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from deploy.errors import DeployError
from deploy.template import REPO


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy", description="Deploy Commons to AWS.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("package", help="write build/deploy/template.json and deployment.zip")
    to_aws = commands.add_parser("deploy", help="build, package, update the stack, publish the hub")
    to_aws.add_argument("--stage", default="")
    to_aws.add_argument("--dry-run", action="store_true", help="show the change set and the hub sync; change nothing")
    to_aws.add_argument("--content", type=Path, default=REPO / "site")
    to_aws.add_argument("--build", type=Path, default=REPO / "build", help="where the hub and artefacts are built")
    to_aws.add_argument("--stages", type=Path, default=REPO / "infra" / "stages", help="folder of stage files")
    keys = commands.add_parser("secrets", help="create or rotate the stage's secret")
    keys.add_argument("--stage", default="")
    keys.add_argument("--client-secret-file", type=Path, default=None)
    keys.add_argument("--stages", type=Path, default=REPO / "infra" / "stages", help="folder of stage files")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except DeployError as exc:
        print(f"deploy: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("deploy: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        print(f"deploy: {_describe(exc)}", file=sys.stderr)
        if os.environ.get("COMMONS_DEBUG"):
            raise
    return 1


def _run(args: argparse.Namespace) -> int:
    from deploy.aws import Aws
    from deploy.stage import load_stage

    build = getattr(args, "build", REPO / "build")
    if args.command == "package":
        from deploy.package import main as package_main

        package_main(["--out", str(build / "deploy"), "--hub", str(build / "hub")])
        return 0
    if not args.stage:
        raise DeployError(f"STAGE is required: make {args.command} STAGE=<name> (a file in infra/stages/)")
    stage = load_stage(args.stages, args.stage)
    aws = Aws(stage.region)
    if args.command == "secrets":
        from deploy import secrets

        aws.account()
        secrets.main(aws, stage, args.client_secret_file)
        return 0
    from deploy.deploy import deploy

    deploy(
        stage,
        aws,
        dry_run=args.dry_run,
        content=args.content,
        hub=build / "hub",
        out=build / "deploy",
    )
    return 0


def _describe(exc: Exception) -> str:
    """One line for an AWS refusal or anything unforeseen, never a traceback."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        operation = getattr(exc, "operation_name", "a request")
        return f"AWS refused {operation}: {error.get('Code')}: {' '.join(str(error.get('Message', '')).split())}"
    if isinstance(exc, BotoCoreError):
        return f"AWS could not be reached: {' '.join(str(exc).split())}"
    text = " ".join(str(exc).split())[:300]
    return f"unexpected {type(exc).__name__}: {text} (set COMMONS_DEBUG=1 to see where)"


if __name__ == "__main__":
    sys.exit(main())
