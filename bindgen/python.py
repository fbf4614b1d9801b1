"""The Python binding: a Cython extension module compiled with the single file.

files() renders templates/cython/ into generated/python/<package>/ (the package
from [tool.bindgen.python], the module "_" + the library's name):
  _predict.pyx   the extension (C declarations, Status, PredictError, one type per handle)
  _predict.pyi   the stub type checkers read (the extension has no Python source)
  __init__.py    re-exports the API;  py.typed marks the package as typed
setup.py at the project's root compiles _predict.pyx with generated/c/predict.c.

Every naming and typing decision is made here, in PyOracle; the templates only
switch on IR kinds and roles. The rules:
  handle pred_x          -> extension type X: close() runs the destructor (idempotent,
                            also on __exit__ and __dealloc__)
  factory named create   -> the constructor X(...) when the new handle is its only
                            output; if its first argument is a retained handle of P,
                            P also gets the shortcut p.x(...) (model.session())
  other factories        -> classmethods X.short_name(...)
  method / function      -> method of X / module-level function, named short_name
  error enum             -> enum.IntEnum (members without the prefix, .c_name) and
                            <Name>Error(Exception) with .status and .message
  constant PRED_X        -> module constant X, read from the compiled header
  array_in               -> any C-contiguous buffer of the element type, taken through
                            a typed memoryview without a copy; anything else goes
                            through numpy.ascontiguousarray (void *: any buffer, as bytes)
  array_out              -> float arrays: a flat numpy array; integer arrays (shapes,
                            indices) a tuple of ints; void/char arrays bytes
"""
from __future__ import annotations

import builtins
import keyword
import re
import textwrap
from dataclasses import dataclass, field

from . import ir
from .annotations import BindgenError
from .names import pascal, strip_prefix

# Parameter names that would shadow a builtin type get a clearer name, others a "_".
_RENAMES = {"bytes": "data"}
# C spellings Cython needs under another name.
_C_SCALARS = {"bool": "bint", "_Bool": "bint"}
_STDINT = re.compile(r"u?int\d+_t")


@dataclass
class Elem:
    """The element type of an array parameter."""
    c: str          # element type in a memoryview ("float", "unsigned char")
    dtype: str      # NumPy dtype name
    kind: str       # "raw" (void/char: bytes), "int", "uint", "float" or "bool"
    helper: str     # the module helper that views an input of this type


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
    count_decl: str = ""       # its C declaration
    length: str = ""           # local of the length out param that cuts the result
    new: str = ""              # out_handle: what to call __new__ on ("cls" in classmethods)
    result: str = ""           # outputs: the Python value returned

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
    def arg(self) -> str:
        """The expression passed to the C function."""
        by_ref = self.p.role in ("out_handle", "out_value", "length")
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

    @property
    def receiver(self) -> str:
        return {"init": "self", "method": "self", "classmethod": "cls"}.get(self.place, "")

    @property
    def void(self) -> bool:
        t = self.f.returns.type
        return t.kind == "scalar" and t.name == "void"

    def __getattr__(self, name):
        return getattr(self.f, name)

    @property
    def visible(self) -> list[Arg]:
        names = {p.name for p in self.f.visible_params}
        return [a for a in self.args if a.p.name in names and a.py != "self"]

    @property
    def outputs(self) -> list[Arg]:
        names = {p.name for p in self.f.outputs}
        return [a for a in self.args if a.p.name in names]


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


