"""Property tests for Next's `source` syntax (PathPattern) and destinations.

Sources come from a small grammar: `/STATIC` words and `/:name` parameters with the `?`,
`*` and `+` modifiers. A path is built from a source and generated values, and must match
with exactly those values. Static words start with `S` and values never start with `S` or
`s`, and between two static words at most one parameter takes a variable number of
segments, so each path can be read back in one way only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from hypothesis import example, given, note
from hypothesis import strategies as st

from approutes.rules.path_pattern import PathPattern, PatternError, compile_destination

Modifier: TypeAlias = Literal["", "?", "*", "+"]
Value: TypeAlias = str | list[str]


@dataclass(frozen=True)
class Static:
    word: str


@dataclass(frozen=True)
class Param:
    name: str
    modifier: Modifier


Token: TypeAlias = Static | Param


def source_of(tokens: list[Token]) -> str:
    return "".join(
        f"/{t.word}" if isinstance(t, Static) else f"/:{t.name}{t.modifier}" for t in tokens
    )


def path_of(tokens: list[Token], params: dict[str, Value]) -> str:
    """The path `tokens` match with `params` (an absent or empty value takes no segment)."""
    out = []
    for token in tokens:
        if isinstance(token, Static):
            out.append(f"/{token.word}")
            continue
        value = params.get(token.name, [])
        out.extend(f"/{v}" for v in ([value] if isinstance(value, str) else value))
    return "".join(out)


def _one_variable_per_run(tokens: list[Token]) -> list[Token]:
    """Make every `?`/`*`/`+` parameter after the first of a run (between statics) plain."""
    out: list[Token] = []
    seen = False
    for token in tokens:
        if isinstance(token, Static):
            seen = False
        elif token.modifier:
            out.append(Param(token.name, "") if seen else token)
            seen = True
            continue
        out.append(token)
    return out


static_words = st.from_regex(r"S[A-Za-z0-9_.~-]{0,4}", fullmatch=True)
param_names = st.from_regex(r"[a-z_][A-Za-z0-9_]{0,5}", fullmatch=True)
segment_values = st.text(st.characters(exclude_characters="/#?"), min_size=1, max_size=6).filter(
    lambda v: v[0] not in "Ss"
)


@st.composite
def sources(draw: st.DrawFn, modifiers: tuple[Modifier, ...] = ("", "?", "*", "+")) -> list[Token]:
    names = draw(st.lists(param_names, max_size=5, unique=True))
    params: list[Token] = [Param(n, draw(st.sampled_from(modifiers))) for n in names]
    statics: list[Token] = [Static(w) for w in draw(st.lists(static_words, max_size=4))]
    tokens = draw(st.permutations(params + statics))
    if not tokens:
        tokens = [Static(draw(static_words))]
    return _one_variable_per_run(tokens)


@st.composite
def values_for(draw: st.DrawFn, tokens: list[Token]) -> dict[str, Value]:
    """Values for each parameter; an absent or empty one is left out, as `match` does."""
    params: dict[str, Value] = {}
    for token in tokens:
        if isinstance(token, Static):
            continue
        if token.modifier in ("", "?"):
            if token.modifier == "" or draw(st.booleans()):
                params[token.name] = draw(segment_values)
            continue
        low = 1 if token.modifier == "+" else 0
        values = draw(st.lists(segment_values, min_size=low, max_size=3))
        if values:
            params[token.name] = values
    return params


@st.composite
def sources_and_values(draw: st.DrawFn) -> tuple[list[Token], dict[str, Value]]:
    tokens = draw(sources())
    return tokens, draw(values_for(tokens))


@given(sources_and_values())
@example(([Param("a", "?"), Param("b", "")], {"b": "x"}))
@example(([Param("p", "*"), Static("S"), Param("q", "+")], {"q": ["x", "y"]}))
def test_a_path_built_from_a_source_matches_with_its_values(
    case: tuple[list[Token], dict[str, Value]],
) -> None:
    tokens, params = case
    source, path = source_of(tokens), path_of(tokens, params)
    note(f"{source!r} on {path!r}")
    pattern = PathPattern.compile(source)
    assert pattern.match(path) == params
    assert set(pattern.keys) == {t.name for t in tokens if isinstance(t, Param)}
    if path:
        # Next's middleware matchers: one trailing slash is allowed.
        assert PathPattern.compile(source, strict=False).match(path + "/") == params
        assert pattern.match(path + "/") is None
    # `[[redirects]]` and friends: static words match in either case, values as they are.
    swapped = path_of(
        [Static(t.word.swapcase()) if isinstance(t, Static) else t for t in tokens], params
    )
    assert PathPattern.compile(source, case_sensitive=False).match(swapped) == params


@st.composite
def plain_sources_and_values(draw: st.DrawFn) -> tuple[list[Token], dict[str, Value]]:
    tokens = draw(sources(modifiers=("",)))
    return tokens, draw(values_for(tokens))


@given(plain_sources_and_values(), segment_values)
def test_a_path_with_one_more_segment_does_not_match(
    case: tuple[list[Token], dict[str, Value]], extra: str
) -> None:
    tokens, params = case
    pattern = PathPattern.compile(source_of(tokens))
    assert pattern.match(path_of(tokens, params) + "/" + extra) is None


@st.composite
def destinations_and_values(draw: st.DrawFn) -> tuple[list[Token], dict[str, Value]]:
    # NOTE: no `?`: in a destination it starts the query.
    tokens = draw(sources(modifiers=("", "*", "+")))
    return tokens, draw(values_for(tokens))


@given(destinations_and_values())
def test_a_destination_fills_in_the_values_and_matches_its_own_source(
    case: tuple[list[Token], dict[str, Value]],
) -> None:
    tokens, params = case
    text = source_of(tokens)
    names = {t.name for t in tokens if isinstance(t, Param)}
    filled = compile_destination(text, names).fill(params)
    assert filled == path_of(tokens, params)
    assert PathPattern.compile(text).match(filled) == params
    # A plain parameter with no value leaves out its slot and the "/" before it.
    plain = [t for t in tokens if isinstance(t, Param) and not t.modifier]
    if plain:
        fewer = {k: v for k, v in params.items() if k != plain[0].name}
        assert compile_destination(text, names).fill(fewer) == path_of(tokens, fewer)


_SYNTAX = st.sampled_from([*"/:()*+?{}\\|.^$[]-abAB09_ ", "(?:", "(?!", "(?<n>", "(.*)"])


@given(st.lists(_SYNTAX, max_size=12).map("".join), st.text(max_size=12))
def test_any_source_compiles_or_raises_pattern_error(source: str, path: str) -> None:
    try:
        pattern = PathPattern.compile(source)
    except PatternError:
        return
    found = pattern.match(path)
    assert found is None or isinstance(found, dict)
