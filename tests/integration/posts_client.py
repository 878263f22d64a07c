"""A signed-in person talking to `/api` over HTTP, as the hub's JavaScript or a plain form does."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from tests.integration.conftest import Stack


class Person:
    def __init__(self, stack: Stack, handle: str | None) -> None:
        self.stack = stack
        self.handle = handle
        self.http = requests.Session()
        self.http.cookies.update(stack.session_cookie(handle))

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(self.stack.url(path), params=params, allow_redirects=False, timeout=30)

    def post(
        self,
        path: str,
        document: Any = None,
        *,
        key: str | None = None,
        origin: str | None = "same",
        headers: dict[str, str] | None = None,
        data: bytes | dict[str, str] | None = None,
    ) -> requests.Response:
        sent = dict(headers or {})
        if origin == "same":
            sent["Origin"] = self.stack.origin
        elif origin is not None:
            sent["Origin"] = origin
        if key is not None:
            sent["Idempotency-Key"] = key
        url = self.stack.url(path)
        if data is not None:
            return self.http.post(url, data=data, headers=sent, allow_redirects=False, timeout=30)
        return self.http.post(url, json=document, headers=sent, allow_redirects=False, timeout=30)

    def create(self, space: str, body: str, key: str | None = None) -> dict[str, Any]:
        answer = self.post(f"/api/spaces/{space}/posts", {"body": body}, key=key or str(uuid.uuid4()))
        assert answer.status_code == 201, answer.text
        post: dict[str, Any] = answer.json()["post"]
        return post

    def reply(self, parent: dict[str, Any], body: str) -> dict[str, Any]:
        answer = self.post(
            f"/api/posts/{parent['id']}/replies", {"body": body, "space": parent["space"]}, key=str(uuid.uuid4())
        )
        assert answer.status_code == 201, answer.text
        post: dict[str, Any] = answer.json()["post"]
        return post

    def thread(self, post_id: str) -> dict[str, Any]:
        answer = self.get(f"/api/posts/{post_id}")
        assert answer.status_code == 200, answer.text
        document: dict[str, Any] = answer.json()
        return document

    def feed_ids(self, path: str, limit: int = 50) -> list[str]:
        answer = self.get(path, limit=str(limit))
        assert answer.status_code == 200, answer.text
        return [post["id"] for post in answer.json()["posts"]]
