"""web/url_path: the normal form of a request path and of a rewrite target."""

from __future__ import annotations

import pytest

from approutes.web.url_path import decode_unreserved, normalize_rewrite_path, remove_dot_segments


@pytest.mark.parametrize(
    ("path", "normal"),
    [
        pytest.param("/api/echo/%73ecret", "/api/echo/secret", id="letter"),
        pytest.param("/api/%41%7a%30%2D%5F%7E", "/api/Az0-_~", id="every-unreserved-kind"),
        pytest.param("/api/a%2Fb", "/api/a%2Fb", id="slash-stays"),
        pytest.param("/api/%2e%2E", "/api/%2e%2E", id="dot-stays"),
        pytest.param("/api/%20%25%C3%A9", "/api/%20%25%C3%A9", id="reserved-and-bytes-stay"),
        pytest.param("/api/%zz%4", "/api/%zz%4", id="malformed-left-for-the-router"),
    ],
)
def test_only_unreserved_escapes_but_dot_are_decoded(path: str, normal: str) -> None:
    assert decode_unreserved(path) == normal


@pytest.mark.parametrize(
    ("target", "path"),
    [
        pytest.param("/api/files/..", "/api/", id="dot-dot-last"),
        pytest.param("/api/files/../secret", "/api/secret", id="dot-dot-inside"),
        pytest.param("/api/files/%2e%2e", "/api/", id="encoded"),
        pytest.param("/api/files/%2E%2e/x", "/api/x", id="encoded-mixed-case"),
        pytest.param("/api/files/.%2e/x", "/api/x", id="half-encoded"),
        pytest.param("/api/files/%2e", "/api/files/", id="encoded-single"),
        pytest.param("/../../etc", "/etc", id="above-the-root"),
        pytest.param("/api\\files\\..\\x", "/api/x", id="backslashes"),
        pytest.param("/api/日本", "/api/%E6%97%A5%E6%9C%AC", id="non-ascii"),
        pytest.param("/api/files/%61%2Fb", "/api/files/a%2Fb", id="unreserved-decoded"),
        pytest.param("api/x", "/api/x", id="relative"),
    ],
)
def test_a_rewrite_target_is_read_as_a_url_parser_reads_it(target: str, path: str) -> None:
    assert normalize_rewrite_path(target) == path


def test_a_request_path_keeps_its_encoded_dots() -> None:
    """COMPAT(next): the request's own `%2E%2E` is not resolved; no route matches it."""
    assert remove_dot_segments("/api/%2E%2E/x") == "/api/%2E%2E/x"
    assert remove_dot_segments("/api/%2E%2E/x", encoded=True) == "/x"
