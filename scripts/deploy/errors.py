"""The deploy commands' one error: what went wrong and what to do, on one line."""

from __future__ import annotations


class DeployError(Exception):
    """A refusal or a failure the operator can act on. `str()` is the whole message, one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))
