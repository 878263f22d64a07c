"""`/api/openapi.json` stays true to the routes: every /api route documented with exactly its
methods, nothing documented that is not routed, and the document is valid OpenAPI 3.1."""

from __future__ import annotations

import json

from openapi_spec_validator import validate

import app
from chalicelib import openapi, web


def _routed() -> dict[str, set[str]]:
    return {path: set(methods) for path, methods in app.app.routes.items() if path.startswith("/api/")}


def _documented() -> dict[str, set[str]]:
    return {path: {method.upper() for method in item} for path, item in openapi.DOCUMENT["paths"].items()}


def test_every_api_route_is_documented_with_its_methods_and_nothing_more() -> None:
    assert _documented() == _routed()


def test_the_document_is_valid_openapi_31() -> None:
    validate(json.loads(json.dumps(openapi.DOCUMENT)))
    assert openapi.DOCUMENT["openapi"] == "3.1.0"


def test_every_path_parameter_is_declared() -> None:
    for path, item in openapi.DOCUMENT["paths"].items():
        expected = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == expected, (path, method)


def test_it_is_served_as_json() -> None:
    incoming = web.Incoming("GET", "/api/openapi.json", {}, {}, {})
    out = openapi.document(incoming, object())
    assert out.status == 200 and json.loads(out.body)["info"]["title"] == "Commons API"
