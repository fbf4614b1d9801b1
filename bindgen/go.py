"""Go (cgo) binding: Go names, type mapping and the files of generated/go/.

The package compiles the single file (predict.c + predict.h, copied beside
the Go sources) through cgo: no prebuilt library. Everything a template
needs to know about a name or a type comes from `GoOracle`; the templates
under templates/go/ only arrange it.

Naming rules (Go style, derived from the IR):
  handle pred_model           -> type Model
  enum pred_status            -> type Status, members StatusOK, StatusErrArgument, ...
  factory pred_model_load     -> LoadModel (first word of the short name, then
                                 the type, then the rest; "create" becomes New)
  method pred_model_input_name -> (*Model).InputName; a leading "get_" is dropped
  destructor pred_model_free  -> (*Model).Close
  function pred_abi_version   -> ABIVersion (Go initialisms)
  constant PRED_MAX_DIMS      -> MaxDims; "Header" is prepended when the name is
                                 taken by a function (PRED_VERSION -> HeaderVersion)
  enum en_color, EN_COLOR_RED -> type Color, ColorRed (the enum's own name is not repeated)
  struct geo_point            -> type Point (fields X, Y), copied with toC / pointFromC
  callback cb_progress_fn     -> type ProgressFunc func(done, total uint32) bool
The last-error function (the @errors message=) and deallocators (free=) are
not exported: the binding reads the message right after a failing call, on
the same OS thread, and frees owned strings once copied.

Type mapping beyond scalars (see Param in ir.py for the roles):
  string / out_string      string; nullable ones *string (nil for NULL)
  char array_out           string (cut at `length` or the first NUL)
  array_in / array_inout   []T, passed without a copy (in-out: updated in place);
                           arrays sharing a count must be as long, else the call panics
  capacity                 an int parameter: how many elements to allocate
  array_out of numbers     also <Name>Into(..., dst []T): written into the caller's slice,
                           whose length is the count (no allocation, no copy;
                           lower.caller_buffers); a capacity is then filled from it
  inout_value              passed in and returned
  struct                   the Go struct by value; a nullable pointer is *T
  returned handle          *T, nil for a nullable NULL
  @flags enum              an int type whose values OR together; String names the bits
  callback                 a Go func type; nil only where nullable. C calls it through
                           an exported trampoline (<package>_callbacks.go) with a
                           cgo.Handle as user_data, on any thread. A panic never reaches
                           C: a call-scoped callback's first panic is repeated by the
                           registering call; a stored one's is logged.
  no @errors enum          no Error type; closed handles give a plain error
"""
from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field

from . import ir, lower, names
from . import support
from .annotations import BindgenError
from .render import project_files

# Words Go spells in capitals inside identifiers.
INITIALISMS = {"abi", "api", "cpu", "gpu", "id", "io", "ok", "onnx", "rgb", "url", "utf8", "json"}

# Go keywords, predeclared names and what the generated code itself uses:
# parameters with these names are renamed.
RESERVED = set("""break case chan const continue default defer else fallthrough for func go goto
if import interface map package range return select struct switch type var
any bool byte error false float32 float64 int int8 int16 int32 int64 iota len make new nil
rune string true uint uint8 uint16 uint32 uint64 uintptr cap append copy C unsafe runtime
fmt lastError""".split())

GO_KEYWORDS = set("""break case chan const continue default defer else fallthrough for func go
goto if import interface map package range return select struct switch type var""".split())

# C scalar -> (Go type, cgo type name).
SCALARS = {
    "char": ("byte", "char"), "bool": ("bool", "bool"), "_Bool": ("bool", "_Bool"),
    "int": ("int", "int"), "unsigned int": ("uint", "uint"),
    "int8_t": ("int8", "int8_t"), "uint8_t": ("byte", "uint8_t"),
    "int16_t": ("int16", "int16_t"), "uint16_t": ("uint16", "uint16_t"),
    "int32_t": ("int32", "int32_t"), "uint32_t": ("uint32", "uint32_t"),
    "int64_t": ("int64", "int64_t"), "uint64_t": ("uint64", "uint64_t"),
    "size_t": ("int", "size_t"), "float": ("float32", "float"), "double": ("float64", "double"),
}
# Element types of arrays must match the C layout exactly (size_t is pointer-sized, like uint).
ELEMENTS = {**{k: v[0] for k, v in SCALARS.items()}, "void": "byte", "size_t": "uint", "char": "byte"}

WIDTH = 80  # doc comment width


def go_words(ws: list[str]) -> str:
    return "".join(w.upper() if w in INITIALISMS else w.capitalize() for w in ws)


def exported(name: str) -> str:
    """snake_case -> Go exported name with initialisms (abi_version -> ABIVersion)."""
    return go_words(names.words(name))


