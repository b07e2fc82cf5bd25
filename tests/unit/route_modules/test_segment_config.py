"""read_segment_config: module-level config names, checked at load."""

from __future__ import annotations

import math
from types import ModuleType

import pytest

from approutes.errors import RouteModuleError
from approutes.route_modules.segment_config import SegmentConfig, read_segment_config

FILE = "app/api/x/route.py"


def module(**names: object) -> ModuleType:
    """A route module with the given module-level names."""
    mod = ModuleType("route")
    for name, value in names.items():
        setattr(mod, name, value)
    return mod


def generate() -> list[dict[str, str]]:
    return [{"id": "1"}]


def test_module_without_config_gets_the_defaults() -> None:
    config = read_segment_config(module(), FILE)
    assert config == SegmentConfig()
    assert config.dynamic == "auto"
    assert config.revalidate is False
    assert config.tags == ()
    assert config.max_duration is None
    assert config.body_size_limit is None
    assert config.runtime == "python"
    assert config.dynamic_params is True
    assert config.generate_static_params is None
    assert config.describe() == {}


@pytest.mark.parametrize(
    ("name", "value", "read"),
    [
        pytest.param("dynamic", "force-static", "force-static", id="dynamic-force-static"),
        pytest.param("dynamic", "force-dynamic", "force-dynamic", id="dynamic-force-dynamic"),
        pytest.param("dynamic", "error", "error", id="dynamic-error"),
        pytest.param("dynamic", "auto", "auto", id="dynamic-auto"),
        pytest.param("revalidate", 60, 60, id="revalidate-seconds"),
        pytest.param("revalidate", 0, 0, id="revalidate-zero"),
        pytest.param("revalidate", 0.5, 0.5, id="revalidate-float"),
        pytest.param("revalidate", False, False, id="revalidate-false"),
        pytest.param("tags", ["users", "posts"], ("users", "posts"), id="tags-list"),
        pytest.param("tags", ("a",), ("a",), id="tags-tuple"),
        pytest.param("tags", [], (), id="tags-empty"),
        pytest.param("max_duration", 5, 5.0, id="max-duration-int"),
        pytest.param("max_duration", 0.25, 0.25, id="max-duration-float"),
        pytest.param("body_size_limit", "4mb", 4 * 1024 * 1024, id="body-limit-string"),
        pytest.param("body_size_limit", 2048, 2048, id="body-limit-bytes"),
        pytest.param("runtime", "process", "process", id="runtime-process"),
        pytest.param("runtime", "python", "python", id="runtime-python"),
        pytest.param("dynamic_params", False, False, id="dynamic-params-false"),
        pytest.param("generate_static_params", generate, generate, id="generate-static-params"),
    ],
)
def test_valid_values_are_read(name: str, value: object, read: object) -> None:
    config = read_segment_config(module(**{name: value}), FILE)
    assert getattr(config, name) == read


@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param("dynamic", "static", id="dynamic-unknown-word"),
        pytest.param("dynamic", "FORCE-STATIC", id="dynamic-wrong-case"),
        pytest.param("dynamic", None, id="dynamic-none"),
        pytest.param("revalidate", -1, id="revalidate-negative"),
        pytest.param("revalidate", True, id="revalidate-true"),
        pytest.param("revalidate", "60", id="revalidate-string"),
        pytest.param("revalidate", None, id="revalidate-none"),
        pytest.param("tags", "users", id="tags-string"),
        pytest.param("tags", [""], id="tags-empty-string"),
        pytest.param("tags", ["a", 1], id="tags-non-string"),
        pytest.param("max_duration", 0, id="max-duration-zero"),
        pytest.param("max_duration", -5, id="max-duration-negative"),
        pytest.param("max_duration", True, id="max-duration-bool"),
        pytest.param("max_duration", "10", id="max-duration-string"),
        pytest.param("body_size_limit", "lots", id="body-limit-word"),
        pytest.param("body_size_limit", -1, id="body-limit-negative"),
        pytest.param("body_size_limit", True, id="body-limit-bool"),
        pytest.param("body_size_limit", 1.5, id="body-limit-float"),
        pytest.param("runtime", "edge", id="runtime-edge"),
        pytest.param("runtime", "nodejs", id="runtime-nodejs"),
        pytest.param("dynamic_params", 0, id="dynamic-params-int"),
        pytest.param("dynamic_params", "false", id="dynamic-params-string"),
        pytest.param("generate_static_params", [{"id": "1"}], id="static-params-not-function"),
    ],
)
def test_out_of_range_values_refuse_to_load_naming_file_and_name(name: str, value: object) -> None:
    with pytest.raises(RouteModuleError) as caught:
        read_segment_config(module(**{name: value}), FILE)
    error = caught.value
    assert error.code == "bad-segment-config"
    assert error.files == (FILE,)
    assert name in error.problem
    assert error.fix


@pytest.mark.parametrize("name", ["revalidate", "max_duration"])
def test_nan_seconds_refuse_to_load(name: str) -> None:
    with pytest.raises(RouteModuleError):
        read_segment_config(module(**{name: math.nan}), FILE)


@pytest.mark.parametrize(
    ("next_name", "python_name"),
    [
        pytest.param("maxDuration", "max_duration", id="maxDuration"),
        pytest.param("dynamicParams", "dynamic_params", id="dynamicParams"),
        pytest.param("generateStaticParams", "generate_static_params", id="generateStaticParams"),
        pytest.param("bodySizeLimit", "body_size_limit", id="bodySizeLimit"),
    ],
)
def test_next_camel_case_names_refuse_to_load_with_the_python_spelling(
    next_name: str, python_name: str
) -> None:
    with pytest.raises(RouteModuleError) as caught:
        read_segment_config(module(**{next_name: 10}), FILE)
    assert caught.value.code == "bad-segment-config"
    assert caught.value.files == (FILE,)
    assert next_name in caught.value.problem
    assert python_name in caught.value.fix


def test_describe_lists_only_values_that_differ_from_the_defaults() -> None:
    config = read_segment_config(
        module(
            dynamic="force-static",
            revalidate=60,
            tags=["users"],
            max_duration=10,
            body_size_limit="1kb",
            runtime="process",
            dynamic_params=False,
            generate_static_params=generate,
        ),
        FILE,
    )
    assert config.describe() == {
        "dynamic": "force-static",
        "revalidate": 60,
        "tags": ["users"],
        "max_duration": 10.0,
        "body_size_limit": 1024,
        "runtime": "process",
        "dynamic_params": False,
        "generate_static_params": True,
    }


def test_describe_of_one_changed_value() -> None:
    assert SegmentConfig(tags=("a", "b")).describe() == {"tags": ["a", "b"]}


def test_describe_lists_revalidate_zero_although_it_equals_false() -> None:
    config = read_segment_config(module(revalidate=0), "app/x/route.py")
    assert config.describe() == {"revalidate": 0}
    assert SegmentConfig().describe() == {}