class PyOracle:
    """Names and types of the Python binding, computed from the IR (like UniFFI's oracles)."""

    def __init__(self, api: ir.API, cfg):
        self.api, self.cfg = api, cfg
        self.package = cfg.lang("python").get("package", cfg.name)
        self.prefix = api.prefix
        self.err = api.error_enum
        if self.err is None:
            raise BindgenError(cfg.header_display, "the Python binding needs an @errors enum")
        self.error_class = pascal(cfg.name) + "Error"
        self.module = "_" + cfg.name          # the extension module inside the package
        # DESIGN.md fixes <prefix>last_error(): the message every error carries.
        try:
            self.last_error = api.function(self.prefix + "last_error")
        except StopIteration:
            raise BindgenError(cfg.header_display, f"{self.prefix}last_error() is needed") from None
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

    def class_of(self, handle: str) -> str:
        return pascal(strip_prefix(handle, self.prefix))

    def enum_class(self, enum: str) -> str:
        return pascal(strip_prefix(enum, self.prefix))

    def member(self, name: str) -> str:
        return strip_prefix(name, self.prefix)

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
    def exports(self) -> list[str]:
        return ([self.constant(c.name) for c in self.api.constants]
                + [self.enum_class(e.name) for e in self.api.enums] + [self.error_class]
                + [c.name for c in self.classes] + [f.name for f in self.functions])

    # -- C types -----------------------------------------------------------

    def cdecl(self, t: ir.Type, name: str = "") -> str:
        """A C declaration of `name` with type `t` in Cython syntax ("const float *data")."""
        if t.kind == "pointer":
            if t.pointee.kind == "pointer":
                return self.cdecl(t.pointee, "*" + name)
            base = _C_SCALARS.get(t.pointee.name, t.pointee.name)
            return ("const " if t.const else "") + base + " *" + name
        return _C_SCALARS.get(t.name, t.name) + (" " + name if name else "")

    def prototype(self, f: ir.Function) -> str:
        params = ", ".join(self.cdecl(p.type, self.ident(p.name)) for p in f.params)
        return self.cdecl(f.returns.type, f"{f.name}({params})")

    @property
    def stdint(self) -> list[str]:
        """The <stdint.h> names the declarations use (Cython cimports them)."""
        found = set()
        for f in self.api.functions:
            for t in [f.returns.type] + [p.type for p in f.params]:
                while t.kind == "pointer":
                    t = t.pointee
                if _STDINT.fullmatch(t.name):
                    found.add(t.name)
        return sorted(found)

    def elem(self, t: ir.Type) -> Elem:
        name = t.pointee.name
        if name in ("void", "char"):
            return Elem("unsigned char", "uint8", "raw", "_in_bytes")
        size, kind = ir.SCALARS[name]
        dtype = {"int": f"int{8 * size}", "uint": f"uint{8 * size}",
                 "float": f"float{8 * size}", "bool": "bool_"}[kind]
        return Elem(_C_SCALARS.get(name, name), dtype, kind, "_in_" + dtype)

    @property
    def in_elems(self) -> list[Elem]:
        """One input helper per element type of the array_in params."""
        seen = {}
        for f in self.api.functions:
            for p in f.params:
                if p.role == "array_in":
                    e = self.elem(p.type)
                    seen.setdefault(e.helper, e)
        return list(seen.values())

    def py_value(self, t: ir.Type, c: str) -> str:
        """The Python value of the C value `c` of type `t`."""
        if t.kind == "pointer":
            return f"_str({c})"
        if t.kind == "enum":
            return f"{self.enum_class(t.name)}({c})"
        return c

    # -- placing functions ---------------------------------------------------

    def _args(self, f: ir.Function, place: str, cls: str = "") -> list[Arg]:
        args = []
        by_name = {p.name: p for p in f.params}
        for i, p in enumerate(f.params):
            py = "self" if i == 0 and place == "method" else self.ident(p.name)
            a = Arg(p, py, "_c_" + p.name)
            if p.role == "handle":
                a.cls = self.class_of(p.type.pointee.name)
            elif p.role == "out_handle":
                a.cls = self.class_of(p.type.pointee.pointee.name)
                a.new = "cls" if place == "classmethod" and a.cls == cls else a.cls
                a.result = a.r
                if not p.owned:
                    raise BindgenError(f.coord, f"{f.name}: Python needs out handles to be owned")
            elif p.role in ("array_in", "array_out"):
                a.elem = self.elem(p.type)
                if p.count:
                    a.count = "_c_" + p.count
                    a.count_decl = self.cdecl(by_name[p.count].type, a.count)
                a.length = "_c_" + p.length if p.length else ""
                a.result = {"raw": f"{a.r}.tobytes()", "int": f"tuple({a.r}.tolist())",
                            "uint": f"tuple({a.r}.tolist())"}.get(a.elem.kind, a.r)
                if p.alloc_call:
                    call = p.alloc_call
                    a.alloc = f"{call['function']}({', '.join('_c_' + x for x in call['args'])})"
                    if any(by_name[x].role not in ("handle", "value") for x in call["args"]):
                        raise BindgenError(f.coord, f"{f.name}: alloc takes handles or values")
                elif p.alloc:
                    a.alloc = p.alloc
            elif p.role == "out_value":
                a.result = self.py_value(p.type.pointee, a.c)
            args.append(a)
        return args

    def _fn(self, f: ir.Function, place: str, name: str | None = None) -> Fn:
        r = f.returns
        if r.type.kind == "pointer" and not (r.type.pointee.kind == "scalar"
                                             and r.type.pointee.name == "char"):
            raise BindgenError(f.coord, f"{f.name}: the Python binding returns only strings by pointer")
        if r.ownership == "owned":
            raise BindgenError(f.coord, f"{f.name}: owned returned strings have no free function")
        cls = self.class_of(f.handle) if f.handle else ""
        fn = Fn(f, self.ident(name or f.short_name), place, self._args(f, place, cls), cls)
        fn.result = self.py_value(r.type, "_c_result")
        kept = [a.py for a in fn.args if a.p.retained]
        if kept:
            fn.keep = "(" + ", ".join(kept) + ",)"
        fn.doc = self.docstring(f, fn)
        return fn

    def _cls(self, h: ir.Handle) -> Cls:
        free = self.api.function(h.free)
        c = Cls(h, self.class_of(h.name), free, self.doc_text(free.doc.text))
        for f in self.api.functions_of(h.name, "factory"):
            outs = f.outputs
            if f.short_name == "create" and len(outs) == 1:
                c.ctor = self._fn(f, "init", "__init__")
            else:
                c.factories.append(self._fn(f, "classmethod"))
        c.methods = [self._fn(f, "method") for f in self.api.functions_of(h.name, "method")]
        return c

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

        section("Args", [(a.py, a.p.doc) for a in fn.visible])
        if fn.place != "init" and fn.outputs:
            section("Returns", [(self.stub_out(a), a.p.doc) for a in fn.outputs])
        elif fn.place != "init" and not fn.void and not f.throws:
            section("Returns", [(self.stub_return(fn), f.returns.doc)])
        if f.throws:
            # a raised error never carries ok: drop "PRED_OK; " from the status list
            section("Raises", [(self.error_class, re.sub(rf"^{self.err.ok}\W*", "", f.returns.doc))])
        elif f.returns.error_if_null:
            section("Raises", [(self.error_class,
                                f"status {self.member(f.returns.null_status)} where C returns NULL.")])
        text = "\n\n".join(p for p in parts if p)
        return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')

    def stub_in(self, a: Arg) -> str:
        p = a.p
        if p.role == "handle":
            return a.cls + (" | None" if p.nullable else "")
        if p.role == "string":
            return "str | bytes | os.PathLike[str]" + (" | None" if p.nullable else "")
        if p.role == "array_in":
            return "bytes | bytearray | memoryview" if a.elem.kind == "raw" else "npt.ArrayLike"
        return self.stub_value(p.type, True)

    def stub_value(self, t: ir.Type, arg: bool = False) -> str:
        if t.kind == "enum":
            return self.enum_class(t.name) + (" | int" if arg else "")
        return {"float": "float", "bool": "bool"}.get(ir.SCALARS[t.name][1], "int")

    def stub_out(self, a: Arg) -> str:
        p = a.p
        if p.role == "out_handle":
            return a.cls
        if p.role == "array_out":
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
        t = fn.returns.type
        if fn.throws or fn.void:
            return "None"
        if t.kind == "pointer":
            return "str"
        return self.stub_value(t)


def files(api: ir.API, cfg, env, single) -> dict[str, str | bytes]:
    o = PyOracle(api, cfg)
    ctx = {"api": api, "o": o}
    pkg, mod = o.package, o.module
    return {
        f"{pkg}/{mod}.pyx": env.get_template("cython/module.pyx.j2").render(ctx),
        f"{pkg}/{mod}.pyi": env.get_template("cython/module.pyi.j2").render(ctx),
        f"{pkg}/__init__.py": env.get_template("cython/__init__.py.j2").render(ctx),
        f"{pkg}/py.typed": "",
    }
