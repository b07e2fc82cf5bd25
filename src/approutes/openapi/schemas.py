"""Handler type hints to JSON Schema, through pydantic, in one pass per document.

While the document is built, each operation asks for the schema of an annotation and gets
an empty placeholder dict back. `SchemaCollector.resolve()` then generates every schema at
once with `TypeAdapter.json_schemas`, so a model used by many handlers is one component and
two models that share a name get distinct ones; it fills the placeholders, and returns what
goes into `components.schemas`: the models' `$defs`, plus the framework's error shapes.
"""

from __future__ import annotations

import copy
import inspect
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import PydanticUserError, TypeAdapter
from pydantic.json_schema import (
    CoreModeRef,
    CoreRef,
    DefsRef,
    GenerateJsonSchema,
    JsonSchemaValue,
    JsonSchemaWarningKind,
)
from pydantic_core import PydanticSerializationError, PydanticUndefined, to_jsonable_python

from approutes.project.importer import MODULE_PREFIX

__all__ = [
    "REF_TEMPLATE",
    "Components",
    "FrameworkShape",
    "JsonSchemaMode",
    "QueryField",
    "SchemaCollector",
    "default_of",
]

JsonSchemaMode = Literal["validation", "serialization"]
FrameworkShape = Literal["error", "invalid_input"]
REF_TEMPLATE = "#/components/schemas/{model}"
# A route module's name, "approutes_project:<root>:app/api/items/[id]/route.py", in a core ref.
_ROUTE_MODULE = re.compile(re.escape(MODULE_PREFIX) + r"[^:]*:(?P<file>.*?)\.py(?=\.)")
_NOT_NAME = re.compile(r"[^A-Za-z0-9]+")

_ERROR: dict[str, Any] = {
    "type": "object",
    "description": (
        "An error answer: 404 no route, 405 method not exported (see `Allow`), 413 a body "
        "over the limit, 500 an uncaught exception (in dev only, with `detail` and "
        "`traceback`), or an `HTTPError` the handler raised."
    ),
    "properties": {"error": {"type": "string"}},
    "required": ["error"],
}
_INVALID_INPUT: dict[str, Any] = {
    "type": "object",
    "description": (
        'The input does not fit the handler\'s annotations ("Invalid input", with `issues`), '
        'or the body is not JSON ("Invalid JSON body").'
    ),
    "properties": {
        "error": {"type": "string"},
        "issues": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "path": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["path", "message", "code"],
            },
        },
    },
    "required": ["error"],
}


@dataclass(frozen=True, slots=True)
class Components:
    """The resolved `components.schemas`, and the names given to the framework's shapes.

    Attributes:
        schemas: Every schema a `$ref` of the document points at.
        error: The name of the `{"error": str}` schema ("Error" unless a model took it).
        invalid_input: The name of the 400 validation error schema ("InvalidInput" likewise).
    """

    schemas: dict[str, Any]
    error: str
    invalid_input: str


@dataclass(frozen=True, slots=True)
class QueryField:
    """One field of a query model, read from the search param `name`.

    Attributes:
        name: The search param (the field's alias, else its name).
        required: Whether the field has no default.
        schema: Its schema (a placeholder until `resolve()`).
        description: The field's description, if any.
    """

    name: str
    required: bool
    schema: dict[str, Any]
    description: str | None


@dataclass(frozen=True, slots=True)
class _Wanted:
    placeholder: dict[str, Any]
    annotation: Any
    mode: JsonSchemaMode
    extra: dict[str, Any]


