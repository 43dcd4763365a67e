"""gunicorn's settings for Claim Tracker: run it as
``gunicorn -c gunicorn.conf.py claimtracker.wsgi --bind ...`` (docs/deployment.md).

gunicorn believes X-Forwarded-Proto (and the other forwarded headers) from the
addresses in ``forwarded_allow_ips``, and by default from 127.0.0.1 whatever
the app's settings say: with BEHIND_PROXY off, a client on the same host could
then make plain HTTP pass for HTTPS (and receive HSTS). Here the trust follows
BEHIND_PROXY, as the app's own (claimtracker/settings.py) does: off, no address
is believed; on, the proxy's addresses in FORWARDED_ALLOW_IPS (comma-separated,
127.0.0.1 and ::1 unless set).
"""

import os

from claimtracker.lib.env import env_bool, env_int

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1") if env_bool("BEHIND_PROXY") else ""

# A worker that takes longer than this on one request is restarted. The longest
# requests are the admin's CSV imports of up to IMPORT_ADMIN_MAX_ROWS rows (about
# 80 s); the proxy in front must wait as long (nginx: proxy_read_timeout).
timeout = env_int("GUNICORN_TIMEOUT", 120)
