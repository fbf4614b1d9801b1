"""JavaScript binding: an ES module over the library compiled to WebAssembly by emscripten.

All naming, type mapping and the marshalling code of templates/js/ live here, in JsOracle.
The templates arrange what it computes: one view object per IR node (JsHandle, JsFunction,
JsCallback), each carrying the JavaScript names, the statements of a call and its TypeScript
types. The package (<output>/js/) holds the module (`<name>.js`), its types (`<name>.d.ts`),
`package.json`, the C library, and `build.sh`, which compiles the library with emcc into one
`<name>.wasm` and two loaders of it (`<name>_node.cjs` with the host file system,
`<name>_web.mjs`); the module picks the loader of its environment and hands it the .wasm
bytes itself (emscripten 3.1's node output would fetch() a file path).

Mapping rules (every name is derived from the IR; the wasm32 ABI decides the C side):
- handle pred_model -> `export class Model` (prefix stripped, PascalCase) with `free()`
  (its destructor), `[Symbol.dispose]`, and a FinalizationRegistry freeing what was not
  freed; a new object keeps the objects of `retained` params (and the registry entry of a
  keeper holds what it keeps, so a collected keeper is freed before what it kept).
- factories are static methods (`Model.load`, `Model.loadFile`); those that take no handle
  are `async` and load the WebAssembly module on first use (nothing else can run before);
  a factory named create/new whose only result is a non-nullable handle and that takes a
  handle is the class's constructor (`new Session(model)`). Everything else is synchronous;
  free functions need the module loaded (by a factory or `await init()`).
- an async factory whose first parameter is bytes (`const void *` / `const uint8_t *`)
  also takes a URL (string or URL), a Response or a Blob, fetched or read first.
- methods and functions are camelCase (get_output -> getOutput); several outputs come back
  as an object named by the C parameters.
- integers up to 32 bits, size_t (32-bit in wasm32), floats and doubles are `number`;
  64-bit integers are `bigint`; both refuse (RangeError/TypeError) what C could not receive
  exactly. bool is `boolean`; enums are frozen objects of numbers (`Status.ERR_SHAPE`),
  @flags enums the same with numbers ORed together.
- arrays in are typed arrays of the C element type, or any array-like (bytes: also an
  ArrayBuffer or any ArrayBufferView), copied into the wasm heap for the call (the heap is
  not the caller's memory: one copy is the least); arrays out are new typed arrays copied
  once out of the heap (`char` arrays: strings); [in,out] arrays are the caller's typed
  array, updated in place.
- strings are UTF-8 copies; a string with a NUL character is refused (TypeError).
- structs are classes with the same fields (plain objects with those fields are accepted).
- callbacks are JS functions, reached from C through one trampoline per callback type
  (addFunction) and a numeric user_data naming the closure; an exception thrown by one is
  rethrown by the registering call once C returns (scope "call"), or reported through
  console.error (scope "stored"), and C gets the zero value.
- errors: a failing call throws `<Name>Error` (status, statusName, message: the library's
  message, identical to the other languages'); a freed object throws the closed status
  with its closed message.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from . import ir, lower, names, support
from .annotations import BindgenError
from .render import project_files

# wasm32: (size, heap view constructor, JS kind) of each C scalar; size_t is 32-bit there.
SCALARS = {
    "char": (1, "Int8Array", "int"), "bool": (1, "Uint8Array", "bool"),
    "_Bool": (1, "Uint8Array", "bool"),
    "int": (4, "Int32Array", "int"), "unsigned int": (4, "Uint32Array", "int"),
    "int8_t": (1, "Int8Array", "int"), "uint8_t": (1, "Uint8Array", "int"),
    "int16_t": (2, "Int16Array", "int"), "uint16_t": (2, "Uint16Array", "int"),
    "int32_t": (4, "Int32Array", "int"), "uint32_t": (4, "Uint32Array", "int"),
    "int64_t": (8, "BigInt64Array", "bigint"), "uint64_t": (8, "BigUint64Array", "bigint"),
    "size_t": (4, "Uint32Array", "int"),
    "float": (4, "Float32Array", "float"), "double": (8, "Float64Array", "float"),
}
# Names JavaScript reserves where we put parameter names.
KEYWORDS = {
    "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete",
    "do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if",
    "import", "in", "instanceof", "new", "null", "return", "super", "switch", "this", "throw",
    "true", "try", "typeof", "var", "void", "while", "with", "yield", "let", "static",
    "implements", "interface", "package", "private", "protected", "public", "await",
    "arguments", "eval",
}


def escape(name: str) -> str:
    return name + "_" if name in KEYWORDS else name


def js_string(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


@dataclass
class JsParam:
    name: str            # the JS parameter name
    ts: str              # its TypeScript type
    doc: str
    optional: bool = False


@dataclass
class JsFunction:
    c: ir.Function
    name: str                 # JS name (method, static method or function)
    shape: str                # constructor | static | method | function
    is_async: bool
    doc: str
    params: list[JsParam]
    body: list[str]           # statements of the body (after argument checks)
    ts_result: str            # TypeScript result type (without Promise)
    returns_doc: str = ""
    throws_doc: str = ""
    url_param: str = ""       # async factory: the bytes parameter that may be a URL


@dataclass
class JsHandle:
    c: ir.Handle
    name: str
    doc: str
    free: str
    free_doc: str
    closed_message: str
    functions: list[JsFunction] = field(default_factory=list)
    ctor: JsFunction | None = None
    keeps: bool = False


@dataclass
class JsCallback:
    c: ir.Callback
    name: str            # the TypeScript function type
    sig: str             # addFunction signature
    doc: str
    params: list[str]    # C parameter names of the trampoline
    ts_params: list[str]  # `name: type` of the JS function's parameters
    ts_result: str
    args: list[str]      # JS expressions of the closure's arguments
    ret: str             # the closure's result `r` converted for C ("" for void)
    zero: str            # what C gets when the closure throws
    context: str         # the user_data parameter


class JsOracle:
    """JavaScript names, wasm32 layouts and marshalling for one API."""

    def __init__(self, api: ir.API, cfg):
        self.api = api
        self.cfg = cfg
        opts = cfg.lang("js")
        self.module = opts.get("module", names.snake(api.name))
        self.error = opts.get("error", names.pascal(api.name) + "Error")
        self.version = names.library_version(api, cfg.prefix)   # package.json's version
        err = api.error_enum
        self.err = err
        self.status_name = "Status" if err else ""
        self.last_error = ""
        if err is not None and err.message:
            self.last_error = err.message
        self.header_lines = cfg.header.read_text().splitlines()

    # -- names ---------------------------------------------------------------

    def strip(self, name: str) -> str:
        return names.strip_prefix(name, self.api.prefix)

    def class_name(self, handle: str) -> str:
        return names.pascal(self.strip(handle))

    def enum_name(self, e: ir.Enum) -> str:
        return "Status" if e.is_error else names.pascal(self.strip(e.name))

    def member(self, e: ir.Enum, m: str) -> str:
        return names.member_names(e.name, [x.name for x in e.members], self.api.prefix)[m]

    def struct_name(self, name: str) -> str:
        return names.pascal(self.strip(name))

    def callback_name(self, name: str) -> str:
        return names.pascal(self.strip(name))

    def param_name(self, p: ir.Param) -> str:
        return escape(names.camel(p.name))

    def function_name(self, f: ir.Function) -> str:
        """camelCase; methods may be named as keywords (Store.new), functions not."""
        name = names.camel(f.short_name)
        return escape(name) if f.kind == "function" else name

    # -- types ---------------------------------------------------------------

    def layout(self, t: ir.Type) -> tuple[int, int]:
        """(size, alignment) of a value type in wasm32."""
        if t.kind == "struct":
            return self.struct_layout(t.name)[1:]
        if t.kind in ("enum", "pointer", "handle", "callback"):
            return 4, 4
        size = SCALARS[t.name][0]
        return size, size

    def struct_layout(self, name: str) -> tuple[list[tuple[ir.Field, int]], int, int]:
        """([(field, offset)], size, alignment) of a struct in wasm32 (natural alignment)."""
        st = self.api.struct(name)
        off, align, out = 0, 1, []
        for fd in st.fields:
            size, a = self.layout(fd.type)
            off = (off + a - 1) // a * a
            out.append((fd, off))
            off += size
            align = max(align, a)
        return out, (off + align - 1) // align * align, align

    def single(self, t: ir.Type) -> ir.Type | None:
        """The scalar a struct of one scalar field (nested alike) is passed as, by value, in
        the wasm32 C ABI (clang's isSingleElementStruct); None for other types."""
        while t.kind == "struct":
            fields = self.api.struct(t.name).fields
            if len(fields) != 1:
                return None
            t = fields[0].type
        return t

    def ts_type(self, t: ir.Type) -> str:
        if t.kind == "enum":
            return "number"
        if t.kind == "struct":
            return self.struct_name(t.name)
        if t.kind == "pointer" and t.pointee.kind == "handle":
            return self.class_name(t.pointee.name)
        kind = SCALARS[t.name][2]
        return {"int": "number", "float": "number", "bigint": "bigint", "bool": "boolean"}[kind]

    def scalar_name(self, t: ir.Type) -> str:
        """The key of the module's _S table (wasm32 scalar) for a scalar or enum."""
        if t.kind == "enum":
            return "int"
        return "bool" if t.name == "_Bool" else t.name

    def element(self, p: ir.Param) -> ir.Type:
        return p.type.pointee

    def array_kind(self, p: ir.Param) -> tuple[str, str]:
        """(element key of _S, TypeScript type) of an array param: bytes, text or numbers."""
        el = self.element(p)
        if el.kind == "scalar" and el.name == "void":
            return "uint8_t", "Uint8Array"
        if el.kind == "enum":
            return "int", "Int32Array"
        return self.scalar_name(el), SCALARS[el.name][1]

    # -- values between JS and C ---------------------------------------------------

    def to_c(self, expr: str, t: ir.Type, what: str) -> str:
        """A JS value as the wasm argument of a C scalar, enum (checked exactly)."""
        if t.kind == "enum":
            return f"_int({expr}, 'int', {js_string(what)})"
        kind = SCALARS[t.name][2]
        if kind == "bool":
            return f"({expr} ? 1 : 0)"
        if kind == "float":
            return f"_num({expr}, {js_string(what)})"
        if kind == "bigint":
            return f"_big({expr}, '{t.name}', {js_string(what)})"
        return f"_int({expr}, '{self.scalar_name(t)}', {js_string(what)})"

    def from_c(self, expr: str, t: ir.Type) -> str:
        """The JS value of a wasm result of a C scalar or enum."""
        if t.kind == "enum":
            return expr
        if t.name in ("bool", "_Bool"):
            return f"({expr} !== 0)"
        if t.name in ("unsigned int", "uint32_t", "size_t"):
            return f"({expr} >>> 0)"
        if t.name == "uint8_t":
            return f"({expr} & 0xff)"
        if t.name == "uint16_t":
            return f"({expr} & 0xffff)"
        if t.name == "char" or t.name == "int8_t":
            return f"(({expr} << 24) >> 24)"
        if t.name == "int16_t":
            return f"(({expr} << 16) >> 16)"
        if t.name == "uint64_t":
            return f"BigInt.asUintN(64, {expr})"
        return expr

    def read(self, ptr: str, t: ir.Type) -> str:
        """The JS value of type t stored at heap address ptr."""
        if t.kind == "struct":
            return f"_read_{t.name}({ptr})"
        if t.kind == "pointer":
            return f"_get({ptr}, 'size_t')"
        key = self.scalar_name(t)
        v = f"_get({ptr}, '{key}')"
        return f"({v} !== 0)" if key == "bool" else v

    def write(self, ptr: str, expr: str, t: ir.Type, what: str) -> str:
        if t.kind == "struct":
            return f"_write_{t.name}({ptr}, {expr}, {js_string(what)})"
        return f"_set({ptr}, '{self.scalar_name(t)}', {self.to_c(expr, t, what)})"

    def sig_char(self, t: ir.Type) -> str:
        if t.is_void:
            return "v"
        if t.kind == "scalar":
            kind = SCALARS[t.name][2]
            return {"bigint": "j", "float": "f" if t.name == "float" else "d"}.get(kind, "i")
        s = self.single(t) if t.kind == "struct" else None
        return self.sig_char(s) if s is not None else "i"

    # -- structs -------------------------------------------------------------

    def structs(self) -> list[dict]:
        """Each C struct: its class, wasm32 layout, and how it is read and written in the heap
        (and, for a struct of one scalar, passed by value as that scalar)."""
        out = []
        for st in self.api.structs:
            fields, size, align = self.struct_layout(st.name)
            t = ir.Type(kind="struct", name=st.name)
            to1 = from1 = ""
            if self.single(t) is not None:
                path, inner, ctor = [], t, []
                while inner.kind == "struct":
                    fd = self.api.struct(inner.name).fields[0]
                    path.append(escape(names.camel(fd.name)))
                    ctor.append((self.struct_name(inner.name), escape(names.camel(fd.name))))
                    inner = fd.type
                to1 = self.to_c("v." + ".".join(path), inner, f"{st.name}.{'.'.join(path)}")
                from1 = self.from_c("r", inner)
                for cls, name in reversed(ctor):
                    from1 = f"new {cls}({{ {name}: {from1} }})"
            out.append(dict(
                name=self.struct_name(st.name), c_name=st.name, doc=st.doc.text, size=size,
                align=align, to1=to1, from1=from1,
                fields=[dict(name=escape(names.camel(fd.name)), doc=fd.doc, ts=self.ts_type(fd.type),
                             zero=self.zero(fd.type), offset=off,
                             read=self.read(f"p + {off}", fd.type),
                             write=self.write(f"p + {off}", f"v.{escape(names.camel(fd.name))}",
                                              fd.type, f"{st.name}.{fd.name}"))
                        for fd, off in fields]))
        return out

    def zero(self, t: ir.Type) -> str:
        if t.kind == "struct":
            return f"new {self.struct_name(t.name)}()"
        if t.kind == "enum":
            return "0"
        kind = SCALARS[t.name][2]
        return {"bigint": "0n", "bool": "false"}.get(kind, "0")

    # -- callbacks -----------------------------------------------------------

    def callback(self, cb: ir.Callback) -> JsCallback:
        params, ts_params, args = [], [], []
        context = cb.user_data
        for p in cb.params:
            params.append('$' + names.camel(p.name))
        for p in cb.params:
            local = '$' + names.camel(p.name)
            public = escape(names.camel(p.name))
            if p.role in ("user_data", "count"):
                continue
            if p.role == "string":
                args.append(f"_string({local})" if not p.nullable else f"({local} ? _string({local}) : null)")
                ts_params.append(f"{public}: string{' | null' if p.nullable else ''}")
            elif p.role == "array_in":
                key, ts = self.array_kind(p)
                n = "$" + names.camel(p.count)
                args.append(f"_arrayOut({local}, '{key}', {n} >>> 0)")
                ts_params.append(f"{public}: {ts}")
            elif p.role == "struct":
                t = p.type if p.type.kind == "struct" else p.type.pointee
                if p.type.kind == "struct" and self.single(t) is not None:
                    args.append(f"_from1_{t.name}({local})")
                else:
                    args.append(f"({local} ? _read_{t.name}({local}) : null)" if p.nullable
                                else f"_read_{t.name}({local})")
                ts_params.append(f"{public}: {self.ts_type(t)}{' | null' if p.nullable else ''}")
            elif p.role == "value":
                args.append(self.from_c(local, p.type))
                ts_params.append(f"{public}: {self.ts_type(p.type)}")
            else:
                raise BindgenError(cb.coord, f"js: callback parameter {p.name} ({p.role}): not supported yet")
        r = cb.returns.type
        if r.is_void:
            ret, zero, ts_result = "", "undefined", "void"
        else:
            ret = self.to_c("r", r, f"the result of a {cb.name}")
            zero = "0n" if self.sig_char(r) == "j" else "0"
            ts_result = self.ts_type(r)
        sig = self.sig_char(r) + "".join(
            self.sig_char(p.type) if p.type.kind != "pointer" else "i" for p in cb.params)
        return JsCallback(c=cb, name=self.callback_name(cb.name), sig=sig, doc=cb.doc.text,
                          params=params, ts_params=ts_params, ts_result=ts_result, args=args,
                          ret=ret, zero=zero, context='$' + names.camel(context))

    # -- functions -----------------------------------------------------------

    def shape(self, f: ir.Function) -> str:
        if f.kind == "method":
            return "method"
        if f.kind == "factory":
            takes_handle = any(p.role == "handle" for p in f.params)
            if f.short_name in ("create", "new") and takes_handle and len(f.outputs) <= 1 \
                    and not any(p.nullable for p in f.outputs) and not f.returns.nullable:
                return "constructor"
            return "static"
        return "function"

    def function(self, f: ir.Function) -> JsFunction:
        shape = self.shape(f)
        is_async = shape == "static" and not any(p.role == "handle" for p in f.params)
        g = _Gen(self, f, shape)
        body = g.body()
        params = [JsParam(self.param_name(p), g.ts_param(p), p.doc, optional=False)
                  for p in f.visible_params]
        url = ""
        if is_async and f.visible_params and f.visible_params[0].role == "array_in" \
                and self.array_kind(f.visible_params[0])[0] == "uint8_t":
            url = params[0].name
            params[0].ts = "Uint8Array | ArrayBuffer | ArrayBufferView | number[] | string | URL | Response | Blob"
        return JsFunction(c=f, name="constructor" if shape == "constructor" else self.function_name(f),
                          shape=shape, is_async=is_async, doc=f.doc.text, params=params, body=body,
                          ts_result=g.ts_result, returns_doc=g.returns_doc(),
                          throws_doc=g.throws_doc(), url_param=url)

    def handle(self, h: ir.Handle) -> JsHandle:
        fns = [f for f in self.api.functions_of(h.name) if f.kind != "destructor"]
        free = self.api.function(h.free)
        jh = JsHandle(c=h, name=self.class_name(h.name), doc=h.doc.text, free=h.free,
                      free_doc=free.doc.text, closed_message=h.closed_message)
        for f in fns:
            jf = self.function(f)
            if jf.shape == "constructor" and jh.ctor is None:
                jh.ctor = jf
            else:
                if jf.shape == "constructor":
                    jf.shape, jf.name = "static", self.function_name(f)
                jh.functions.append(jf)
        jh.keeps = any(lower.held(f) and lower.holder(f) == "receiver" for f in fns)
        return jh

    def constants(self) -> list[tuple[str, str, str, str]]:
        """(JS name, literal, TypeScript type, doc) of each #define."""
        out = []
        for c in self.api.constants:
            name = names.upper_snake(self.strip(c.name))
            if c.kind == "string":
                out.append((name, js_string(c.value), "string", c.doc.text))
            elif c.kind == "float":
                out.append((name, self._float_literal(c), "number", c.doc.text))
            else:
                out.append((name, str(c.value), "number", c.doc.text))
        return out

    def _float_literal(self, c: ir.Constant) -> str:
        """A float constant, with the float rounding of a C `f` literal (the IR keeps the
        value; the header line at its coord says whether it was float)."""
        line = int(c.coord.rsplit(":", 1)[1]) - 1
        text = self.header_lines[line] if 0 <= line < len(self.header_lines) else ""
        m = re.search(rf"\b{re.escape(c.name)}\s+\(?\s*([-+0-9.eExXpP]+)([fF]?)", text)
        value = repr(float(c.value))
        return f"Math.fround({value})" if m and m.group(2) else value

    def thread_doc(self, h: ir.Handle) -> str:
        return ("JavaScript runs it on one thread; `free()` may be called at any time: later "
                "calls throw" + (f" `{self.status_name}.{self.member(self.err, self.err.closed)}`"
                                 if self.err and self.err.closed else "") + ".")


class _Gen:
    """The statements of one function's body: checks, the C call, the results."""

    def __init__(self, o: JsOracle, f: ir.Function, shape: str):
        self.o, self.f, self.shape = o, f, shape
        self.raw: dict[str, str] = {}       # param name -> the wasm argument expression
        self.ts_result = "void"

    def ts_param(self, p: ir.Param) -> str:
        o = self.o
        nul = " | null" if p.nullable else ""
        if p.role in ("value", "capacity"):
            return o.ts_type(p.type)
        if p.role == "handle":
            return o.class_name(p.type.pointee.name) + nul
        if p.role == "string":
            return "string" + nul
        if p.role == "struct":
            t = p.type if p.type.kind == "struct" else p.type.pointee
            return o.ts_type(t) + nul
        if p.role in ("array_in", "array_inout"):
            key, ts = o.array_kind(p)
            if p.role == "array_inout":
                return ts
            if key == "uint8_t":
                return "Uint8Array | ArrayBuffer | ArrayBufferView | ArrayLike<number>"
            return f"{ts} | ArrayLike<{'bigint | number' if 'Big' in ts else 'number'}>"
        if p.role == "inout_value":
            return o.ts_type(p.type.pointee)
        if p.role == "callback":
            return o.callback_name(p.type.name) + nul
        raise BindgenError(self.f.coord, f"js: {p.name} ({p.role}): not supported yet")

    def body(self) -> list[str]:
        o, f = self.o, self.f
        lines: list[str] = []
        post: list[str] = []           # after the call, before results are read
        counts = lower.counts(f)
        what = f.name
        lines.append("const _$ = new _Scratch();")
        lines.append("try {")
        inner: list[str] = []
        # handles: borrowed for the call (the receiver is `this`), given back by _$.free()
        for i, p in enumerate(f.params):
            if p.role != "handle":
                continue
            local = o.param_name(p)
            if i == 0 and f.kind == "method":
                inner.append(f"const ${local} = _$.borrow(this);")
            else:
                cls = o.class_name(p.type.pointee.name)
                inner.append(f"const ${local} = _$.borrowArg({local}, {cls}, {str(p.nullable).lower()}, "
                             f"{js_string(p.name)});")
            self.raw[p.name] = f"${local}"
        # values first: array sizes (capacities, alloc= calls) read them
        for p in sorted(f.params, key=lambda p: p.role not in ("value", "capacity")):
            local = o.param_name(p)
            r = p.role
            if r in ("handle",):
                continue
            if r in ("value", "capacity"):
                inner.append(f"const ${local} = {o.to_c(local, p.type, p.name)};")
                self.raw[p.name] = f"${local}"
            elif r == "string":
                inner.append(f"const ${local} = _$.string({local}, {str(p.nullable).lower()}, {js_string(p.name)});")
                self.raw[p.name] = f"${local}"
            elif r == "struct":
                t = p.type if p.type.kind == "struct" else p.type.pointee
                single = o.single(t) if p.type.kind == "struct" else None
                if single is not None:
                    inner.append(f"const ${local} = _to1_{t.name}({local}, {js_string(p.name)});")
                elif p.nullable:
                    inner.append(f"const ${local} = {local} == null ? 0 : _$.struct('{t.name}', {local}, {js_string(p.name)});")
                else:
                    inner.append(f"const ${local} = _$.struct('{t.name}', {local}, {js_string(p.name)});")
                self.raw[p.name] = f"${local}"
            elif r in ("array_in", "array_inout"):
                key, ts = o.array_kind(p)
                inout = ", true" if r == "array_inout" else ""
                inner.append(f"const [${local}, ${local}$n] = _$.array({local}, '{key}', {js_string(p.name)}{inout});")
                self.raw[p.name] = f"${local}"
                if r == "array_inout":
                    post.append(f"_copyBack({local}, ${local}, '{key}', ${local}$n);")
            elif r == "array_out":
                key, _ = o.array_kind(p)
                size = lower.size(f, p)
                n = self._size(size)
                inner.append(f"const ${local}$n = {n};")
                inner.append(f"const ${local} = _$.alloc(${local}$n, '{key}');")
                self.raw[p.name] = f"${local}"
            elif r in ("out_handle", "out_string"):
                inner.append(f"const ${local} = _$.alloc(1, 'size_t');")
                self.raw[p.name] = f"${local}"
            elif r in ("out_value", "inout_value", "length"):
                t = p.type.pointee
                if t.kind == "struct":
                    inner.append(f"const ${local} = _$.space('{t.name}');")
                else:
                    inner.append(f"const ${local} = _$.alloc(1, '{o.scalar_name(t)}');")
                if r == "inout_value":
                    inner.append(o.write(f"${local}", local, t, p.name) + ";")
                self.raw[p.name] = f"${local}"
            elif r == "callback":
                if p.scope == "stored":
                    holder = "this" if lower.holder(f) == "receiver" else "_module"
                    inner.append(f"const ${local} = _stored({holder}, {js_string(f.name)}, {local}, "
                                 f"'{p.type.name}', {str(p.nullable).lower()}, {js_string(p.name)});")
                else:
                    inner.append(f"const ${local} = _$.callback({local}, '{p.type.name}', "
                                 f"{str(p.nullable).lower()}, {js_string(p.name)});")
                self.raw[p.name] = f"${local}.fn"
                self.raw[p.user_data] = f"${local}.id"
                post.insert(0, f"${local}.rethrow();")
            elif r in ("user_data", "count"):
                pass
            else:
                raise BindgenError(f.coord, f"js: parameter {p.name} ({r}): not supported yet")
        # counts: from their source array; the others must be as long
        for name, c in counts.items():
            src = o.param_name(c.source)
            for other in c.same:
                inner.append(f"_sameLength(${o.param_name(other)}$n, ${src}$n, {js_string(other.name)}, "
                             f"{js_string(c.source.name)});")
            self.raw[name] = f"${src}$n"
        for p in f.params:
            if p.role == "capacity" and p.name not in counts:
                pass  # passed as given
        args = ", ".join(self._arg(p) for p in f.params)
        sret = f.returns.type.kind == "struct" and o.single(f.returns.type) is None
        if sret:
            inner.append(f"const _$ret = _$.space('{f.returns.type.name}');")
            args = "_$ret" + (", " + args if args else "")
        call = f"_m._{f.name}({args})"
        t = f.returns.type
        if t.is_void or sret:
            inner.append(f"{call};")
        else:
            inner.append(f"const _$r = {call};")
        inner += post
        inner += self._check()
        # a method's retained arguments: kept by the receiver until called again or freed
        for p in lower.held(f):
            if p.role == "handle":
                inner.append(f"this._retain({js_string(f.name + ':' + p.name)}, {o.param_name(p)});")
        inner += self._results(sret)
        lines += ["    " + x for x in inner]
        lines.append("} finally {")
        lines.append("    _$.free();")
        lines.append("}")
        return lines

    def _arg(self, p: ir.Param) -> str:
        if p.role == "freed":
            raise BindgenError(self.f.coord, "js: a deallocator is not exposed")
        if p.role == "user_data" and p.name not in self.raw:
            return "0"
        return self.raw[p.name]

    def _size(self, size: lower.Size) -> str:
        o, f = self.o, self.f
        if size.kind == "call":
            callee = o.api.function(size.value)
            args = ", ".join(self.raw[a] for a in size.args)
            return f"Math.max(0, Number({o.from_c(f'_m._{callee.name}({args})', callee.returns.type)}))"
        if size.kind == "number":
            return size.value
        if size.kind == "constant":
            return names.upper_snake(o.strip(size.value))
        if size.kind == "array":
            return f"${o.param_name(f.param(size.value))}$n"
        return f"${o.param_name(f.param(size.value))}"

    def _check(self) -> list[str]:
        o, f = self.o, self.f
        if f.throws:
            return [f"if (_$r !== {_ok_value(o)}) throw _failure(_$r);"]
        if f.returns.error_if_null:
            st = f"{o.status_name}.{o.member(o.err, f.returns.null_status)}"
            return [f"if (_$r === 0) throw _failure({st});"]
        return []

    def _results(self, sret: bool) -> list[str]:
        o, f = self.o, self.f
        outs = f.outputs
        if outs:
            vals = [self._value(p) for p in outs]
            if len(vals) == 1:
                self.ts_result = vals[0][0]
                if self.shape == "constructor":
                    return [f"this._init({self._raw_handle(outs[0])});"]
                return [f"return {vals[0][1]};"]
            self.ts_result = "{ " + "; ".join(f"{names.camel(p.name)}: {t}"
                                              for p, (t, _) in zip(outs, vals)) + " }"
            return ["return { " + ", ".join(f"{names.camel(p.name)}: {e}"
                                            for p, (_, e) in zip(outs, vals)) + " };"]
        t = f.returns.type
        if f.throws or t.is_void:
            return []
        if sret:
            self.ts_result = o.ts_type(t)
            return [f"return _read_{t.name}(_$ret);"]
        if t.kind == "struct":
            self.ts_result = o.ts_type(t)
            return [f"return _from1_{t.name}(_$r);"]
        if t.kind == "pointer":
            if t.is_string:
                r = f.returns
                typ, expr = self._text("_$r", r.ownership, r.free, r.nullable)
                self.ts_result = typ
                return [f"return {expr};"]
            if t.pointee.kind == "handle":
                cls = o.class_name(t.pointee.name)
                keep = self._keep()
                if self.shape == "constructor":
                    return [f"this._init(_$r, [{keep}]);"]
                self.ts_result = cls + (" | null" if f.returns.nullable else "")
                wrap = f"_wrap({cls}, _$r, [{keep}])"
                return [f"return {'_$r === 0 ? null : ' if f.returns.nullable else ''}{wrap};"]
            raise BindgenError(f.coord, f"js: return type {t.c}: not supported yet")
        self.ts_result = o.ts_type(t)
        return [f"return {o.from_c('_$r', t)};"]

    def _raw_handle(self, p: ir.Param) -> str:
        return f"_get(${self.o.param_name(p)}, 'size_t'), [{self._keep()}]"

    def _keep(self) -> str:
        f = self.f
        return ", ".join("this" if p is lower.receiver(f) else self.o.param_name(p)
                         for p in lower.kept_by_new(f))

    def _value(self, p: ir.Param) -> tuple[str, str]:
        o, f = self.o, self.f
        local = "$" + o.param_name(p)
        if p.role == "out_handle":
            cls = o.class_name(p.type.pointee.pointee.name)
            raw = f"_get({local}, 'size_t')"
            wrap = f"_wrap({cls}, {raw}, [{self._keep()}])"
            if p.nullable:
                return f"{cls} | null", f"({raw} === 0 ? null : {wrap})"
            return cls, wrap
        if p.role in ("out_value", "inout_value"):
            t = p.type.pointee
            return o.ts_type(t), o.read(local, t)
        if p.role == "out_string":
            return self._text(f"_get({local}, 'size_t')", p.ownership, p.free, p.nullable)
        # array_out
        key, ts = o.array_kind(p)
        n = f"{local}$n"
        if p.length:
            n = f"Math.min({n}, Number({o.read('$' + o.param_name(f.param(p.length)), f.param(p.length).type.pointee)}))"
        if o.element(p).kind == "scalar" and o.element(p).name == "char":
            return "string", f"_chars({local}, {n}, {str(bool(p.length)).lower()})"
        return ts, f"_arrayOut({local}, '{key}', {n})"

    def _text(self, ptr: str, ownership: str, free: str | None, nullable: bool) -> tuple[str, str]:
        if ownership == "owned":
            if not free:
                raise BindgenError(self.o.api.header, "js: an owned string without free=")
            expr = f"_owned({ptr}, _m._{free})"
        else:
            expr = f"_optString({ptr})"
        return ("string | null", expr) if nullable else ("string", f"({expr} ?? '')")

    def returns_doc(self) -> str:
        f = self.f
        if f.outputs:
            return "; ".join(p.doc for p in f.outputs if p.doc)
        return "" if f.throws else f.returns.doc

    def throws_doc(self) -> str:
        o, f = self.o, self.f
        if not o.err:
            return ""
        parts = []
        if f.throws:
            text = f.returns.doc
            if text.startswith(o.err.ok) and text[len(o.err.ok):][:1] in (";", "."):
                text = text[len(o.err.ok) + 1:].strip()
            parts.append(text)
        elif f.returns.error_if_null:
            parts.append(f"{f.returns.null_status} when the call fails")
        if any(p.role == "handle" for p in f.params) and o.err.closed:
            parts.append(f"{o.err.closed} for a freed object")
        text = "; ".join(x.rstrip(".") for x in parts if x)
        return text + "." if text else ""


def _ok_value(o: JsOracle) -> int:
    return next(m.value for m in o.err.members if m.name == o.err.ok)


def exported(api: ir.API) -> list[str]:
    """The C symbols the .wasm exports: every function, and malloc/free for the heap."""
    return ["_malloc", "_free"] + [f"_{f.name}" for f in api.functions]


def files(api: ir.API, cfg, env, single: dict[str, str]) -> dict[str, str | bytes]:
    support.require(api, "js")   # new IR constructs fail clearly, see support.py
    o = JsOracle(api, cfg)
    if api.handles and (o.err is None or o.err.closed is None):
        raise BindgenError(api.header, "js: handles without an @errors enum with closed=: not supported yet")
    handles = [o.handle(h) for h in api.handles]
    enums = []
    for e in api.enums:
        enums.append(dict(name=o.enum_name(e), doc=e.doc.text, flags=e.flags,
                          members=[(o.member(e, m.name), m.value, m.doc.text) for m in e.members]))
    sources = sorted(n for n in single if n.endswith(".c"))
    ctx = dict(o=o, api=api, handles=handles, enums=enums,
               functions=[o.function(f) for f in api.free_functions],
               callbacks=[o.callback(c) for c in api.callbacks], structs=o.structs(),
               constants=o.constants(), module=o.module, error=o.error,
               exported=exported(api), sources=sources,
               ok=_ok_value(o) if o.err else 0,
               closed=o.member(o.err, o.err.closed) if o.err and o.err.closed else "",
               testdata=sorted(cfg.testdata_files()), js_string=js_string,
               abi=api.abi)
    render = lambda name: env.get_template(f"js/{name}").render(**ctx)  # noqa: E731
    out: dict[str, str | bytes] = {
        f"{o.module}.js": render("module.js.j2"),
        f"{o.module}.d.ts": render("module.d.ts.j2"),
        "package.json": render("package.json.j2"),
        "build.sh": render("build.sh.j2"),
        ".gitignore": render("gitignore.j2"),
        "csrc/node_post.js": render("node_post.js.j2"),
    }
    for name, text in single.items():
        out[f"csrc/{name}"] = text
    for name, data in cfg.testdata_files().items():
        out[f"test/data/{name}"] = data
    out.update(project_files(cfg, env, "js", ctx))
    return out
