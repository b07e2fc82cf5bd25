"""RuleSet: the settings rules of one project, applied to a request phase by phase.

In Next's order: the base path, then (before middleware) a CORS preflight and `[[redirects]]`;
after middleware, the `before_files` rewrites, then (after `public/`) the `after_files` ones
(a path that is a static route is never rewritten), and the `fallback` ones when no route
serves the path; on the way out, `[[headers]]` and the CORS headers, on whatever answered.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from approutes.errors import HTTPError, RouteNotFound
from approutes.rules.external import is_external
from approutes.web.response import Response, add_header_lines, has_header_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from approutes.rules.cors import CorsPolicy
    from approutes.rules.tables import HeaderRule, RedirectRule, RewriteRule
    from approutes.web.request import NextRequest

__all__ = ["RuleSet"]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The compiled rules of the settings; an empty one does nothing."""

    base_path: str = ""
    cors: CorsPolicy | None = None
    redirects: tuple[RedirectRule, ...] = ()
    rewrites: tuple[RewriteRule, ...] = ()
    """The `after_files` rewrites."""
    before_files: tuple[RewriteRule, ...] = ()
    fallback: tuple[RewriteRule, ...] = ()
    headers: tuple[HeaderRule, ...] = ()

    @property
    def acts(self) -> bool:
        """Whether any rule is set (derived from the fields, so a new rule cannot be missed)."""
        return any(getattr(self, field.name) for field in fields(self))

    def without_base_path(self, path: str) -> str | None:
        """`path` with the base path taken off; None when it lies outside the base path.

        >>> RuleSet(base_path="/docs").without_base_path("/docs/api")
        '/api'
        >>> RuleSet(base_path="/docs").without_base_path("/docsx") is None
        True
        """
        base = self.base_path
        if not base:
            return path
        if path != base and not path.startswith(base + "/"):
            return None
        return path[len(base) :] or "/"

    def strip_base_path(self, request: NextRequest) -> None:
        """Serve `request` without the base path.

        Raises:
            RouteNotFound: the path is outside the base path.
        """
        if not self.base_path:
            return
        path = self.without_base_path(request.path)
        if path is None:
            raise RouteNotFound
        request.path = path
        request.base_path = self.base_path

    def preflight(self, request: NextRequest) -> Response | None:
        """The answer to a CORS preflight from an allowed origin, else None."""
        if self.cors is None or request.method != "OPTIONS":  # PERF: asked of every request
            return None
        return self.cors.preflight(request)

    def before_middleware(self, request: NextRequest, path: str) -> Response | None:
        """A CORS preflight's answer or a `[[redirects]]` redirect for `path`; None to go on."""
        preflight = self.preflight(request)
        if preflight is not None:
            return preflight
        for rule in self.redirects:
            params = rule.matcher.match(request, path)
            if params is not None:
                target, _, query = rule.destination.fill(params).partition("?")
                if target.startswith("/"):
                    target = self.base_path + target
                # COMPAT(next): the request's query goes along to the destination.
                query = merge_query(query, request.next_url.search[1:])
                return Response.redirect(f"{target}?{query}" if query else target, rule.status)
        return None

    def rewrite(
        self, request: NextRequest, is_static: Callable[[str], bool], path: str
    ) -> str | None:
        """Apply the `after_files` rewrites to `path`, unless it is a static route.

        Returns:
            The URL on another origin to proxy the request to, if a rewrite named one.

        Raises:
            HTTPError: 500 for a rewrite loop, naming the paths.
        """
        if self.rewrites and not is_static(request.path):
            return _apply(self.rewrites, request, path, is_static)
        return None

    def rewrite_before_files(
        self, request: NextRequest, is_static: Callable[[str], bool], path: str
    ) -> str | None:
        """Apply the `before_files` rewrites to `path`, whatever serves it (as `rewrite`)."""
        return _apply(self.before_files, request, path, is_static) if self.before_files else None

    def rewrite_fallback(
        self, request: NextRequest, is_served: Callable[[str], bool]
    ) -> str | None:
        """Apply the `fallback` rewrites: the path is served by nothing else (as `rewrite`)."""
        return _apply(self.fallback, request, request.path, is_served)

    def decorate(self, request: NextRequest, path: str, response: Response) -> None:
        """Add the `[[headers]]` matching `path` and the CORS headers to `response`."""
        for rule in self.headers:
            params = rule.matcher.match(request, path)
            if params is None:
                continue
            lines = rule.lines
            if lines is not None and not has_header_of(response, lines):
                add_header_lines(response, lines)  # PERF: checked and encoded at start-up
                continue
            headers = response.headers
            for name, template in rule.headers:
                if not headers.has(name):  # the route's own header wins
                    headers.set(name, template.fill(params))
        if self.cors is not None:
            self.cors.decorate(request, response)


def _apply(
    rules: tuple[RewriteRule, ...], request: NextRequest, path: str, done: Callable[[str], bool]
) -> str | None:
    """Apply `rules` in order; stop once a rewritten path is `done` (something serves it).

    Returns:
        The URL, on another origin, of the first rule that leads off this app; None.

    Raises:
        HTTPError: 500 for a rewrite loop, naming the paths.
    """
    visited = [request.path]
    for rule in rules:
        params = rule.matcher.match(request, path)
        if params is None:
            continue
        target, _, query = rule.destination.fill(params).partition("?")
        query = merge_query(query, request.next_url.search[1:])
        if is_external(target):
            return f"{target}?{query}" if query else target
        request.reroute(target, query)
        path = request.path
        if path in visited[:-1]:
            trail = " -> ".join([*visited, path])
            raise HTTPError(500, f"Rewrite loop: {trail} (see [[rewrites]] in the settings)")
        visited.append(path)
        if done(path):
            return None
    return None


def merge_query(destination: str, original: str) -> str:
    """The destination's query, then the original's parameters it does not set.

    >>> merge_query("a=1", "a=2&b=3")
    'a=1&b=3'
    """
    if not original:
        return destination
    if not destination:
        return original
    taken = {pair.partition("=")[0] for pair in destination.split("&")}
    kept = [pair for pair in original.split("&") if pair.partition("=")[0] not in taken]
    return "&".join([destination, *kept])
