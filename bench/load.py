"""Kith under load: a bounded closed-loop load generator against the production web server.

    python bench/load.py [--users 10,50] [--duration 60] [--max-requests N] [--single]
                         [--database-url postgres://…/kith_load] [--people 100000] [--seed]
                         [--workers 4] [--threads T] [--url http://127.0.0.1:8000]

What it does, in order:

1. The database (default postgres://postgres@127.0.0.1:5432/kith_load). With at least
   --people people in it, it is reused as it is: never migrated, never reseeded (pending
   migrations are reported, not applied). An empty database, or a missing one with --seed, is
   migrated and filled with `kith seed_demo --people N`. A smaller non-empty one is refused
   (seed_demo only fills an empty directory).
2. The web server, as docs/deploy.md starts it: `gunicorn -c python:config.gunicorn
   config.wsgi:application --bind 127.0.0.1:<free port> --workers 4` (threads from
   config/gunicorn.py unless --threads), in production mode (KITH_MODE=production, HTTPS
   redirects, secure cookies, the manifest static files collected into --data-dir). The
   client plays the TLS-terminating proxy: `X-Forwarded-Proto: https`, `X-Forwarded-For`
   and KITH_TRUSTED_PROXY_COUNT=1. SECRET_KEY is the one the demo was seeded with, found as
   Kith finds it ($SECRET_KEY, else <data dir>/secret_key, else the development key), so
   that Pulse reads the survey receipts. Its log is <data dir>/bench-gunicorn-<port>.log.
   Or --url: an already running server on this machine (nothing is started or seeded).
3. Signs in through the password form (/accounts/login/) as the demo employee, manager and HR
   admin (`kith demo_logins`), --sessions-per-role sessions each, shared by the virtual users
   (user i uses session i mod n of the role it acts as), so the sign-in throttles are never
   hit. The head of the largest department has no password in the demo: their session is made
   with `kith shell` (Django's `Client.force_login`, a session row like any sign-in); --no-head
   skips it. From the pages it reads the directory's page count, people to open, and a Pulse
   wave (HR's /pulse/ list) whose results the manager and HR can open (or --wave).
4. A warm-up (--warmup s), then each level of --users for --duration s (or --max-requests,
   whichever comes first): each virtual user sends its next request when the last answered.
   Every request has a timeout (--timeout s); anything but a 2xx is an error, a redirect to
   the sign-in page included (counted as "302→login").
   --single instead times every endpoint alone: one untimed request, then --repeat requests
   one at a time (median/min/max of the time to the last byte, over loopback), with the
   single-request goal of issue 15 (150 ms) where it names the page.

The default mix (relative weights; --weights name=w,… changes them, 0 leaves one out):

    employee  home 12 · directory_search 18 (/people/?q= one of ten words) · profile 14
              (/people/<id>/) · people_api 10 (/api/v1/people?q=…, pages 1–3) · bandmap 7
              (/map/) · near_me 7 (/map/?radius=25|50|100[&interest=]) · connect_home 7 ·
              events 7
    manager   home_manager 4 · manager_results 6 (/pulse/waves/<w>/, the manager's team)
    HR admin  home_hr 3 · hr_heatmap 5 (/pulse/waves/<w>/, the whole organisation)
    weight 0  directory_last_page (/people/?page=<last>), head_results (/pulse/waves/<w>/ as
              the largest department's head), pulse_home (/pulse/ as the manager): timed by
              --single; give them a weight to load them. --skip name,… leaves endpoints out
              of both.

Output: one JSON line per level (or one per endpoint with --single) as it finishes, then a
summary line; --out FILE writes everything as one JSON document. Per level and endpoint:
requests, requests/s, p50/p95/p99/max ms (over every request, errors included), errors with
their statuses and the first error's body; and for the machine: load average before and after,
CPU seconds of the gunicorn processes, of every PostgreSQL process on the machine (other
databases' work included) and of this client, over the level's wall time. A client near one
full core (client_cpu_share ≈ 1) was itself the bottleneck.

Bounded: loopback targets and databases only; a hard deadline (--deadline, from the plan by
default) ends everything; the server it started is stopped on the way out, on Ctrl-C, on an
error and at the deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import ipaddress
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import _load_client as lc  # noqa: E402

BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kith_load"


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- Loopback only ------------------------------------------------------------------------------


def require_loopback(host: str, what: str) -> None:
    if not host or host.startswith("/"):
        return  # a unix socket (PostgreSQL's default when no host is given)
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror as exc:
        raise SystemExit(f"{what}: cannot resolve {host!r}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_loopback:
            raise SystemExit(f"{what}: {host} is not a loopback address; this bench stays local")


def masked(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":…@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


# --- The database -------------------------------------------------------------------------------


def person_count(url: str) -> int | None:
    """People in the directory; 0 for a database without Kith's tables, None when missing."""
    import psycopg

    try:
        conn = psycopg.connect(url, connect_timeout=10)
    except psycopg.OperationalError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    with conn:
        row = conn.execute("SELECT to_regclass('directory_person')").fetchone()
        if row is None or row[0] is None:
            return 0
        counted = conn.execute("SELECT count(*) FROM directory_person").fetchone()
        return int(counted[0]) if counted else 0


