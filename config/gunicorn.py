"""gunicorn settings for Kith: `gunicorn -c python:config.gunicorn config.wsgi:application`.

The access log holds the path without its query string and no referrer: a search such as
/people/?q=Jane+Doe must not write a name into the logs (docs/privacy.md), and a personal
survey link is masked."""

import re

from gunicorn.glogging import Logger

accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
threads = 4
graceful_timeout = 20


# A survey's personal link and a calendar feed's address identify their person: their
# secret parts never reach the log.
_SECRET_PATHS = (
    (re.compile(r"/pulse/s/[^/?\s]+"), "/pulse/s/…"),
    (re.compile(r"/events/feed/[^/?\s]+\.ics"), "/events/feed/….ics"),
)


class KithLogger(Logger):
    """gunicorn's logger, with personal survey links and calendar feed tokens masked."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                for pattern, mask in _SECRET_PATHS:
                    value = pattern.sub(mask, value)
                atoms[key] = value
        return atoms


logger_class = KithLogger
