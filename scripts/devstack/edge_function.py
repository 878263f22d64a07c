"""The hub's CloudFront viewer-request Function, run for the dev server by Node exactly as deployed.

`infra/edge/viewer-request.js` is the code CloudFront runs on every request for a hub page; the dev
server hands each request to the same file through `edge_function.mjs` (next to this file), so local and
production agree on who is sent to sign-in and how directory paths map onto files.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from devstack import processes

REPO = Path(__file__).resolve().parents[2]
FUNCTION = REPO / "infra" / "edge" / "viewer-request.js"
RUNNER = Path(__file__).resolve().with_name("edge_function.mjs")


@dataclass(frozen=True)
class EdgeRequest:
    """The request the function passed on, to be served from `uri`."""

    uri: str


@dataclass(frozen=True)
class EdgeResponse:
    """The response the function answered with instead of passing the request on."""

    status: int
    headers: dict[str, str]


def _querystring(query: str) -> dict[str, Any]:
    """CloudFront's querystring object: names and values as sent, still percent-encoded."""
    values: dict[str, list[str]] = {}
    for piece in query.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        values.setdefault(name, []).append(value)
    result: dict[str, Any] = {}
    for name, found in values.items():
        entry: dict[str, Any] = {"value": found[0]}
        if len(found) > 1:
            entry["multiValue"] = [{"value": value} for value in found]
        result[name] = entry
    return result


def cloudfront_event(
    method: str, raw_path: str, headers: Mapping[str, str], cookies: Mapping[str, str]
) -> dict[str, Any]:
    """A CloudFront Functions viewer-request event for a request target as received, nothing decoded."""
    uri, _, query = raw_path.partition("?")
    return {
        "version": "1.0",
        "context": {"eventType": "viewer-request"},
        "viewer": {"ip": "127.0.0.1"},
        "request": {
            "method": method.upper(),
            "uri": uri,
            "querystring": _querystring(query),
            "headers": {name.lower(): {"value": value} for name, value in headers.items()},
            "cookies": {name: {"value": value} for name, value in cookies.items()},
        },
    }


def _answer(line: bytes) -> EdgeRequest | EdgeResponse:
    try:
        message = json.loads(line)
    except ValueError as error:
        raise RuntimeError(f"the viewer-request function's runner answered something not JSON: {line!r}") from error
    if not isinstance(message, dict):
        raise RuntimeError(f"the viewer-request function's runner answered {message!r}")
    if "error" in message:
        raise RuntimeError(f"the viewer-request function failed: {message['error']}")
    request = message.get("request")
    if isinstance(request, dict) and isinstance(request.get("uri"), str):
        return EdgeRequest(uri=request["uri"])
    response = message.get("response")
    if isinstance(response, dict) and isinstance(response.get("statusCode"), int):
        raw_headers = response.get("headers") or {}
        if not isinstance(raw_headers, dict):
            raise RuntimeError(f"the viewer-request function answered headers {raw_headers!r}")
        headers: dict[str, str] = {}
        for name, header in raw_headers.items():
            if not isinstance(header, dict) or not isinstance(header.get("value"), str):
                raise RuntimeError(f"the viewer-request function answered header {name!r} as {header!r}")
            headers[str(name)] = header["value"]
        return EdgeResponse(status=response["statusCode"], headers=headers)
    raise RuntimeError(f"the viewer-request function returned neither a request nor a response: {message!r}")


class ViewerRequestFunction:
    """Runs infra/edge/viewer-request.js in a Node child process, as CloudFront runs it on each viewer request."""

    def __init__(self, function: Path = FUNCTION, node: str = "node") -> None:
        if not function.is_file():
            raise FileNotFoundError(f"no CloudFront Function at {function}")
        self.function = function
        self._lock = threading.Lock()
        self._closed = False
        # A file, not a pipe, for stderr: nobody reads it until something goes wrong, and a full pipe would stall Node.
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child
        try:
            self._process: subprocess.Popen[bytes] = subprocess.Popen(
                [node, str(RUNNER), str(function)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                cwd=REPO,
            )
        except BaseException:
            self._stderr.close()
            raise

    def __call__(
        self, method: str, raw_path: str, headers: Mapping[str, str], cookies: Mapping[str, str]
    ) -> EdgeRequest | EdgeResponse:
        line = json.dumps(cloudfront_event(method, raw_path, headers, cookies)).encode() + b"\n"
        with self._lock:
            if self._closed:
                raise RuntimeError("the viewer-request function has been closed")
            stdin, stdout = self._process.stdin, self._process.stdout
            assert stdin is not None and stdout is not None
            try:
                stdin.write(line)
                stdin.flush()
                answer = stdout.readline()
            except OSError as error:
                raise self._died() from error
            if not answer:
                raise self._died()
        return _answer(answer)

    def _died(self) -> RuntimeError:
        try:
            code = self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self._stderr.seek(0)
        stderr = self._stderr.read().decode(errors="replace").strip()[-2000:]
        return RuntimeError(
            f"the Node process running {self.function} stopped (exit code {code})" + (f":\n{stderr}" if stderr else "")
        )

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for stream in (self._process.stdin, self._process.stdout):
                if stream is not None:
                    # A child that already died leaves a broken pipe to flush.
                    with contextlib.suppress(OSError):
                        stream.close()
            processes.stop(self._process)
            self._stderr.close()

    def __enter__(self) -> ViewerRequestFunction:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
