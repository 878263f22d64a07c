"""Fixtures shared by every test layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from processes import free_port

REPO = Path(__file__).resolve().parent.parent

__all__ = ["REPO", "free_port"]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
