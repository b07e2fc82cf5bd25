"""The chat's sessions: sign in with a name, then every socket knows who speaks.

AUTH_SECRET must be the same on every instance (a cookie signed by one is read by another).
"""

import os
import secrets

from approutes.auth import Auth

auth = Auth(secret=os.environ.get("AUTH_SECRET") or secrets.token_urlsafe(32), max_age=24 * 3600)
