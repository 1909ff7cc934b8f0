"""gunicorn settings for Kith: `gunicorn -c python:config.gunicorn config.wsgi:application`.

The access log holds the path without its query string and no referrer: a search such as
/people/?q=Jane+Doe must not write a name into the logs (docs/privacy.md)."""

accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
threads = 4
graceful_timeout = 20
