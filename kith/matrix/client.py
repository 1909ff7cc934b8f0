"""A small synchronous face on matrix-nio's AsyncClient for Kith's synchronous code.

Each public call runs one coroutine with `asyncio.run` (in a worker thread when an event loop
is already running in this one), with a timeout per request and overall, and with nio's own
retries switched off: notify retries a failed chat message later, so waiting out a rate
limit here would only hold a worker. What nio has no method for (account data, /sync as raw
JSON so only the few fields Kith reads are ever looked at) goes through nio's transport.

Errors come out as `MatrixError(status, errcode)`; network failures and timeouts as
`MatrixError(0, "network")`. Nothing here logs: callers log ids only.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
import nio

REQUEST_TIMEOUT = 10.0  # seconds, each HTTP request
CALL_TIMEOUT = 45.0  # seconds, one whole call (a send makes up to five requests)

T = TypeVar("T")


class MatrixError(Exception):
    def __init__(self, status: int, errcode: str, message: str = "") -> None:
        super().__init__(f"{status} {errcode} {message}".strip())
        self.status = status
        self.errcode = errcode

    @property
    def temporary(self) -> bool:
        """Worth trying again later: the network, a rate limit, the server's own trouble."""
        return (
            self.status == 0
            or self.status == 429
            or self.status >= 500
            or (self.errcode == "M_LIMIT_EXCEEDED")
        )


@dataclass(frozen=True)
class Credentials:
    homeserver: str
    user_id: str
    access_token: str
    device_id: str = ""


def _config() -> nio.AsyncClientConfig:
    return nio.AsyncClientConfig(
        max_limit_exceeded=0, max_timeouts=0, request_timeout=REQUEST_TIMEOUT
    )


def _run(coroutine_factory: Callable[[], Awaitable[T]]) -> T:
    async def bounded() -> T:
        try:
            return await asyncio.wait_for(coroutine_factory(), CALL_TIMEOUT)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise MatrixError(0, "network", type(exc).__name__) from exc

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(bounded())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, bounded()).result()


def _checked(response: Any) -> Any:
    if isinstance(response, nio.ErrorResponse):
        transport = getattr(response, "transport_response", None)
        status = int(getattr(transport, "status", 0) or 0)
        raise MatrixError(status, str(response.status_code or ""), "")
    return response


class Session:
    """One AsyncClient for the length of one call (opened and closed by `call`)."""

    def __init__(self, client: nio.AsyncClient) -> None:
        self.client = client

    async def raw(self, method: str, path: str, body: Any = None) -> Any:
        """A client-server API call nio has no method for; `path` starts with /_matrix/."""
        headers = {"Content-Type": "application/json"}
        if self.client.access_token:
            headers["Authorization"] = f"Bearer {self.client.access_token}"
        data = json.dumps(body) if body is not None else None
        response = await self.client.send(method, path, data, headers, timeout=REQUEST_TIMEOUT)
        try:
            answer = await response.json(content_type=None)
        except (ValueError, aiohttp.ContentTypeError):
            answer = {}
        finally:
            response.release()
        if response.status >= 400:
            errcode = answer.get("errcode", "") if isinstance(answer, dict) else ""
            raise MatrixError(response.status, str(errcode))
        return answer

    async def checked(self, awaitable: Awaitable[Any]) -> Any:
        return _checked(await awaitable)


def call(credentials: Credentials, work: Callable[[Session], Awaitable[T]]) -> T:
    """Run `work(session)` against the homeserver as the bot."""

    async def run() -> T:
        client = nio.AsyncClient(
            credentials.homeserver.rstrip("/"),
            credentials.user_id,
            device_id=credentials.device_id or None,
            config=_config(),
        )
        client.access_token = credentials.access_token
        client.user_id = credentials.user_id
        try:
            return await work(Session(client))
        finally:
            await client.close()

    return _run(run)


def login(homeserver: str, user_id: str, password: str) -> tuple[str, str, str]:
    """(user id, access token, device id) of a new login; the password is not kept."""

    async def run() -> tuple[str, str, str]:
        client = nio.AsyncClient(homeserver.rstrip("/"), user_id, config=_config())
        try:
            answer = _checked(await client.login(password, device_name="Kith"))
            return str(answer.user_id), str(answer.access_token), str(answer.device_id)
        finally:
            await client.close()

    return _run(run)


def quote(value: str) -> str:
    return urllib.parse.quote(value, safe="")
