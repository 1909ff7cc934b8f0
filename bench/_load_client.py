"""The HTTP side of bench/load.py: signed-in sessions, the endpoint mix, the closed loop and its
statistics. asyncio + aiohttp (installed with Kith: matrix-nio depends on it).

Cookies are kept by hand, one jar per session: the server runs in production mode, where the
session and CSRF cookies are `Secure`, and a cookie jar would not send them over the plain
loopback HTTP that stands in for the TLS proxy (the client sends `X-Forwarded-Proto: https`
as that proxy would)."""

from __future__ import annotations

import asyncio
import math
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp

DEMO_PASSWORD = "kith-demo-2026"
DEMO_EMAILS = {
    "employee": "miguel.costa@example.com",
    "manager": "tama.parata@example.com",
    "hr": "daniel.ong@example.com",
}
ROLES = ("employee", "manager", "hr", "head")
SNIPPET_CHARS = 300
# Words that find a few, many or a handful of the demo's people (names, a title word).
SEARCH_WORDS = ("ana", "silva", "kim", "costa", "engineer", "tom", "mar", "lee", "ng", "design")
INTERESTS = ("Climbing", "Chess", "Running", "Photography", "Cooking")


class SignInFailed(RuntimeError):
    pass


@dataclass
class Session:
    """One signed-in browser: its role, whom it is, and its cookies."""

    role: str
    who: str
    cookies: dict[str, str] = field(default_factory=dict)

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


@dataclass
class Reply:
    status: int
    ms: float
    body: bytes
    location: str
    cookies: dict[str, str]
    # None for a 2xx; otherwise what went wrong, as counted: "500", "302→login", "timeout".
    error: str | None

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def snippet(body: bytes | str) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    title = re.search(r"<title>(.*?)</title>", text, re.S)
    main = re.search(r"<main[^>]*>(.*?)</main>", text, re.S)
    if main:
        text = main.group(1)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if title:
        name = re.sub(r"\s+", " ", title.group(1)).strip()
        text = f"[{name}] {text}"
    return text[:SNIPPET_CHARS]


class Target:
    """The server under load, as a browser behind a TLS-terminating proxy reaches it."""

    def __init__(self, base_url: str, timeout_s: float) -> None:
        self.base = base_url.rstrip("/")
        self.origin = f"https://{urlsplit(self.base).netloc}"
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.timeout_s = timeout_s
        self.headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "127.0.0.1",
            "Accept-Language": "en",
            "User-Agent": "kith-bench-load",
        }

    def client(self, connections: int) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=max(1, connections), ttl_dns_cache=None)
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=self.timeout,
            auto_decompress=True,
        )

    async def request(
        self,
        http: aiohttp.ClientSession,
        path: str,
        session: Session | None,
        *,
        method: str = "GET",
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        sent = dict(self.headers)
        if session is not None and session.cookies:
            sent["Cookie"] = session.cookie_header()
        if headers:
            sent.update(headers)
        started = time.perf_counter()
        try:
            async with http.request(
                method, self.base + path, data=data, headers=sent, allow_redirects=False
            ) as response:
                body = await response.read()
                ms = (time.perf_counter() - started) * 1000
                status = response.status
                location = response.headers.get("Location", "")
                cookies = {name: morsel.value for name, morsel in response.cookies.items()}
        except TimeoutError:
            ms = (time.perf_counter() - started) * 1000
            return Reply(0, ms, b"", "", {}, "timeout")
        except aiohttp.ClientError as exc:
            ms = (time.perf_counter() - started) * 1000
            return Reply(0, ms, str(exc).encode(), "", {}, f"connection: {type(exc).__name__}")
        error = None
        if not 200 <= status < 300:
            error = str(status)
            if 300 <= status < 400:
                error += "→login" if "/accounts/login" in location else f"→{location[:60]}"
        return Reply(status, ms, body, location, cookies, error)


async def sign_in(
    http: aiohttp.ClientSession, target: Target, role: str, email: str, password: str
) -> Session:
    """The password form at /accounts/login/, as a browser fills it."""
    session = Session(role, email)
    form = await target.request(http, "/accounts/login/", session)
    if form.error:
        raise SignInFailed(f"GET /accounts/login/: {form.error} {snippet(form.body)}")
    session.cookies.update(form.cookies)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text())
    if token is None:
        raise SignInFailed("no CSRF token in the sign-in form")
    posted = await target.request(
        http,
        "/accounts/login/",
        session,
        method="POST",
        data={"csrfmiddlewaretoken": token.group(1), "login": email, "password": password},
        headers={"Origin": target.origin, "Referer": target.origin + "/accounts/login/"},
    )
    session.cookies.update(posted.cookies)
    if posted.status != 302 or "/accounts/login" in posted.location:
        raise SignInFailed(
            f"{email}: the sign-in answered {posted.status} {posted.location} "
            f"{snippet(posted.body)}"
        )
    check = await target.request(http, "/", session)
    if check.error:
        raise SignInFailed(f"{email}: signed in, but / answered {check.error}")
    return session


