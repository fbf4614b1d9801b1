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
- [in,out] arrays are `inout [T]` in C's element type (the caller's own array,
  changed in place); capacities are `Int` params; arrays sharing a count must be
  as long as the first (a precondition); `char` arrays out are `String`.
- returned strings are copied (`String`, `String?` when nullable); owned ones
  are then given to their deallocator (`free=`), never exposed.
- enums are Swift enums (raw value = C value); @flags enums are OptionSets.
  A header without an @errors enum has no error type; one without closed=
  falls back to its first failure for unknown statuses.
- structs are Swift structs with the same fields (`init(_c:)` / `_c` convert);
  `const T *` params point to a copy (`nil` -> NULL when nullable).
- callback typedefs are `typealias X = (...) throws -> R` closures, called by a
  C trampoline with a `_Callback` box as user_data. scope "call": the closure
  is non-escaping and its first error is rethrown once C returns; "stored": the
  box is kept by the receiver (`_kept`) or the module until replaced, and its
  errors go to standard error. No runtime lock: any thread may call.
- nullable handles / out handles / returned handles are optionals; a method
  keeps its `retained` arguments (`_kept`) until called again or closed.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from . import ir, lower, names
from . import support
from .annotations import BindgenError
from .render import project_files

# Swift's spelling of the C scalar types it imports from the header.
C_SWIFT = {
    "char": "CChar", "bool": "Bool", "_Bool": "Bool",
    "int": "Int32", "unsigned int": "UInt32",
    "int8_t": "Int8", "uint8_t": "UInt8", "int16_t": "Int16", "uint16_t": "UInt16",
    "int32_t": "Int32", "uint32_t": "UInt32", "int64_t": "Int64", "uint64_t": "UInt64",
    "size_t": "Int",  # Swift imports size_t as Int
    "float": "Float", "double": "Double",
}
# C integer types bindgen names by width (ir.Type.spelling) as Swift imports them.
C_SWIFT_SPELLINGS = {
    "long": "CLong", "long int": "CLong", "signed long": "CLong",
    "unsigned long": "CUnsignedLong", "unsigned long int": "CUnsignedLong",
    "long long": "CLongLong", "long long int": "CLongLong",
    "unsigned long long": "CUnsignedLongLong", "unsigned long long int": "CUnsignedLongLong",
    "short": "CShort", "short int": "CShort", "signed short": "CShort",
    "unsigned short": "CUnsignedShort", "unsigned short int": "CUnsignedShort",
    "signed char": "CSignedChar", "unsigned char": "CUnsignedChar",
    "signed": "CInt", "signed int": "CInt", "unsigned": "CUnsignedInt",
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
    flags: bool = False  # @flags: an OptionSet whose members are `cases`
    bits: list[tuple[str, str]] = field(default_factory=list)  # flags: (case, C member) of one bit


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
    # (raw local, Swift owner expr, nullable, borrow method, give-back method)
    handles: list[tuple[str, str, bool, str, str]]
    outs: list[SwiftOut]
    call: str            # the C call (array variant)
    check: str           # "status" | "null" | "value" | "void"
    null_status: str = ""  # Status case raised when an error_if_null call returns NULL
    ret: str = ""        # expression returned (array variant)
    returns_doc: str = ""
    throws_doc: str = ""
    buffer: dict | None = None  # the buffer-pointer variant: params, outs, call, ret, result
    pre: list[str] = field(default_factory=list)  # statements before the call: lengths
    post: list[str] = field(default_factory=list)  # statements after it: retained arguments
    after: list[str] = field(default_factory=list)  # right after the call: callback errors
    wrap: str = ""       # a non-escaping closure the body runs under withoutActuallyEscaping


@dataclass
class SwiftCallback:
    c: ir.Callback
    name: str            # the Swift closure type (typealias)
    trampoline: str      # the C function that calls the closure
    doc: str
    params: list[str]    # Swift types of the values the closure receives
    result: str          # Swift result type ("Void")
    c_params: list[str]  # the trampoline's parameter names (every C param)
    args: list[str]      # Swift expressions of the closure's arguments
    zero: str            # what C gets when the closure throws ("()" for void)
    ret: str             # the closure's result `_r` converted for C ("" for void)
    context: str = ""    # the trampoline's user_data parameter


@dataclass
class SwiftHandle:
    c: ir.Handle
    name: str
    doc: str
    free: str            # C destructor
    close_doc: str
    closed_message: str
    functions: list[SwiftFunction] = field(default_factory=list)
    keeps: bool = False  # methods keep retained arguments (in `_kept`)


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
        # no C sources to compile: the C target is a module map over the system's library
        self.system_library = not cfg.sources and cfg.native is None
        err = api.error_enum
        if err is None and api.handles:
            raise BindgenError(api.handles[0].coord,
                               "swift: handles in a header without an @errors enum: not supported yet")
        if err is not None and err.closed is None and api.handles:
            raise BindgenError(err.coord, "swift: handles with an @errors enum without closed=: "
                                          "not supported yet")
        self.err = err
        self.enums = {e.name: self._enum(e) for e in api.enums}
        self.status = self.enums[err.name] if err else None
        self.status_type = ir.Type(kind="enum", name=err.name) if err else None
        self.ok_case = self.case(err, err.ok) if err else ""
        self.closed_case = self.case(err, err.closed) if err and err.closed else ""
        self.last_error = err.message or "" if err else ""   # "": the status's name is the message
        self.helpers: set[str] = set()   # string helpers the functions use (library.swift.j2)

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

    def failing(self, f: ir.Function) -> str:
        """The extra argument of _check and _last naming the C function, when the library
        keeps no message of its own."""
        return "" if self.last_error else f", {self.swift_string(f.name)}"

    def raw(self, expr: str, enum: ir.Enum) -> str:
        """The C integer of a value of a C enum type (an enum of #defines is one)."""
        return expr if enum.macros else f"{expr}.rawValue"

    # -- types ---------------------------------------------------------------

    def _enum(self, e: ir.Enum) -> SwiftEnum:
        cases = [(self.case(e, m.name), m.value, m.name, m.doc.text) for m in e.members]
        if e.is_error:
            # an unknown status is a failure: the closed status, else the first failure
            fallback = self.case(e, e.closed or next(m.name for m in e.members if m.name != e.ok))
        else:
            fallback = cases[0][0]
        bits = [(self.case(e, m.name), m.name) for m in e.bits]
        return SwiftEnum(name="Status" if e.is_error else self.enum_type(e), c_name=e.name,
                         doc=e.doc.text, cases=cases, fallback=fallback, flags=e.flags, bits=bits)

    def c_type(self, t: ir.Type) -> str:
        """The Swift type of a C scalar, enum or struct as Swift imports it."""
        if t.kind in ("enum", "struct"):
            return t.name
        if t.kind == "scalar" and t.spelling:   # a typedef: Swift imports it by its name
            return C_SWIFT_SPELLINGS.get(t.spelling, t.spelling)
        if t.kind == "scalar" and t.name in C_SWIFT:
            return C_SWIFT[t.name]
        raise BindgenError(self.api.header, f"no Swift mapping for C type {t.c}")

    def swift_type(self, t: ir.Type) -> str:
        """The public Swift type of a C scalar, enum or struct."""
        if t.kind == "enum":
            return self.enum_type(self._ir_enum(t.name))
        if t.kind == "struct":
            return names.pascal(self.strip(t.name))
        kind = ir.SCALARS.get(t.name, (0, ""))[1]
        if t.name in ("uint8_t", "int8_t", "char"):
            return C_SWIFT[t.name]  # bytes stay bytes
        return {"int": "Int", "uint": "Int", "float": self.c_type(t), "bool": "Bool"}.get(kind) \
            or self.c_type(t)

    def _ir_enum(self, name: str) -> ir.Enum:
        return next(e for e in self.api.enums if e.name == name)

    def refusal(self, p: ir.Param) -> str:
        """The helper (library.swift.j2) refusing what C cannot receive exactly from a
        parameter, with an ArgumentError: an Int beyond the C integer type ("exactly"), a
        negative size_t ("nonNegative", Swift imports size_t as Int), a string with a NUL
        ("noNUL"); "" when every value passes as it is."""
        t = p.type
        if p.role == "string":
            return "noNUL"
        if p.role not in ("value", "capacity") or t.kind != "scalar":
            return ""
        ct, st = self.c_type(t), self.swift_type(t)
        if ct == st:
            return "nonNegative" if t.name == "size_t" else ""
        # Int is 64-bit; a uint64_t's bits pass unchanged (Swift's API has no UInt64 there)
        return "exactly" if st == "Int" and ct not in ("Int64", "UInt64") else ""

    def to_c(self, expr: str, t: ir.Type) -> str:
        """Convert a Swift value to the C type: never traps (C rejects what is out of range)."""
        ct, st = self.c_type(t), self.swift_type(t)
        if t.kind == "enum" and self._ir_enum(t.name).macros:
            return f"{ct}(truncatingIfNeeded: {expr}.rawValue)"
        if t.kind == "enum":
            return f"{ct}(rawValue: numericCast({expr}.rawValue))"
        if t.kind == "struct":
            return f"{expr}._c"
        if ct == st:
            return expr
        signed = ct.startswith("Int")
        return f"{ct}({'clamping' if signed else 'truncatingIfNeeded'}: {expr})"

    def from_c(self, expr: str, t: ir.Type) -> str:
        ct, st = self.c_type(t), self.swift_type(t)
        if t.kind == "struct":
            return f"{st}(_c: {expr})"
        if t.kind == "enum":
            e, raw = self.enums[t.name], self.raw(expr, self._ir_enum(t.name))
            if e.flags:  # every combination of bits is a value
                return f"{self.swift_type(t)}(rawValue: Int({raw}))"
            return f"{self.swift_type(t)}(rawValue: Int({raw})) ?? .{e.fallback}"
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
            if f.short_name == "create" and simple:
                return "init"
            # `new` returning the handle (not NULL: it throws instead) is the initializer too
            if f.short_name == "new" and not outs and self._returns_handle(f) \
                    and f.returns.type.pointee.name == f.handle and not f.returns.nullable:
                return "init"
            return "static"
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
            elif p.role == "callback":
                cb = self.callback(p.type.name)
                if p.nullable:   # an optional closure always escapes
                    sp.type = sp.buffer_type = f"{cb.name}?"
                elif p.scope == "stored":
                    sp.type = sp.buffer_type = f"@escaping {cb.name}"
                else:
                    sp.type = sp.buffer_type = cb.name
            elif p.role == "struct":
                t = p.type.pointee if p.type.kind == "pointer" else p.type
                sp.type = sp.buffer_type = self.swift_type(t) + ("?" if p.nullable else "")
            elif p.role == "inout_value" and p.type.pointee.kind in ("scalar", "enum", "struct"):
                sp.type = sp.buffer_type = self.swift_type(p.type.pointee)
            elif p.role == "string":
                sp.type = sp.buffer_type = "String?" if p.nullable else "String"
            elif p.role == "handle":
                cls = self.class_name(p.type.pointee.name)
                sp.type = sp.buffer_type = cls + ("?" if p.nullable else "")
            elif p.role == "array_in":
                _, el, buf = self.array_types(p)
                sp.type, sp.buffer_type = f"[{el}]", buf
            elif p.role == "array_inout":  # the caller's own array, in C's element type
                sp.type = sp.buffer_type = f"inout [{self.array_types(p)[0]}]"
            elif p.role == "capacity":
                sp.type = sp.buffer_type = "Int"
            else:
                raise BindgenError(f.coord, f"{f.name}: no Swift mapping for param {p.name} ({p.role})")
            out.append(sp)
        return out

    def function(self, f: ir.Function, siblings: list[ir.Function]) -> SwiftFunction:
        name, overload = self.swift_name(f, siblings)
        shape = self.shape(f)
        params = self.params(f, overload)
        handles = []
        for p in f.params:
            if p.role == "handle":
                owner = "self" if p is lower.receiver(f) else escape(names.camel(p.name))
                # a receiver C uses one thread at a time waits for its turn (_enter)
                serial = lower.locks(self.api, f, p)
                handles.append(("_" + names.camel(p.name), owner, p.nullable,
                                "_enter" if serial else "_borrow", "_leave" if serial else "_giveBack"))
        outs = [self._out(f, p) for p in f.params
                if p.role in ("out_handle", "out_value", "inout_value", "out_string", "array_out",
                              "length") or self._size_local(p)]
        check = ("status" if f.throws else "null" if f.returns.error_if_null
                 else "void" if f.returns.type.name == "void" else "value")
        if f.returns.error_if_null and f.returns.type.kind != "pointer":
            raise BindgenError(f.coord, f"{f.name}: error_if_null on a non-pointer")
        result, ret = self._result(f, shape)
        calls = [p for p in f.params if p.role == "callback" and p.scope == "call"]
        throws = shape != "free" or check in ("status", "null") or bool(handles) or bool(calls) \
            or any(self.refusal(p) or (self._size_local(p) and p.role == "capacity") for p in f.params)
        null_status = self.case(self.err, f.returns.null_status) if check == "null" else ""
        sf = SwiftFunction(
            c=f, name=name, shape=shape, doc=f.doc.text, params=params, throws=throws,
            result=result, handles=handles, outs=outs, call=self._call(f, {}), check=check,
            null_status=null_status, ret=ret, returns_doc=self._returns_doc(f),
            throws_doc=self._throws_doc(f, handles, check, null_status))
        sf.pre = self._pre(f, {})
        self._callbacks(f, sf)
        # the receiver keeps retained arguments until this method is called again
        sf.post += [f'_kept["{f.name}"] = {escape(names.camel(p.name))}'
                    for p in lower.held(f) if p.retained]
        sf.buffer = self._buffer_variant(f, sf)
        return sf

    def _callbacks(self, f: ir.Function, sf: SwiftFunction) -> None:
        """Box each closure for C (its user_data); a call-scoped one rethrows its error once C
        returns, a stored one is kept by the receiver (or the module) until replaced."""
        cbs = [p for p in f.params if p.role == "callback"]
        if len(cbs) > 1:
            raise BindgenError(f.coord, "swift: two callbacks in one function: not supported yet")
        for p in cbs:
            local, box = escape(names.camel(p.name)), "_" + names.camel(p.name)
            stored = "true" if p.scope == "stored" else "false"
            if p.nullable:
                sf.pre.append(f"let {box} = {local}.map {{ _Callback($0, stored: {stored}) }}")
            else:
                sf.pre.append(f"let {box} = _Callback({local}, stored: {stored})")
            if p.scope == "call":
                sf.after.append(f"try {box}{'?' if p.nullable else ''}.rethrow()")
                if not p.nullable:
                    if sf.shape == "init":
                        raise BindgenError(f.coord, "swift: a callback in an initializer: "
                                                    "not supported yet")
                    sf.wrap = local
            elif lower.holder(f) == "receiver":
                sf.post.append(f'_kept["{f.name}"] = {box}')
            else:
                self.helpers.add("stored")
                sf.post.append(f'_storedCallbacks["{f.name}"] = {box}')

    def callback(self, name: str) -> SwiftCallback:
        cb = self.api.callback(name)
        c_params = [escape(names.camel(p.name)) for p in cb.params]
        types, args = [], []
        for p, local in zip(cb.params, c_params):
            if p.role == "value":
                types.append(self.swift_type(p.type))
                args.append(self.from_c(local, p.type))
            elif p.role == "string" and p.nullable:   # nil for NULL
                types.append("String?")
                args.append(f"{local}.map {{ String(cString: $0) }}")
            elif p.role == "string":
                types.append("String")
                args.append(f"_string({local})")
            elif p.role == "struct":
                ptr = p.type.kind == "pointer"
                t = p.type.pointee if ptr else p.type
                types.append(self.swift_type(t))
                args.append(self.from_c(f"{local}!.pointee" if ptr else local, t))
            elif p.role == "array_in":
                n = f"Int({escape(names.camel(p.count))})"
                el = self.element(p)
                if el.kind == "scalar" and el.name == "void":
                    types.append("[UInt8]")
                    args.append(f"Array(UnsafeRawBufferPointer(start: {local}, count: {n}))")
                else:
                    ct, st, _ = self.array_types(p)
                    expr = f"Array(UnsafeBufferPointer(start: {local}, count: {n}))"
                    if ct != st:
                        expr += f".map {{ {self.from_c('$0', el)} }}"
                    types.append(f"[{st}]")
                    args.append(expr)
            elif p.role not in ("user_data", "count"):
                raise BindgenError(cb.coord, f"swift: callback parameters of role {p.role}: "
                                             "not supported yet")
        t = cb.returns.type
        if t.is_void:
            result, zero, ret = "Void", "()", ""
        else:
            result = self.swift_type(t)
            zero = (f"{self.c_type(t)}(rawValue: 0)" if t.kind == "enum" and not self._ir_enum(t.name).macros
                    else "false" if self.c_type(t) == "Bool" else "0")
            ret = self.to_c("_r", t)
        name = names.pascal(self.strip(cb.name))
        return SwiftCallback(c=cb, name=name, trampoline=f"_{names.camel(self.strip(cb.name))}Trampoline",
                             doc=cb.doc.text, params=types, result=result, c_params=c_params,
                             args=args, zero=zero, ret=ret,
                             context=escape(names.camel(cb.user_data)))

    @staticmethod
    def _array(p: ir.Param, buffers: dict) -> str:
        """The Swift expression of the caller's array (or its buffer in `buffers`)."""
        return buffers.get(p.name, escape(names.camel(p.name)))

    def _pre(self, f: ir.Function, buffers: dict) -> list[str]:
        """Statements before the call: arrays sharing a count must be as long as the first
        (a precondition, like an index out of range), and the count of an in-out array is
        read before the array is lent to C (Swift's exclusive access)."""
        lines, counts = [], lower.counts(f, buffers)
        for p in f.params:
            if p.role == "struct" and p.type.kind == "pointer":
                local, c = escape(names.camel(p.name)), "_" + names.camel(p.name)
                if p.nullable:  # NULL for nil, else a pointer to a copy
                    self.helpers.add("boxed")
                    lines += [f"let {c} = _boxed({local}?._c)", f"defer {{ {c}?.deallocate() }}"]
                else:
                    lines.append(f"var {c} = {local}._c")
            if p.name not in counts:
                continue
            first = self._array(counts[p.name].source, buffers)
            for other in (self._array(x, buffers) for x in counts[p.name].same):
                lines.append(f'precondition({other}.count == {first}.count, '
                             f'"{other.strip("`")} must be as long as {first.strip("`")}")')
            if any(a.count == p.name and a.role == "array_inout" for a in f.params):
                lines.append(f"let _{names.camel(p.name)} = {first}.count")
        return lines

    @staticmethod
    def _size_local(p: ir.Param) -> bool:
        """An [in,out] count: C reads the size from a local and writes the count there."""
        return p.role in ("count", "capacity") and p.type.kind == "pointer"

    def _out(self, f: ir.Function, p: ir.Param) -> SwiftOut:
        local = "_" + names.camel(p.name)
        if self._size_local(p):
            t = p.type.pointee
            if p.role == "capacity":   # the caller's Int: refused unless C's type holds it
                self.helpers.add("exactly")
                size = f"try _exactly({escape(names.camel(p.name))}, {self.swift_string(names.camel(p.name))}) as {self.c_type(t)}"
            else:
                size = self.to_c(self._count_of(f, p, {}), t)
            return SwiftOut(local, size)
        if p.role == "out_handle":
            return SwiftOut(local, "OpaquePointer?.none")
        if p.role == "out_string":
            kind = "UnsafePointer" if p.type.pointee.const else "UnsafeMutablePointer"
            return SwiftOut(local, f"{kind}<CChar>?.none")
        if p.role in ("out_value", "length"):
            pt = p.type.pointee
            zero = "rawValue: 0" if pt.kind == "enum" and not self._ir_enum(pt.name).macros else ""
            return SwiftOut(local, f"{self.c_type(p.type.pointee)}({zero})")
        if p.role == "inout_value":  # starts as the caller's value
            return SwiftOut(local, self.to_c(escape(names.camel(p.name)), p.type.pointee))
        ct, _, _ = self.array_types(p)
        size = lower.size(f, p)
        if size.kind == "call":
            args = ", ".join(self._arg(f, f.param(a)) for a in size.args)
            callee = self.api.function(size.value)
            alloc = self.from_c(f"{self.c_name(callee.name)}({args})", callee.returns.type)
            if self.swift_type(callee.returns.type) != "Int":
                alloc = f"Int({alloc})"
        elif size.kind in ("number", "constant"):
            alloc = f"Int({size.value})"
        elif size.kind == "array":  # as long as the caller's array sharing its count
            alloc = f"{escape(names.camel(size.value))}.count"
        else:
            alloc = escape(names.camel(size.value))   # the capacity
        alloc_local = local + "Alloc"
        return SwiftOut(local, f"[{ct}](repeating: 0, count: max(0, {alloc_local}))",
                        alloc=alloc, alloc_local=alloc_local)

    def _arg(self, f: ir.Function, p: ir.Param, buffers: dict | None = None) -> str:
        """The C argument for param p; `buffers` maps array params to buffer locals."""
        buffers = buffers or {}
        local = escape(names.camel(p.name))
        if p.role == "handle":
            return "_" + names.camel(p.name)
        check = self.refusal(p)
        if check:
            self.helpers.add(check)
            if p.role == "string" and p.nullable:
                return f"try {local}.map {{ try _{check}($0, {self.swift_string(local)}) }}"
            return f"try _{check}({local}, {self.swift_string(local)})"
        if p.role == "value" or (p.role == "struct" and p.type.kind == "struct"):
            return self.to_c(local, p.type)
        if p.role == "struct":  # const T *: a copy the call reads
            return "_" + names.camel(p.name) if p.nullable else "&_" + names.camel(p.name)
        if p.role == "string":
            return local
        if p.role == "array_in":
            if p.name in buffers:
                return f"{local}.baseAddress"
            ct, st, _ = self.array_types(p)
            return local if ct == st else f"{local}.map {{ {self.to_c('$0', self.element(p))} }}"
        if p.role in ("out_handle", "out_value", "inout_value", "out_string", "length"):
            return "&_" + names.camel(p.name)
        if p.role == "array_inout":
            return "&" + local
        if p.role == "callback":
            tramp = self.callback(p.type.name).trampoline
            return f"{local} == nil ? nil : {tramp}" if p.nullable else tramp
        if p.role == "user_data":
            cb = lower.callback_of(f, p)
            return f"_{names.camel(cb.name)}{'?' if cb.nullable else ''}.context"
        if p.role == "count" and any(a.count == p.name and a.role == "array_inout"
                                     for a in f.params):
            return self.to_c("_" + names.camel(p.name), p.type)
        if p.role == "array_out":
            return f"{buffers[p.name]}.baseAddress" if p.name in buffers \
                else "&_" + names.camel(p.name)
        if self._size_local(p):
            return "&_" + names.camel(p.name)
        if p.role in ("count", "capacity"):
            return self.to_c(self._count_of(f, p, buffers), p.type)
        raise BindgenError(f.coord, f"{f.name}: no Swift mapping for param {p.name} ({p.role})")

    def _count_of(self, f: ir.Function, p: ir.Param, buffers: dict) -> str:
        """The Swift Int a count or capacity param passes: its array's element count."""
        count = lower.counts(f, buffers).get(p.name)
        arr = count.source if count else f.param(p.arrays[0])   # a capacity: as allocated
        if arr.role == "array_out" and arr.name not in buffers:
            return "_" + names.camel(arr.name) + "Alloc"  # the array is being written
        return self._array(arr, buffers) + ".count"

    def c_name(self, name: str) -> str:
        """A C function as Swift calls it: qualified by the C module when no prefix keeps
        it apart from the Swift function of the same name."""
        return name if self.api.prefix else f"{self.c_module}.{name}"

    def _call(self, f: ir.Function, buffers: dict) -> str:
        return f"{self.c_name(f.name)}({', '.join(self._arg(f, p, buffers) for p in f.params)})"

    def _value(self, f: ir.Function, p: ir.Param, init: bool = False) -> tuple[str, str]:
        """(Swift type, expression) of one output after the call; `init` delegates to
        the class's own initializer instead."""
        local = "_" + names.camel(p.name)
        if p.role == "out_handle":
            cls, keep = self.class_name(p.type.pointee.pointee.name), self._keep(f)
            if p.nullable and not init:  # NULL is no object
                return f"{cls}?", f"{local}.map {{ {cls}(_raw: $0, retaining: [{keep}]) }}"
            return cls, f"{'self.init' if init else cls}(_raw: {local}, retaining: [{keep}])"
        if p.role in ("out_value", "inout_value"):
            return self.swift_type(p.type.pointee), self.from_c(local, p.type.pointee)
        if p.role == "out_string":
            return self._text(local, p.ownership, p.free, p.nullable)
        ct, st, _ = self.array_types(p)
        if self.element(p).name == "char":  # text: cut at its length, else at the first NUL
            self.helpers.add("chars")
            if p.length:
                n = self.from_c("_" + names.camel(p.length), f.param(p.length).type.pointee)
                return "String", f"_chars({local}, length: {n})"
            return "String", f"_chars({local})"
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
                r = f.returns
                return self._text("_result", r.ownership, r.free, r.nullable)
            if t.pointee.kind == "handle":
                cls, keep = self.class_name(t.pointee.name), self._keep(f)
                if shape == "init":
                    return "", f"self.init(_raw: _result, retaining: [{keep}])"
                if f.returns.nullable:
                    return f"{cls}?", f"_result.map {{ {cls}(_raw: $0, retaining: [{keep}]) }}"
                return cls, f"{cls}(_raw: _result, retaining: [{keep}])"
            raise BindgenError(f.coord, f"{f.name}: no Swift mapping for return type {t.c}")
        return self.swift_type(t), self.from_c("_result", t)

    def _keep(self, f: ir.Function) -> str:
        """What the new object `f` makes keeps alive (retained arguments; the receiver is self)."""
        return ", ".join("self" if p is lower.receiver(f) else escape(names.camel(p.name))
                         for p in lower.kept_by_new(f))

    def _text(self, local: str, ownership: str, free: str | None, nullable: bool) -> tuple[str, str]:
        """(Swift type, expression) of a C string the call gave: copied at once; an owned
        one is then given back to its deallocator; NULL is nil when nullable, else ""."""
        if ownership == "owned":
            if not free:
                raise BindgenError(self.api.header, "swift: an owned string without free=")
            self.helpers.add("owned")
            expr = f"_owned({local}, {free})"
        elif nullable:
            self.helpers.add("optional")
            expr = f"_optionalString({local})"
        else:
            return "String", f"_string({local})"
        return ("String?", expr) if nullable else ("String", f"{expr} ?? \"\"")

    def _returns_doc(self, f: ir.Function) -> str:
        if f.outputs:
            return "; ".join(p.doc for p in f.outputs if p.doc)
        return "" if f.throws else f.returns.doc

    def _throws_doc(self, f: ir.Function, handles: list, check: str, null_status: str) -> str:
        """The `- Throws:` text: closed objects, then the @return text of the call."""
        parts = []
        if handles:
            who = " or ".join("this object" if owner == "self" else f"`{owner}`"
                              for _, owner, *_ in handles)
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
        if any(p.role in ("array_inout", "capacity", "callback") for p in f.params) \
                or any(p.role == "array_out" and self.element(p).name == "char" for p in f.params):
            return None  # in-out arrays and capacities: the array variant alone
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
                    pre=self._pre(f, buffers),
                    ret=ret, discardable=bool(into and into.length))

    def structs(self) -> list[dict]:
        """Each C struct as a Swift struct: name, C name, doc, fields (name, type, doc,
        from C, to C)."""
        out = []
        for st in self.api.structs:
            fields = [dict(name=escape(names.camel(fd.name)), c_name=fd.name,
                           type=self.swift_type(fd.type), doc=fd.doc,
                           from_c=self.from_c(f"c.{fd.name}", fd.type),
                           to_c=self.to_c(escape(names.camel(fd.name)), fd.type))
                      for fd in st.fields]
            out.append(dict(name=self.swift_type(ir.Type(kind="struct", name=st.name)),
                            c_name=st.name, doc=st.doc.text, fields=fields))
        return out

    def handle(self, h: ir.Handle) -> SwiftHandle:
        fns = [f for f in self.api.functions_of(h.name) if f.kind != "destructor"]
        free = self.api.function(h.free)
        sh = SwiftHandle(c=h, name=self.class_name(h.name), doc=h.doc.text, free=h.free,
                         close_doc=free.doc.text, closed_message=h.closed_message)
        sh.functions = [self.function(f, fns) for f in fns]
        sh.keeps = any(sf.post for sf in sh.functions)
        return sh

    def thread_doc(self, h: ir.Handle) -> str:
        return names.thread_doc(h.serial, "thread", "`close()`", f"throw `.{self.closed_case}`")

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
            elif c.kind == "float":
                # read from the C macro, so a float literal (1.5e-3f) keeps its float rounding
                out.append((self.constant_name(c), "Double", f"Double({c.name})", c.doc.text))
            else:
                out.append((self.constant_name(c), "Int", str(c.value), c.doc.text))
        return out

    def swift_string(self, s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def files(api: ir.API, cfg, env, single: dict[str, str]) -> dict[str, str | bytes]:
    support.require(api, "swift")  # new IR constructs fail clearly, see support.py
    o = SwiftOracle(api, cfg)
    handles = [o.handle(h) for h in api.handles]
    ctx = dict(o=o, api=api, handles=handles, functions=o.free_functions(),
               enums=[o.enums[e.name] for e in api.enums if not e.is_error],
               status=o.status, constants=o.constants(), helpers=o.helpers, structs=o.structs(),
               callbacks=[o.callback(c.name) for c in api.callbacks],
               closed_messages={h.name: o.swift_string(h.closed_message) for h in handles},
               data_dir="Data", testdata=sorted(cfg.testdata_files()))
    render = lambda name: env.get_template(f"swift/{name}").render(**ctx)  # noqa: E731
    out: dict[str, str | bytes] = {
        "Package.swift": render("Package.swift.j2"),
        f"Sources/{o.module}/{o.module}.swift": render("library.swift.j2"),
    }
    for name, text in single.items():
        rel = f"include/{name}" if name.endswith(".h") else name
        out[f"Sources/{o.c_module}/{rel}"] = text
    if o.system_library:   # a module map naming the header and the library
        out[f"Sources/{o.c_module}/module.modulemap"] = render("module.modulemap.j2")
        out[f"Sources/{o.c_module}/{o.c_module}.h"] = render("system.h.j2")
    elif api.c_prelude:
        raise BindgenError(api.header, "swift: C the header lacks (an overlay) beside C sources: "
                                       "not supported yet")
    for name, data in cfg.testdata_files().items():
        out[f"Tests/{o.module}Tests/{ctx['data_dir']}/{name}"] = data
    out.update(project_files(cfg, env, "swift", ctx))
    return out
