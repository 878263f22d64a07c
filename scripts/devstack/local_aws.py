"""Local AWS for the dev stack, the integration tests and the benchmarks: moto's server in a child
process, reached over HTTP as real DynamoDB is.

Three things on top of `moto_server`:
- DynamoDB applies each request atomically; moto's handlers do not (two threads can interleave a
  read-modify-write). So DynamoDB requests run one at a time here, and a concurrency test sees
  what DynamoDB guarantees instead of moto's races.
- A Query costs what its answer holds, as on DynamoDB: it reads its one partition (moto's sorts
  every item of the table to find the partition's), without the deep copy moto makes of every item
  it answers, and its answer, already in DynamoDB's JSON, is written with `json` (moto 5.2's
  serializer walks botocore's model value by value, ~5 ms an item). Unpatched, a Query of a
  thousand spaces' quarter on a table of tens of thousands of items (the benchmarks' seeded
  metrics) outlasts the functions' 10 s read timeout. The answers are moto's own, byte for byte in
  meaning.
- With `--record FILE`, data survives a restart: every request is recorded (moto's recorder), and
  at start the recorded writes are replayed. Reads are dropped from the file first, so it only
  grows with writes.

Usage: PYTHONPATH=scripts python -m devstack.local_aws --port 8002 [--record .dev/dynamodb.recording]
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from devstack import processes

HOST = "127.0.0.1"
SCRIPTS = Path(__file__).resolve().parents[1]
READY_PATH = "/commons/ready"  # answers 200 once recorded data has been replayed
WRITES = frozenset(
    f"DynamoDB_20120810.{name}"
    for name in (
        "CreateTable",
        "UpdateTable",
        "DeleteTable",
        "UpdateTimeToLive",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
    )
)
Environ = dict[str, Any]
StartResponse = Callable[..., Any]


@dataclass
class LocalAws:
    endpoint: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        processes.stop(self.process)


def start(
    *, port: int = 0, record: Path | None = None, output: IO[bytes] | None = None, timeout: float = 30
) -> LocalAws:
    """Start moto's server on HOST:port (a free port when 0) and wait until it answers."""
    port = port or processes.free_port(HOST)
    command = [sys.executable, "-m", "devstack.local_aws", "--port", str(port)]
    if record is not None:
        command += ["--record", str(record)]
    # The child imports this module as part of the package, wherever the parent was started from.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SCRIPTS), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT if output else None, env=env)
    endpoint = f"http://{HOST}:{port}"
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"local AWS exited with {process.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                pass
            if _ready(endpoint):
                return LocalAws(endpoint, process)
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"local AWS did not start on {endpoint}")
        time.sleep(0.1)


def client(service: str, endpoint: str, region: str = "us-east-1", config: Any = None) -> Any:
    """A botocore client of `service` at a local endpoint (moto's server), with the dummy
    credentials it takes (it checks none)."""
    import botocore.session

    from chalicelib.table import LOCAL_CREDENTIALS

    key, secret = LOCAL_CREDENTIALS
    return botocore.session.get_session().create_client(
        service, endpoint_url=endpoint, region_name=region, aws_access_key_id=key, aws_secret_access_key=secret,
        config=config,
    )  # fmt: skip


def _ready(endpoint: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"{endpoint}{READY_PATH}", timeout=2) as answer:  # noqa: S310 (loopback)
            return bool(answer.status == 200)
    except OSError:
        return False


# --- the child process -----------------------------------------------------------------------


def compact(recording: Path) -> int:
    """Keep only the recorded writes; returns how many there are."""
    if not recording.exists():
        return 0
    kept = []
    for line in recording.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line cut short when the server was killed mid-write
        headers = {name.lower(): value for name, value in (entry.get("headers") or {}).items()}
        if headers.get("x-amz-target") in WRITES:
            kept.append(line)
    temporary = recording.with_suffix(".tmp")
    temporary.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
    temporary.replace(recording)
    return len(kept)