# --- The mix ---------------------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    role: str
    weight: float
    what: str
    path: Callable[[random.Random], str]
    goal_ms: int | None = None  # the single-request goal, where it names one


@dataclass
class Discovered:
    """What the mix needs to know about the organisation, read from its pages."""

    person_ids: list[int]
    directory_pages: int
    wave_id: int | None
    notes: list[str] = field(default_factory=list)


def _search(rng: random.Random) -> str:
    return "/people/?" + urlencode({"q": rng.choice(SEARCH_WORDS)})


def _api(rng: random.Random) -> str:
    params: dict[str, Any] = {"q": rng.choice(SEARCH_WORDS)}
    page = rng.choice((1, 1, 2, 3))
    if page > 1:
        params["page"] = page
    return "/api/v1/people?" + urlencode(params)


def _near(rng: random.Random) -> str:
    params: dict[str, Any] = {"radius": rng.choice((25, 50, 100))}
    if rng.random() < 0.3:
        params["interest"] = rng.choice(INTERESTS)
    return "/map/?" + urlencode(params)


def _fixed(path: str) -> Callable[[random.Random], str]:
    return lambda rng: path


GOAL_MS = 150
# A page past the end shows the last page (Django's Paginator.get_page).
LAST_PAGE_FALLBACK = 10**6

# name: (role, default weight in the load mix, what it is). Weights are relative.
DEFAULT_MIX: dict[str, tuple[str, float, str]] = {
    "home": ("employee", 12, "/ as an employee"),
    "directory_search": ("employee", 18, "/people/?q=… (one of several words)"),
    "profile": ("employee", 14, "/people/<id>/ (people found on the directory's pages)"),
    "people_api": ("employee", 10, "/api/v1/people?q=…[&page=2|3] (session auth)"),
    "bandmap": ("employee", 7, "/map/ (the Band Map, near me at the default radius)"),
    "near_me": ("employee", 7, "/map/?radius=25|50|100[&interest=…] (a near-me search)"),
    "connect_home": ("employee", 7, "/connect/"),
    "events": ("employee", 7, "/events/"),
    "home_manager": ("manager", 4, "/ as the demo manager"),
    "manager_results": ("manager", 6, "/pulse/waves/<w>/ as the demo manager (their team)"),
    "home_hr": ("hr", 3, "/ as the demo HR admin"),
    "hr_heatmap": ("hr", 5, "/pulse/waves/<w>/ as HR (the organisation's heatmap)"),
    # Not in the default load mix (weight 0); timed by --single, or weighted with --weights.
    "directory_last_page": ("employee", 0, "/people/?page=<last>"),
    "head_results": ("head", 0, "/pulse/waves/<w>/ as the largest department's head"),
    "pulse_home": ("manager", 0, "/pulse/ as the demo manager"),
}
GOALS = {"home", "home_manager", "home_hr", "directory_last_page", "hr_heatmap", "head_results"}


