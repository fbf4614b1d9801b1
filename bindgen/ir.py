"""The IR: what bindgen knows about a C API, independent of any language.

parse.py builds it from an annotated header; each language module
(go.py, java.py, ...) reads it to name things and map types; templates
render it. `bindgen ir` prints it as JSON (see README.md, "The IR").

Every node keeps `coord` ("file:line") so later stages can report errors
where the declaration is.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

# C scalar types the IR understands, with their byte size and kind.
SCALARS = {
    "void": (0, "void"),
    "char": (1, "int"),
    "bool": (1, "bool"), "_Bool": (1, "bool"),
    "int": (4, "int"), "unsigned int": (4, "uint"),
    "int8_t": (1, "int"), "uint8_t": (1, "uint"),
    "int16_t": (2, "int"), "uint16_t": (2, "uint"),
    "int32_t": (4, "int"), "uint32_t": (4, "uint"),
    "int64_t": (8, "int"), "uint64_t": (8, "uint"),
    "size_t": (8, "uint"),
    "float": (4, "float"), "double": (8, "float"),
}


@dataclass
class Doc:
    """A doc comment: summary (first sentence/paragraph) and the rest."""
    summary: str = ""
    body: str = ""

    @property
    def text(self) -> str:
        return (self.summary + ("\n\n" + self.body if self.body else "")).strip()


@dataclass
class Type:
    """A lowered C type.

    kind: "scalar" (name in SCALARS), "enum", "handle", "string" (char),
    or "pointer" (to `pointee`). `const` applies to the pointee for pointers.
    """
    kind: str
    name: str = ""
    const: bool = False
    pointee: Type | None = None

    @property
    def c(self) -> str:
        """The type spelled in C."""
        if self.kind == "pointer":
            inner = self.pointee.c
            return ("const " if self.const else "") + inner + " *"
        return self.name


@dataclass
class Constant:
    name: str
    value: int | str
    doc: Doc
    coord: str

    @property
    def kind(self) -> str:
        return "string" if isinstance(self.value, str) else "int"


@dataclass
class EnumMember:
    name: str
    value: int
    doc: Doc


@dataclass
class Enum:
    name: str
    members: list[EnumMember]
    doc: Doc
    coord: str
    # Set for the error enum (annotated `@errors`): functions returning it
    # fail unless they return `ok`; `closed` is what bindings raise when a
    # closed handle is used.
    is_error: bool = False
    ok: str | None = None
    closed: str | None = None


@dataclass
class Handle:
    """An opaque struct used through pointers; `free` is its destructor."""
    name: str
    free: str
    doc: Doc
    coord: str
    # What every binding raises (with the error enum's `closed` status) when a
    # closed handle is used: identical text in every language.
    closed_message: str = ""


@dataclass
class Param:
    """One C parameter and what the binding does with it.

    role:
      value       scalar or enum passed by value
      handle      an opaque handle (`nullable`: may be NULL)
      string      const char * in (UTF-8, NUL-terminated, borrowed for the call)
      array_in    const T * with `count` naming the length param
      array_out   T * filled by the call; binding allocates `alloc` elements
                  (a constant name or `call` = {function, args}); `length`
                  names an out param holding how many were written
      out_handle  T ** receiving a new handle (`owned`: caller frees it)
      out_value   T * receiving one scalar
      count       the length of an array param (hidden: the binding fills it)
      length      written by the call: the used length of an array_out (hidden)
    """
    name: str
    type: Type
    role: str
    doc: str = ""
    count: str | None = None
    alloc: str | None = None
    alloc_call: dict | None = None
    length: str | None = None
    owned: bool = False
    nullable: bool = False
    retained: bool = False
    blocking: bool = False

    @property
    def hidden(self) -> bool:
        """True when the binding fills this parameter itself."""
        return self.role in ("count", "length")


@dataclass
class Returns:
    """What a function returns.

    ownership: "static" (lives forever), "borrowed" (lives as long as the
    handle it came from), "owned" (caller frees), or "" for non-pointers.
    error_if_null: NULL means failure; the binding raises `null_status` (an
    error enum member) with pred_last_error() as the message.
    """
    type: Type
    doc: str = ""
    ownership: str = ""
    error_if_null: bool = False
    null_status: str | None = None


@dataclass
class Function:
    """A C function and how it appears in bindings.

    kind:
      function     free function
      method       first param is `handle`'s handle (name starts with its prefix)
      factory      produces a new `handle` through an out_handle param
      destructor   the `free` function of `handle`
    `throws`: returns the error enum; the binding raises unless it is ok.
    `short_name`: the name with the prefix and handle name stripped
    (pred_session_get_output -> get_output; pred_version -> version).
    """
    name: str
    params: list[Param]
    returns: Returns
    doc: Doc
    coord: str
    kind: str = "function"
    handle: str | None = None
    short_name: str = ""
    throws: bool = False
    blocking: bool = False

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)

    @property
    def visible_params(self) -> list[Param]:
        """The parameters a binding's caller passes (no counts, outs, receiver)."""
        skip = 1 if self.kind == "method" else 0
        return [p for p in self.params[skip:]
                if not p.hidden and p.role not in ("out_handle", "out_value", "array_out")]

    @property
    def outputs(self) -> list[Param]:
        """Out params the binding returns (in declaration order)."""
        return [p for p in self.params if p.role in ("out_handle", "out_value", "array_out")
                and not p.hidden]


@dataclass
class API:
    """The whole header."""
    name: str
    prefix: str
    header: str
    doc: Doc
    constants: list[Constant] = field(default_factory=list)
    enums: list[Enum] = field(default_factory=list)
    handles: list[Handle] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    # Set when the header defines <PREFIX>ABI_VERSION and <prefix>abi_version():
    # bindings compare the two when they load the library.
    abi: dict | None = None

    @property
    def error_enum(self) -> Enum | None:
        return next((e for e in self.enums if e.is_error), None)

    def handle(self, name: str) -> Handle:
        return next(h for h in self.handles if h.name == name)

    def function(self, name: str) -> Function:
        return next(f for f in self.functions if f.name == name)

    def functions_of(self, handle: str, kind: str | None = None) -> list[Function]:
        return [f for f in self.functions
                if f.handle == handle and (kind is None or f.kind == kind)]

    @property
    def free_functions(self) -> list[Function]:
        return [f for f in self.functions if f.kind == "function"]

    def to_json(self) -> dict:
        return dataclasses.asdict(self)
