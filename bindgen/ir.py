"""The IR: what bindgen knows about a C API, independent of any language.

parse.py builds it from an annotated header; each language module
(go.py, java.py, ...) reads it to name things and map types; templates
render it. `bindgen ir` prints it as JSON: the fields below, as they are.

Every node keeps `coord` ("file:line") so later stages can report errors
where the declaration is. The annotation language that feeds it is in
bindgen/README.md; what a binding must do for each node and role is spelled
out on the dataclasses here, so a new language can be written from this file.
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

# Parameter roles (see Param) by what a binding does with them.
HIDDEN_ROLES = ("count", "length", "user_data")                        # the binding fills them
OUT_ROLES = ("out_handle", "out_value", "out_string", "array_out")         # only returned
OUTPUT_ROLES = OUT_ROLES + ("inout_value",)                                # returned


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

    kind: "scalar" (name in SCALARS), "enum", "handle" (an opaque struct),
    "struct" (a struct with fields, see Struct), "callback" (a function
    pointer typedef, see Callback), or "pointer" (to `pointee`).
    `const` applies to the pointee for pointers. A C string is a pointer to
    the scalar "char".
    """
    kind: str
    name: str = ""
    const: bool = False
    pointee: Type | None = None
    # A scalar as the header spells it where that differs from `name`: a typedef
    # (zlib's uLongf) or a C integer type bindgen names by its width (`unsigned
    # long` is uint64_t: LP64). C accepts either; Swift, which imports each C
    # type under its own name, needs this one.
    spelling: str = field(default="", compare=False)

    @property
    def c(self) -> str:
        """The type spelled in C."""
        if self.kind == "pointer":
            inner = self.pointee.c
            return ("const " if self.const else "") + inner + " *"
        return self.name

    @property
    def base(self) -> Type:
        """The type under every pointer."""
        return self.pointee.base if self.kind == "pointer" else self

    @property
    def is_void(self) -> bool:
        return self.kind == "scalar" and self.name == "void"

    @property
    def is_string(self) -> bool:
        """char * or const char *."""
        return self.kind == "pointer" and self.pointee.kind == "scalar" and self.pointee.name == "char"


@dataclass
class Constant:
    """A `#define NAME literal`: an integer, a floating-point number or a string.

    kind (derived from the value): "int", "float" or "string".
    """
    name: str
    value: int | float | str
    doc: Doc
    coord: str

    @property
    def kind(self) -> str:
        return {str: "string", float: "float"}.get(type(self.value), "int")


@dataclass
class EnumMember:
    name: str
    value: int
    doc: Doc


@dataclass
class Enum:
    """A `typedef enum`.

    flags (`@flags`): a set of bits. Every member is 0, one bit, or a union of
    other members' bits; a value of the type is any OR of members, so
    bindings map it to a bit-set type (Python IntFlag, Swift OptionSet, ...)
    and never reject unknown combinations.
    """
    name: str
    members: list[EnumMember]
    doc: Doc
    coord: str
    # Set for the error enum (annotated `@errors`): functions returning it
    # fail unless they return `ok`; `closed` is what bindings raise when a
    # closed handle is used; `message` names the function returning the
    # calling thread's message of the last failure (`const char *f(void)`),
    # None when the library has none (the message is then the member's C
    # name). `closed` is None only in a header without handles.
    is_error: bool = False
    ok: str | None = None
    closed: str | None = None
    message: str | None = None
    flags: bool = False
    # Its members are #define constants (an overlay's `@defines`): C has no such
    # type, its values are ints. Bindings declare `typedef int <name>;` beside
    # their #include of the header, and use the type as they use any enum.
    macros: bool = False

    @property
    def bits(self) -> list[EnumMember]:
        """The members that are one bit (of a @flags enum: what names a combination)."""
        return [m for m in self.members if m.value > 0 and m.value & (m.value - 1) == 0]


@dataclass
class Field:
    """A field of a Struct: type kind "scalar" (not void), "enum" or "struct" (nested by value)."""
    name: str
    type: Type
    doc: str = ""


@dataclass
class Struct:
    """A `typedef struct x { fields } x;`: a plain value, copied in and out.

    Bindings map it to a value type with the same fields in the same order
    (Python dataclass, Go struct, Swift struct, Java record-like class) and
    convert field by field; they never hold a pointer to the C struct.
    """
    name: str
    fields: list[Field]
    doc: Doc
    coord: str


@dataclass
class Handle:
    """An opaque struct used through pointers; `free` is its destructor."""
    name: str
    free: str
    doc: Doc
    coord: str
    # What every binding raises (with the error enum's `closed` status; in a
    # header without an error enum, the language's own usage error, Python's
    # ValueError) when a closed handle is used: identical text in every language.
    closed_message: str = ""
    # One thread at a time: some function other than its destructor takes it as a
    # mutable `T *` (a `const T *` everywhere says it is only read, as pred_model).
    # Bindings then serialise the calls whose receiver it is (see README.md,
    # "Thread safety"); every handle is also borrowed by each call that passes it,
    # so that close() frees it only once no call uses it.
    serial: bool = False


