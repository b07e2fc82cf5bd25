"""Internal: a matched route file becomes a checked, ready-to-call RouteModule."""
