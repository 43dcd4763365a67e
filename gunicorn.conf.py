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

from claimtracker.lib.env import env_bool

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1") if env_bool("BEHIND_PROXY") else ""
