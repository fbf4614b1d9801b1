"""The Python binding: a Cython extension module compiled with the C library.

files() renders templates/cython/ into the Python output folder, under the
package from [python] package= (default: the library's name), the module
"_" + the library's name:
  <package>/_<name>.pyx   the extension (C declarations, enums, error, structs, classes)
  <package>/_<name>.pyi   the stub type checkers read (the extension has no Python source)
  <package>/__init__.py   re-exports the API;  py.typed marks the package as typed
With sources= in the configuration (a library compiled as it is, like the
fixtures under tests/fixtures/), the folder is also a project pip can build:
pyproject.toml, setup.py and csrc/ (the header and sources). predict instead
has setup.py at its root, compiling _predict.pyx with generated/c/predict.c.

Every naming and typing decision is made here, in PyOracle; the templates only
switch on IR kinds and roles. The rules:
  handle pred_x          -> extension type X: close() runs the destructor (idempotent,
                            also on __exit__ and __dealloc__)
  factory create / new   -> the constructor X(...) when the new handle is its only
                            output (and cannot be None); if its first argument is a
                            retained handle of P, P also gets the shortcut p.x(...)
  other factories        -> classmethods X.short_name(...)
  method / function      -> method of X / module-level function, named short_name
  deallocator            -> not exposed: owned strings are copied, then freed with it
  enum                   -> enum.IntEnum (@flags: enum.IntFlag); members without the
                            prefix and the enum's name (names.member_names), .c_name
  error enum             -> also <Name>Error(Exception) with .status and .message
                            ([python] error= names it); a closed object raises it with
                            the closed status. Without an error enum: ValueError.
  struct x_point         -> dataclass Point with the C fields, converted field by field
  constant PRED_X        -> module constant X, read from the compiled header
  array_in               -> any C-contiguous buffer of the element type, taken through
                            a typed memoryview without a copy; anything else goes
                            through numpy.ascontiguousarray (void *: any buffer, as bytes)
  array_inout            -> a writable C-contiguous buffer of the element type (a NumPy
                            array of any shape, bytearray, array.array), changed in place
  array_out              -> float arrays: a numpy array, flat or in its shape= (the
                            shape function called from C, ShapeCall); integer arrays
                            (shapes, indices) a tuple of ints; void/uint8_t arrays bytes;
                            char arrays str. The one float array of a function, sized by
                            alloc=, may come as out=: the caller's writable C-contiguous
                            array, filled without allocation or copy and returned
  shape= (array_in, out=)-> an array with more than one dimension must have the shape=
                            exactly (ValueError); a flat one passes, its count checked by C
  out values             -> returned, after the C return value is checked; several
                            as a tuple; inout_value params are passed in and returned
  strings                -> str (None for NULL); owned ones are freed once copied
  callback               -> any callable. C may call it on any thread: the trampoline
                            takes the GIL. scope "call": an exception it raises is
                            raised again by the function once C returns (C gets the
                            zero value); "stored": the module (free function) or the
                            receiver (method) keeps it until replaced, and its
                            exceptions go to sys.unraisablehook
  retained argument      -> kept by the new object (factories) or by the receiver until
                            the method is called again (methods)
"""
from __future__ import annotations

import builtins
import keyword
import re
import textwrap
from dataclasses import dataclass, field

from . import ir, lower, support
from .annotations import BindgenError
from .names import library_version, member_names, pascal, strip_prefix, thread_doc
from .render import project_files

# Parameter names that would shadow a builtin type get a clearer name, others a "_".
_RENAMES = {"bytes": "data"}
# Names Cython reserves even where Python allows them (an enum member SQLITE_NULL -> NULL_).
_CYTHON_RESERVED = {"NULL"}
# C spellings Cython needs under another name: C's bool, a bint for Cython
# (module.pyx cimports it as _cbool when used).
_C_SCALARS = {"bool": "_cbool", "_Bool": "_cbool"}
_STDINT = re.compile(r"u?int\d+_t")
_INT32 = range(-2**31, 2**31)


@dataclass
class Elem:
    """The element type of an array parameter."""
    c: str          # element type in a memoryview ("float", "unsigned char")
    dtype: str      # NumPy dtype name
    kind: str       # "raw" (void/char: bytes), "int", "uint", "float" or "bool"
    helper: str     # the module helper that views an input of this type

    @property
    def bytes(self) -> bool:
        """Elements that come out as Python bytes (void, char and uint8_t)."""
        return self.kind == "raw" or self.dtype == "uint8"

    @property
    def inout(self) -> str:
        """The helper that views a buffer the call changes in place."""
        return "_inout_bytes" if self.kind == "raw" else "_inout_" + self.dtype


