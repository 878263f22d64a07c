"""Sign-in figures: the Lambda's cold start, and the callback handler's own time.

- cold_start_ratio: median time of `import app` in fresh processes, over the median time of
  `import pynamodb.models` alone, measured interleaved in the same run (issue budget: <= 1.15).
- callback_p50_ms: `/auth/callback` through the Chalice handler in process, with the provider's
  discovery and JWKS cached; the provider's token endpoint is answered in memory, so only our own
  work is timed: transaction cookie, state, ID token signature and claims, directory match,
  session and CloudFront cookies (issue budget: <= 5 ms).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench import report

REPO = Path(__file__).resolve().parents[2]
FUNCTIONS = REPO / "functions"
IMPORT_RUNS = 15
CALLBACK_RUNS = 400

_PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def _import_seconds(module: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(module=module)],
        cwd=FUNCTIONS,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(FUNCTIONS)},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip())


def cold_start_ratio(runs: int = IMPORT_RUNS) -> float:
    app_times: list[float] = []
    baseline: list[float] = []
    for _ in range(runs):  # interleaved, so both see the same machine load
        app_times.append(_import_seconds("app"))
        baseline.append(_import_seconds("pynamodb.models"))
    return statistics.median(app_times) / statistics.median(baseline)


def _directory(workdir: Path) -> Path:
    built = REPO / "build" / "hub" / "directory.json"
    if built.is_file():
        return built
    people = {  # shaped as the hub build writes it (scripts/hub/schemas/directory.schema.json)
        f"person.{i}": {
            "name": f"Person {i}",
            "email": f"person.{i}@example.com",
            "title": "Staff",
            "team": "t",
            "manager": None,
            "url": f"people/person.{i}/",
        }
        for i in range(1000)
    }
    path = workdir / "directory.json"
    path.write_text(json.dumps({"people": people, "spaces": {}}))
    return path


def callback_p50_ms(runs: int = CALLBACK_RUNS) -> float:
    sys.path.insert(0, str(FUNCTIONS))
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    import app
    from chalicelib.auth import signin_state
    from chalicelib.auth.signin_state import Transaction
    from chalicelib.config import Settings
    from chalicelib.runtime import Services, install

    issuer = "https://login.example.com"
    provider_key = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"})
    cloudfront_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    documents: dict[str, Mapping[str, Any]] = {
        f"{issuer}/.well-known/openid-configuration": {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "id_token_signing_alg_values_supported": ["RS256"],
            "authorization_response_iss_parameter_supported": True,
        },
        f"{issuer}/jwks": {"keys": [provider_key.as_dict(private=False)]},
    }
    with tempfile.TemporaryDirectory() as tmp:
        directory = _directory(Path(tmp))
        email = next(iter(json.loads(directory.read_text())["people"].values()))["email"]
        settings = Settings.from_environ(
            {
                "COMMONS_PUBLIC_ORIGIN": "https://hub.example.com",
                "COMMONS_OIDC_ISSUER": issuer,
                "COMMONS_OIDC_CLIENT_ID": "commons",
                "COMMONS_OIDC_CLIENT_SECRET": "bench",
                "COMMONS_SESSION_KEYS": "bench=" + "A" * 43,
                "COMMONS_CLOUDFRONT_KEY_PAIR_ID": "KBENCH",
                "COMMONS_CLOUDFRONT_PRIVATE_KEY": cloudfront_key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                ).decode(),
                "COMMONS_DIRECTORY": str(directory),
            }
        )
        # The provider's answers, made before the clock starts: one ID token per sign-in.
        tokens: dict[str, str] = {}
        services = Services.build(
            settings, token_exchange=lambda **kw: {"id_token": tokens[kw["code"]]}, fetch=documents.__getitem__
        )
        install(services)
        now = int(time.time())
        events = []
        for i in range(runs + 20):
            state, nonce, code = f"state-{i:027d}", f"nonce-{i:027d}", f"code-{i}"
            claims = {"iss": issuer, "aud": "commons", "sub": f"s{i}", "email": email, "nonce": nonce}
            claims.update(iat=now, exp=now + 300)
            tokens[code] = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, provider_key)
            sealed = services.auth.signin_state.seal(Transaction(state, nonce, "v" * 64, "/teams/platform/", now + 600))
            query = {"code": [code], "state": [state], "iss": [issuer]}
            events.append(_event(query, f"__Secure-{signin_state.COOKIE}={sealed}"))
        timings: list[float] = []
        for i, event in enumerate(events):
            started = time.perf_counter()
            response = app.app(event, None)
            elapsed = time.perf_counter() - started
            assert response["statusCode"] == 303, response
            if i >= 20:  # the first calls fetch discovery and JWKS and warm the caches
                timings.append(elapsed)
        install(None)
    return statistics.median(timings) * 1000


def _event(query: dict[str, list[str]], cookie: str) -> dict[str, Any]:
    return {
        "requestContext": {
            "httpMethod": "GET",
            "resourcePath": "/auth/callback",
            "path": "/auth/callback",
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "headers": {"host": "hub.example.com", "cookie": cookie},
        "multiValueQueryStringParameters": query,
        "pathParameters": None,
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
    }


def main() -> None:
    report("cold_start_ratio", round(cold_start_ratio(), 3), "ratio")
    report("callback_p50_ms", round(callback_p50_ms(), 3), "ms")


if __name__ == "__main__":
    main()