class SchemaCollector:
    """Collects the annotations a document needs; resolves them all at once.

    Example:
        collector = SchemaCollector()
        body = collector.schema(UserIn)   # {} for now
        components = collector.resolve()  # body is now {"$ref": "#/components/schemas/UserIn"}
    """

    __slots__ = ("_framework", "_wanted")

    def __init__(self) -> None:
        """Start with nothing wanted."""
        self._wanted: list[_Wanted] = []
        self._framework: list[tuple[dict[str, Any], FrameworkShape]] = []

    def schema(
        self,
        annotation: Any,
        mode: JsonSchemaMode = "validation",
        *,
        default: object = inspect.Parameter.empty,
        examples: list[Any] | None = None,
    ) -> dict[str, Any]:
        """A placeholder for the schema of `annotation`, filled by `resolve()`.

        `mode` is "validation" for what a client sends, "serialization" for what the
        handler answers; a `default` with a JSON form is added to the schema, and so are
        `examples` (JSON Schema's, which OpenAPI 3.1 takes as they are).
        """
        placeholder: dict[str, Any] = {}
        extra = default_of(default)
        if examples:
            extra.update(_examples_of(examples))
        self._wanted.append(_Wanted(placeholder, annotation, mode, extra))
        return placeholder

    def framework_schema(self, shape: FrameworkShape) -> dict[str, Any]:
        """A placeholder for a `$ref` to the framework's `{"error": str}` or 400 issues shape.

        Their names are known only once the project's models are (see `Components`).
        """
        placeholder: dict[str, Any] = {}
        self._framework.append((placeholder, shape))
        return placeholder

    def query_fields(self, model: Any) -> list[QueryField]:
        """The fields of the pydantic `model` of an `Annotated[Model, Query()]` parameter."""
        fields: list[QueryField] = []
        for name, info in model.model_fields.items():
            alias = info.validation_alias
            key = alias if isinstance(alias, str) else (info.alias or name)
            required = info.is_required()
            default = info.default
            if required or default is PydanticUndefined:
                default = inspect.Parameter.empty
            # NOTE: a field's examples are not in its rebuilt annotation: carried here.
            schema = self.schema(info.rebuild_annotation(), default=default, examples=info.examples)
            fields.append(QueryField(key, required, schema, info.description))
        return fields

    def resolve(self) -> Components:
        """Fill every placeholder and return the document's components.

        A type pydantic cannot describe becomes `{}` (any value) instead of failing the
        whole document.
        """
        inputs: list[tuple[int, JsonSchemaMode, TypeAdapter[Any]]] = []
        for index, wanted in enumerate(self._wanted):
            adapter = _adapter(wanted.annotation)
            if adapter is not None:
                inputs.append((index, wanted.mode, adapter))
        defs: dict[str, Any] = {}
        if inputs:
            found, top = TypeAdapter.json_schemas(
                inputs, ref_template=REF_TEMPLATE, schema_generator=_LenientSchema
            )
            for (index, _mode), schema in found.items():
                self._wanted[index].placeholder.update(schema)
            defs = dict(top.get("$defs", {}))
        for wanted in self._wanted:
            wanted.placeholder.update(wanted.extra)
        error = _free_name("Error", defs)
        defs[error] = copy.deepcopy(_ERROR)
        invalid_input = _free_name("InvalidInput", defs)
        defs[invalid_input] = copy.deepcopy(_INVALID_INPUT)
        names = {"error": error, "invalid_input": invalid_input}
        for placeholder, shape in self._framework:
            placeholder["$ref"] = REF_TEMPLATE.format(model=names[shape])
        return Components(defs, error, invalid_input)


def default_of(value: object) -> dict[str, Any]:
    """`{"default": value}` as JSON data; `{}` when there is none or it has no JSON form.

    >>> default_of(10), default_of(None), default_of(("a",))
    ({'default': 10}, {'default': None}, {'default': ['a']})
    >>> default_of(inspect.Parameter.empty), default_of(object())
    ({}, {})
    """
    if value is inspect.Parameter.empty:
        return {}
    try:
        return {"default": to_jsonable_python(value)}
    except PydanticSerializationError:
        return {}


def _examples_of(examples: list[Any]) -> dict[str, Any]:
    """`{"examples": [...]}` as JSON data; `{}` when one has no JSON form.

    >>> _examples_of(["lamp", 3]), _examples_of([object()])
    ({'examples': ['lamp', 3]}, {})
    """
    try:
        return {"examples": to_jsonable_python(examples)}
    except PydanticSerializationError:
        return {}


def _adapter(annotation: Any) -> TypeAdapter[Any] | None:
    if annotation is inspect.Parameter.empty:
        return None
    try:
        return TypeAdapter(annotation)
    except PydanticUserError:  # NOTE: the handler loaded, so pydantic can validate it: rare
        return None


def _free_name(wanted: str, taken: dict[str, Any]) -> str:
    """`wanted`, or `approutes.<wanted>` when a project model already has that name."""
    return wanted if wanted not in taken else f"approutes.{wanted}"


class _LenientSchema(GenerateJsonSchema):
    """pydantic's generator, answering `{}` (any value) where it would refuse or warn."""

    def get_defs_ref(self, core_mode_ref: CoreModeRef) -> DefsRef:
        """Name a model defined in a route file as if its module were `app_api_x_route`.

        NOTE: pydantic reads brackets in a module name as generic arguments: a model in
        `app/api/items/[id]/route.py` would be named after the whole module, root included.
        """
        core_ref, mode = core_mode_ref
        readable = _ROUTE_MODULE.sub(lambda found: _NOT_NAME.sub("_", found["file"]), core_ref)
        return super().get_defs_ref((CoreRef(readable), mode))

    def render_warning_message(self, kind: JsonSchemaWarningKind, detail: str) -> str | None:
        """No warnings: a default or a choice with no JSON form is left out silently."""
        return None

    def handle_invalid_for_json_schema(self, schema: Any, error_info: str) -> JsonSchemaValue:
        """A type with no JSON form (a callable, an arbitrary class): any value."""
        return {}