@dataclass
class ShapeCall:
    """The C call of an array's shape= function, made with the call's own C arguments while
    it borrows the handles: `dims` (a C array) receives the `ndim` dimensions."""
    call: str          # the C call
    dims: str          # the local C array of dimensions...
    ndim: str          # ...and its rank
    decls: list[str]   # their cdef lines (and the status's)
    status: str        # the local of its status ("" when it cannot fail)

    @property
    def value(self) -> str:
        """The dimensions as a tuple of ints."""
        return f"tuple([{self.dims}[_i] for _i in range({self.ndim})])"


@dataclass
class Arg:
    """One C parameter of a function as the generated code handles it."""
    p: ir.Param
    py: str                    # Python name ("self" for the receiver)
    c: str                     # the C value passed to the call
    cls: str = ""              # class of a handle / out handle
    elem: Elem | None = None   # arrays
    alloc: str = ""            # array_out: C expression of the element count
    count: str = ""            # local of the count param this array fills
    count_decl: str = ""       # its C declaration ("" when another array or a param declares it)
    same: str = ""             # array sharing a count: the array it must be as long as
    length: str = ""           # local of the length out param that cuts the result
    new: str = ""              # out_handle: what to call __new__ on ("cls" in classmethods)
    result: str = ""           # outputs: the Python value returned
    init: str = ""             # out slots: the initial C value ("" for none)
    conv: str = ""             # struct, callback, inout_value: the C value of the argument
    slot: str = ""             # key under which the keeper (_slots) holds the argument
    callback: str = ""         # user_data: the callback arg whose _Callback it passes
    turn: bool = False         # handle: the receiver of a one-thread-at-a-time type (_enter)
    shape: ShapeCall | None = None  # arrays with shape=: the C call giving their dimensions
    out: str = ""              # array_out: the keyword taking the caller's array instead

    def __getattr__(self, name):
        return getattr(self.p, name)

    @property
    def v(self) -> str:
        return "_v_" + self.p.name

    @property
    def n(self) -> str:
        return "_n_" + self.p.name

    @property
    def r(self) -> str:
        return "_r_" + self.p.name

    @property
    def b(self) -> str:
        return "_b_" + self.p.name

    @property
    def k(self) -> str:
        """callback: the local holding its _Callback."""
        return "_k_" + self.p.name

    @property
    def checks(self) -> str:
        """shape=: the local saying the caller's array has dimensions to check."""
        return "_sh_" + self.p.name

    @property
    def first(self) -> str:
        """A pointer to an array's first element, in the C type of the parameter."""
        cast = f"<{'const ' if self.p.type.const else ''}char *>" if self.p.type.pointee.name == "char" else ""
        return f"{cast}&{self.v}[0]"

    @property
    def value_type(self) -> ir.Type:
        """The type of the C local: a count's pointee when C takes its address."""
        return self.p.type.pointee if self.p.role in ("count", "capacity") and \
            self.p.type.kind == "pointer" else self.p.type

    @property
    def arg(self) -> str:
        """The expression passed to the C function."""
        by_ref = self.p.role in ("out_handle", "out_value", "length", "out_string", "inout_value") \
            or self.value_type is not self.p.type
        return ("&" if by_ref else "") + self.c


@dataclass
class Fn:
    """A function placed in the binding: where, under which name, with which arguments."""
    f: ir.Function
    name: str
    place: str                       # init | classmethod | method | function
    args: list[Arg]
    cls: str = ""                    # the class it is placed in
    doc: str = ""
    keep: str = "None"               # what a new object keeps alive (retained args)
    result: str = ""                 # the Python value of the C return value
    new: str = ""                    # returned handle: the class to make

    @property
    def receiver(self) -> str:
        return {"init": "self", "method": "self", "classmethod": "cls"}.get(self.place, "")

    @property
    def keeper(self) -> str:
        """Where stored arguments live: the receiver, or the module."""
        return "self._slots" if lower.holder(self.f) == "receiver" else "_slots"

    @property
    def void(self) -> bool:
        return self.f.returns.type.is_void

    def __getattr__(self, name):
        return getattr(self.f, name)

    @property
    def visible(self) -> list[Arg]:
        names = {p.name for p in self.f.visible_params}
        return [a for a in self.args if a.p.name in names and a.py != "self"]

    @property
    def out_arg(self) -> Arg | None:
        """The array_out the caller may give as out= (see PyOracle.takes_out)."""
        return next((a for a in self.args if a.out), None)

    @property
    def outputs(self) -> list[Arg]:
        names = {p.name for p in self.f.outputs}
        return [a for a in self.args if a.p.name in names]

    @property
    def handles(self) -> list[Arg]:
        """The handles the call borrows (see handle.pyx.j2)."""
        return [a for a in self.args if a.role == "handle"]

    @property
    def callbacks(self) -> list[Arg]:
        return [a for a in self.args if a.role == "callback"]