@dataclass
class Param:
    """One C parameter and what the binding does with it.

    role (what the binding does; `visible` = the caller passes it,
    `output` = the binding returns it, in declaration order, see Function):
      value       T (scalar or enum) passed by value.                  visible
      struct      a Struct, by value `T` or by `const T *` [in]: the binding
                  copies the caller's value in (`nullable` pointer: may be
                  absent, NULL).                                          visible
      handle      an opaque handle `T *` / `const T *` (`nullable`: may be
                  NULL; `retained`: see below).                          visible
      string      `const char *` in: UTF-8, NUL-terminated, borrowed for the
                  call (`nullable`: may be NULL).                         visible
      (arrays: T is a scalar type, or void for bytes)
      array_in    `const T *` with `count` naming its length param: the
                  binding passes the caller's elements (no copy where the
                  language allows).                                       visible
      array_out   `T *` [out] with `count`: the binding allocates the elements
                  and returns them. How many: `alloc` (a constant name or a
                  number), `alloc_call` ({function, args}: call it with those
                  params), else the length of the [in] array sharing `count`,
                  else the `capacity` param. `length` names an [out] param
                  holding how many were written: the result is cut to it.
                  `char` elements are text (the result is a string, cut at
                  `length` or else at the first NUL); `void`/`uint8_t` are
                  bytes.                                                  output
                  Arrays of numbers may have `shape_call` ({function, args}: calling
                  it with those params gives the dimensions, row-major, as its one
                  output). A binding whose language has n-d arrays (Python's NumPy)
                  returns an array_out in that shape and refuses an array_in given
                  with other dimensions (a flat one is checked by its count alone);
                  the others pass flat arrays, and the shape function is theirs to call.
      array_inout `T *` [in,out] with `count`: the caller's own buffer, which
                  the call updates in place (a mutable array/buffer).      visible
      out_handle  `T **` [out] receiving a new handle (`owned`: the caller
                  frees it; `nullable`: NULL is a valid result, no handle). output
      out_value   `T *` [out] receiving one scalar, enum or struct.       output
      inout_value `T *` [in,out] to one scalar, enum or struct: the caller
                  passes a value, the binding returns the updated one.  visible+output
      out_string  `char **` / `const char **` [out] receiving a string, with
                  `ownership` "owned" (the binding copies it, then calls the
                  deallocator `free`), "borrowed" or "static" (the binding copies
                  it; the library keeps or frees it); `nullable`: NULL is a
                  valid result.                                            output
      callback    a Callback typedef: the caller passes a function/closure.
                  `user_data` names the `void *` param C passes back to it;
                  `scope` "call": C calls it only during this call; "stored": C
                  keeps it after the call until the same function is called
                  again (on the same receiver, for a method) or the receiver
                  is freed; the binding keeps the closure alive that long.
                  `nullable`: may be absent (NULL; for stored, unregisters). visible
      user_data   the `void *` a callback param names: the binding passes its
                  own context pointer there.                               hidden
      count       the element count of the array params listed in `arrays`:
                  the binding fills it from the array (all [in]/[in,out]
                  arrays sharing it must have the same length) or from alloc. hidden
      capacity    an unsigned count of [out] arrays (`arrays`) that have no
                  other size: the caller says how many elements to allocate. visible
      length      written by the call: the used length of an array_out.   hidden
      freed       the one pointer param of a deallocator (Function.kind).  -

    retained (handle params): when the function makes a new handle (a factory,
    or a method returning a handle) the new object keeps the argument alive
    (a session keeps its model); otherwise, on a method, the receiver keeps it
    until the same method is called again on it or it is closed. Either way
    a binding frees the keeper's handle before it lets go of what it kept.
    blocking: see Function.blocking.
    """
    name: str
    type: Type
    role: str
    doc: str = ""
    count: str | None = None
    alloc: str | None = None
    alloc_call: dict | None = None
    shape_call: dict | None = None   # arrays: {function, args} giving the dimensions
    length: str | None = None
    owned: bool = False
    nullable: bool = False
    retained: bool = False
    blocking: bool = False
    ownership: str = ""              # out_string: "owned", "borrowed" or "static"
    free: str | None = None          # out_string [owned]: the deallocator
    user_data: str | None = None     # callback: the name of its user_data param
    scope: str | None = None         # callback: "call" or "stored"
    arrays: list[str] = field(default_factory=list)   # count/capacity: the arrays it sizes

    @property
    def hidden(self) -> bool:
        """True when the binding fills this parameter itself."""
        return self.role in HIDDEN_ROLES


