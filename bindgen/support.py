"""Which IR constructs each language backend implements, checked in one place.

predict.h uses a baseline every backend implements. Everything beyond it is
a named construct (see constructs()); a backend lists the ones it has
implemented in SUPPORTED and calls require(api, lang) before rendering, so a
header using anything else fails as `file:line: <lang>: <construct>: not
supported yet` instead of producing wrong code. Implementing a construct in
a backend = handling it in bindgen/<lang>.py and templates/<lang>/, then
adding its name here.
"""
from __future__ import annotations

from collections.abc import Iterator

from . import ir
from .annotations import BindgenError

# The parameter roles of the baseline (predict.h).
BASE_ROLES = {"value", "handle", "string", "array_in", "array_out", "out_handle", "out_value",
              "count", "length"}

STRUCTS = "structs"
CALLBACKS = "callbacks"
FLAGS = "@flags enums"
FLOAT_CONSTANTS = "floating-point constants"
NO_ERRORS = "a header without an @errors enum"
NO_MESSAGE = "an @errors enum without a message function"
NO_CLOSED = "an @errors enum without closed="
ENUM_VALUES = "enum values other than the @errors enum"
STRUCT_VALUES = "[out] and [in,out] structs"
RETAINED_ARGS = "retained arguments of methods"
OWNED_STRINGS = "owned strings (free=)"
NULLABLE_RETURNS = "nullable returns"
HANDLE_RETURNS = "returned handles"
STRUCT_RETURNS = "returned structs"
MACRO_ENUMS = "enums of #defines (@defines)"
POINTER_COUNTS = "[in,out] counts"
NULLABLE_CALLBACK_STRINGS = "nullable string parameters of callbacks"


def role(name: str) -> str:
    return f"parameters of role {name}"


def nullable(name: str) -> str:
    return f"nullable parameters of role {name}"


SUPPORTED: dict[str, set[str]] = {
    "python": {MACRO_ENUMS, POINTER_COUNTS, NULLABLE_CALLBACK_STRINGS, STRUCTS, CALLBACKS, FLAGS, FLOAT_CONSTANTS, NO_ERRORS, NO_MESSAGE, NO_CLOSED,
               ENUM_VALUES, STRUCT_VALUES, RETAINED_ARGS, OWNED_STRINGS, NULLABLE_RETURNS,
               HANDLE_RETURNS, STRUCT_RETURNS,
               *(role(r) for r in ("struct", "array_inout", "inout_value", "out_string", "callback",
                                   "user_data", "capacity", "freed")),
               *(nullable(r) for r in ("string", "struct", "callback", "out_handle", "out_string"))},
    "go": {MACRO_ENUMS, POINTER_COUNTS, NULLABLE_CALLBACK_STRINGS, FLOAT_CONSTANTS, NO_ERRORS, NO_MESSAGE, NO_CLOSED, role("inout_value"),
           role("array_inout"), role("capacity"), role("out_string"), role("freed"), OWNED_STRINGS,
           NULLABLE_RETURNS, nullable("string"), nullable("out_string"), ENUM_VALUES, FLAGS,
           HANDLE_RETURNS, RETAINED_ARGS, nullable("out_handle"),
           STRUCTS, STRUCT_VALUES, STRUCT_RETURNS, role("struct"), nullable("struct"),
           CALLBACKS, role("callback"), role("user_data"), nullable("callback")},
    "java": {MACRO_ENUMS, POINTER_COUNTS, NULLABLE_CALLBACK_STRINGS, NO_ERRORS, NO_MESSAGE, NO_CLOSED, FLOAT_CONSTANTS, OWNED_STRINGS, NULLABLE_RETURNS, FLAGS,
             ENUM_VALUES, *(role(r) for r in ("inout_value", "out_string", "freed", "array_inout",
                                               "capacity")),
             HANDLE_RETURNS, RETAINED_ARGS, CALLBACKS, role("callback"), role("user_data"),
             STRUCTS, STRUCT_VALUES, STRUCT_RETURNS, role("struct"), nullable("struct"),
             nullable("string"), nullable("out_string"), nullable("callback"), nullable("out_handle")},
    "js": {FLAGS, FLOAT_CONSTANTS, NO_ERRORS, NO_MESSAGE, NO_CLOSED, ENUM_VALUES, OWNED_STRINGS, NULLABLE_RETURNS,
           HANDLE_RETURNS, RETAINED_ARGS, STRUCTS, CALLBACKS, STRUCT_VALUES, STRUCT_RETURNS,
           *(role(r) for r in ("inout_value", "array_inout", "capacity", "out_string", "freed",
                               "struct", "callback", "user_data")),
           *(nullable(r) for r in ("string", "out_string", "struct", "callback", "out_handle"))},
    "swift": {MACRO_ENUMS, POINTER_COUNTS, NULLABLE_CALLBACK_STRINGS, NO_MESSAGE, FLAGS, FLOAT_CONSTANTS, NO_ERRORS, NO_CLOSED, ENUM_VALUES,
              OWNED_STRINGS, NULLABLE_RETURNS, HANDLE_RETURNS, RETAINED_ARGS, STRUCTS, CALLBACKS,
              STRUCT_VALUES, STRUCT_RETURNS,
              *(role(r) for r in ("inout_value", "array_inout", "capacity", "out_string", "freed",
                                  "struct", "callback", "user_data")),
              *(nullable(r) for r in ("string", "out_string", "struct", "callback", "out_handle"))},
}


