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


# A survey's personal link identifies its person; its path never reaches the log.
_SURVEY_LINK = re.compile(r"/pulse/s/[^/?\s]+")


class KithLogger(Logger):
    """gunicorn's logger, with personal survey links masked in the access log."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str) and "/pulse/s/" in value:
                atoms[key] = _SURVEY_LINK.sub("/pulse/s/…", value)
        return atoms


logger_class = KithLogger
