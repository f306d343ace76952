"""The worker API from Python: used by the simulated crowd and by integrations."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from clipcrowd.client.errors import raise_for_error, raise_for_error_body
from clipcrowd.client.transport import http_client


class WorkerClient:
    def __init__(self, url: str, token: str, *, timeout: float = 60.0):
        self.http = http_client(url, timeout=timeout, headers={"Authorization": f"Bearer {token}"})

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        raise_for_error(response)
        return response.json() if response.content else None

    def pools(self) -> list[dict[str, Any]]:
        return self._call("GET", "/api/v1/worker/pools")["items"]

    def next_suite(self, pool_id: str) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/worker/pools/{pool_id}/next")

    def submit(self, assignment_id: str, outputs: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/worker/assignments/{assignment_id}/submit",
                          json={"solutions": [{"output_values": o} for o in outputs]})

    def skip(self, assignment_id: str) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/worker/assignments/{assignment_id}/skip")

    def upload(self, assignment_id: str, name: str, content: bytes, media_type: str) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/worker/assignments/{assignment_id}/attachments",
                          params={"name": name}, content=content, headers={"Content-Type": media_type})

    def close(self) -> None:
        self.http.close()


class AsyncWorkerClient:
    """The same calls for asyncio, so one process can act as many workers at once.

    It runs on aiohttp rather than httpx: a simulated crowd shares the machine with the server it
    loads, and aiohttp spends about a tenth of the CPU per request.
    """

    def __init__(self, session: aiohttp.ClientSession, token: str):
        self.session = session
        self.headers = {"Authorization": f"Bearer {token}"}

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        async with self.session.request(method, path, headers=headers, **kwargs) as response:
            body = await response.read()
            if response.status >= 400:
                raise_for_error_body(response.status, body)
            return json.loads(body) if body else None

    async def next_suite(self, pool_id: str) -> dict[str, Any]:
        return await self._call("POST", f"/api/v1/worker/pools/{pool_id}/next")

    async def submit(self, assignment_id: str, outputs: list[dict[str, Any]]) -> dict[str, Any]:
        return await self._call("POST", f"/api/v1/worker/assignments/{assignment_id}/submit",
                                json={"solutions": [{"output_values": o} for o in outputs]})

    async def skip(self, assignment_id: str) -> dict[str, Any]:
        return await self._call("POST", f"/api/v1/worker/assignments/{assignment_id}/skip")

    async def upload(self, assignment_id: str, name: str, content: bytes, media_type: str) -> dict[str, Any]:
        return await self._call("POST", f"/api/v1/worker/assignments/{assignment_id}/attachments",
                                params={"name": name}, data=content, headers={"Content-Type": media_type})