class OneAtATime:
    """WSGI middleware: run AWS requests one at a time, as DynamoDB applies each atomically."""

    def __init__(self, app: Callable[[Environ, StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.ready = threading.Event()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path == READY_PATH:
            start_response("200 OK" if self.ready.is_set() else "503 Service Unavailable", [("Content-Length", "0")])
            return [b""]
        if path.startswith("/moto-api"):
            return self.app(environ, start_response)  # replay calls back in: never hold the lock here
        started: list[tuple[Any, ...]] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            started.append((status, headers, exc_info))
            return lambda data: None

        with self.lock:
            result = self.app(environ, capture)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        start_response(*started[0])
        return [body]


def query_reads_its_partition() -> None:
    """Patch moto's `Table.query` so a Query on the table (not an index) only looks at the items of
    its hash key: moto filters the whole table, sorted, for them. The items the Query sees are
    exactly those it would have kept, so the answer, its order and its pages are unchanged. Safe
    because DynamoDB requests run one at a time (`OneAtATime`)."""
    from moto.dynamodb.models import table as module
    from moto.dynamodb.models.table import Table

    query = Table.query

    def partition_query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name is not None or not self.range_key_attr:
            return query(self, hash_key, *args, **kwargs)
        everything = self.items
        self.items = {hash_key: everything[hash_key]} if hash_key in everything else {}
        module.copy = _NoCopy  # type: ignore[attr-defined,assignment]
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            self.items = everything
            module.copy = copy  # type: ignore[attr-defined]

    Table.query = partition_query  # type: ignore[method-assign]


class _NoCopy:
    """Stands in for the `copy` module inside moto's `Table.query`, which deep-copies every item it
    answers (most of a Query's time on sketches of thousands of binary values) so that a caller may
    change them: the handler only writes them out, one request at a time (`OneAtATime`), and a
    projection makes new items anyway."""

    @staticmethod
    def deepcopy(value: Any) -> Any:
        return value


def query_answers_as_json() -> None:
    """Patch moto's DynamoDB `query` handler to write its answer with `json`: the answer is a dict
    in DynamoDB's wire format, with binary values as bytes, which go out as base64 as DynamoDB's
    do. Errors are raised before, so they keep moto's own serialisation."""
    from moto.dynamodb.responses import DynamoHandler

    query = DynamoHandler.query

    def json_query(self: Any) -> Any:
        return json.dumps(query(self).result, default=_base64, separators=(",", ":"))

    DynamoHandler.query = json_query  # type: ignore[method-assign]


def _base64(value: object) -> str:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not in a DynamoDB answer")


def serve(port: int, record: Path | None) -> None:
    if record is not None:
        record.parent.mkdir(parents=True, exist_ok=True)
        writes = compact(record)
        record.touch()
        os.environ["MOTO_RECORDER_FILEPATH"] = str(record)
    os.environ.pop("MOTO_ENABLE_RECORDING", None)
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    from moto.moto_api import recorder
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    query_reads_its_partition()
    query_answers_as_json()
    app = OneAtATime(DomainDispatcherApplication(create_backend_app))
    server = make_server(HOST, port, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    if record is not None:
        started = time.monotonic()
        recorder.replay_recording(target_host=f"http://{HOST}:{port}")
        recorder.start_recording()
        print(f"local AWS: replayed {writes} writes in {time.monotonic() - started:.1f}s", flush=True)
    app.ready.set()
    print(f"local AWS (moto) on http://{HOST}:{port}", flush=True)
    try:
        thread.join()
    except KeyboardInterrupt:
        server.shutdown()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="moto's server for the Commons dev stack and tests")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", type=Path, default=None, help="keep data across restarts in this file")
    args = parser.parse_args(argv)
    import signal

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    serve(args.port, args.record)


if __name__ == "__main__":
    main()
