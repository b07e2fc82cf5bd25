"""Internal: Next's matcher and `source` syntax, compiled once, matched per request.

Used by `middleware.py`'s `config["matcher"]` and by the settings rules `[[headers]]`,
`[[redirects]]` and `[[rewrites]]` (`source`, `destination`, `has`, `missing`).

- `path_pattern`: `PathPattern` (path-to-regexp v6 syntax) and `Destination` filling.
- `conditions`: `has` / `missing` items.
- `matcher`: `Matcher` (one entry) and `compile_matchers` for middleware.
"""

from approutes.matching.conditions import Condition, ConditionType, compile_conditions
from approutes.matching.matcher import Matcher, any_match, compile_matchers
from approutes.matching.path_pattern import (
    Destination,
    Params,
    PathPattern,
    PatternError,
    compile_destination,
    compile_template,
)

__all__ = [
    "Condition",
    "ConditionType",
    "Destination",
    "Matcher",
    "Params",
    "PathPattern",
    "PatternError",
    "any_match",
    "compile_conditions",
    "compile_destination",
    "compile_matchers",
    "compile_template",
]
