"""Request paths: 308 targets, dot segments, splitting and param decoding."""

from __future__ import annotations

import pytest

from approutes.errors import BadRequest
from approutes.routing.request_path import (
    decode_param,
    redirect_target,
    split_path,
)
from approutes.web.url_path import remove_dot_segments


@pytest.mark.parametrize(
    ("path", "target"),
    [
        pytest.param("/api/hello/", "/api/hello", id="trailing-slash-removed"),
        pytest.param("/api//hello", "/api/hello", id="double-slash-collapsed"),
        pytest.param("//api///hello//", "/api/hello", id="many-slashes-collapsed-and-trimmed"),
        pytest.param("/api/hello", None, id="canonical-path"),
        pytest.param("/", None, id="root-is-canonical"),
        pytest.param("//", "/", id="double-root-collapses-to-root"),
    ],
)
def test_redirect_target_without_trailing_slash_setting(path: str, target: str | None) -> None:
    assert redirect_target(path) == target


@pytest.mark.parametrize(
    ("path", "target"),
    [
        pytest.param("/api/hello", "/api/hello/", id="slash-added"),
        pytest.param("/api/hello/", None, id="already-has-slash"),
        pytest.param("/api//hello", "/api/hello/", id="collapsed-and-slash-added"),
        pytest.param("/", None, id="root"),
    ],
)
def test_redirect_target_with_trailing_slash_setting(path: str, target: str | None) -> None:
    assert redirect_target(path, trailing_slash=True) == target


@pytest.mark.parametrize(
    ("path", "resolved"),
    [
        pytest.param("/api/files/a/../b", "/api/files/b", id="dot-dot-pops"),
        pytest.param("/api/./hello", "/api/hello", id="single-dot-removed"),
        pytest.param("/../api", "/api", id="dot-dot-above-root-stays-at-root"),
        pytest.param("/api/files/a/..", "/api/files/", id="trailing-dot-dot-keeps-slash"),
        pytest.param("/api/files/.", "/api/files/", id="trailing-dot-keeps-slash"),
        pytest.param("/api/%2E%2E/x", "/api/%2E%2E/x", id="encoded-dots-not-resolved"),
        pytest.param("/api/.hidden/x", "/api/.hidden/x", id="dot-prefixed-name-kept"),
        pytest.param("/api/..b/x", "/api/..b/x", id="dot-dot-prefixed-name-kept"),
        pytest.param("/api/hello", "/api/hello", id="no-dots-unchanged"),
    ],
)
def test_resolve_dots_follows_the_url_parser(path: str, resolved: str) -> None:
    assert remove_dot_segments(path) == resolved


@pytest.mark.parametrize(
    ("path", "parts"),
    [
        pytest.param("/", [], id="root-has-no-segments"),
        pytest.param("/api", ["api"], id="one-segment"),
        pytest.param("/api/users/42", ["api", "users", "42"], id="three-segments"),
        pytest.param("/api/a%2Fb", ["api", "a%2Fb"], id="encoded-slash-does-not-split"),
    ],
)
def test_split_path_gives_raw_segments(path: str, parts: list[str]) -> None:
    assert split_path(path) == parts


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        pytest.param("plain", "plain", id="no-escapes"),
        pytest.param("a%20b", "a b", id="space"),
        pytest.param("%C3%A9t%C3%A9", "été", id="utf8"),
        pytest.param("%c3%a9", "é", id="lower-case-hex"),
        pytest.param("a%2Fb", "a/b", id="encoded-slash-stays-inside"),
        pytest.param("100%25", "100%", id="percent"),
        pytest.param("%2525", "%25", id="decoded-exactly-once"),
        pytest.param("1+1", "1+1", id="plus-stays-plus"),
        pytest.param("a%2Bb", "a+b", id="encoded-plus"),
    ],
)
def test_decode_param_percent_decodes_once(raw: str, decoded: str) -> None:
    assert decode_param(raw) == decoded


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("%ZZ", id="non-hex-escape"),
        pytest.param("a%", id="lone-percent-at-end"),
        pytest.param("a%2", id="one-hex-digit"),
        pytest.param("%G0", id="first-digit-not-hex"),
        pytest.param("%FF", id="not-utf8"),
        pytest.param("%C3", id="truncated-utf8"),
    ],
)
def test_decode_param_rejects_undecodable_segments_with_400(raw: str) -> None:
    with pytest.raises(BadRequest) as caught:
        decode_param(raw)
    assert caught.value.status == 400