def constructs(api: ir.API) -> Iterator[tuple[str, str]]:
    """(construct, coord) for every use of something beyond the baseline."""
    err = api.error_enum
    for s in api.structs:
        yield STRUCTS, s.coord
    for cb in api.callbacks:
        yield CALLBACKS, cb.coord
        if any(p.role == "string" and p.nullable for p in cb.params):
            yield NULLABLE_CALLBACK_STRINGS, cb.coord
    for e in api.enums:
        if e.flags:
            yield FLAGS, e.coord
        if e.macros:
            yield MACRO_ENUMS, e.coord
    for c in api.constants:
        if c.kind == "float":
            yield FLOAT_CONSTANTS, c.coord
    if err is None:
        yield NO_ERRORS, f"{api.header}:1"
    elif err.message is None:
        yield NO_MESSAGE, err.coord
    elif err.closed is None:
        yield NO_CLOSED, err.coord
    for f in api.functions:
        types = [f.returns.type] + [p.type for p in f.params]
        if any(t.base.kind == "enum" and (err is None or t.base.name != err.name) for t in types):
            yield ENUM_VALUES, f.coord
        for p in f.params:
            if p.role not in BASE_ROLES:
                yield role(p.role), f.coord
            if p.role in ("count", "capacity") and p.type.kind == "pointer":
                yield POINTER_COUNTS, f.coord
            if p.role == "out_value" and p.type.pointee.kind == "struct":
                yield STRUCT_VALUES, f.coord
            if p.nullable and p.role != "handle":
                yield nullable(p.role), f.coord
            if p.retained and f.kind == "method":
                yield RETAINED_ARGS, f.coord
        r = f.returns
        if r.free:
            yield OWNED_STRINGS, f.coord
        if r.nullable:
            yield NULLABLE_RETURNS, f.coord
        if f.returns_handle:
            yield HANDLE_RETURNS, f.coord
        if r.type.kind == "struct":
            yield STRUCT_RETURNS, f.coord


def unsupported(api: ir.API, lang: str) -> list[tuple[str, str]]:
    have = SUPPORTED.get(lang, set())
    return [(what, coord) for what, coord in constructs(api) if what not in have]


def require(api: ir.API, lang: str) -> None:
    """Raise at the first construct `lang` does not implement yet."""
    missing = unsupported(api, lang)
    if missing:
        what, coord = missing[0]
        more = f" (and {len(missing) - 1} more uses of new constructs)" if len(missing) > 1 else ""
        raise BindgenError(coord, f"{lang}: {what}: not supported yet{more}")