@dataclass
class Shortcut:
    """p.x(...) on a parent class for the constructor of X."""
    name: str
    ctor: Fn
    rest: list[Arg]


@dataclass
class Cls:
    """An extension type for one handle."""
    h: ir.Handle
    name: str
    free: ir.Function
    close_doc: str = ""
    ctor: Fn | None = None
    factories: list[Fn] = field(default_factory=list)
    methods: list[Fn] = field(default_factory=list)
    shortcuts: list[Shortcut] = field(default_factory=list)

    @property
    def makers(self) -> str:
        """How users get one, for the error of a class without constructor."""
        return ", ".join(f"{self.name}.{f.name}()" for f in self.factories)

    @property
    def slots(self) -> bool:
        """True when methods store arguments on the object (stored callbacks, retained)."""
        return any(a.slot for f in self.methods for a in f.args)


@dataclass
class Trampoline:
    """The C function that calls a Python callable for one callback typedef."""
    name: str
    signature: str             # its C declaration
    user_data: str             # the C name of the user_data param
    args: list[str]            # Python values passed to the callable
    ret: str                   # how the callable's result becomes the C result ("" for void)


class PyOracle:
    """Names and types of the Python binding, computed from the IR (like UniFFI's oracles)."""

    def __init__(self, api: ir.API, cfg):
        self.api, self.cfg = api, cfg
        opts = cfg.lang("python")
        self.package = opts.get("package", cfg.name)
        self.prefix = api.prefix
        self.err = api.error_enum
        self.error_class = opts.get("error", pascal(cfg.name) + "Error")
        if self.err and hasattr(builtins, self.error_class):
            raise BindgenError(cfg.header_display, f"python: the error class {self.error_class} "
                                                   "would shadow a builtin; set [python] error=")
        self.module = "_" + cfg.name          # the extension module inside the package
        # The message every error carries: the @errors message= function (None: the C name).
        self.last_error = api.function(self.err.message) if self.err and self.err.message else None
        self.members = {m: py + "_" if py in _CYTHON_RESERVED else py for e in api.enums
                        for m, py in member_names(e.name, [x.name for x in e.members],
                                                  self.prefix).items()}
        self.deallocators = [f for f in api.functions if f.kind == "deallocator"]
        self.trampolines = [self._trampoline(cb) for cb in api.callbacks]
        self.classes = [self._cls(h) for h in api.handles]
        self.functions = [self._fn(f, "function") for f in api.free_functions]
        self._shortcuts()

    # -- names -------------------------------------------------------------

    def ident(self, name: str) -> str:
        """A C name usable as a Python identifier."""
        if name in _RENAMES:
            return _RENAMES[name]
        if keyword.iskeyword(name) or isinstance(getattr(builtins, name, None), type):
            return name + "_"
        return name

    def field_name(self, name: str) -> str:
        """A struct field as a dataclass field (attributes may shadow builtins)."""
        return name + "_" if keyword.iskeyword(name) else name

    def class_of(self, handle: str) -> str:
        return pascal(strip_prefix(handle, self.prefix))

    def enum_class(self, enum: str) -> str:
        return pascal(strip_prefix(enum, self.prefix))

    def struct_class(self, struct: str) -> str:
        return pascal(strip_prefix(struct, self.prefix))

    def member(self, name: str) -> str:
        return self.members[name]

    def constant(self, name: str) -> str:
        return strip_prefix(name, self.prefix)

    def enum_of(self, member: str) -> str:
        """Status.ERR_STATE for PRED_ERR_STATE."""
        e = next(e for e in self.api.enums if any(m.name == member for m in e.members))
        return f"{self.enum_class(e.name)}.{self.member(member)}"

    @staticmethod
    def lit(value) -> str:
        """A Python literal."""
        return repr(value)

    @property
    def version_constant(self) -> str:
        """The constant that gives the package's __version__ (<PREFIX>VERSION), if any."""
        name = self.prefix.upper() + "VERSION"
        return self.constant(name) if any(c.name == name for c in self.api.constants) else ""

    @property
    def version(self) -> str:
        """The project version for pyproject.toml (names.library_version)."""
        return library_version(self.api, self.prefix)

    @property
    def exports(self) -> list[str]:
        return ([self.constant(c.name) for c in self.api.constants]
                + [self.enum_class(e.name) for e in self.api.enums]
                + ([self.error_class] if self.err else [])
                + [self.struct_class(s.name) for s in self.api.structs]
                + [c.name for c in self.classes] + [f.name for f in self.functions])

    @property
    def summary(self) -> str:
        """What the package offers, for its docstring."""
        names = [c.name for c in self.classes] + ([self.error_class] if self.err else [])
        names += [self.struct_class(s.name) for s in self.api.structs]
        return ", ".join(names + ["module-level functions"]).replace(", module", " and module")

    @staticmethod
    def is_integer(t: ir.Type) -> bool:
        """A C integer (not bool, not floating point): Python passes it only exactly
        (operator.index: no float, no truncation; Cython: OverflowError out of range)."""
        return t.kind == "scalar" and ir.SCALARS.get(t.name, (0, ""))[1] in ("int", "uint")

    def thread_doc(self, h: ir.Handle) -> str:
        return thread_doc(h.serial, "thread", "close()", "raise")

    def closed_error(self, c: Cls) -> str:
        """The exception a closed object raises."""
        if self.err is None:
            return f"ValueError({self.lit(c.h.closed_message)})"
        return f"{self.error_class}({self.enum_of(self.err.closed)}, {self.lit(c.h.closed_message)})"

    @property
    def needs_slots(self) -> bool:
        """True when module functions store arguments (stored callbacks)."""
        return any(a.slot for f in self.functions for a in f.args)

    # -- C types -----------------------------------------------------------

    def cdecl(self, t: ir.Type, name: str = "") -> str:
        """A C declaration of `name` with type `t` in Cython syntax ("const float *data")."""
        if t.kind == "pointer":
            if t.pointee.kind == "pointer":
                return self.cdecl(t.pointee, "*" + name)
            base = _C_SCALARS.get(t.pointee.name, t.pointee.name)
            return ("const " if t.const else "") + base + " *" + name
        return _C_SCALARS.get(t.name, t.name) + (" " + name if name else "")

    def prototype(self, f: ir.Function | ir.Callback, name: str | None = None) -> str:
        params = ", ".join(self.cdecl(p.type, self.ident(p.name)) for p in f.params)
        if name is None:   # a function: under c_fn's name, its C name in quotes if they differ
            name = self.c_fn(f.name) + (f' "{f.name}"' if self.c_fn(f.name) != f.name else "")
        return self.cdecl(f.returns.type, f"{name}({params})")

    @staticmethod
    def verbatim(c: str) -> str:
        """C code as the text of a Cython string literal (its backslashes kept)."""
        return c.replace("\\", "\\\\").replace('"""', '\\"""')

    def c_fn(self, name: str) -> str:
        """The Cython name of a C function: its own, unless the module's function takes it
        (a header without a prefix)."""
        return "_c_" + name if strip_prefix(name, self.prefix) == name else name

    def c_constant(self, name: str) -> str:
        """The Cython name of a #define: its own, unless the module constant takes it
        (a header without a prefix)."""
        return "_c_" + name if self.constant(name) == name else name

    def extern_constant(self, c: ir.Constant) -> str:
        """How the extern block declares a #define (Cython reads its value from C)."""
        cy = self.c_constant(c.name)
        cname = f' "{c.name}"' if cy != c.name else ""
        if c.kind == "string":
            return f"const char *{cy}{cname}"
        if c.kind == "float":
            return f"const double {cy}{cname}"
        if c.value in _INT32 and not cname:
            return f"enum: {c.name}"
        return f"const {'unsigned ' if c.value > 0 else ''}long long {cy}{cname}"

    def extern_field(self, f: ir.Field) -> str:
        py = self.field_name(f.name)
        return self.cdecl(f.type, py) + (f' "{f.name}"' if py != f.name else "")

    @property
    def uses_bool(self) -> bool:
        return any(t.base.name in ("bool", "_Bool") for t in self._types)

    @property
    def _types(self) -> list[ir.Type]:
        """Every C type the declarations use."""
        types = [t for f in self.api.functions + self.api.callbacks
                 for t in [f.returns.type] + [p.type for p in f.params]]
        return types + [fl.type for s in self.api.structs for fl in s.fields]

    @property
    def stdint(self) -> list[str]:
        """The <stdint.h> names the declarations use (Cython cimports them)."""
        found = set()
        for t in self._types:
            if _STDINT.fullmatch(t.base.name):
                found.add(t.base.name)
        return sorted(found)

    def elem(self, t: ir.Type) -> Elem:
        name = t.pointee.name
        if name in ("void", "char"):
            return Elem("unsigned char", "uint8", "raw", "_in_bytes")
        size, kind = ir.SCALARS[name]
        dtype = {"int": f"int{8 * size}", "uint": f"uint{8 * size}",
                 "float": f"float{8 * size}", "bool": "bool_"}[kind]
        return Elem(_C_SCALARS.get(name, name), dtype, kind, "_in_" + dtype)

    def _elems(self, role: str, key) -> list[Elem]:
        seen = {}
        for f in self.api.functions:
            for p in f.params:
                if p.role == role:
                    e = self.elem(p.type)
                    seen.setdefault(key(e), e)
        return list(seen.values())

    @property
    def in_elems(self) -> list[Elem]:
        """One input helper per element type of the array_in params."""
        return self._elems("array_in", lambda e: e.helper)

    @property
    def inout_elems(self) -> list[Elem]:
        """One in-place helper per element type of the array_inout params and out= arrays."""
        seen = {e.inout: e for e in self._elems("array_inout", lambda e: e.inout)}
        for f in self.api.functions:
            p = self.takes_out(f)
            if p is not None:
                seen.setdefault(self.elem(p.type).inout, self.elem(p.type))
        return list(seen.values())

    @property
    def uses_shapes(self) -> bool:
        """True when some array has shape= (the _ndim and _check_shape helpers)."""
        return any(p.shape_call for f in self.api.functions for p in f.params)

    def takes_out(self, f: ir.Function) -> ir.Param | None:
        """The array_out `f` also fills in the caller's own NumPy array, passed as out=
        (lower.caller_buffers): the one such array of `f`, returned as a NumPy array,
        alone in its count, sized by alloc= and not cut by length=."""
        bufs = [p for p in lower.caller_buffers(f)
                if self.elem(p.type).kind in ("float", "bool") and not p.length
                and f.param(p.count).arrays == [p.name]
                and lower.size(f, p).kind in ("call", "number", "constant")]
        return bufs[0] if len(bufs) == 1 else None

    def _shape_call(self, p: ir.Param, s: lower.Shape) -> ShapeCall:
        """The shape function called from C with the C values of `s.args` (parse.link_shape:
        its inputs are those, its one output the dims, sized by a number or a constant)."""
        g, args = s.function, iter(s.args)
        dims = g.outputs[0]
        local = f"_sd_{p.name}"
        n, status = f"_sn_{p.name}", (f"_ss_{p.name}" if g.throws else "")
        values = []
        for q in g.params:
            if q is dims:
                values.append(local)
            elif q.role in ("count", "capacity"):
                values.append(lower.size(g, dims).value)
            elif q.role == "length":
                values.append("&" + n)
            else:
                values.append("_c_" + next(args).name)
        decls = [f"cdef {self.cdecl(dims.type.pointee)} {local}[{lower.size(g, dims).value}]",
                 f"cdef size_t {n} = 0"]
        if status:
            decls.append(f"cdef {self.cdecl(g.returns.type, status)} = {self.err.ok}")
        return ShapeCall(f"{g.name}({', '.join(values)})", local, n, decls, status)

    @property
    def uses_text(self) -> bool:
        """True when a char array comes out (the _text helper)."""
        return any(p.role == "array_out" and p.type.pointee.name == "char"
                   for f in self.api.functions for p in f.params)

    def py_value(self, t: ir.Type, c: str) -> str:
        """The Python value of the C value `c` of type `t`."""
        if t.kind == "pointer":
            return f"_str({c})"
        if t.kind == "enum":
            return f"{self.enum_class(t.name)}({c})"
        if t.kind == "struct":
            return f"_from_{t.name}(&{c})"
        return c

    def to_c(self, t: ir.Type, py: str) -> str:
        """The C value of type `t` (scalar, enum or struct) of the Python value `py`."""
        if t.kind == "enum":
            return f"<{t.name}><int>{py}"
        if t.kind == "struct":
            return f"_to_{t.name}({py})"
        return py

    # -- callbacks -----------------------------------------------------------

    def _trampoline(self, cb: ir.Callback) -> Trampoline:
        """The arguments C passes become Python values (copies: they are borrowed for the call)."""
        name = self.trampoline(cb.name)
        args = []
        for p in cb.visible_params:
            c = self.ident(p.name)
            if p.role == "string":
                args.append(f"_str({c})")
            elif p.role == "array_in":
                e, n = self.elem(p.type), self.ident(p.count)
                raw = f"(<const char *>{c})[:{n}" + ("]" if e.bytes else f" * sizeof({e.c})]")
                args.append(raw if e.bytes else f"numpy.frombuffer({raw}, dtype=numpy.{e.dtype})")
            elif p.role == "struct" and p.type.kind == "pointer":
                value = f"_from_{p.type.base.name}({c})"
                args.append(f"(None if {c} == NULL else {value})" if p.nullable else value)
            else:
                args.append(self.py_value(p.type, c))
        call = f"_cb.fn({', '.join(args)})"
        ret = "" if cb.returns.type.is_void else self.to_c(cb.returns.type, call)
        signature = self.prototype(cb, name) + " noexcept with gil"
        return Trampoline(name, signature, self.ident(cb.user_data), args, ret)

    def trampoline(self, callback: str) -> str:
        return "_call_" + callback

    # -- placing functions ---------------------------------------------------

    def _args(self, f: ir.Function, place: str, cls: str = "") -> list[Arg]:
        args = []
        held = {x.name for x in lower.held(f)}
        for i, p in enumerate(f.params):
            py = "self" if i == 0 and place == "method" else self.ident(p.name)
            a = Arg(p, py, "_c_" + p.name)
            if p.name in held:   # kept by the receiver or the module until called again
                a.slot = f"{f.name}.{p.name}"
            if p.role == "handle":
                a.cls = self.class_of(p.type.pointee.name)
                a.turn = lower.locks(self.api, f, p)
            elif p.role == "out_handle":
                a.cls = self.class_of(p.type.pointee.pointee.name)
                a.new = "cls" if place == "classmethod" and a.cls == cls else a.cls
                a.result, a.init = a.r, "NULL"
                if not p.owned:
                    raise BindgenError(f.coord, f"{f.name}: Python needs out handles to be owned")
            elif p.role in ("array_in", "array_out", "array_inout"):
                self._array(f, a)
                s = lower.shape(self.api, f, p)
                a.shape = self._shape_call(p, s) if s else None
                if p is self.takes_out(f):
                    a.out = "out"
                    if any(self.ident(q.name) == a.out for q in f.visible_params):
                        raise BindgenError(f.coord, f"{f.name}: python: a parameter named "
                                                    f"'{a.out}' hides the out= keyword")
            elif p.role == "out_value":
                a.result = self.py_value(p.type.pointee, a.c)
                a.init = "" if p.type.pointee.kind == "struct" else f"<{self.cdecl(p.type.pointee)}>0"
            elif p.role == "length":
                a.init = f"<{self.cdecl(p.type.pointee)}>0"
            elif p.role == "inout_value":
                a.conv = self.to_c(p.type.pointee, py)
                a.result = self.py_value(p.type.pointee, a.c)
            elif p.role == "out_string":
                a.init = "NULL"
                a.conv = f"_take_{p.free}({a.c})" if p.free else f"_str({a.c})"
                a.result = a.r
            elif p.role == "struct":
                a.conv = self.to_c(p.type.base, py)
                a.c = a.c if p.nullable else ("&" if p.type.kind == "pointer" else "") + a.v
            elif p.role == "callback":
                a.c = "_c_" + p.name
            elif p.role == "user_data":
                a.callback = "_k_" + lower.callback_of(f, p).name
            args.append(a)
        return args

    def _array(self, f: ir.Function, a: Arg) -> None:
        p = a.p
        a.elem = self.elem(p.type)
        a.count = "_c_" + p.count
        count = lower.counts(f).get(p.count)   # None for a capacity: the caller passes it
        if count and count.source is p:
            ct = count.param.type
            a.count_decl = self.cdecl(ct.pointee if ct.kind == "pointer" else ct, a.count)
        elif count and p.name in {x.name for x in count.same}:
            a.same = self.ident(count.source.name)
        a.length = "_c_" + p.length if p.length else ""
        if p.role != "array_out":
            return
        if p.type.pointee.name == "char":
            a.result = f"_text({a.r})"
        elif a.elem.bytes:
            a.result = f"{a.r}.tobytes()"
        else:
            a.result = {"raw": f"{a.r}.tobytes()", "int": f"tuple({a.r}.tolist())",
                        "uint": f"tuple({a.r}.tolist())"}.get(a.elem.kind, a.r)
        size = lower.size(f, p)
        if size.kind == "call":
            a.alloc = f"{self.c_fn(size.value)}({', '.join('_c_' + x for x in size.args)})"
        elif size.kind in ("number", "constant"):
            a.alloc = size.value
        else:   # the length of the [in] array sharing the count, or the capacity param
            a.alloc = a.count
        if count and count.source.role == "array_out" and len(count.param.arrays) > 1:
            raise BindgenError(f.coord, f"{f.name}: python: [out] arrays sharing count={p.count} "
                                        "with alloc= each are not supported")

    def _fn(self, f: ir.Function, place: str, name: str | None = None) -> Fn:
        r = f.returns
        if r.type.kind == "pointer" and not (r.type.is_string or f.returns_handle):
            raise BindgenError(f.coord, f"{f.name}: python: returning {r.type.c} is not supported")
        cls = self.class_of(f.handle) if f.handle else ""
        fn = Fn(f, self.ident(name or f.short_name), place, self._args(f, place, cls), cls)
        if f.returns_handle:
            made = self.class_of(r.type.pointee.name)
            fn.new = "cls" if place == "classmethod" and made == cls else made
            fn.result = "_r_result"
        elif r.free:
            fn.result = f"_take_{r.free}(_c_result)"
        else:
            fn.result = self.py_value(r.type, "_c_result")
        by_name = {a.p.name: a for a in fn.args}
        kept = [by_name[p.name].py for p in lower.kept_by_new(f)]
        if kept:
            fn.keep = "(" + ", ".join(kept) + ",)"
        fn.doc = self.docstring(f, fn)
        return fn

    def _cls(self, h: ir.Handle) -> Cls:
        free = self.api.function(h.free)
        c = Cls(h, self.class_of(h.name), free, self.doc_text(free.doc.text))
        for f in self.api.functions_of(h.name, "factory"):
            if c.ctor is None and self._constructs(f):
                c.ctor = self._fn(f, "init", "__init__")
            else:
                c.factories.append(self._fn(f, "classmethod"))
        c.methods = [self._fn(f, "method") for f in self.api.functions_of(h.name, "method")]
        return c

    @staticmethod
    def _constructs(f: ir.Function) -> bool:
        """A factory named create or new whose only result is a handle that cannot be None."""
        if f.short_name not in ("create", "new"):
            return False
        outs = f.outputs
        if f.returns_handle:
            return not outs and not f.returns.nullable
        return len(outs) == 1 and outs[0].role == "out_handle" and not outs[0].nullable

    def _shortcuts(self) -> None:
        """Give parents the p.child(...) shortcut for children's constructors."""
        for child in self.classes:
            f = child.ctor
            vis = f.visible if f else []
            if not vis or vis[0].p.role != "handle" or not vis[0].p.retained:
                continue
            parent = next(c for c in self.classes if c.name == vis[0].cls)
            name = self.ident(strip_prefix(child.h.name, self.prefix))
            if name not in {m.name for m in parent.methods + parent.factories}:
                parent.shortcuts.append(Shortcut(name, f, vis[1:]))

    # -- docstrings and stub types ---------------------------------------------

    @staticmethod
    def doc_text(text: str, indent: str = "    ", width: int = 88) -> str:
        """Paragraphs re-wrapped for a docstring body."""
        paras = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
        return "\n\n".join(textwrap.fill(p, width - len(indent)) for p in paras)

    def docstring(self, f: ir.Function, fn: Fn) -> str:
        """A Google-style docstring (without quotes), lines after the first unindented."""
        parts = [self.doc_text(f.doc.text)]

        def section(title: str, rows: list[tuple[str, str]]) -> None:
            rows = [(k, v) for k, v in rows if v]
            if rows:
                lines = [title + ":"]
                for k, v in rows:
                    wrapped = textwrap.wrap(f"{k}: {' '.join(v.split())}", 80)
                    lines += ["    " + wrapped[0]] + ["        " + w for w in wrapped[1:]]
                parts.append("\n".join(lines))

        outs = [(a.out, "A writable C-contiguous numpy." + a.elem.dtype + " array to fill and "
                 "return instead of a new one (no allocation, no copy).")
                for a in fn.args if a.out]
        section("Args", [(a.py, a.p.doc) for a in fn.visible] + outs)
        if fn.place != "init" and fn.outputs:
            section("Returns", [(self.stub_out(a), a.p.doc) for a in fn.outputs])
        elif fn.place != "init" and not fn.void and not f.throws:
            section("Returns", [(self.stub_return(fn), f.returns.doc)])
        raises = [(a.py + "'s exceptions", "raised again here once the call returns.")
                  for a in fn.callbacks if a.scope == "call"]
        if f.throws:
            # a raised error never carries ok: drop "PRED_OK; " from the status list
            raises.append((self.error_class, re.sub(rf"^{self.err.ok}\W*", "", f.returns.doc)))
        elif f.returns.error_if_null:
            raises.append((self.error_class,
                           f"status {self.member(f.returns.null_status)} where C returns NULL."))
        section("Raises", raises)
        text = "\n\n".join(p for p in parts if p)
        return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')

    def stub_in(self, a: Arg) -> str:
        p = a.p
        opt = " | None" if p.nullable else ""
        if p.role == "handle":
            return a.cls + opt
        if p.role == "string":
            return "str | bytes | os.PathLike[str]" + opt
        if p.role == "array_in":
            return "bytes | bytearray | memoryview" if a.elem.kind == "raw" else "npt.ArrayLike"
        if p.role == "array_inout":
            return "bytearray | memoryview" if a.elem.kind == "raw" else f"npt.NDArray[numpy.{a.elem.dtype}]"
        if p.role == "struct":
            return self.struct_class(p.type.base.name) + opt
        if p.role == "callback":
            return self.stub_callback(self.api.callback(p.type.name)) + opt
        if p.role == "inout_value" or p.type.kind == "pointer":   # (a capacity C takes by address)
            return self.stub_value(p.type.pointee, True)
        return self.stub_value(p.type, True)

    def stub_value(self, t: ir.Type, arg: bool = False) -> str:
        if t.kind == "enum":
            return self.enum_class(t.name) + (" | int" if arg else "")
        if t.kind == "struct":
            return self.struct_class(t.name)
        return {"float": "float", "bool": "bool"}.get(ir.SCALARS[t.name][1], "int")

    def stub_callback(self, cb: ir.Callback) -> str:
        args = []
        for p in cb.visible_params:
            if p.role == "string":
                args.append("str")
            elif p.role == "array_in":
                e = self.elem(p.type)
                args.append("bytes" if e.bytes else f"npt.NDArray[numpy.{e.dtype}]")
            else:
                args.append(self.stub_value(p.type.base) + (" | None" if p.nullable else ""))
        ret = "None" if cb.returns.type.is_void else self.stub_value(cb.returns.type)
        return f"Callable[[{', '.join(args)}], {ret}]"

    def stub_out(self, a: Arg) -> str:
        p = a.p
        opt = " | None" if p.nullable else ""
        if p.role == "out_handle":
            return a.cls + opt
        if p.role == "out_string":
            return "str" + opt
        if p.role == "array_out":
            if p.type.pointee.name == "char":
                return "str"
            if a.elem.bytes:
                return "bytes"
            return {"raw": "bytes", "int": "tuple[int, ...]", "uint": "tuple[int, ...]"}.get(
                a.elem.kind, f"npt.NDArray[numpy.{a.elem.dtype}]")
        return self.stub_value(p.type.pointee)

    def stub_return(self, fn: Fn) -> str:
        """The stub type of what `fn` returns in Python."""
        if fn.place == "init":
            return "None"
        if fn.outputs:
            types = [self.stub_out(a) for a in fn.outputs]
            return types[0] if len(types) == 1 else f"tuple[{', '.join(types)}]"
        r = fn.returns
        if fn.throws or fn.void:
            return "None"
        opt = " | None" if r.nullable else ""
        if fn.f.returns_handle:
            return self.class_of(r.type.pointee.name) + opt
        if r.type.kind == "pointer":
            return "str" + opt
        return self.stub_value(r.type)

    @property
    def uses_callable(self) -> bool:
        return bool(self.api.callbacks)


def files(api: ir.API, cfg, env, single) -> dict[str, str | bytes]:
    support.require(api, "python")
    o = PyOracle(api, cfg)
    ctx = {"api": api, "o": o}
    pkg, mod = o.package, o.module
    out = {
        f"{pkg}/{mod}.pyx": env.get_template("cython/module.pyx.j2").render(ctx),
        f"{pkg}/{mod}.pyi": env.get_template("cython/module.pyi.j2").render(ctx),
        f"{pkg}/__init__.py": env.get_template("cython/__init__.py.j2").render(ctx),
        f"{pkg}/py.typed": "",
    }
    if cfg.sources or cfg.libraries:   # a project of its own: the library's files beside the binding
        ctx["csources"] = sorted(name for name in single if name.endswith(".c"))
        ctx["libraries"] = cfg.libraries + list(cfg.lang("python").get("libraries", []))
        out["setup.py"] = env.get_template("cython/setup.py.j2").render(ctx)
        out["pyproject.toml"] = env.get_template("cython/pyproject.toml.j2").render(ctx)
        out.update({f"csrc/{name}": text for name, text in single.items()})
    out.update(project_files(cfg, env, "python", ctx))
    return out
