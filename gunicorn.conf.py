"""Gunicorn settings: an access log that records no client address, user agent or referrer."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:" + os.environ.get("PORT", "5000"))
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
accesslog = "-"
errorlog = "-"
# Time, request line (path without query string), status, bytes, duration. Deliberately absent:
# %(h)s (address), %(a)s (user agent), %(f)s (referrer), %(q)s (query), %({...}i)s (headers).
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# Proxies' forwarding headers are never trusted or logged.
forwarded_allow_ips = ""
proxy_allow_ips = ""
