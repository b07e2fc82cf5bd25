"""Folder names of the app/ tree become classified segments."""

from __future__ import annotations

import pytest

from approutes.routing.segment import Segment, SegmentKind, parse_segment, segment_label

# Folder names as segment_label writes them back: (folder, kind, name).
CANONICAL_FOLDERS = [
    pytest.param("users", "static", "users", id="static"),
    pytest.param("v1.2", "static", "v1.2", id="static-with-dot"),
    pytest.param("Users", "static", "Users", id="static-keeps-case"),
    pytest.param("[id]", "dynamic", "id", id="dynamic"),
    pytest.param("[user_id2]", "dynamic", "user_id2", id="dynamic-underscore-digits"),
    pytest.param("[...path]", "catch_all", "path", id="catch-all"),
    pytest.param("[[...slug]]", "optional_catch_all", "slug", id="optional-catch-all"),
    pytest.param("(admin)", "group", "admin", id="group"),
    pytest.param("(marketing site)", "group", "marketing site", id="group-with-space"),
    pytest.param("_lib", "private", "_lib", id="private"),
    pytest.param("__internal", "private", "__internal", id="private-double-underscore"),
]
# "%5F" is Next's escape for a literal leading underscore: the name is the decoded text.
ESCAPED_FOLDERS = [
    pytest.param("%5Fnext", "static", "_next", id="escaped-underscore-upper"),
    pytest.param("%5fnext", "static", "_next", id="escaped-underscore-lower"),
]


@pytest.mark.parametrize(("folder", "kind", "name"), [*CANONICAL_FOLDERS, *ESCAPED_FOLDERS])
def test_parse_segment_classifies_folder_names(folder: str, kind: SegmentKind, name: str) -> None:
    assert parse_segment(folder) == Segment(kind, name)


@pytest.mark.parametrize(
    "folder",
    [
        pytest.param("[id", id="unclosed-bracket"),
        pytest.param("id]", id="unopened-bracket"),
        pytest.param("[]", id="empty-name"),
        pytest.param("[...]", id="catch-all-without-name"),
        pytest.param("[[...]]", id="optional-catch-all-without-name"),
        pytest.param("[[id]]", id="double-brackets-without-dots"),
        pytest.param("[[...slug]", id="optional-catch-all-missing-bracket"),
        pytest.param("[..slug]", id="two-dots"),
        pytest.param("[1id]", id="name-starts-with-digit"),
        pytest.param("[user-id]", id="name-with-dash"),
        pytest.param("[id]x", id="trailing-text"),
        pytest.param("x[id]", id="leading-text"),
    ],
)
def test_parse_segment_rejects_malformed_brackets(folder: str) -> None:
    with pytest.raises(ValueError, match="brackets"):
        parse_segment(folder)


@pytest.mark.parametrize(("folder", "kind", "name"), CANONICAL_FOLDERS)
def test_segment_label_writes_the_folder_name_back(
    folder: str, kind: SegmentKind, name: str
) -> None:
    assert segment_label(Segment(kind, name)) == folder
    assert segment_label(parse_segment(folder)) == folder


@pytest.mark.parametrize(
    ("folder", "url_text"),
    [
        pytest.param("hello", "hello", id="plain"),
        pytest.param("a b", "a%20b", id="space-escaped"),
        pytest.param("café", "caf%C3%A9", id="non-ascii-utf8-escaped"),
        pytest.param("a@b:c", "a@b:c", id="pchar-kept"),
        pytest.param("%5Fname", "_name", id="escaped-underscore-is-literal"),
    ],
)
def test_static_segment_url_text_is_the_request_path_spelling(folder: str, url_text: str) -> None:
    assert parse_segment(folder).url_text == url_text
