"""Start the development identity provider (`server.js`, on Node) and wait until it answers.

Used by the dev server (`make dev`) and by the integration and browser tests, which start it
once per session on a free port.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from devstack import processes

HERE = Path(__file__).resolve().parent
SERVER = HERE / "server.js"
CLIENT_ID = "commons-dev"


class DevIdpError(RuntimeError):
    """The dev identity provider could not be started."""


@dataclass
class DevIdentityProvider:
    issuer: str
    client_id: str
    client_secret: str
    process: subprocess.Popen[bytes]

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def stop(self) -> None:
        processes.stop(self.process)


def start(
    *,
    port: int,
    client_secret: str,
    redirect_uris: Sequence[str],
    post_logout_redirect_uris: Sequence[str],
    accounts: Sequence[Path],
    client_id: str = CLIENT_ID,
    jwks: Path | None = None,
    output: IO[bytes] | None = None,
    timeout: float = 30,
) -> DevIdentityProvider:
    """Run server.js on `port` and poll its discovery document until it is ready.

    `accounts` are hub directory snapshots (`directory.json`) or JSON lists of accounts.
    `output` receives the provider's stdout and stderr (inherited when None).
    """
    node = shutil.which("node")
    if node is None:
        raise DevIdpError("node is not installed (Node 20 or newer is needed for the dev identity provider)")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        raise DevIdpError(f"oidc-provider is not installed: run `npm ci` in {HERE} (make does this)")
    issuer = f"http://localhost:{port}"
    command = [node, str(SERVER), f"--port={port}", f"--issuer={issuer}", f"--client-id={client_id}"]
    command += [f"--redirect-uri={uri}" for uri in redirect_uris]
    command += [f"--post-logout-redirect-uri={uri}" for uri in post_logout_redirect_uris]
    command += [f"--accounts={path}" for path in accounts]
    if jwks is not None:
        command.append(f"--jwks={jwks}")
    # The secret goes by environment, not argv, where every local user could read it.
    env = {**os.environ, "DEV_IDP_CLIENT_SECRET": client_secret}
    process = subprocess.Popen(command, cwd=HERE, env=env, stdout=output, stderr=output)
    provider = DevIdentityProvider(issuer, client_id, client_secret, process)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise DevIdpError(f"dev identity provider exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(provider.discovery_url, timeout=2) as response:  # noqa: S310
                if json.load(response).get("issuer") == issuer:
                    return provider
        except (OSError, ValueError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            provider.stop()
            raise DevIdpError(f"dev identity provider did not answer on {issuer} within {timeout:.0f} s")
        time.sleep(0.1)