@dataclass
class Returns:
    """What a function (or callback) returns.

    type: void, a scalar, an enum, a Struct by value, a string (`char *` /
    `const char *`), or a handle pointer (`T *`, a new handle).
    ownership: "static" (lives forever), "borrowed" (lives as long as the
    handle it came from; bindings copy it at once), "owned" (caller frees: a
    string with `free` naming its deallocator, or a new handle the binding
    owns and frees with its destructor), or "" for non-pointers.
    nullable: NULL is a valid result (None/nil/null/Optional). A returned
    handle must say what NULL means: nullable or error_if_null.
    error_if_null: NULL means failure; the binding raises `null_status` (an
    error enum member) with the last error message.
    """
    type: Type
    doc: str = ""
    ownership: str = ""
    error_if_null: bool = False
    null_status: str | None = None
    nullable: bool = False
    free: str | None = None


@dataclass
class Callback:
    """A function pointer typedef that C calls back into the host language.

        typedef bool (*x_progress_fn)(void *user_data, uint32_t done, uint32_t total);

    params: roles value, string (borrowed for the call: copy it), array_in
    with its count (borrowed for the call: copy it), struct (by value), and
    exactly one user_data, the `void *` the registering function was given
    (named by `user_data`). returns: void, a scalar or an enum.

    Thread rules, for every binding: C may call a callback on any thread,
    including threads the library started, for as long as its `scope` lasts
    (Param.scope). The binding must enter its runtime there (take Python's
    GIL, attach the JVM thread, ...). It must not let an exception or panic
    unwind into C: it catches it and returns the zero value of the return type
    (false, 0, the enum's 0); for scope "call" it raises the first such error
    from the registering call once C returns, for "stored" it reports it the
    language's way for errors nobody can catch (Python: sys.unraisablehook).
    A function during which C calls back from another thread while the caller
    waits must be `blocking`, so that bindings release their runtime lock.
    """
    name: str
    params: list[Param]
    returns: Returns
    doc: Doc
    coord: str
    user_data: str = ""

    @property
    def visible_params(self) -> list[Param]:
        """The values the host function receives."""
        return [p for p in self.params if not p.hidden]


@dataclass
class Function:
    """A C function and how it appears in bindings.

    kind:
      function     free function
      method       first param is `handle`'s handle (name starts with its prefix),
                   or it returns a new handle of the same type as its first param
      factory      produces a new `handle` through an out_handle param or by
                   returning an owned handle pointer
      destructor   the `free` function of `handle`
      deallocator  named by a `free=` of an owned string: frees memory the
                   library returned; bindings call it, never expose it
    `throws`: returns the error enum; the binding raises unless it is ok.
    `blocking`: may take long or wait while C calls back from other threads:
    bindings release their runtime lock (Python's GIL) around the call.
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
                if not p.hidden and p.role not in OUT_ROLES]

    @property
    def outputs(self) -> list[Param]:
        """Out params the binding returns (in declaration order)."""
        return [p for p in self.params if p.role in OUTPUT_ROLES]

    @property
    def returns_handle(self) -> bool:
        return self.returns.type.kind == "pointer" and self.returns.type.pointee.kind == "handle"


@dataclass
class Skipped:
    """A declaration of a header you did not write (one with an overlay or a system
    header) that is neither annotated nor bindable as it is: no binding has any of
    it. `bindgen report` lists them; an annotation makes them errors instead."""
    name: str
    coord: str
    reason: str


@dataclass
class API:
    """The whole header."""
    name: str
    prefix: str
    header: str
    doc: Doc
    constants: list[Constant] = field(default_factory=list)
    enums: list[Enum] = field(default_factory=list)
    structs: list[Struct] = field(default_factory=list)
    handles: list[Handle] = field(default_factory=list)
    callbacks: list[Callback] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    # Set when the header defines <PREFIX>ABI_VERSION and <prefix>abi_version():
    # bindings compare the two when they load the library.
    abi: dict | None = None
    # Declarations left out, with why (a header with an overlay: see Skipped).
    skipped: list[Skipped] = field(default_factory=list)
    # C every binding compiles right after its #include of the header (static
    # functions and typedefs: its C glue's own translation unit): `typedef int E;`
    # for each enum of #defines, then the overlay's inline C.
    c_prelude: str = ""

    @property
    def error_enum(self) -> Enum | None:
        return next((e for e in self.enums if e.is_error), None)

    def enum(self, name: str) -> Enum:
        return next(e for e in self.enums if e.name == name)

    def struct(self, name: str) -> Struct:
        return next(s for s in self.structs if s.name == name)

    def callback(self, name: str) -> Callback:
        return next(c for c in self.callbacks if c.name == name)

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
