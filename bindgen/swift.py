"""Swift binding: a SwiftPM package with a C target holding the single file.

All naming and type mapping for templates/swift/ lives here, in SwiftOracle
(after UniFFI's SwiftCodeOracle). The templates only arrange what the oracle
computes: one view object per IR node (SwiftEnum, SwiftHandle, SwiftFunction,
SwiftParam), each carrying the Swift names and the expressions that convert
between Swift values and the C types Swift imports from predict.h.

Mapping rules (every name is derived from the IR):
- handle pred_model -> `public final class Model` (prefix stripped, PascalCase)
  with `close()` (its destructor), `deinit`, and a strong reference to the
  objects of `retained` params it was created with.
- factory `create` -> `convenience init(...) throws`; other factories ->
  `static func`. A factory named `<other>_<suffix>` where `<other>` is
  another factory of the handle becomes an overload of it, with its first
  parameter labelled (pred_model_load_file -> `Model.load(path:)`).
- method -> instance method, `get_` dropped (get_output -> `output(at:)`);
  a method with no visible params returning a value (not a handle) and not
  blocking -> a throwing computed property (input_count -> `inputCount`).
- function -> top-level `func`; constants -> static members of
  `<Name>Constants` (a top-level `let version` would clash with `version()`).
- labels: a param is labelled with its name (`index` reads `at`); the first
  one drops its label when the function's name already says it
  (set_threads(threads) -> `setThreads(_:)`) or when it is the function's
  input array (`load(_ bytes:)`).
- integers are `Int`, floats `Float`/`Double`, `const char *` `String`,
  arrays `[T]` (`[UInt8]` for `const void *`), plus `UnsafeBufferPointer`
  overloads when no element conversion is needed.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from . import ir, names
from .annotations import BindgenError

# Swift's spelling of the C scalar types it imports from the header.
C_SWIFT = {
    "char": "CChar", "bool": "Bool", "_Bool": "Bool",
    "int": "Int32", "unsigned int": "UInt32",
    "int8_t": "Int8", "uint8_t": "UInt8", "int16_t": "Int16", "uint16_t": "UInt16",
    "int32_t": "Int32", "uint32_t": "UInt32", "int64_t": "Int64", "uint64_t": "UInt64",
    "size_t": "Int",  # Swift imports size_t as Int
    "float": "Float", "double": "Double",
}
# Words Swift reserves in the positions we put names (labels, params, cases).
KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "func", "import", "init",
    "inout", "internal", "let", "operator", "private", "protocol", "public", "static",
    "struct", "subscript", "typealias", "var", "break", "case", "continue", "default",
    "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
    "switch", "where", "while", "as", "catch", "false", "is", "nil", "rethrows", "super",
    "self", "Self", "throw", "throws", "true", "try", "Type", "Any",
}
# Argument labels that read better than the parameter's C name.
LABELS = {"index": "at"}


def escape(name: str) -> str:
    return f"`{name}`" if name in KEYWORDS else name


@dataclass
class SwiftEnum:
    name: str            # Swift type name (nested `Status` for the error enum)
    c_name: str          # the C enum type Swift imports
    doc: str
    cases: list[tuple[str, int, str, str]]  # (swift case, value, C member, doc)
    fallback: str        # case used for a C value the binding does not know


@dataclass
class SwiftParam:
    c: ir.Param
    label: str = ""      # argument label ("_" for none)
    local: str = ""      # Swift parameter / local variable name
    type: str = ""       # Swift type in the array variant
    buffer_type: str = ""  # Swift type in the buffer-pointer variant
    doc: str = ""


@dataclass
class SwiftOut:
    """A local the call writes: out handle, out value or out array."""
    local: str
    init: str            # expression that creates it
    alloc: str = ""      # for arrays: expression giving the element count
    alloc_local: str = ""


@dataclass
class SwiftFunction:
    c: ir.Function
    name: str            # Swift base name
    shape: str           # init | static | method | property | free
    doc: str
    params: list[SwiftParam]
    throws: bool         # the Swift declaration throws
    result: str          # Swift result type ("" for Void)
    handles: list[tuple[str, str, bool]]  # (raw local, Swift owner expr, nullable)
    outs: list[SwiftOut]
    call: str            # the C call (array variant)
    check: str           # "status" | "null" | "value" | "void"
    null_status: str = ""  # Status case raised when an error_if_null call returns NULL
    ret: str = ""        # expression returned (array variant)
    returns_doc: str = ""
    throws_doc: str = ""
    buffer: dict | None = None  # the buffer-pointer variant: params, outs, call, ret, result


@dataclass
class SwiftHandle:
    c: ir.Handle
    name: str
    doc: str
    free: str            # C destructor
    close_doc: str
    closed_message: str
    functions: list[SwiftFunction] = field(default_factory=list)


class SwiftOracle:
    """Swift names and type conversions for one API."""

    def __init__(self, api: ir.API, cfg):
        self.api = api
        self.cfg = cfg
        opts = cfg.lang("swift")
        self.module = opts.get("package", names.pascal(api.name))
        self.c_module = opts.get("c_target", "C" + names.pascal(api.name))
        self.error = names.pascal(api.name) + "Error"
        self.constants_type = names.pascal(api.name) + "Constants"
        err = api.error_enum
        if err is None:
            raise BindgenError(api.header, "the Swift binding needs an @errors enum")
        self.err = err
        self.enums = {e.name: self._enum(e) for e in api.enums}
        self.status = self.enums[err.name]
        self.status_type = ir.Type(kind="enum", name=err.name)
        self.ok_case = self.case(err, err.ok)
        self.closed_case = self.case(err, err.closed)
        self.last_error = self._last_error_function()

    # -- names ---------------------------------------------------------------

    def strip(self, name: str) -> str:
        return names.strip_prefix(name, self.api.prefix)

    def class_name(self, handle: str) -> str:
        return names.pascal(self.strip(handle))

    def enum_type(self, enum: ir.Enum) -> str:
        return f"{self.error}.Status" if enum.is_error else names.pascal(self.strip(enum.name))

    def case(self, enum: ir.Enum, member: str) -> str:
        """PRED_ERR_SHAPE -> shape: drop the prefix and the word all failures share."""
        words = names.words(self.strip(member))
        others = [names.words(self.strip(m.name)) for m in enum.members if m.name != enum.ok]
        if member != enum.ok and len(others) > 1 and len(words) > 1 \
                and all(len(o) > 1 and o[0] == words[0] for o in others):
            words = words[1:]
        return escape(names.camel("_".join(words)))

    def constant_name(self, c: ir.Constant) -> str:
        return escape(names.camel(self.strip(c.name)))

    def _last_error_function(self) -> str:
        """The function returning the thread's last message (<prefix>last_error)."""
        for f in self.api.functions:
            if f.kind == "function" and f.short_name == "last_error" and not f.params:
                return f.name
        raise BindgenError(self.api.header, f"the Swift binding needs {self.api.prefix}last_error()")

    # -- types ---------------------------------------------------------------

    def _enum(self, e: ir.Enum) -> SwiftEnum:
        cases = [(self.case(e, m.name), m.value, m.name, m.doc.text) for m in e.members]
        fallback = self.case(e, e.closed) if e.is_error else cases[0][0]
        return SwiftEnum(name="Status" if e.is_error else self.enum_type(e), c_name=e.name,
                         doc=e.doc.text, cases=cases, fallback=fallback)

    def c_type(self, t: ir.Type) -> str:
        """The Swift type of a C scalar or enum as Swift imports it."""
        if t.kind == "enum":
            return t.name
        if t.kind == "scalar" and t.name in C_SWIFT:
            return C_SWIFT[t.name]
        raise BindgenError(self.api.header, f"no Swift mapping for C type {t.c}")

    def swift_type(self, t: ir.Type) -> str:
        """The public Swift type of a C scalar or enum."""
        if t.kind == "enum":
            return self.enum_type(self._ir_enum(t.name))
        kind = ir.SCALARS.get(t.name, (0, ""))[1]
        if t.name in ("uint8_t", "int8_t", "char"):
            return C_SWIFT[t.name]  # bytes stay bytes
        return {"int": "Int", "uint": "Int", "float": self.c_type(t), "bool": "Bool"}.get(kind) \
            or self.c_type(t)

    def _ir_enum(self, name: str) -> ir.Enum:
        return next(e for e in self.api.enums if e.name == name)

    def to_c(self, expr: str, t: ir.Type) -> str:
        """Convert a Swift value to the C type: never traps (C rejects what is out of range)."""
        ct, st = self.c_type(t), self.swift_type(t)
        if t.kind == "enum":
            return f"{ct}(rawValue: numericCast({expr}.rawValue))"
        if ct == st:
            return expr
        signed = ct.startswith("Int")
        return f"{ct}({'clamping' if signed else 'truncatingIfNeeded'}: {expr})"

    def from_c(self, expr: str, t: ir.Type) -> str:
        ct, st = self.c_type(t), self.swift_type(t)
        if t.kind == "enum":
            e = self.enums[t.name]
            return f"{self.swift_type(t)}(rawValue: Int({expr}.rawValue)) ?? .{e.fallback}"
        if ct == st:
            return expr
        return f"{st}(truncatingIfNeeded: {expr})"

    def element(self, p: ir.Param) -> ir.Type:
        return p.type.pointee

    def array_types(self, p: ir.Param) -> tuple[str, str, str]:
        """(C element, public element, buffer type or "" when a conversion is needed)."""
        el = self.element(p)
        if el.kind == "scalar" and el.name == "void":
            return "UInt8", "UInt8", "UnsafeRawBufferPointer" if p.role == "array_in" \
                else "UnsafeMutableRawBufferPointer"
        ct, st = self.c_type(el), self.swift_type(el)
        if ct != st:
            return ct, st, ""
        kind = "UnsafeBufferPointer" if p.role == "array_in" else "UnsafeMutableBufferPointer"
        return ct, st, f"{kind}<{st}>"

    # -- functions -------------------------------------------------------------

    def swift_name(self, f: ir.Function, siblings: list[ir.Function]) -> tuple[str, bool]:
        """(base name, is an overload of a sibling)."""
        stem = f.short_name
        for s in siblings:
            if f.kind == s.kind == "factory" and s is not f and stem.startswith(s.short_name + "_"):
                return self.swift_name(s, siblings)[0], True
        if f.kind == "method" and stem.startswith("get_"):
            stem = stem[4:]
        return escape(names.camel(stem)), False

    def shape(self, f: ir.Function) -> str:
        if f.kind == "function":
            return "free"
        if f.kind == "factory":
            outs = f.outputs
            simple = len(outs) == 1 and outs[0].type.pointee.pointee.name == f.handle
            return "init" if f.short_name == "create" and simple else "static"
        if (not f.visible_params and not f.blocking and not f.outputs and not f.throws
                and f.returns.type.name != "void" and not self._returns_handle(f)):
            return "property"
        return "method"

    def _returns_handle(self, f: ir.Function) -> bool:
        t = f.returns.type
        return t.kind == "pointer" and t.pointee.kind == "handle"

    def params(self, f: ir.Function, overload: bool) -> list[SwiftParam]:
        out = []
        words = names.words(f.short_name)
        for i, p in enumerate(f.visible_params):
            local = escape(names.camel(p.name))
            label = LABELS.get(p.name, local)
            if i == 0 and not overload and (p.name in words or p.role == "array_in"):
                label = "_"
            sp = SwiftParam(c=p, label=label, local=local, doc=p.doc)
            if p.role == "value":
                sp.type = sp.buffer_type = self.swift_type(p.type)
            elif p.role == "string":
                sp.type = sp.buffer_type = "String?" if p.nullable else "String"
            elif p.role == "handle":
                cls = self.class_name(p.type.pointee.name)
                sp.type = sp.buffer_type = cls + ("?" if p.nullable else "")
            elif p.role == "array_in":
                _, el, buf = self.array_types(p)
                sp.type, sp.buffer_type = f"[{el}]", buf
            else:
                raise BindgenError(f.coord, f"{f.name}: no Swift mapping for param {p.name} ({p.role})")
            out.append(sp)
        return out

    def function(self, f: ir.Function, siblings: list[ir.Function]) -> SwiftFunction:
        name, overload = self.swift_name(f, siblings)
        shape = self.shape(f)
        params = self.params(f, overload)
        handles = []
        for i, p in enumerate(f.params):
            if p.role == "handle":
                owner = "self" if (i == 0 and f.kind in ("method", "destructor")) \
                    else escape(names.camel(p.name))
                handles.append(("_" + names.camel(p.name), owner, p.nullable))
        outs = [self._out(f, p) for p in f.params
                if p.role in ("out_handle", "out_value", "array_out", "length")]
        check = ("status" if f.throws else "null" if f.returns.error_if_null
                 else "void" if f.returns.type.name == "void" else "value")
        if f.returns.error_if_null and f.returns.type.kind != "pointer":
            raise BindgenError(f.coord, f"{f.name}: error_if_null on a non-pointer")
        result, ret = self._result(f, shape)
        throws = shape != "free" or check in ("status", "null") or bool(handles)
        null_status = self.case(self.err, f.returns.null_status) if check == "null" else ""
        sf = SwiftFunction(
            c=f, name=name, shape=shape, doc=f.doc.text, params=params, throws=throws,
            result=result, handles=handles, outs=outs, call=self._call(f, {}), check=check,
            null_status=null_status, ret=ret, returns_doc=self._returns_doc(f),
            throws_doc=self._throws_doc(f, handles, check, null_status))
        sf.buffer = self._buffer_variant(f, sf)
        return sf

    def _out(self, f: ir.Function, p: ir.Param) -> SwiftOut:
        local = "_" + names.camel(p.name)
        if p.role == "out_handle":
            return SwiftOut(local, "OpaquePointer?.none")
        if p.role in ("out_value", "length"):
            return SwiftOut(local, f"{self.c_type(p.type.pointee)}()")
        ct, _, _ = self.array_types(p)
        if p.alloc_call:
            args = ", ".join(self._arg(f, f.param(a)) for a in p.alloc_call["args"])
            callee = self.api.function(p.alloc_call["function"])
            alloc = self.from_c(f"{callee.name}({args})", callee.returns.type)
            if self.swift_type(callee.returns.type) != "Int":
                alloc = f"Int({alloc})"
        elif p.alloc:
            alloc = f"Int({p.alloc})"
        else:
            raise BindgenError(f.coord, f"{f.name}: [out] array {p.name} needs alloc=")
        alloc_local = local + "Alloc"
        return SwiftOut(local, f"[{ct}](repeating: 0, count: max(0, {alloc_local}))",
                        alloc=alloc, alloc_local=alloc_local)

    def _arg(self, f: ir.Function, p: ir.Param, buffers: dict | None = None) -> str:
        """The C argument for param p; `buffers` maps array params to buffer locals."""
        buffers = buffers or {}
        local = escape(names.camel(p.name))
        if p.role == "handle":
            return "_" + names.camel(p.name)
        if p.role == "value":
            return self.to_c(local, p.type)
        if p.role == "string":
            return local
        if p.role == "array_in":
            if p.name in buffers:
                return f"{local}.baseAddress"
            ct, st, _ = self.array_types(p)
            return local if ct == st else f"{local}.map {{ {self.to_c('$0', self.element(p))} }}"
        if p.role in ("out_handle", "out_value", "length"):
            return "&_" + names.camel(p.name)
        if p.role == "array_out":
            return f"{buffers[p.name]}.baseAddress" if p.name in buffers \
                else "&_" + names.camel(p.name)
        if p.role == "count":
            arr = next(a for a in f.params if a.count == p.name)
            if arr.role == "array_out" and arr.name not in buffers:
                n = "_" + names.camel(arr.name) + "Alloc"  # the array is being written
            else:
                n = buffers.get(arr.name, escape(names.camel(arr.name))) + ".count"
            return self.to_c(n, p.type)
        raise BindgenError(f.coord, f"{f.name}: no Swift mapping for param {p.name} ({p.role})")

    def _call(self, f: ir.Function, buffers: dict) -> str:
        return f"{f.name}({', '.join(self._arg(f, p, buffers) for p in f.params)})"

    def _value(self, f: ir.Function, p: ir.Param, init: bool = False) -> tuple[str, str]:
        """(Swift type, expression) of one output after the call; `init` delegates to
        the class's own initializer instead."""
        local = "_" + names.camel(p.name)
        if p.role == "out_handle":
            cls = self.class_name(p.type.pointee.pointee.name)
            keep = [escape(names.camel(q.name)) for q in f.params if q.retained]
            return cls, f"{'self.init' if init else cls}(_raw: {local}, retaining: [{', '.join(keep)}])"
        if p.role == "out_value":
            return self.swift_type(p.type.pointee), self.from_c(local, p.type.pointee)
        ct, st, _ = self.array_types(p)
        expr = local
        if p.length:
            n = self.from_c("_" + names.camel(p.length), f.param(p.length).type.pointee)
            expr = f"{local}.prefix(max(0, {n}))"
            if ct == st:
                expr = f"Array({expr})"
        if ct != st:
            expr += f".map {{ {self.from_c('$0', self.element(p))} }}"
        return f"[{st}]", expr

    def _result(self, f: ir.Function, shape: str) -> tuple[str, str]:
        outs = f.outputs
        if f.returns.type.name != "void" and outs and not f.throws:
            raise BindgenError(f.coord, f"{f.name}: a return value and out params together")
        if outs:
            vals = [self._value(f, p, shape == "init") for p in outs]
            if shape == "init":
                return "", vals[0][1]
            if len(vals) == 1:
                return vals[0]
            labels = [names.camel(p.name) for p in outs]
            return ("(" + ", ".join(f"{n}: {t}" for n, (t, _) in zip(labels, vals)) + ")",
                    "(" + ", ".join(f"{n}: {e}" for n, (_, e) in zip(labels, vals)) + ")")
        if f.throws or f.returns.type.name == "void":
            return "", ""
        t = f.returns.type
        if t.kind == "pointer":
            if t.pointee.kind == "scalar" and t.pointee.name == "char":
                if f.returns.ownership == "owned":
                    raise BindgenError(f.coord, f"{f.name}: owned strings are not supported")
                return "String", "_string(_result)"
            raise BindgenError(f.coord, f"{f.name}: no Swift mapping for return type {t.c}")
        return self.swift_type(t), self.from_c("_result", t)

    def _returns_doc(self, f: ir.Function) -> str:
        if f.outputs:
            return "; ".join(p.doc for p in f.outputs if p.doc)
        return "" if f.throws else f.returns.doc

    def _throws_doc(self, f: ir.Function, handles: list, check: str, null_status: str) -> str:
        """The `- Throws:` text: closed objects, then the @return text of the call."""
        parts = []
        if handles:
            who = " or ".join("this object" if owner == "self" else f"`{owner}`"
                              for _, owner, _ in handles)
            parts.append(f"`.{self.closed_case}` if {who} is closed")
        if check == "status":
            text = f.returns.doc
            if text.startswith(self.err.ok) and text[len(self.err.ok):][:1] in (";", "."):
                text = text[len(self.err.ok) + 1:].strip()
            if text:
                parts.append(text)
        elif check == "null":
            parts.append(f"`.{null_status}` when the call fails")
        text = "; ".join(parts)
        return f"`{self.error}`: {text}{'' if text.endswith('.') else '.'}" if parts else ""

    def _buffer_variant(self, f: ir.Function, sf: SwiftFunction) -> dict | None:
        """An overload over buffer pointers: every array in is an `Unsafe*BufferPointer`,
        and a lone array out becomes an `into:` buffer the caller owns. Only where no
        element conversion is needed."""
        arrays_in = [p for p in sf.params if p.c.role == "array_in"]
        outs = f.outputs
        into = outs[0] if len(outs) == 1 and outs[0].role == "array_out" else None
        if (not arrays_in and not into) or sf.shape in ("init", "property") \
                or any(not p.buffer_type for p in arrays_in) \
                or (into and not self.array_types(into)[2]):
            return None
        if any(p.role == "array_out" for p in outs) and not into:
            return None
        buffers = {p.c.name: escape(names.camel(p.c.name)) for p in arrays_in}
        params = [dataclasses.replace(p, type=p.buffer_type) for p in sf.params]
        outs_b, result, ret = sf.outs, sf.result, sf.ret
        if into:
            buffers[into.name] = "into"
            params.append(SwiftParam(c=into, label="into", local="into",
                                     type=self.array_types(into)[2], doc=into.doc))
            outs_b = [o for o in sf.outs if o.local != "_" + names.camel(into.name)]
            if into.length:
                result = "Int"
                ret = self.from_c("_" + names.camel(into.length), f.param(into.length).type.pointee)
            else:
                result, ret = "", ""
        return dict(params=params, outs=outs_b, call=self._call(f, buffers), result=result,
                    ret=ret, discardable=bool(into and into.length))

    def handle(self, h: ir.Handle) -> SwiftHandle:
        fns = [f for f in self.api.functions_of(h.name) if f.kind != "destructor"]
        free = self.api.function(h.free)
        sh = SwiftHandle(c=h, name=self.class_name(h.name), doc=h.doc.text, free=h.free,
                         close_doc=free.doc.text, closed_message=h.closed_message)
        sh.functions = [self.function(f, fns) for f in fns]
        return sh

    def free_functions(self) -> list[SwiftFunction]:
        fns = self.api.free_functions
        return [self.function(f, fns) for f in fns]

    def constants(self) -> list[tuple[str, str, str, str]]:
        """(Swift name, type, literal, doc) of each #define constant."""
        out = []
        for c in self.api.constants:
            if c.kind == "string":
                lit = '"' + c.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
                out.append((self.constant_name(c), "String", lit, c.doc.text))
            else:
                out.append((self.constant_name(c), "Int", str(c.value), c.doc.text))
        return out

    def swift_string(self, s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def files(api: ir.API, cfg, env, single: dict[str, str]) -> dict[str, str | bytes]:
    o = SwiftOracle(api, cfg)
    handles = [o.handle(h) for h in api.handles]
    ctx = dict(o=o, api=api, handles=handles, functions=o.free_functions(),
               enums=[o.enums[e.name] for e in api.enums if not e.is_error],
               status=o.status, constants=o.constants(),
               closed_messages={h.name: o.swift_string(h.closed_message) for h in handles},
               data_dir="Data", testdata=sorted(cfg.testdata_files()),
               runner=f"{api.name}-conformance")
    render = lambda name: env.get_template(f"swift/{name}").render(**ctx)  # noqa: E731
    out: dict[str, str | bytes] = {
        "Package.swift": render("Package.swift.j2"),
        f"Sources/{o.module}/{o.module}.swift": render("library.swift.j2"),
        f"Sources/{ctx['runner']}/main.swift": render("runner.swift.j2"),
        f"Tests/{o.module}Tests/{o.module}Tests.swift": render("tests.swift.j2"),
    }
    for name, text in single.items():
        rel = f"include/{name}" if name.endswith(".h") else name
        out[f"Sources/{o.c_module}/{rel}"] = text
    for name, data in cfg.testdata_files().items():
        out[f"Tests/{o.module}Tests/{ctx['data_dir']}/{name}"] = data
    return out
