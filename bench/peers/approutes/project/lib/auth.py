"""The project's Auth, with the secret every S9 peer shares."""

from benchwork import AUTH_SECRET

from approutes.auth import Auth

auth = Auth(secret=AUTH_SECRET)
