"""Internal: a matched route file becomes a checked, ready-to-call route.

`loader.py` is the one loader every road uses: app routes become a `RouteModule` (handler
plans, method table, segment config, cache policy), pages/api files a `PagesModule`.
"""