def build_mix(found: Discovered, weights: dict[str, float]) -> list[Endpoint]:
    ids = found.person_ids or [1]
    wave = f"/pulse/waves/{found.wave_id}/" if found.wave_id else None
    paths: dict[str, Callable[[random.Random], str] | None] = {
        "home": _fixed("/"),
        "directory_search": _search,
        "profile": lambda rng: f"/people/{rng.choice(ids)}/",
        "people_api": _api,
        "bandmap": _fixed("/map/"),
        "near_me": _near,
        "connect_home": _fixed("/connect/"),
        "events": _fixed("/events/"),
        "home_manager": _fixed("/"),
        "manager_results": _fixed(wave) if wave else None,
        "home_hr": _fixed("/"),
        "hr_heatmap": _fixed(wave) if wave else None,
        "directory_last_page": _fixed(f"/people/?page={found.directory_pages}"),
        "head_results": _fixed(wave) if wave else None,
        "pulse_home": _fixed("/pulse/"),
    }
    mix = []
    for name, (role, weight, what) in DEFAULT_MIX.items():
        path = paths[name]
        if path is None:
            found.notes.append(f"{name} left out: no Pulse wave with results was found")
            continue
        goal = GOAL_MS if name in GOALS else None
        mix.append(Endpoint(name, role, weights.get(name, weight), what, path, goal))
    return mix


async def discover(
    http: aiohttp.ClientSession,
    target: Target,
    sessions: dict[str, list[Session]],
    wave: int | None,
) -> Discovered:
    """Page count and people from the directory; a wave whose results the manager and HR see."""
    employee = sessions["employee"][0]
    first = await target.request(http, "/people/", employee)
    if first.error:
        raise RuntimeError(f"/people/ answered {first.error}: {snippet(first.body)}")
    pages = re.search(r"Page\s+([\d,.\s]+?)\s+of\s+(\d[\d,.\s]*\d|\d)", first.text())
    ids = {int(i) for i in re.findall(r'href="/people/(\d+)/"', first.text())}
    for word in SEARCH_WORDS[:4]:
        reply = await target.request(http, "/people/?" + urlencode({"q": word}), employee)
        ids.update(int(i) for i in re.findall(r'href="/people/(\d+)/"', reply.text()))
    last = int(re.sub(r"\D", "", pages.group(2))) if pages else LAST_PAGE_FALLBACK
    found = Discovered(sorted(ids), last, None)
    if not pages:
        found.notes.append(f"no 'Page 1 of N' on /people/: the last page is ?page={last}")
    if wave is not None:
        found.wave_id = wave
        return found
    hr, manager = sessions["hr"][0], sessions["manager"][0]
    listing = await target.request(http, "/pulse/", hr)
    candidates: list[int] = []
    if listing.error:
        found.notes.append(f"HR's /pulse/ answered {listing.error}; probing wave ids")
    else:
        for i in re.findall(r'href="/pulse/waves/(\d+)/"', listing.text()):
            if int(i) not in candidates:
                candidates.append(int(i))
    for wave_id in candidates or list(range(12, 0, -1)):
        path = f"/pulse/waves/{wave_id}/"
        as_manager = await target.request(http, path, manager)
        if as_manager.error:
            continue
        as_hr = await target.request(http, path, hr)
        if not as_hr.error:
            found.wave_id = wave_id
            break
    return found


# --- The closed loop and its statistics -------------------------------------------------------


@dataclass
class Sample:
    endpoint: str
    path: str
    ms: float
    error: str | None
    body: bytes


