"""Local dev server: serves the built hub on one origin (http://localhost:8000)."""

from __future__ import annotations

import argparse
import contextlib
import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", default="build/hub", help="built hub to serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    handler = functools.partial(SimpleHTTPRequestHandler, directory=args.root)
    server = ThreadingHTTPServer((args.host, args.port), handler)
    print(f"Commons dev server on http://localhost:{server.server_port}/", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