def lower_first(text: str) -> str:
    """Lower the first letter unless the first word is an acronym (NULL, ONNX)."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


@dataclass
class Arg:
    """One C parameter as the Go wrapper handles it."""
    p: ir.Param
    go: str            # Go parameter / local name
    c: str = ""        # C-side local (handles, strings, outs, lengths)
    go_type: str = ""  # type in the Go signature (visible params and outputs)
    c_type: str = ""   # cgo type of the local, for `var c T`
    expr: str = ""     # the argument passed to the C function
    alloc: str = ""    # array_out: Go expression of the element count
    result: str = ""   # output: Go expression of the returned value
    keep: list[str] = field(default_factory=list)  # out_handle: retained parents
    init: str = ""     # inout_value, string: the C value the local starts with
    free: str = ""     # out_string [owned]: the deallocator
    result_type: str = ""  # the result's Go type when not go_type (char arrays: string)
    hold: str = ""     # a retained argument of a method: where the receiver keeps it
    serialised: bool = False  # a handle: the receiver of a one-thread-at-a-time type (enter/leave)
    refuse: str = ""   # a condition under which C cannot receive the value exactly...
    reason: str = ""   # ...and the Go expression saying why (an ArgumentError's Reason)
    nullable_struct: str = ""  # a nullable struct pointer: the C value when not nil
    callback: ir.Callback | None = None  # a callback param: its typedef
    user_data: Arg | None = None         # a callback param: its user_data param


@dataclass
class Fn:
    """A C function as a Go function or method."""
    f: ir.Function
    go_name: str
    receiver: Arg | None
    args: list[Arg]
    results: list[str]           # Go result types, `error` last when it can fail
    returns: list[str]           # Go expressions returned on success (without nil error)
    zeros: str                   # "0, nil, " ...: the values returned before an error
    fails: bool                  # has an error result
    locks: bool                  # reads the thread-local last error
    ret_type: str = ""           # cgo result kept as `ret` ("" when unused)
    null_status: str = ""        # error_if_null: the status raised for NULL
    checks: list[tuple[Arg, Arg]] = field(default_factory=list)  # arrays sharing a count
    ret_free: str = ""           # an owned string result: its deallocator
    into: list[str] = field(default_factory=list)  # the Into variant: [out] arrays the caller gives...
    filled: list[str] = field(default_factory=list)  # ...and the capacities their lengths fill

    @property
    def visible(self) -> set[int]:
        """ids of the params the Go caller passes (the receiver included)."""
        into = {id(self.f.param(n)) for n in self.into}
        return ({id(p) for p in self.f.visible_params} | into) - {id(self.f.param(n)) for n in self.filled}

    @property
    def callbacks(self) -> list[Arg]:
        return [a for a in self.args if a.callback]

    @property
    def stores_globally(self) -> bool:
        """Registers a stored callback process-wide (a free function)."""
        return any(a.hold.startswith("storedCallbacks") for a in self.callbacks)

    def length_panic(self, package: str, first: Arg, other: Arg) -> str:
        """Arrays of different lengths are a programming error: the call panics."""
        return (f'fmt.Sprintf("{package}.{self.go_name}: {other.go} has %d elements, {first.go} has %d: '
                f'they must be as long", len({other.go}), len({first.go}))')

    @property
    def handles(self) -> list[Arg]:
        return [a for a in self.args if a.p.role == "handle"]

    def role(self, *roles: str) -> list[Arg]:
        return [a for a in self.args if a.p.role in roles]

    @property
    def params_decl(self) -> str:
        visible = self.visible
        return ", ".join(f"{a.go} {a.go_type}" for a in self.args
                         if id(a.p) in visible and a is not self.receiver)

    @property
    def results_decl(self) -> str:
        if not self.results:
            return ""
        if len(self.results) == 1:
            return " " + self.results[0]
        return " (" + ", ".join(self.results) + ")"

    @property
    def assign(self) -> str:
        return "status := " if self.f.throws else "ret := " if self.ret_type else ""

    @property
    def call(self) -> str:
        return f"C.{self.f.name}({', '.join(a.expr for a in self.args)})"


class GoOracle:
    """Go names and types for the IR, and the doc comments."""

    def __init__(self, api: ir.API, cfg):
        self.api = api
        self.opts = cfg.lang("go")
        self.package = self.opts.get("package", api.name)
        self.module = self.opts.get("module", api.name)
        self.libraries = cfg.libraries   # system libraries the package links
        self.prelude_header = f"{self.package}_prelude.h"
        self.err = api.error_enum
        # The message function is read right after a failing call, never exported.
        self.last_error = self._find(self.err.message) if self.err and self.err.message else None
        # Deallocators (free= of owned strings) are called by the binding only.
        self.functions = [f for f in api.functions
                          if f is not self.last_error and f.kind != "deallocator"]
        self.func_names = {f.name: self._func_name(f) for f in self.functions}
        self.helpers: set[str] = set()  # the helpers the generated functions call
        self.nil_wraps: set[str] = set()  # handles that may come back NULL (nullable results)
        self.const_names = {c.name: self._const_name(c) for c in api.constants}
        self.fns = {f.name: self._fn(f) for f in self.functions if f.kind != "destructor"}
        # `...Into`: the [out] arrays of numbers in the caller's slices (no allocation, no copy)
        self.into = {f.name: self._fn(f, into=True) for f in self.functions
                     if f.kind in ("function", "method") and lower.caller_buffers(f)}
        if any(p.role == "string" and p.nullable for cb in api.callbacks for p in cb.params):
            self.helpers.add("optionalString")   # the callbacks file, rendered last, uses it
        self._check_unique()

    # ---- names -------------------------------------------------------------

    def _find(self, name: str) -> ir.Function:
        try:
            return self.api.function(name)
        except StopIteration:
            raise BindgenError(self.api.header, f"go: no function {name}()") from None

    def strip(self, name: str) -> str:
        return names.strip_prefix(name, self.api.prefix)

    def type_name(self, c_name: str) -> str:
        """pred_model -> Model, pred_status -> Status."""
        return exported(self.strip(c_name))

    def member(self, m: ir.EnumMember | str, enum: ir.Enum | None = None) -> str:
        """PRED_ERR_ARGUMENT -> StatusErrArgument."""
        name = m if isinstance(m, str) else m.name
        enum = enum or next(e for e in self.api.enums if any(x.name == name for x in e.members))
        ws, own = names.words(self.strip(name)), names.words(self.strip(enum.name))
        if ws[:len(own)] == own and len(ws) > len(own):  # EN_COLOR_RED -> ColorRed
            ws = ws[len(own):]
        return self.type_name(enum.name) + go_words(ws)

    def enum_string_doc(self, e: ir.Enum) -> str:
        what = "status" if e.is_error else "set" if e.flags else "value"
        extra = ("; a combination names its bits, joined by \" | \"" if e.flags else "")
        return self.comment([f'String returns the C name of the {what}, e.g. "{e.members[-1].name}"{extra}.'])

    def _func_name(self, f: ir.Function) -> str:
        ws = names.words(f.short_name)
        if f.kind == "destructor":
            return "Close"
        if f.kind == "factory":
            verb = "new" if ws[0] in ("create", "new") else ws[0]
            return go_words([verb]) + self.type_name(f.handle) + go_words(ws[1:])
        if f.kind == "method" and len(ws) > 1 and ws[0] == "get":
            ws = ws[1:]
        return go_words(ws)

    def _const_name(self, c: ir.Constant) -> str:
        name = exported(self.strip(c.name))
        taken = {n for f, n in self.func_names.items() if self.api.function(f).kind in ("function", "factory")}
        taken |= {self.type_name(h.name) for h in self.api.handles}
        taken |= {self.type_name(e.name) for e in self.api.enums}
        return "Header" + name if name in taken else name

    def func(self, c_name: str) -> str:
        """Go name of a C function; methods as Type.Method (for doc links)."""
        f = self.api.function(c_name)
        go = self.func_names[c_name]
        return f"{self.type_name(f.handle)}.{go}" if f.kind in ("method", "destructor") else go

    def name(self, c_name: str) -> str:
        """The Go name of a C function, constant, enum member or type, for a project's own
        templates (templates=): a C name the binding lacks fails here, in bindgen."""
        if c_name in self.func_names:
            return self.func_names[c_name]
        if c_name in self.const_names:
            return self.const_names[c_name]
        if any(c_name == x.name for x in [*self.api.handles, *self.api.enums, *self.api.structs]):
            return self.type_name(c_name)
        for e in self.api.enums:
            if any(m.name == c_name for m in e.members):
                return self.member(c_name, e)
        raise BindgenError(self.api.header, f"go: the binding has no {c_name}")

    def receiver_name(self, handle: str) -> str:
        return self.type_name(handle)[0].lower()

    def wrap(self, handle: str) -> str:
        """The unexported constructor that owns a new C handle."""
        return "wrap" + self.type_name(handle)

    def _check_unique(self):
        seen: dict[str, str] = {}
        scopes = [(None, n, f) for f, n in self.func_names.items()
                  if self.api.function(f).kind in ("function", "factory")]
        scopes += [(None, n, c) for c, n in self.const_names.items()]
        scopes += [(None, self.type_name(x.name), x.name) for x in [*self.api.handles, *self.api.enums]]
        scopes += [(None, self.member(m, e), m.name) for e in self.api.enums for m in e.members]
        scopes += [(self.api.function(f).handle, n, f) for f, n in self.func_names.items()
                   if self.api.function(f).kind in ("method", "destructor")]
        scopes += [(fn.f.handle if fn.receiver else None, fn.go_name, f) for f, fn in self.into.items()]
        for scope, go, c in scopes:
            key = f"{scope}.{go}"
            if key in seen:
                raise BindgenError(self.api.header, f"go: {c} and {seen[key]} both map to {go}")
            seen[key] = c

    # ---- types -------------------------------------------------------------

    def go_type(self, t: ir.Type) -> str:
        if t.kind == "scalar" and t.name in SCALARS:
            return SCALARS[t.name][0]
        if t.kind == "enum":
            return self.type_name(t.name)
        if t.kind == "pointer" and t.pointee.kind == "handle":
            return "*" + self.type_name(t.pointee.name)
        if t.kind == "pointer" and t.pointee.kind == "scalar" and t.pointee.name == "char":
            return "string"
        if t.kind == "struct":
            return self.type_name(t.name)
        raise ValueError(t.c)

    def c_type(self, t: ir.Type) -> str:
        """The cgo spelling of a C type."""
        if t.kind == "scalar":
            return "C." + SCALARS[t.name][1]
        if t.kind in ("enum", "handle", "struct"):
            return "C." + t.name
        if t.kind == "pointer":
            return "*" + self.c_type(t.pointee)
        raise ValueError(t.c)

    def helper(self, name: str, *args: str) -> str:
        """A call of one of the package's unexported helpers (helpers.go.j2), which
        the package then defines."""
        self.helpers.add(name)
        return f"{name}({', '.join(args)})"

    def go_string(self, expr: str, nullable: bool) -> str:
        """Copies a C string (*C.char) into Go; a nullable one into a *string."""
        return self.helper("optionalString", expr) if nullable else f"C.GoString({expr})"

    def to_c(self, t: ir.Type, expr: str) -> str:
        if t.kind == "struct":
            return f"{expr}.toC()"
        return f"{self.c_type(t)}({expr})"

    def to_go(self, t: ir.Type, expr: str) -> str:
        if t.kind == "pointer":  # only strings come back as pointers (checked in _fn)
            return f"C.GoString({expr})"
        if t.kind == "struct":
            return f"{self.from_c(t.name)}({expr})"
        return f"{self.go_type(t)}({expr})"

    # ---- callbacks ---------------------------------------------------------

    def callback_type(self, cb: ir.Callback) -> str:
        """cb_progress_fn -> ProgressFunc."""
        ws = names.words(self.strip(cb.name))
        if len(ws) > 1 and ws[-1] in ("fn", "func", "callback", "cb"):
            ws = ws[:-1]
        return go_words(ws) + "Func"

    @staticmethod
    def trampoline(cb: ir.Callback) -> str:
        """The exported Go function C calls through the callback's function pointer."""
        return "bindgen_go_" + cb.name

    def trampoline_decl(self, cb: ir.Callback) -> str:
        """Its C declaration, for the cgo preamble of the package file."""
        params = ", ".join(p.type.c.rstrip() + " " + p.name for p in cb.params)
        return f"extern {cb.returns.type.c} {self.trampoline(cb)}({params or 'void'});"

    def cb_param_name(self, p: ir.Param) -> str:
        go = names.camel(p.name)
        return go + "Arg" if go in RESERVED or go in ("call", "result") else go

    def cb_signature(self, cb: ir.Callback) -> str:
        """The Go func type's parameters and result."""
        params = ", ".join(f"{self.cb_param_name(p)} {self._cb_go_type(cb, p)}"
                           for p in cb.visible_params)
        rt = cb.returns.type
        return f"func({params})" + ("" if rt.is_void else " " + self.go_type(rt))

    def _cb_go_type(self, cb: ir.Callback, p: ir.Param) -> str:
        t = p.type
        if p.role == "array_in":
            return "[]" + ELEMENTS[t.pointee.name]
        if p.role == "struct" and t.kind == "pointer":
            return self.go_type(t.pointee)
        if p.role == "string" and p.nullable:
            return "*string"
        return self.go_type(t)

    def trampoline_params(self, cb: ir.Callback) -> str:
        """The exported function's cgo parameters, in C's order."""
        out = []
        for p in cb.params:
            t = p.type
            c = "unsafe.Pointer" if p.role == "user_data" else self.c_type(t)
            out.append(f"{self.cb_param_name(p)} {c}")
        return ", ".join(out)

    def trampoline_result(self, cb: ir.Callback) -> str:
        rt = cb.returns.type
        return "" if rt.is_void else f" (result {self.c_type(rt)})"

    def trampoline_args(self, cb: ir.Callback) -> str:
        """The Go values the trampoline hands the Go function (copies of C memory)."""
        out = []
        for p in cb.visible_params:
            t, go = p.type, self.cb_param_name(p)
            if p.role == "array_in":
                n = self.cb_param_name(cb.params[[q.name for q in cb.params].index(p.count)])
                elem = ELEMENTS[t.pointee.name]
                out.append(f"append([]{elem}(nil), unsafe.Slice((*{elem})(unsafe.Pointer({go})), int({n}))...)")
            elif p.role == "string":
                out.append(self.go_string(go, p.nullable))
            elif p.role == "struct" and t.kind == "pointer":
                out.append(self.to_go(t.pointee, "*" + go))
            else:
                out.append(self.to_go(t, go))
        return ", ".join(out)

    def trampoline_return(self, cb: ir.Callback, call: str) -> str:
        rt = cb.returns.type
        return call if rt.is_void else "result = " + self.to_c(rt, call)

    def user_data_param(self, cb: ir.Callback) -> str:
        return self.cb_param_name(next(p for p in cb.params if p.role == "user_data"))

    def cb_doc(self, cb: ir.Callback) -> str:
        name = self.callback_type(cb)
        params = [(self.cb_param_name(p), p.doc) for p in cb.visible_params if p.doc]
        blocks = ["Parameters:", params] if params else []
        if cb.returns.doc:
            blocks.append("Returns: " + self.text(" ".join(cb.returns.doc.split())))
        blocks.append("C may call it on any thread, also one the library started. A panic in it "
                      "is not passed through C: see the function taking it.")
        return self.doc(name, cb.doc, "func", extra=blocks)

    @property
    def refuses(self) -> bool:
        """Whether some function refuses values C cannot receive (ArgumentError)."""
        return any(a.refuse for fn in self.fns.values() for a in fn.args)

    @property
    def global_stores(self) -> bool:
        return any(fn.stores_globally for fn in self.fns.values())

    def nil_callback_panic(self, fn: Fn, a: Arg) -> str:
        return self.quote(f"{self.package}.{fn.go_name}: {a.go} is nil")

    # ---- structs -----------------------------------------------------------

    def from_c(self, struct: str) -> str:
        """The unexported function copying a C struct into its Go struct."""
        return lower_first(self.type_name(struct)) + "FromC"

    def field_name(self, f: ir.Field) -> str:
        return exported(f.name)

    @staticmethod
    def c_field(f: ir.Field) -> str:
        """How cgo spells a C field (Go keywords get an underscore)."""
        return "_" + f.name if f.name in GO_KEYWORDS else f.name

    def field_doc(self, s: ir.Struct, f: ir.Field) -> str:
        name = self.field_name(f)
        if not f.doc:
            return ""
        return self.comment([self.text(f.doc)], "\t")

    def zero(self, go_type: str) -> str:
        if go_type.startswith(("*", "[]")):
            return "nil"
        if go_type in {self.type_name(x.name) for x in self.api.structs}:
            return go_type + "{}"
        return {"string": '""', "bool": "false"}.get(go_type, "0")

    # ---- functions ---------------------------------------------------------

    def _fn(self, f: ir.Function, into: bool = False) -> Fn:
        def fail(msg):
            raise BindgenError(f.coord, f"go: {f.name}: {msg}")

        # Locals the body declares: a parameter with the same name is renamed.
        void = f.returns.type.kind == "scalar" and f.returns.type.name == "void"
        locals_ = {"status" if f.throws else "ret" if not void else "", "err"}
        args = []
        for p in f.params:
            go = names.camel(p.name)
            if go in RESERVED or go in locals_:
                go += "Arg"
            args.append(Arg(p, go))
        by_name = {a.p.name: a for a in args}
        for a in args:
            a.c = "c" + a.go[0].upper() + a.go[1:]
        receiver = args[0] if f.kind == "method" else None
        if receiver:
            receiver.go = self.receiver_name(f.handle)
        buffers = [p.name for p in lower.caller_buffers(f)] if into else []
        counts = lower.counts(f, buffers)
        checks: list[tuple[Arg, Arg]] = []  # [in] arrays that must be as long
        held = {x.name for x in lower.held(f)}
        keeper = f"{receiver.go}.held" if lower.holder(f) == "receiver" else "storedCallbacks.held"
        keep = [by_name[x.name].go for x in lower.kept_by_new(f)]
        for a in args:
            p, t = a.p, a.p.type
            try:
                if p.role == "value":
                    a.go_type, a.expr = self.go_type(t), self.to_c(t, a.go)
                    a.refuse, a.reason = self.out_of_range(t, a.go)
                elif p.role == "handle":
                    a.go_type, a.expr = self.go_type(t), a.c
                    a.serialised = lower.locks(self.api, f, p)
                    if p.name in held:
                        a.hold = f"{keeper}[{self.quote(f.name)}]"
                elif p.role == "string":
                    a.go_type, a.expr = ("*string", a.c) if p.nullable else ("string", a.c)
                    a.init = self.helper("optionalCString", a.go) if p.nullable else f"C.CString({a.go})"
                    text = f"*{a.go}" if p.nullable else a.go
                    a.refuse = (f"{a.go} != nil && " if p.nullable else "") + f"strings.IndexByte({text}, 0) >= 0"
                    a.reason = self.quote("contains a NUL byte, which would end the C string")
                elif p.role == "out_string":
                    a.c_type, a.expr = "*C.char", "&" + a.c
                    a.go_type = "*string" if p.nullable else "string"
                    a.result = self.go_string(a.c, p.nullable)
                    a.free = p.free if p.ownership == "owned" else ""
                elif p.role in ("array_in", "array_out", "array_inout"):
                    elem = ELEMENTS[t.pointee.name]
                    a.go_type = "[]" + elem
                    data = f"unsafe.Pointer(unsafe.SliceData({a.go}))"
                    a.expr = data if t.pointee.name == "void" else f"({self.c_type(t)})({data})"
                    if p.role == "array_out" and p.name not in buffers:   # a caller's slice is not returned
                        a.result = f"{a.go}[:{by_name[p.length].c}]" if p.length else a.go
                        if elem == "byte" and t.pointee.name == "char":  # text
                            a.result_type = "string"
                            a.result = (f"string({a.result})" if p.length
                                        else self.helper("textUpToNUL", a.go))
                elif p.role in ("count", "capacity"):
                    if p.name in counts:   # a count, or a capacity the caller's slices fill
                        first = by_name[counts[p.name].source.name]
                        a.expr = self.to_c(t.base, f"len({first.go})")
                        checks += [(first, by_name[x.name]) for x in counts[p.name].same]
                    else:
                        a.go_type, a.expr = "int", self.to_c(t.base, a.go)
                        a.refuse, a.reason = self.out_of_range(t.base, a.go)
                        if not a.refuse:   # an element count: never negative
                            a.refuse, a.reason = f"{a.go} < 0", self.quote("is negative")
                    if t.kind == "pointer":   # C reads the size, writes the count: a local
                        a.c_type, a.init, a.expr = self.c_type(t.pointee), a.expr, "&" + a.c
                elif p.role == "struct":
                    st = t.pointee if t.kind == "pointer" else t
                    a.go_type = self.go_type(st)
                    if t.kind != "pointer":
                        a.expr = self.to_c(st, a.go)
                    elif p.nullable:
                        a.go_type = "*" + a.go_type
                        a.c_type, a.expr = self.c_type(t), a.c
                        a.init = "nil"
                        a.nullable_struct = self.to_c(st, a.go)  # toC has a value receiver
                    else:
                        a.c_type, a.init, a.expr = self.c_type(st), self.to_c(st, a.go), "&" + a.c
                elif p.role == "callback":
                    cb = self.api.callback(t.name)
                    a.go_type = self.callback_type(cb)
                    a.c_type, a.expr = "C." + cb.name, a.c
                    a.callback = cb
                    ud = by_name[p.user_data]
                    ud.expr = ud.c
                    a.user_data = ud
                    if p.name in held:  # the map that keeps it, under quote(f.name)
                        a.hold = keeper
                elif p.role == "user_data":
                    pass  # filled by its callback param
                elif p.role == "inout_value":
                    a.c_type, a.expr = self.c_type(t.pointee), "&" + a.c
                    a.go_type = self.go_type(t.pointee)
                    a.init = self.to_c(t.pointee, a.go)
                    a.result = self.to_go(t.pointee, a.c)
                elif p.role in ("length", "out_value"):
                    a.c_type, a.expr = self.c_type(t.pointee), "&" + a.c
                    a.go_type = self.go_type(t.pointee)
                    a.result = self.to_go(t.pointee, a.c)
                elif p.role == "out_handle":
                    if not p.owned:
                        fail(f"'{p.name}': only owned out handles are supported")
                    h = t.pointee.pointee.name
                    a.c_type, a.expr = "*C." + h, "&" + a.c
                    a.go_type = "*" + self.type_name(h)
                    a.keep = keep
                    if p.nullable:
                        self.nil_wraps.add(h)
                    a.result = f"{self.wrap(h)}({', '.join([a.c, *a.keep])})"
                else:
                    fail(f"'{p.name}': role {p.role} is not supported")
            except (KeyError, ValueError):
                fail(f"'{p.name}': type {t.c} is not supported")
        for a in [a for a in args if a.p.role == "array_out" and a.p.name not in buffers]:
            a.alloc = self._alloc(lower.size(f, a.p), by_name)   # after every expr is known
        outs = [by_name[p.name] for p in f.outputs if p.name not in buffers]
        rt = f.returns.type
        results = [a.result_type or a.go_type for a in outs]
        returns = [a.result for a in outs]
        for name in buffers:       # how many elements C wrote, where it says
            if f.param(name).length:
                results.append("int")
                returns.append(f"int({by_name[f.param(name).length].c})")
        ret_type = ""
        ret_free = ""
        if not f.throws and not (rt.kind == "scalar" and rt.name == "void"):
            if rt.is_string and f.returns.ownership == "owned" and not f.returns.free:
                fail("owned pointer results are not supported")
            try:
                results.append(self.go_type(rt))
            except ValueError:
                fail(f"result type {rt.c} is not supported")
            if f.returns_handle:
                if f.returns.nullable:
                    self.nil_wraps.add(rt.pointee.name)
                returns.append(f"{self.wrap(rt.pointee.name)}({', '.join(['ret', *keep])})")
            elif rt.is_string:
                ret_free = f.returns.free or ""
                results[-1] = "*string" if f.returns.nullable else "string"
                returns.append(self.go_string("ret", f.returns.nullable))
            else:
                returns.append(self.to_go(rt, "ret"))
            ret_type = rt.c
        locks = f.throws or f.returns.error_if_null
        fails = locks or any(a.p.role == "handle" or a.refuse for a in args)
        zeros = "".join(self.zero(t) + ", " for t in results)
        if fails:
            results.append("error")
        null_status = f.returns.null_status or ""
        go_name = self.func_names[f.name] + ("Into" if into else "")
        return Fn(f, go_name, receiver, args, results, returns, zeros,
                  fails, locks, ret_type, null_status, checks, ret_free, buffers,
                  [n for n in counts if f.param(n).role == "capacity"])

    def _alloc(self, size: lower.Size, by_name: dict[str, Arg]) -> str:
        """The Go expression of an [out] array's element count."""
        if size.kind == "call":
            cargs = [by_name[n].c if by_name[n].p.role == "handle" else by_name[n].expr for n in size.args]
            return f"int(C.{size.value}({', '.join(cargs)}))"
        if size.kind == "number":
            return size.value
        if size.kind == "constant":
            return self.const_names[size.value]
        if size.kind == "array":
            return f"len({by_name[size.value].go})"
        return by_name[size.value].go   # the capacity

    def package_doc(self) -> list[str]:
        api = self.api
        errors = ("Every call that can fail returns an error of type [*Error] carrying the ["
                  + self.error_type + "] and the message of the C library. ") if self.err else ""
        objects = ("Objects hold C memory: Close them when done (a finalizer is only a safety net). "
                   if api.handles else "")
        return [f"Package {self.package} is the Go binding of " + self.text(api.doc.summary),
                self.text(api.doc.body),
                errors + objects + "The package compiles the C library from source with cgo; "
                "no prebuilt library is needed."]

    def closed_error(self, h: ir.Handle) -> str:
        """The error a call on a closed handle returns (a plain error without an @errors enum)."""
        if self.err is None:
            return f"errors.New({self.quote(h.closed_message)})"
        return f"&Error{{Status: {self.member(self.err.closed, self.err)}, Message: {self.quote(h.closed_message)}}}"

    def out_of_range(self, t: ir.Type, go: str) -> tuple[str, str]:
        """(condition, reason) refusing a Go integer C's type cannot hold: Go's int and uint
        are wider than C's int and unsigned int, and signed where size_t is not."""
        if t.kind != "scalar":
            return "", ""
        bounds = {"int": ("math.MinInt32", "math.MaxInt32"), "unsigned int": ("", "math.MaxUint32"),
                  "size_t": ("0", "")}.get(t.name)
        if bounds is None:
            return "", ""
        lo, hi = bounds
        refuse = " || ".join(([f"{go} < {lo}"] if lo else []) + ([f"{go} > {hi}"] if hi else []))
        return refuse, f'fmt.Sprintf("%d is out of the range of C {t.name}", {go})'

    def thread_doc(self, h: ir.Handle) -> str:
        return names.thread_doc(h.serial, "goroutine", "Close", "fail with " + self.closed_doc())

    def closed_doc(self) -> str:
        return f"[{self.member(self.err.closed, self.err)}]" if self.err else "an error"

    @property
    def error_type(self) -> str:
        return self.type_name(self.err.name)

    def _with_into(self, fs: list[ir.Function]) -> list[Fn]:
        """Each function's Fn, followed by its Into variant if it has one."""
        return [fn for f in fs for fn in (self.fns[f.name], self.into.get(f.name)) if fn]

    def free_functions(self) -> list[Fn]:
        return self._with_into([f for f in self.functions if f.kind == "function"])

    def factories(self, h: ir.Handle) -> list[Fn]:
        return [self.fns[f.name] for f in self.functions if f.kind == "factory" and f.handle == h.name]

    def methods(self, h: ir.Handle) -> list[Fn]:
        return self._with_into([f for f in self.functions if f.kind == "method" and f.handle == h.name])

    def holds(self, h: ir.Handle) -> bool:
        """Whether a method of h keeps a retained argument (in the held map)."""
        return any(a.hold for fn in self.methods(h) for a in fn.args)

    def destructor(self, h: ir.Handle) -> ir.Function:
        return self.api.function(h.free)

    @staticmethod
    def quote(text: str) -> str:
        """A Go string literal (JSON's escapes are valid Go)."""
        return json.dumps(text)

    def const_value(self, c: ir.Constant) -> str:
        """Untyped Go constants: exact, so float32(X) is the C float of a 1.5e-3f."""
        if c.kind == "string":
            return self.quote(c.value)
        return repr(c.value) if c.kind == "float" else str(c.value)

    # ---- doc comments ------------------------------------------------------

    def link(self, m: re.Match) -> str:
        """A C name in doc text -> a Go doc link, when the binding has it."""
        name = m.group(1)
        if name in self.func_names:
            return f"[{self.func(name)}]"
        if name in self.const_names:
            return f"[{self.const_names[name]}]"
        for e in self.api.enums:
            if name == e.name:
                return f"[{self.type_name(name)}]"
            if any(x.name == name for x in e.members):
                return f"[{self.member(name, e)}]"
        if any(h.name == name for h in self.api.handles):
            return f"[{self.type_name(name)}]"
        return m.group(0)

    def text(self, text: str) -> str:
        pfx = re.escape(self.api.prefix)
        return re.sub(rf"(?<!\")\b((?:{pfx}|{pfx.upper()})\w+)(?:\(\))?", self.link, text)

    def lead(self, name: str, summary: str, kind: str) -> str:
        """Go doc comments start with the name: 'LoadModel loads ...'."""
        summary = self.text(summary)
        if not summary:   # an unannotated declaration of a header you did not write
            return f"{name} is undocumented in the C header."
        first = summary.split(" ", 1)[0]
        if kind == "member":
            return f"{name} means {lower_first(summary)}"
        if kind == "func":
            if first.endswith("s") and not first.endswith(("ss", "us")) and first not in ("This", "Its"):
                return f"{name} {lower_first(summary)}"
            if first in ("The", "A", "An"):
                return f"{name} returns {lower_first(summary)}"
            return f"{name} returns the {lower_first(summary)}"
        if first in ("The", "A", "An") or first.endswith("ed"):
            return f"{name} is {lower_first(summary)}"
        return f"{name} is the {lower_first(summary)}"

    def comment(self, blocks: list, indent: str = "") -> str:
        """Doc comment lines from paragraphs (str) and lists ([(term, text)])."""
        lead = indent + "// "
        out = []
        for b in blocks:
            if not b:
                continue
            if out:
                out.append(lead.rstrip())
            if isinstance(b, str):
                for para in b.split("\n\n"):
                    if out and out[-1] != lead.rstrip():
                        out.append(lead.rstrip())
                    out += [lead + ln for ln in textwrap.wrap(" ".join(para.split()), WIDTH - len(lead))]
            else:
                for term, text in b:
                    lines = textwrap.wrap(f"{term}: {self.text(' '.join(text.split()))}",
                                          WIDTH - len(lead) - 4)
                    out.append(lead + "  - " + lines[0])
                    out += [lead + "    " + ln for ln in lines[1:]]
        return "\n".join(out)

    def doc(self, name: str, d: ir.Doc, kind: str, indent: str = "", extra: list | None = None) -> str:
        return self.comment([self.lead(name, d.summary, kind), self.text(d.body), *(extra or [])], indent)

    def fn_doc(self, fn: Fn, extra: list | None = None) -> str:
        f = fn.f
        visible = fn.visible
        params = [(a.go, a.p.doc) for a in fn.args
                  if id(a.p) in visible and a is not fn.receiver and a.p.doc]
        outs = [(a.result_type or a.go_type, a.p.doc) for a in fn.args
                if a.p in f.outputs and a.p.name not in fn.into and a.p.doc]
        blocks = []
        if fn.into:
            plain = fn.go_name[:-len("Into")]
            into = ", ".join(a.go for a in fn.args if a.p.name in fn.into)
            blocks.append(f"{fn.go_name} is [{self.type_name(f.handle) + '.' if fn.receiver else ''}"
                          f"{plain}] writing into the caller's {into} (its length is the element "
                          "count C is given) instead of a new slice: no allocation, no copy.")
        if params:
            blocks += ["Parameters:", params]
        if outs:
            blocks += ["Results:", outs]
        if f.returns.doc:
            label = "Status" if f.throws else "Returns"
            blocks.append(f"{label}: {self.text(' '.join(f.returns.doc.split()))}")
        return self.doc(fn.go_name, f.doc, "func", extra=blocks + (extra or []))


