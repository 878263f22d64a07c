"""The HTTP edge: one table of statuses, plain pages, no traceback ever, and a cheap `import app`."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from typing import Any

import pytest

from chalicelib import errors, web
from tests.conftest import REPO


def _all_errors() -> list[type[errors.CommonsError]]:
    found = [errors.CommonsError]
    for cls in found:
        found.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize("cls", _all_errors(), ids=lambda cls: cls.__name__)
def test_every_domain_error_has_a_4xx_status_or_names_an_upstream_problem(cls: type[errors.CommonsError]) -> None:
    status = web.status_for(cls("reason"))
    assert 400 <= status < 500 or status in (502, 503)
    assert cls.title and cls.message and cls.code


def test_statuses_follow_the_table() -> None:
    assert web.status_for(errors.StateMismatchError("x")) == 400
    assert web.status_for(errors.IdTokenError("x")) == 401
    assert web.status_for(errors.SessionExpiredError("x")) == 401
    assert web.status_for(errors.EmailNotVerifiedError("x")) == 403
    assert web.status_for(errors.CrossOriginError("x")) == 403
    assert web.status_for(errors.ProviderUnavailableError("x")) == 502


def _incoming(path: str, method: str = "GET", **headers: str) -> web.Incoming:
    return web.Incoming(method, path, {}, headers, {})


def test_a_refusal_is_a_short_page_and_a_logged_reason(caplog: pytest.LogCaptureFixture) -> None:
    def action(_: web.Incoming) -> web.Outgoing:
        raise errors.StateMismatchError("state does not match <script>", next_path="/teams/a b/")

    out = web.answer(_incoming("/auth/callback"), action, lambda: "https://hub.example.com")
    assert out.status == 400
    assert "<script>" not in out.body
    assert 'href="/auth/login?next=/teams/a%20b/"' in out.body
    assert "refused /auth/callback: sign-in-expired: state does not match <script>" in caplog.text


def test_api_refusals_are_json() -> None:
    def action(_: web.Incoming) -> web.Outgoing:
        raise errors.SessionMissingError("no session cookie")

    out = web.answer(_incoming("/api/me"), action, lambda: "https://hub.example.com")
    assert out.status == 401 and out.content_type == "application/json"
    assert json.loads(out.body) == {
        "error": "not-signed-in",
        "message": errors.SessionMissingError.message,
        "sign_in": "/auth/login?next=/",
    }


def test_a_bug_is_a_plain_500_page_without_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    def action(_: web.Incoming) -> web.Outgoing:
        raise KeyError("internal detail")

    with caplog.at_level(logging.ERROR):
        out = web.answer(_incoming("/auth/login"), action, lambda: "https://hub.example.com")
    assert out.status == 500
    assert "internal detail" not in out.body and "Traceback" not in out.body
    assert "internal detail" in caplog.text


def test_a_cross_origin_post_never_reaches_the_action() -> None:
    reached: list[str] = []

    def action(_: web.Incoming) -> web.Outgoing:
        reached.append("yes")
        return web.html("ok")

    out = web.answer(_incoming("/auth/logout", "POST", origin="https://evil.example"), action, lambda: "https://hub")
    assert out.status == 403 and reached == []


def test_repeated_query_parameters_are_refused() -> None:
    incoming = web.Incoming("GET", "/auth/callback", {"state": ["a", "b"]}, {}, {})
    with pytest.raises(errors.BadRequestError):
        incoming.param("state")


def _gateway() -> Any:
    from chalice.config import Config
    from chalice.local import LocalGateway

    import app

    disk = json.loads((REPO / "functions" / ".chalice" / "config.json").read_text())
    return LocalGateway(app.app, Config(chalice_stage="dev", config_from_disk=disk))


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("HEAD", "/api/me", {}, 405),
        ("PUT", "/api/spaces/platform/posts", {}, 405),
        ("DELETE", "/auth/callback", {}, 405),
        ("POST", "/auth/logout", {"content-type": "image/png"}, 415),
    ],
)
def test_chalices_own_answers_carry_the_security_headers_and_our_shape(
    method: str, path: str, headers: dict[str, str], status: int
) -> None:
    """Chalice answers these itself, before any route runs: the middleware still dresses them."""
    response = _gateway().handle_request(method, path, headers, b"x" if method == "POST" else None)
    assert response["statusCode"] == status
    for name, value in web.http.SECURITY_HEADERS.items():
        assert response["headers"][name] == value
    assert "nosniff" in response["headers"]["X-Content-Type-Options"]
    assert "default-src 'none'" in response["headers"]["Content-Security-Policy"]
    if path.startswith("/api/"):
        assert response["headers"]["Content-Type"] == "application/json"
        assert json.loads(response["body"]) == {
            "error": "method-not-allowed",
            "message": "This address does not answer that method.",
        }
    else:
        assert response["headers"]["Content-Type"].startswith("text/html")
        assert "Code" not in response["body"]
    if status == 405:
        assert response["headers"]["Allow"]


def test_importing_the_app_loads_no_heavy_library_and_reads_no_setting() -> None:
    probe = (
        "import sys, app; "
        "heavy = [m for m in ('authlib', 'joserfc', 'cryptography', 'requests', 'botocore') if m in sys.modules]; "
        "print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO / "functions",
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO / "functions")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"
    assert result.stderr == ""
