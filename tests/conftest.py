"""Fixtures shared by every test layer."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from deploy.package import Packaged, package
from devstack.processes import free_port

REPO = Path(__file__).resolve().parent.parent

__all__ = ["REPO", "free_port"]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def built_hub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample organisation's hub, built once per session."""
    out = tmp_path_factory.mktemp("hub")
    subprocess.run(["make", "--no-print-directory", "build", f"OUT={out}"], cwd=REPO, check=True, capture_output=True)
    return out


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory, built_hub: Path) -> Packaged:
    """What `make package` writes. `make test` packages first and says where (COMMONS_PACKAGED),
    so the tests read the very files cfn-lint checked; alone, pytest packages the sample hub."""
    ready = os.environ.get("COMMONS_PACKAGED")
    if ready:
        return Packaged(Path(ready) / "template.json", Path(ready) / "deployment.zip")
    return package(tmp_path_factory.mktemp("deploy"), built_hub)
