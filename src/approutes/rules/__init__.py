"""Internal: the settings rules around middleware, as Next's next.config applies them.

- `path_pattern`, `conditions`, `matcher`: Next's matcher / `source` syntax (path-to-regexp
  v6), `has` / `missing`, destinations; compiled once, matched per request. `middleware.py`'s
  matcher uses them too.
- `tables`: `[[headers]]`, `[[redirects]]`, `[[rewrites]]` compiled from the settings.
- `cors_table`, `cors`: the `[cors]` table and the policy that answers preflights.
- `rule_set`: all of them applied to a request, phase by phase.
"""
