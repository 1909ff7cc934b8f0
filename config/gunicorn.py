"""gunicorn settings for Kith: `gunicorn -c python:config.gunicorn config.wsgi:application`.

The access log holds the path without its query string and no referrer: a search such as
/people/?q=Jane+Doe must not write a name into the logs (docs/privacy.md). Every secret path
that an app registers (kith.core.sensitive: personal survey links, calendar feeds, emailed
account links) is masked, in the access log and in gunicorn's error log alike.

The registry is filled when Django loads the apps, which each worker does when it imports
the application, before it serves its first request and so before its first log line."""

from pathlib import Path

from gunicorn.glogging import Logger

from kith.core.env import env_int, env_str
from kith.core.logsafe import MaskSecretsFilter
from kith.core.sensitive import mask_secrets

# Kith's own files stay in its data directory (KITH_DATA_DIR, as in config/settings.py): the
# control socket of `gunicornc` (gunicorn ≥ 25.1) is var/gunicorn.ctl, not ~/.gunicorn/.
_DATA_DIR = Path(env_str("KITH_DATA_DIR", str(Path(__file__).resolve().parent.parent / "var")))
control_socket = str(_DATA_DIR.resolve() / "gunicorn.ctl")

accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# Threads per worker process. 1 (the default) is gunicorn's sync worker: one request at a time
# per process. Kith's requests are mostly Python work, which one process runs on one core at a
# time, so more processes (--workers) serve more than more threads; at 100k people on 2 cores
# the threaded worker (4 threads) served 30 % fewer requests and, at 50 users, left some
# kept-alive connections waiting 30 s (docs/benchmarks.md, bench/load.py).
threads = env_int("KITH_WEB_THREADS", 1, minimum=1)
graceful_timeout = 20


class KithLogger(Logger):
    """gunicorn's logger, with every registered secret masked."""

    def setup(self, cfg):
        super().setup(cfg)
        # gunicorn's loggers do not propagate to the root logger, so they get the same
        # filter as the handlers in settings.LOGGING.
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, MaskSecretsFilter) for f in handler.filters):
                    handler.addFilter(MaskSecretsFilter())

    def atoms(self, resp, req, environ, request_time):
        # Masked here too, so a custom access_log_format (with %(r)s, %(f)s or a header)
        # cannot bring a secret back.
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = mask_secrets(value)
        return atoms


logger_class = KithLogger