IMPORTS = "import (\n\t// imports\n)"


def with_imports(text: str) -> str:
    """Fill the import block with the standard packages the rendered code uses
    (Go rejects unused imports, and what is used depends on the header)."""
    code = re.sub(r"//.*", "", text.split(IMPORTS, 1)[1])
    used = [pkg for pkg in ("bytes", "errors", "fmt", "log", "math", "runtime", "runtime/cgo",
                            "runtime/debug", "strings", "sync", "sync/atomic", "unsafe")
            if re.search(rf"\b{pkg.rsplit('/', 1)[-1]}\.", code)]
    block = "import (\n" + "".join(f'\t"{pkg}"\n' for pkg in used) + ")" if used else ""
    return text.replace(IMPORTS, block)


def files(api: ir.API, cfg, env, single: dict[str, str]) -> dict[str, str | bytes]:
    support.require(api, "go")  # new IR constructs fail clearly, see support.py
    o = GoOracle(api, cfg)
    ctx = dict(api=api, o=o, package=o.package, module=o.module)
    out: dict[str, str | bytes] = {
        "go.mod": env.get_template("go/go.mod.j2").render(ctx),
        f"{o.package}.go": with_imports(env.get_template("go/package.go.j2").render(ctx, imports=IMPORTS)),
    }
    if api.callbacks:  # //export needs a file whose preamble only declares
        out[f"{o.package}_callbacks.go"] = with_imports(
            env.get_template("go/callbacks.go.j2").render(ctx, imports=IMPORTS))
    out.update(single)  # cgo compiles the .c files of the package directory
    if api.c_prelude:   # C comments cannot sit in the preamble's comment: a header of its own
        out[o.prelude_header] = env.get_template("go/prelude.h.j2").render(ctx)
    for name, data in cfg.testdata_files().items():
        out[f"testdata/{name}"] = data
    out.update(project_files(cfg, env, "go", ctx))
    return out