def create_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def kith(args: list[str], env: dict[str, str], *, timeout: float | None = None) -> str:
    done = subprocess.run(
        [str(BIN / "kith"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"kith {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def development_env(args: argparse.Namespace) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": args.database_url, "KITH_DATA_DIR": str(args.data_dir)}
    for name in ("KITH_MODE", "KITH_DEBUG"):
        env.pop(name, None)
    env["KITH_LOG_LEVEL"] = "WARNING"
    return env


def seeded_secret_key(env: dict[str, str]) -> str:
    """The SECRET_KEY a development-mode command (seed_demo) uses with this environment."""
    code = "import config.settings as s; print(s.SECRET_KEY)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"reading the settings failed:\n{done.stderr}")
    return done.stdout.strip()


def prepare_database(args: argparse.Namespace, dev_env: dict[str, str]) -> dict[str, Any]:
    parts = urlsplit(args.database_url)
    require_loopback(parts.hostname or "", "--database-url")
    count = person_count(args.database_url)
    info: dict[str, Any] = {"url": masked(args.database_url), "seeded": False}
    if count is not None and count >= args.people:
        info["people"] = count
        pending = subprocess.run(
            [str(BIN / "kith"), "migrate", "--check"],
            cwd=ROOT,
            env=dev_env,
            capture_output=True,
            text=True,
        )
        if pending.returncode != 0:
            info["pending_migrations"] = True
            log("warning: the database has unapplied migrations (not applied: it is reused)")
        log(f"reusing {masked(args.database_url)}: {count} people")
        return info
    if count is None and not args.seed:
        raise SystemExit(f"{masked(args.database_url)} does not exist; --seed creates and seeds it")
    if count:
        raise SystemExit(
            f"{masked(args.database_url)} has {count} people, fewer than --people {args.people}; "
            "seed_demo only fills an empty database: use another --database-url or --people"
        )
    if count is None:
        log(f"creating {masked(args.database_url)}")
        create_database(args.database_url)
    log("migrating")
    kith(["migrate", "-v", "0"], dev_env)
    log(f"seeding {args.people} people (kith seed_demo; minutes at 100k)")
    started = time.monotonic()
    kith(["seed_demo", "--people", str(args.people), "--seed", str(args.demo_seed)], dev_env)
    info.update(seeded=True, seed_seconds=round(time.monotonic() - started, 1))
    info["people"] = person_count(args.database_url)
    return info


def demo_emails(dev_env: dict[str, str]) -> dict[str, str]:
    emails = dict(lc.DEMO_EMAILS)
    try:
        out = kith(["demo_logins"], dev_env, timeout=120)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        log(f"kith demo_logins failed, using the usual demo addresses: {exc}")
        return emails
    roles = {"Employee": "employee", "Manager": "manager", "HR": "hr"}
    for line in out.splitlines():
        found = re.match(r"\s*(Employee|Manager|HR admin)\s+(\S+@\S+)", line)
        if found:
            emails[roles[found.group(1).split()[0]]] = found.group(2)
    return emails


HEAD_SESSION = """
import json
from django.test import Client
from kith.accounts.models import User
from kith.directory.models import Person
ceo = Person.objects.filter(manager__isnull=True, is_active=True, reports__isnull=False)
ceo = ceo.order_by("id").first()
best, size = None, -1
heads = Person.objects.filter(manager=ceo, is_active=True, org_unit__isnull=False)
for head in heads.select_related("org_unit"):
    n = Person.objects.filter(org_unit__path__startswith=head.org_unit.path, is_active=True)
    n = n.count()
    if n > size:
        best, size = head, n
user = User.objects.get(email__iexact=best.email, is_active=True)
client = Client()
client.force_login(user)
cookies = {k: m.value for k, m in client.cookies.items()}
out = {"email": user.email, "unit": best.org_unit.name, "people": size, "cookies": cookies}
print("HEAD " + json.dumps(out))
"""


def head_session(env: dict[str, str]) -> tuple[lc.Session, dict[str, Any]]:
    out = kith(["shell", "-c", HEAD_SESSION], env, timeout=300)
    line = next(x for x in out.splitlines() if x.startswith("HEAD "))
    data = json.loads(line[5:])
    session = lc.Session("head", data["email"], data["cookies"])
    return session, {"email": data["email"], "unit": data["unit"], "people": data["people"]}


# --- The web server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn in production mode, in its own process group, stopped whatever happens."""

    def __init__(self, args: argparse.Namespace, secret_key: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        origin = f"https://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "KITH_MODE": "production",
            "SECRET_KEY": secret_key,
            "DATABASE_URL": args.database_url,
            "KITH_DATA_DIR": str(args.data_dir),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": origin,
            "KITH_BASE_URL": origin,
            # Never used (nothing here sends mail); production refuses to start without it.
            "EMAIL_HOST": "127.0.0.1",
            "KITH_TRUSTED_PROXY_COUNT": "1",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("KITH_DEBUG", None)
        self.command = [
            str(BIN / "gunicorn"),
            "-c",
            "python:config.gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(args.workers),
        ]
        if args.threads:
            self.command += ["--threads", str(args.threads)]
        self.log_path = Path(args.data_dir) / f"bench-gunicorn-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def collectstatic(self) -> None:
        """The manifest storage production serves from; skipped when the collected files are
        newer than every file under kith/*/static/."""
        manifest = Path(self.env["KITH_DATA_DIR"]) / "static" / "staticfiles.json"
        sources = (p for p in ROOT.glob("kith/*/static/**/*") if p.is_file())
        newest = max((p.stat().st_mtime for p in sources), default=0.0)
        if manifest.exists() and manifest.stat().st_mtime > newest:
            return
        log("collectstatic (manifest storage, as production serves it)")
        kith(["collectstatic", "--noinput", "-v", "0"], self.env)

    def start(self, wait_s: float = 180) -> None:
        log(f"starting {' '.join(self.command[1:])}")
        with open(self.log_path, "wb") as out:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as reply:
                    if reply.status == 200:
                        log(f"up at {self.url} (log {self.log_path})")
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"/healthz did not answer within {wait_s:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        with self._lock:
            process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        for sig, wait in ((signal.SIGINT, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                return
            try:
                process.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # Workers left behind by a master killed outright.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def log_findings(self) -> dict[str, Any]:
        """Tracebacks and worker timeouts in the server's log (the last line of each)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return {}
        errors: dict[str, int] = {}
        in_traceback = False
        for line in text.splitlines():
            if line.startswith("Traceback (most recent call last)"):
                in_traceback = True
            elif in_traceback and line.strip() and not line.startswith((" ", "\t")):
                # The exception's own line: the first one not indented after the frames.
                errors[line.strip()[:200]] = errors.get(line.strip()[:200], 0) + 1
                in_traceback = False
        status = re.compile(r'" (\d{3}) ')
        statuses: dict[str, int] = {}
        for line in text.splitlines():
            found = status.search(line)
            if found and not found.group(1).startswith(("2", "3")):
                statuses[found.group(1)] = statuses.get(found.group(1), 0) + 1
        return {
            "log": str(self.log_path),
            "tracebacks": sum(errors.values()),
            "errors": [
                {"error": e, "count": n} for e, n in sorted(errors.items(), key=lambda x: -x[1])
            ][:8],
            "worker_timeouts": text.count("WORKER TIMEOUT"),
            "access_log_error_statuses": statuses,
        }


# --- CPU and load -------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def processes() -> dict[int, tuple[int, str, float]]:
    """pid → (parent pid, command name, CPU seconds) from /proc (Linux)."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
        table[int(entry.name)] = (int(fields[1]), name, cpu)
    return table


def snapshot(server_pid: int | None) -> dict[str, float]:
    table = processes() if os.path.isdir("/proc") else {}
    tree: set[int] = set()
    if server_pid is not None and server_pid in table:
        tree.add(server_pid)
        grew = True
        while grew:
            grew = False
            for pid, (ppid, _, _) in table.items():
                if ppid in tree and pid not in tree:
                    tree.add(pid)
                    grew = True
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "time": time.monotonic(),
        "server_cpu": sum(table[p][2] for p in tree),
        "server_processes": len(tree),
        "postgres_cpu": sum(c for _, name, c in table.values() if name.startswith("postgres")),
        "client_cpu": usage.ru_utime + usage.ru_stime,
    }


def machine(before: dict[str, float], after: dict[str, float], load_before: Any) -> dict[str, Any]:
    wall = after["time"] - before["time"]
    client = after["client_cpu"] - before["client_cpu"]
    out: dict[str, Any] = {
        "cores": os.cpu_count(),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "wall_s": round(wall, 1),
        "client_cpu_s": round(client, 1),
        "client_cpu_share": round(client / wall, 2) if wall else None,
        "postgres_cpu_s": round(after["postgres_cpu"] - before["postgres_cpu"], 1),
    }
    if after["server_processes"]:
        out["server_cpu_s"] = round(max(0.0, after["server_cpu"] - before["server_cpu"]), 1)
        out["server_processes"] = int(after["server_processes"])
    return out


# --- The run ------------------------------------------------------------------------------------


def parse_weights(text: str) -> dict[str, float]:
    weights = {}
    for item in filter(None, (x.strip() for x in text.split(","))):
        name, _, value = item.partition("=")
        if name not in lc.DEFAULT_MIX:
            raise SystemExit(
                f"--weights: unknown endpoint {name!r}; known: {', '.join(lc.DEFAULT_MIX)}"
            )
        weights[name] = float(value)
    return weights


async def measure(
    args: argparse.Namespace,
    target: lc.Target,
    emails: dict[str, str],
    head: tuple[lc.Session, dict[str, Any]] | None,
    server_pid: int | None,
    report: dict[str, Any],
) -> None:
    levels = [int(x) for x in args.users.split(",") if x.strip()]
    async with target.client(max([*levels, 4])) as http:
        sessions: dict[str, list[lc.Session]] = {}
        for role in ("employee", "manager", "hr"):
            sessions[role] = []
            for _ in range(args.sessions_per_role):
                sessions[role].append(
                    await lc.sign_in(http, target, role, emails[role], lc.DEMO_PASSWORD)
                )
        log(f"signed in: {', '.join(f'{r} {emails[r]} ×{len(s)}' for r, s in sessions.items())}")
        if head is not None:
            check = await target.request(http, "/", head[0])
            if check.error:
                report["notes"].append(f"the department head's session was refused: {check.error}")
            else:
                sessions["head"] = [head[0]]
                report["head"] = head[1]
        found = await lc.discover(http, target, sessions, args.wave)
        skipped = set(filter(None, args.skip.split(",")))
        mix = [
            e
            for e in lc.build_mix(found, parse_weights(args.weights))
            if e.role in sessions and e.name not in skipped
        ]
        report["notes"] += found.notes
        report.update(
            wave_id=found.wave_id,
            directory_pages=found.directory_pages,
            profiles=len(found.person_ids),
            logins={r: emails[r] for r in ("employee", "manager", "hr")},
            sessions={r: len(s) for r, s in sessions.items()},
            mix={e.name: {"role": e.role, "weight": e.weight, "what": e.what} for e in mix},
        )
        log(f"wave {found.wave_id}, {found.directory_pages} directory pages")
        if args.single:
            log(f"single requests: {len(mix)} endpoints × {args.repeat}")
            rows = await lc.single(http, target, mix, sessions, args.repeat)
            for row in rows:
                print(json.dumps(row), flush=True)
            report["single"] = rows
            return
        if args.warmup > 0:
            log(f"warm-up: {min(levels)} users for {args.warmup:g} s")
            run = await lc.closed_loop(
                http, target, mix, sessions, users=min(levels), duration_s=args.warmup,
                max_requests=args.max_requests, seed=args.rng_seed + 999,
            )  # fmt: skip
            report["warmup"] = lc.summarise(run.samples, run.seconds)
        report["levels"] = []
        for users in levels:
            log(f"{users} users for {args.duration:g} s (at most {args.max_requests} requests)")
            load_before = os.getloadavg()
            before = snapshot(server_pid)
            run = await lc.closed_loop(
                http, target, mix, sessions, users=users, duration_s=args.duration,
                max_requests=args.max_requests, seed=args.rng_seed + users,
            )  # fmt: skip
            after = snapshot(server_pid)
            row = {
                "users": users,
                "duration_s": args.duration,
                "seconds": round(run.seconds, 1),
                "capped_by_max_requests": run.capped,
                **lc.level_report(run, mix),
                "machine": machine(before, after, load_before),
            }
            print(json.dumps(row), flush=True)
            total = row["total"]
            log(
                f"{users} users: {total['rps']} req/s, p95 {total['p95_ms']} ms, "
                f"{total['errors']} errors"
            )
            report["levels"].append(row)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", action="store_true", help="create and seed a missing database")
    parser.add_argument("--demo-seed", type=int, default=1, help="seed_demo's --seed")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("KITH_DATA_DIR") or "/tmp/kith-bench-load"),
        help="KITH_DATA_DIR of the server (static files, its log); $KITH_DATA_DIR by default",
    )
    parser.add_argument("--url", help="an already running server on this machine instead")
    parser.add_argument("--server-pid", type=int, help="with --url: its master, for CPU time")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, help="default: config/gunicorn.py's")
    parser.add_argument("--users", default="10,50", help="concurrency levels, comma-separated")
    parser.add_argument("--duration", type=float, default=60, help="seconds per level")
    parser.add_argument("--warmup", type=float, default=10, help="seconds, not measured")
    parser.add_argument("--max-requests", type=int, default=50_000, help="per level")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument("--sessions-per-role", type=int, default=2)
    parser.add_argument("--weights", default="", help="name=weight,… (see above)")
    parser.add_argument("--skip", default="", help="endpoints left out, also by --single")
    parser.add_argument("--wave", type=int, help="the Pulse wave for the results pages")
    parser.add_argument("--no-head", action="store_true", help="no department head session")
    parser.add_argument("--single", action="store_true", help="each endpoint alone instead")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per endpoint")
    parser.add_argument("--rng-seed", type=int, default=1)
    parser.add_argument("--deadline", type=float, help="hard stop, seconds after setup")
    parser.add_argument("--out", type=Path, help="also write all results to this JSON file")
    args = parser.parse_args()
    args.data_dir = args.data_dir.resolve()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    levels = [int(x) for x in args.users.split(",") if x.strip()]
    if not levels or min(levels) < 1 or max(levels) > 500:
        raise SystemExit("--users: one or more levels between 1 and 500")
    if args.duration <= 0 or args.duration > 3600 or args.max_requests < 1:
        raise SystemExit("--duration: 0 to 3600 s; --max-requests: at least 1")

    report: dict[str, Any] = {
        "benchmark": "load",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": "single" if args.single else "load",
        "notes": [],
    }
    server: Server | None = None
    dev_env = development_env(args)

    def hard_stop() -> None:
        log("hard deadline reached: stopping")
        if server is not None:
            server.stop()
        print(json.dumps({**report, "error": "hard deadline reached"}), flush=True)
        os._exit(124)

    def terminated(signum: int, frame: Any) -> None:
        log(f"signal {signum}")
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, terminated)
    watchdog: threading.Timer | None = None
    require_loopback(urlsplit(args.database_url).hostname or "", "--database-url")
    try:
        if args.url:
            parts = urlsplit(args.url)
            require_loopback(parts.hostname or "", "--url")
            url = args.url
            server_pid = args.server_pid
            report["server"] = {"url": url, "started": False}
            head_env = {**os.environ, "DATABASE_URL": args.database_url}
        else:
            report["database"] = prepare_database(args, dev_env)
            secret_key = seeded_secret_key(dev_env)
            server = Server(args, secret_key)
            server.collectstatic()
            server.start()
            assert server.process is not None
            url, server_pid = server.url, server.process.pid
            report["server"] = {
                "url": url,
                "started": True,
                "command": " ".join(["gunicorn", *server.command[1:]]),
                "workers": args.workers,
                "threads": args.threads or "config/gunicorn.py",
                "log": str(server.log_path),
            }
            head_env = server.env
        if args.deadline is None:
            work = (
                15 * (args.repeat + 1) * 5
                if args.single
                else args.warmup + len(levels) * (args.duration + args.timeout + 15)
            )
            args.deadline = 600 + work
        watchdog = threading.Timer(args.deadline, hard_stop)
        watchdog.daemon = True
        watchdog.start()
        emails = demo_emails(dev_env)
        head = None
        if not args.no_head:
            try:
                head = head_session(head_env)
            except (RuntimeError, StopIteration, subprocess.TimeoutExpired) as exc:
                report["notes"].append(f"no department head session: {str(exc)[-300:]}")
        target = lc.Target(url, args.timeout)
        asyncio.run(measure(args, target, emails, head, server_pid, report))
    except KeyboardInterrupt:
        report["error"] = "interrupted"
        log("interrupted: stopping")
    except (RuntimeError, OSError, lc.SignInFailed) as exc:
        report["error"] = f"{type(exc).__name__}: {str(exc)[-2000:]}"
        log(f"failed: {report['error']}")
    finally:
        if watchdog is not None:
            watchdog.cancel()
        if server is not None:
            server.stop()
            report["server_log"] = server.log_findings()
    summary = {k: v for k, v in report.items() if k not in ("levels", "single")}
    if "levels" in report:
        summary["levels"] = [
            {"users": row["users"], **row["total"], "machine": row["machine"]}
            for row in report["levels"]
        ]
    print(json.dumps(summary), flush=True)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
        log(f"results in {args.out}")
    if "error" in report:
        sys.exit(1)


if __name__ == "__main__":
    main()