def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest rank (the smallest value with at least p % of the samples at or below it)."""
    if not sorted_ms:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_ms)))
    return sorted_ms[min(rank, len(sorted_ms)) - 1]


def summarise(samples: list[Sample], seconds: float) -> dict[str, Any]:
    ms = sorted(s.ms for s in samples)
    errors = [s for s in samples if s.error]
    out: dict[str, Any] = {
        "requests": len(samples),
        "rps": round(len(samples) / seconds, 2) if seconds > 0 else None,
        "p50_ms": round(percentile(ms, 50), 1) if ms else None,
        "p95_ms": round(percentile(ms, 95), 1) if ms else None,
        "p99_ms": round(percentile(ms, 99), 1) if ms else None,
        "max_ms": round(ms[-1], 1) if ms else None,
        "errors": len(errors),
    }
    if errors:
        out["error_statuses"] = dict(Counter(s.error for s in errors).most_common())
        first = errors[0]
        out["first_error"] = {
            "status": first.error,
            "path": first.path,
            "body": snippet(first.body),
        }
    return out


@dataclass
class LevelRun:
    samples: list[Sample]
    seconds: float
    capped: bool


async def closed_loop(
    http: aiohttp.ClientSession,
    target: Target,
    mix: list[Endpoint],
    sessions: dict[str, list[Session]],
    *,
    users: int,
    duration_s: float,
    max_requests: int,
    seed: int,
) -> LevelRun:
    """`users` virtual users, each sending its next request as soon as the last one answered,
    until `duration_s` has passed or `max_requests` were sent (requests in flight then finish,
    each within the request timeout). Virtual user i always uses session i mod n of a role."""
    active = [e for e in mix if e.weight > 0]
    weights = [e.weight for e in active]
    samples: list[Sample] = []
    sent = 0
    loop = asyncio.get_running_loop()
    stop_at = loop.time() + duration_s

    async def user(index: int) -> None:
        nonlocal sent
        rng = random.Random(seed * 1_000_003 + index)
        while loop.time() < stop_at and sent < max_requests:
            sent += 1
            endpoint = rng.choices(active, weights)[0]
            pool = sessions[endpoint.role]
            path = endpoint.path(rng)
            reply = await target.request(http, path, pool[index % len(pool)])
            body = reply.body[:4000] if reply.error else b""
            samples.append(Sample(endpoint.name, path, reply.ms, reply.error, body))

    started = time.perf_counter()
    await asyncio.gather(*(user(i) for i in range(users)))
    return LevelRun(samples, time.perf_counter() - started, sent >= max_requests)


def level_report(run: LevelRun, mix: list[Endpoint]) -> dict[str, Any]:
    by_name: dict[str, list[Sample]] = {}
    for s in run.samples:
        by_name.setdefault(s.endpoint, []).append(s)
    endpoints = {
        e.name: {"role": e.role, **summarise(by_name[e.name], run.seconds)}
        for e in mix
        if e.name in by_name
    }
    return {"total": summarise(run.samples, run.seconds), "endpoints": endpoints}


async def single(
    http: aiohttp.ClientSession,
    target: Target,
    mix: list[Endpoint],
    sessions: dict[str, list[Session]],
    repeat: int,
) -> list[dict[str, Any]]:
    """Each endpoint alone, one request at a time: one untimed request, then `repeat` timed
    ones on the same path. An endpoint whose first request fails is not repeated."""
    rows = []
    for endpoint in mix:
        if endpoint.role not in sessions:
            continue
        session = sessions[endpoint.role][0]
        path = endpoint.path(random.Random(0))
        row: dict[str, Any] = {"endpoint": endpoint.name, "role": endpoint.role, "path": path}
        first = await target.request(http, path, session)
        timings: list[float] = []
        errors: list[Reply] = [first] if first.error else []
        if not first.error:
            for _ in range(repeat):
                reply = await target.request(http, path, session)
                timings.append(reply.ms)
                if reply.error:
                    errors.append(reply)
        if timings:
            ordered = sorted(timings)
            row["median_ms"] = round(statistics.median(ordered), 1)
            row["min_ms"] = round(ordered[0], 1)
            row["max_ms"] = round(ordered[-1], 1)
        row["first_ms"] = round(first.ms, 1)
        if endpoint.goal_ms is not None:
            row["goal_ms"] = endpoint.goal_ms
            row["within_goal"] = bool(timings) and row["median_ms"] <= endpoint.goal_ms
        if errors:
            row["errors"] = len(errors)
            row["error_statuses"] = dict(Counter(r.error for r in errors))
            row["first_error"] = snippet(errors[0].body)
        rows.append(row)
    return rows
