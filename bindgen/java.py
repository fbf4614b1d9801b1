"""Java (JNI) binding: names and type mapping for templates/java/.

Everything a template needs to know about Java or JNI is decided here, in
one place (like UniFFI's code oracles); the templates only lay it out.

Rules:
- every handle becomes a final class (`pred_model` -> `Model`) that is
  AutoCloseable, with its destructor as `close()` and a Cleaner safety net;
- a factory named `create` (else `new`) becomes a public constructor
  (`new Session(model)`), any other factory a static method (`Model.load(bytes)`);
  a nullable new handle comes back as null;
- methods become instance methods, free functions and constants go to the
  final class named after the library (`Predict.version()`); floating-point
  constants are read from C (so `1.5e-3f` keeps its float rounding);
- every enum becomes a Java enum, a `@flags` enum a value class (`Perm.READ.or(Perm.WRITE)`)
  that keeps unknown bits; the `@errors` enum is the status that the checked
  `<Name>Exception` carries (without one, nothing throws and there is no exception class);
- a struct becomes a record, copied field by field through its accessors and
  canonical constructor; a callback typedef a functional interface (`call`);
- outputs are returned: one as the result, several as a nested record
  (`DivideResult(quotient, remainder)`); in-out arrays are the caller's array,
  changed in place; unsigned types keep their bits in the signed Java type;
- `retained` arguments are kept in a field of the object that needs them;
- a function with float arrays also gets an overload taking direct
  `FloatBuffer`s (no copy: the C side reads and writes the buffer's memory);
- every C function (deallocators aside: only the glue calls them) is one static
  native method of the package-private JNI class, named as in C; its
  direct-buffer variant adds `_direct`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import ir, lower
from . import support
from .annotations import BindgenError
from .names import camel, comment, library_version, pascal, strip_prefix, thread_doc
from .render import project_files

JAVA_KEYWORDS = set("""
abstract assert boolean break byte case catch char class const continue default do double
else enum extends final finally float for goto if implements import instanceof int interface
long native new package private protected public return short static strictfp super switch
synchronized this throw throws transient try void volatile while true false null var record
yield
""".split())

# C scalar -> (Java type, JNI type). size_t and unsigned types widen to the
# signed Java type of the same size (Java has no unsigned types).
SCALARS = {
    "bool": ("boolean", "jboolean"), "_Bool": ("boolean", "jboolean"),
    "char": ("byte", "jbyte"), "int8_t": ("byte", "jbyte"), "uint8_t": ("byte", "jbyte"),
    "int16_t": ("short", "jshort"), "uint16_t": ("short", "jshort"),
    "int": ("int", "jint"), "unsigned int": ("int", "jint"),
    "int32_t": ("int", "jint"), "uint32_t": ("int", "jint"),
    "int64_t": ("long", "jlong"), "uint64_t": ("long", "jlong"), "size_t": ("long", "jlong"),
    "float": ("float", "jfloat"), "double": ("double", "jdouble"),
}

# Array element C type -> Java primitive. Only types whose size matches the
# Java primitive on every target (so the C buffer is the Java array's memory);
# `const void *` bytes are byte[].
ARRAY_ELEMENTS = {
    "void": "byte", "char": "byte", "int8_t": "byte", "uint8_t": "byte",
    "int16_t": "short", "uint16_t": "short", "int32_t": "int", "uint32_t": "int", "int": "int",
    "int64_t": "long", "uint64_t": "long", "float": "float", "double": "double",
}


# Java primitive -> JNI type signature letter
JNI_SIGS = {"boolean": "Z", "byte": "B", "char": "C", "short": "S", "int": "I", "long": "J",
            "float": "F", "double": "D"}


def jni_mangle(name: str) -> str:
    """A Java name as it appears in a JNI symbol (JNI spec, "Resolving Native Method Names")."""
    out = []
    for ch in name:
        if ch == ".":
            out.append("_")
        elif ch == "_":
            out.append("_1")
        elif ch.isascii() and ch.isalnum():
            out.append(ch)
        else:
            out.append(f"_0{ord(ch):04x}")
    return "".join(out)


def safe(name: str) -> str:
    """A Java identifier that is not a keyword."""
    return name + "_" if name in JAVA_KEYWORDS else name


@dataclass
class JParam:
    """One C parameter of one variant, with everything the templates need.

    Names: `name` (Java), `jni` (the JNI argument in C), `c` (the C local).
    """
    p: ir.Param
    role: str
    name: str
    jni: str
    c: str
    ctype: str                # the C parameter type
    direct: bool = False      # a float array passed as a direct FloatBuffer
    java_type: str = ""       # in the public Java signature ("" when not visible)
    native_type: str = ""     # in the native method declaration
    to_native: str = ""       # Java expression passed to the native method
    jni_type: str = ""        # C type of the JNI argument
    elem: str = ""            # arrays: Java primitive of the elements ("float")
    elem_c: str = ""          # arrays: C element type ("float", "int64_t")
    alloc: str = ""           # array_out: C expression of the element count to allocate
    critical: bool = True     # arrays: pin with Get/ReleasePrimitiveArrayCritical
    count_of: str = ""        # count: the C local holding the array's length
    size_local: str = ""      # an [in,out] count: the C local declared with the size, passed by address
    native_decl: str = ""     # its parameter(s) in the native method declaration
    jni_decl: str = ""        # its parameter(s) in the JNI function definition
    c_arg: str = ""           # what the glue passes to the C function
    doc: str = ""
    struct: str = ""          # a struct value (in, out or in-out): its C name
    out_array: str = ""       # one of several outputs: the Java name of its 1-element array
    wrap: str = "{}"          # Java expression turning the native value into the public one
    borrow: str = ""          # handle: the statement borrowing it into `to_native` (a local)
    give_back: str = ""       # handle: the statement ending the borrow

    @property
    def pinned(self) -> bool:
        """A Java array (or a string's bytes) pinned around the call."""
        return self.role in ("string", "array_in", "array_inout") and not self.direct

    @property
    def allocated(self) -> bool:
        """An [out] array the glue allocates, then copies into a new Java array."""
        return self.role == "array_out" and not self.direct

    @property
    def elem_jni(self) -> str:
        """Float, Long, ...: the element type in JNI function names."""
        return self.elem.capitalize()


@dataclass
class JFunction:
    """One variant of one C function: its Java method and its JNI glue."""
    fn: ir.Function
    direct: bool
    form: str                 # "static", "method", "constructor" or "close"
    java_name: str
    native_name: str
    jni_symbol: str
    params: list[JParam]      # every C parameter, in C order
    visible: list[JParam]     # the public Java parameters
    native_args: list[JParam]  # what the native method receives, in order
    java_return: str          # public return type
    native_return: str        # native method return type
    jni_return: str           # JNI return type in C
    wrap: str                 # Java expression around the native call: "{}" = the call
    result: JParam | None     # the output the function returns, if any
    throws: bool              # declares `throws <Exception>`
    fences: list[str]         # handles to keep reachable during the call
    doc: str                  # Javadoc text (without /** */)
    tags: list[str] = field(default_factory=list)  # Javadoc block tags
    null_status: str = ""     # error_if_null: the status raised with the last error
    returns_length: str = ""  # direct variant: the C local returned as the written count
    retained_args: list[str] = field(default_factory=list)
    # (condition, message) checked before the call: IllegalArgumentException
    checks: list[tuple[str, str]] = field(default_factory=list)
    keeps: list[tuple[str, str]] = field(default_factory=list)  # (field, param) the receiver keeps
    record: str = ""          # several outputs: the nested record the method returns
    outputs: list[JParam] = field(default_factory=list)  # ...and its components, in C order
    record_tags: list[str] = field(default_factory=list)  # ...and their Javadoc

    @property
    def borrows(self) -> list[JParam]:
        """The handles the call borrows, in order (given back in reverse)."""
        return [jp for jp in self.params if jp.borrow]

    @property
    def status_var(self) -> bool:
        return self.fn.throws or self.fn.returns.error_if_null

    @property
    def struct_result(self) -> str:
        """The C struct the glue converts to a record before it returns, if any."""
        if self.result is not None:
            return self.result.struct
        return self.fn.returns.type.name if self.fn.returns.type.kind == "struct" else ""

    @property
    def call_callbacks(self) -> bool:
        """Whether C calls back during the call only (exceptions are thrown after it)."""
        return any(p.role == "callback" and p.p.scope != "stored" for p in self.params)

    @property
    def keep_statements(self) -> list[str]:
        return [f"this.{f} = {p};" for f, p in self.keeps]

    @property
    def string_result(self) -> bool:
        """The glue converts the result to a jstring before it returns (owned or nullable
        returns, out strings, text buffers): `result_string`."""
        r = self.fn.returns
        return (self.result is not None and self.result.jni_type == "jstring") or (
            self.jni_return == "jstring" and self.result is None and (r.free or r.nullable))

    @property
    def needs_label(self) -> bool:
        """Whether the glue can fail before the call (pinning, allocating, direct buffers)."""
        return any(p.pinned or p.allocated or p.direct or p.role == "callback" or p.struct
                   for p in self.params)

    @property
    def result_var(self) -> bool:
        """Whether the glue keeps the C return value (not a status)."""
        return not self.fn.throws and not (self.fn.returns.type.kind == "scalar"
                                           and self.fn.returns.type.name == "void")


class JavaOracle:
    """Java names and types for the IR (handed to every template as `j`)."""

    def __init__(self, api: ir.API, cfg):
        self.api = api
        self.cfg = cfg
        opts = cfg.lang("java")
        self.name = cfg.name
        self.package = opts.get("package", cfg.name)
        self.package_path = self.package.replace(".", "/")
        self.api_class = pascal(cfg.name)
        self.error_class = opts.get("error", self.api_class + "Exception")
        self.jni_class = self.api_class + "Jni"
        self.library = cfg.name + "_jni"
        self.version = library_version(api, cfg.prefix)   # the jar manifest's Implementation-Version
        self.main_class = opts.get("main_class", "")   # the jar manifest's Main-Class: `java -jar` runs it
        self.error_enum = api.error_enum
        # without an @errors enum nothing fails: no exception class, no status
        self.status_class = self.type_name(self.error_enum.name) if self.error_enum else ""
        self.ok = self.error_enum.ok if self.error_enum else ""
        self.closed = (self.member(self.error_enum, self.error_enum.closed)
                       if self.error_enum and self.error_enum.closed else "")
        self._doc_names = self._doc_name_table()

    # ---- names -------------------------------------------------------------
    def type_name(self, c_name: str) -> str:
        """pred_model -> Model, pred_status -> Status."""
        return pascal(strip_prefix(c_name, self.cfg.prefix))

    def member(self, enum: ir.Enum, c_name: str) -> str:
        """PRED_ERR_SHAPE -> ERR_SHAPE (an enum's own prefix goes too when all members share it)."""
        own = self.cfg.prefix.upper() + strip_prefix(enum.name, self.cfg.prefix).upper() + "_"
        if all(m.name.startswith(own) for m in enum.members):
            return c_name[len(own):]
        return strip_prefix(c_name, self.cfg.prefix)

    def flag_bits(self, enum: ir.Enum) -> list[ir.EnumMember]:
        """The single-bit members of a @flags enum, lowest first (cName() spells values with them)."""
        return sorted(enum.bits, key=lambda m: m.value)

    def constant(self, c_name: str) -> str:
        return strip_prefix(c_name, self.cfg.prefix)

    def constant_type(self, c: ir.Constant) -> str:
        if c.kind == "string":
            return "String"
        if c.kind == "float":
            return "double"
        return "int" if -2**31 <= c.value < 2**31 else "long"

    def constant_value(self, c: ir.Constant) -> str:
        if c.kind == "float":
            # read from C: the literal's type (1.5e-3f is a float) is the compiler's
            return f"{self.jni_class}.{c.name}()"
        if c.kind == "string":
            return '"' + c.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return str(c.value) if self.constant_type(c) == "int" else f"{c.value}L"

    def method_name(self, fn: ir.Function) -> str:
        return safe(camel(fn.short_name))

    def is_constructor(self, fn: ir.Function) -> bool:
        """The rule for factories: `create` (else `new`) is the constructor, others are
        static methods."""
        if fn.kind != "factory" or fn.short_name not in ("create", "new"):
            return False
        names = [f.short_name for f in self.api.functions_of(fn.handle, "factory")]
        return fn.short_name == "create" or "create" not in names

    def retained_fields(self, handle: str) -> list[tuple[str, str]]:
        """(Java type, field name) of what objects of `handle` keep alive: the
        `retained` params of every function that creates one."""
        out: dict[str, str] = {}
        for fn in self.api.functions:
            if lower.made(fn) == handle:
                for p in lower.kept_by_new(fn):
                    out.setdefault(safe(camel(p.name)), self.type_name(p.type.pointee.name))
        return [(t, n) for n, t in out.items()]

    def kept(self, fn: ir.Function) -> list[tuple[str, str, str]]:
        """(Java type, field, param) of what a method's receiver keeps alive: its `retained`
        arguments, until the method is called again."""
        return [(self.type_name(p.type.pointee.name),
                 self.method_name(fn) + pascal(p.name) + "Kept", safe(camel(p.name)))
                for p in lower.held(fn) if p.retained]

    def nullable_results(self, handle: str) -> bool:
        """Whether some function may give no `handle` (NULL): its class needs orNull()."""
        for fn in self.api.functions:
            if lower.made(fn) != handle:
                continue
            if fn.returns_handle and fn.returns.nullable:
                return True
            if any(p.role == "out_handle" and p.nullable for p in fn.params):
                return True
        return False

    def kept_fields(self, handle: str) -> list[tuple[str, str]]:
        return [(t, f) for fn in self.api.functions_of(handle) for t, f, _ in self.kept(fn)]

    def retained_args(self, params: list[JParam], handle: str) -> list[str]:
        """What a function that creates `handle` passes for each retained field (`this`
        for a method's retained receiver)."""
        def arg(jp: JParam) -> str:
            return "this" if jp.to_native == "ptrThis" else jp.name
        return [next((arg(jp) for jp in params if jp.p.retained and jp.name == f), "null")
                for _, f in self.retained_fields(handle)]

    def thread_doc(self, h: ir.Handle) -> str:
        return thread_doc(h.serial, "thread", "{@link #close}", "throw the closed status")

    def closed_message(self, cls: str) -> str:
        """The closed message of the handle whose Java class is `cls`."""
        return next(h.closed_message for h in self.api.handles if self.type_name(h.name) == cls)

    @property
    def float_constants(self) -> list[ir.Constant]:
        """The constants Java reads from C (a JNI function each, named as in C)."""
        return [c for c in self.api.constants if c.kind == "float"]

    @property
    def error_text(self) -> str:
        """The C expression of a failure's message: the library's message function,
        else the status's C name."""
        if self.error_enum and self.error_enum.message:
            return f"{self.error_enum.message}()"
        return "pj_status_name(status)"

    def error_message(self, fn: ir.Function) -> str:
        """The C expression of the message when `fn` fails: the library's, else the C
        function's name (the status is in the exception already)."""
        if self.error_enum and self.error_enum.message:
            return self.error_text
        return f'"{fn.name} failed"'

    def float_constant_symbol(self, c: ir.Constant) -> str:
        return "Java_" + jni_mangle(f"{self.package}.{self.jni_class}") + "_" + jni_mangle(c.name)

    def file(self, cls: str) -> str:
        return f"src/main/java/{self.package_path}/{cls}.java"

    # ---- docs --------------------------------------------------------------
    def _doc_name_table(self) -> dict[str, str]:
        """C identifier -> how Javadoc names it."""
        names = {}
        for c in self.api.constants:
            names[c.name] = f"{self.api_class}.{self.constant(c.name)}"
        for e in self.api.enums:
            names[e.name] = self.type_name(e.name)
            for m in e.members:
                names[m.name] = f"{self.type_name(e.name)}.{self.member(e, m.name)}"
        for h in self.api.handles:
            names[h.name] = self.type_name(h.name)
        for fn in self.api.functions:
            if fn.kind == "deallocator":
                continue
            if fn.kind == "function":
                names[fn.name] = f"{self.api_class}.{self.method_name(fn)}"
            elif fn.kind == "destructor":
                names[fn.name] = f"{self.type_name(fn.handle)}.close"
            elif self.is_constructor(fn):
                names[fn.name] = f"new {self.type_name(fn.handle)}"
            else:
                names[fn.name] = f"{self.type_name(fn.handle)}.{self.method_name(fn)}"
        return names

    def text(self, text: str) -> str:
        """Doc text as Javadoc: HTML escaped, C names turned into Java ones in {@code}."""
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        text = text.replace("@", "&#64;").replace("*/", "*&#47;")

        def repl(m: re.Match) -> str:
            if m.group(1):     # a quoted C name is a string value: keep it
                return "{@code " + m.group(1) + "}"
            name = self._doc_names.get(m.group(2), m.group(2))
            return "{@code " + name + (m.group(3) or "") + "}"
        names = r"(?:%s|%s)\w+" % (re.escape(self.cfg.prefix), re.escape(self.cfg.prefix.upper()))
        if not self.cfg.prefix:   # no prefix tells C names apart: the declared ones, whole words
            api = self.api
            declared = [*self._doc_names, *(c.name for c in api.constants),
                        *(m.name for e in api.enums for m in e.members)]
            names = "(?:%s)\\b" % "|".join(sorted(map(re.escape, declared), key=len, reverse=True)) \
                if declared else r"(?!)"
        return re.sub(rf'("{names}")|\b({names})(\(\))?', repl, text)

    def javadoc(self, text: str, indent: str = "", tags: list[str] = ()) -> str:
        """A whole /** ... */ block: paragraphs (the later ones opened by <p>), then tags."""
        lead = indent + " * "

        def wrap(t: str) -> str:
            # keep each {@code ...} on one line (its spaces are not break points)
            t = re.sub(r"\{@code [^}]*\}", lambda m: m.group(0).replace(" ", "\0"), t)
            return comment(t, lead).replace("\0", " ")
        paras = [para for para in text.split("\n\n") if para.strip()]
        blocks = [wrap(("<p>" if i else "") + para) for i, para in enumerate(paras)]
        if tags:
            blocks.append("\n".join(wrap(t) for t in tags))
        return f"{indent}/**\n" + f"\n{lead.rstrip()}\n".join(blocks) + f"\n{indent} */"

    def throws_text(self, fn: ir.Function) -> str:
        """The @throws text: the failures the return doc lists, and the closed case."""
        parts = []
        if fn.throws:
            parts = [s.strip() for s in fn.returns.doc.split(";")]
            parts = [s for s in parts if s and s.rstrip(".") != self.ok]
        if fn.returns.error_if_null:
            parts.append(f"{fn.returns.null_status} when the call fails")
        if any(p.role == "handle" for p in fn.params) and self.error_enum.closed:
            parts.append(f"{self.error_enum.closed} if a closed object is used")
        return self.text("; ".join(p.rstrip(".") for p in parts))

    # ---- types -------------------------------------------------------------
    def _out_handle(self, p: ir.Param) -> str:
        return p.type.pointee.pointee.name

    def scalar(self, t: ir.Type, coord: str) -> tuple[str, str]:
        if t.kind == "enum":
            return self.type_name(t.name), "jint"
        if t.kind == "scalar" and t.name in SCALARS:
            return SCALARS[t.name]
        raise BindgenError(coord, f"java: no Java type for C type '{t.c}'")

    def element(self, p: ir.Param, coord: str) -> tuple[str, str]:
        """(Java primitive, C element type) of an array parameter."""
        c = p.type.pointee.name
        if c not in ARRAY_ELEMENTS:
            raise BindgenError(coord, f"java: arrays of '{c}' are not supported ({p.name})")
        return ARRAY_ELEMENTS[c], ("uint8_t" if c == "void" else c)

    # ---- functions ---------------------------------------------------------
    def has_float_array(self, fn: ir.Function) -> bool:
        return any(p.role in ("array_in", "array_out") and p.type.pointee.name == "float"
                   for p in fn.params)

    @property
    def bound_functions(self) -> list[ir.Function]:
        """The functions with a native method (deallocators are only called by the glue)."""
        return [fn for fn in self.api.functions if fn.kind != "deallocator"]

    @property
    def text_arrays(self) -> bool:
        """Whether some function returns a char buffer as text (the glue needs pj_string_n)."""
        return any(p.role == "array_out" and p.type.pointee.name == "char"
                   for fn in self.api.functions for p in fn.params)

    def variants(self, fn: ir.Function) -> list[JFunction]:
        out = [self.function(fn, direct=False)]
        if self.has_float_array(fn) and fn.kind != "destructor":
            out.append(self.function(fn, direct=True))
        return out

    def param(self, fn: ir.Function, p: ir.Param, direct: bool, counts: dict[str, lower.Count]) -> JParam:
        jp = JParam(p=p, role=p.role, name=safe(camel(p.name)), jni="j_" + p.name,
                    c="c_" + p.name, ctype=p.type.c, doc=p.doc)
        role = p.role
        if role == "value":
            jp.java_type, jp.jni_type = self.scalar(p.type, fn.coord)
            if p.type.kind == "enum":
                jp.native_type, jp.to_native = "int", f"{jp.name}.value()"
            else:
                jp.native_type, jp.to_native = jp.java_type, jp.name
        elif role == "handle":
            jp.java_type, jp.native_type, jp.jni_type = self.type_name(p.type.pointee.name), "long", "jlong"
            jp.to_native = "ptr" + jp.name[0].upper() + jp.name[1:]   # borrowed before the call
            jp.borrow = (f"if ({jp.name} != null) {jp.to_native} = {jp.name}.borrow();" if p.nullable
                         else f"{jp.to_native} = {jp.name}.borrow();")
            jp.give_back = f"{jp.name}.giveBack();"
        elif role == "string":
            jp.java_type, jp.native_type, jp.jni_type = "String", "byte[]", "jbyteArray"
            jp.to_native = f'{self.jni_class}.cstr({jp.name}, "{jp.name}", {str(p.nullable).lower()})'
        elif role == "capacity" and p.name in counts:
            jp.role = "count"   # the direct buffers' remaining() is the capacity
        elif role == "capacity":
            jp.java_type = jp.native_type = jp.to_native = "long"
            jp.jni_type, jp.to_native = "jlong", jp.name
        elif role in ("array_in", "array_out", "array_inout"):
            jp.elem, jp.elem_c = self.element(p, fn.coord)
            jp.direct = direct and jp.elem_c == "float"
            jp.critical = not fn.blocking
            if jp.direct:
                jp.java_type = jp.native_type = "FloatBuffer"
                jp.jni_type = "jobject"
                jp.to_native = (f"{self.jni_class}.direct({jp.name}, \"{jp.name}\", "
                                f"{str(role == 'array_out').lower()})")
            elif role in ("array_in", "array_inout"):
                jp.java_type = jp.native_type = jp.elem + "[]"
                jp.jni_type = f"j{jp.elem}Array"
                jp.to_native = f'Objects.requireNonNull({jp.name}, "{jp.name}")'
            else:
                jp.native_type = jp.elem + "[]"
                jp.jni_type = f"j{jp.elem}Array"
                if jp.elem_c == "char":   # text: cut at length, else at the first NUL
                    jp.native_type, jp.jni_type = "String", "jstring"
                jp.alloc = self.alloc(fn, lower.size(fn, p))
        elif role == "out_handle":
            jp.native_type, jp.jni_type = "long", "jlong"
            jp.java_type = self.type_name(self._out_handle(p))
        elif role in ("out_value", "inout_value") and p.type.pointee.kind == "struct":
            jp.java_type = jp.native_type = self.type_name(p.type.pointee.name)
            jp.jni_type, jp.struct = "jobject", p.type.pointee.name
            if role == "inout_value":
                jp.to_native = f'Objects.requireNonNull({jp.name}, "{jp.name}")'
        elif role in ("out_value", "inout_value"):
            jp.java_type, jp.jni_type = self.scalar(p.type.pointee, fn.coord)
            enum = p.type.pointee.kind == "enum"
            jp.native_type = "int" if enum else jp.java_type
            if enum:
                jp.wrap = f"{jp.java_type}.fromValue({{}})"
            if role == "inout_value":
                jp.to_native = f"{jp.name}.value()" if enum else jp.name
        elif role == "out_string":
            jp.java_type = jp.native_type = "String"
            jp.jni_type = "jstring"
        elif role == "struct":
            st = p.type.pointee if p.type.kind == "pointer" else p.type
            jp.java_type = jp.native_type = self.type_name(st.name)
            jp.jni_type, jp.struct = "jobject", st.name
            jp.to_native = jp.name if p.nullable else f'Objects.requireNonNull({jp.name}, "{jp.name}")'
        elif role == "callback":
            jp.java_type = jp.native_type = self.type_name(p.type.name)
            jp.jni_type = "jobject"
            jp.to_native = jp.name if p.nullable else f'Objects.requireNonNull({jp.name}, "{jp.name}")'
        elif role == "user_data":
            pass
        elif role in ("count", "length"):
            pass
        else:
            raise BindgenError(fn.coord, f"java: parameter role '{role}' is not supported ({p.name})")
        return jp

    def callback_param_types(self, cb: ir.Callback) -> list[tuple[ir.Param, str, str]]:
        """(param, Java type, JNI signature) of what the Java method of a callback receives."""
        out = []
        for p in cb.params:
            if p.role == "value":
                java, _ = self.scalar(p.type, cb.coord)
                sig = (f"L{self.package_path}/{java};" if p.type.kind == "enum"
                       else JNI_SIGS[java])
            elif p.role == "string":
                java, sig = "String", "Ljava/lang/String;"
            elif p.role == "array_in":
                elem, _ = self.element(p, cb.coord)
                java, sig = elem + "[]", "[" + JNI_SIGS[elem]
            elif p.role == "struct":
                java, sig = self.value_type(p.type.pointee if p.type.kind == "pointer" else p.type, cb.coord)
            elif p.role in ("count", "user_data"):
                continue
            else:
                raise BindgenError(cb.coord, f"java: callback parameters of role {p.role} "
                                             "are not supported yet")
            out.append((p, java, sig))
        return out

    def callback_return(self, cb: ir.Callback) -> tuple[str, str, str]:
        """(Java type, JNI signature, Call<X>Method kind) of a callback's result."""
        t = cb.returns.type
        if t.kind == "scalar" and t.name == "void":
            return "void", "V", "Void"
        java, _ = self.scalar(t, cb.coord)
        if t.kind == "enum":
            return java, f"L{self.package_path}/{java};", "Object"
        return java, JNI_SIGS[java], java.capitalize()

    def callback_param_name(self, p: ir.Param) -> str:
        return safe(camel(p.name))

    def callback_tags(self, cb: ir.Callback) -> list[str]:
        tags = [f"@param {self.callback_param_name(p)} {self.text(p.doc) or p.name}"
                for p, _, _ in self.callback_param_types(cb)]
        if self.callback_return(cb)[0] != "void":
            tags.append(f"@return {self.text(cb.returns.doc) or 'the result'}")
        return tags

    def callback_signature(self, cb: ir.Callback) -> str:
        args = "".join(sig for _, _, sig in self.callback_param_types(cb))
        return f"({args}){self.callback_return(cb)[1]}"

    def callback_enums(self, cb: ir.Callback) -> list[str]:
        """The enum classes (JNI names) a callback's glue converts with: params, then the result."""
        types = [p.type for p in cb.params if p.role == "value"] + [cb.returns.type]
        out = []
        for t in types:
            name = f"{self.package_path}/{self.type_name(t.name)}"
            if t.kind == "enum" and name not in out:
                out.append(name)
        return out

    def enum_index(self, cb: ir.Callback, t: ir.Type) -> int:
        return self.callback_enums(cb).index(f"{self.package_path}/{self.type_name(t.name)}")

    # ---- structs -----------------------------------------------------------
    def field_name(self, f: ir.Field) -> str:
        return safe(camel(f.name))

    def value_type(self, t: ir.Type, coord: str) -> tuple[str, str]:
        """(Java type, JNI signature) of a struct field or callback argument."""
        if t.kind == "struct":
            java = self.type_name(t.name)
            return java, f"L{self.package_path}/{java};"
        java, _ = self.scalar(t, coord)
        if t.kind == "enum":
            return java, f"L{self.package_path}/{java};"
        return java, JNI_SIGS[java]

    def struct_fields(self, s: ir.Struct) -> list[tuple[ir.Field, str, str]]:
        """(field, Java type, JNI signature) in C order."""
        return [(f, *self.value_type(f.type, s.coord)) for f in s.fields]

    def struct_tags(self, s: ir.Struct) -> list[str]:
        return [f"@param {self.field_name(f)} {self.text(f.doc) or f.name}" for f in s.fields]

    def struct_ctor_sig(self, s: ir.Struct) -> str:
        return "(" + "".join(sig for _, _, sig in self.struct_fields(s)) + ")V"

    @property
    def jni_classes(self) -> list[tuple[str, str]]:
        """(C variable, JNI class name) of the classes the struct glue needs on any thread,
        looked up once in JNI_OnLoad: every struct and every enum a struct field has."""
        out = {}
        for s in self.api.structs:
            out[f"pj_class_{s.name}"] = f"{self.package_path}/{self.type_name(s.name)}"
            for f in s.fields:
                if f.type.kind == "enum":
                    out[f"pj_class_{f.type.name}"] = f"{self.package_path}/{self.type_name(f.type.name)}"
        return list(out.items())

    def jvalue_letter(self, sig: str) -> str:
        return "l" if sig[0] in "L[" else sig.lower()

    def call_kind(self, sig: str) -> str:
        """Call<Kind>Method for a JNI signature."""
        return "Object" if sig[0] in "L[" else {v: k for k, v in JNI_SIGS.items()}[sig].capitalize()

    @property
    def stored_callbacks(self) -> bool:
        return any(p.role == "callback" and p.scope == "stored"
                   for fn in self.api.functions for p in fn.params)

    def glue(self, jp: JParam) -> None:
        """The parameter's native declaration, JNI arguments and C argument."""
        role = jp.role
        if jp.direct:
            pos, count = jp.name + "Position", jp.name + "Count"
            jp.native_decl = f"FloatBuffer {jp.name}, long {pos}, long {count}"
            jp.to_native += f", {jp.name}.position(), {jp.name}.remaining()"
            jp.jni_decl = f"jobject {jp.jni}, jlong {jp.jni}_pos, jlong {jp.jni}_count"
        elif jp.native_type and role not in ("out_handle", "out_value", "array_out", "inout_value",
                                                           "out_string"):
            jp.native_decl = f"{jp.native_type} {jp.name}"
            jp.jni_decl = f"{jp.jni_type} {jp.jni}"
        if role == "inout_value":
            jp.native_decl = f"{jp.native_type} {jp.name}"
            jp.jni_decl = f"{jp.jni_type} {jp.jni}"
        if jp.out_array:
            decl = f"{jp.native_type}[] {jp.out_array}"
            jp.native_decl = ", ".join(d for d in (jp.native_decl, decl) if d)
            array = "jobjectArray" if jp.role == "out_string" else f"j{jp.native_type}Array"
            jni = f"{array} {jp.jni}_out"
            jp.jni_decl = ", ".join(d for d in (jp.jni_decl, jni) if d)
        if role in ("value", "capacity"):
            jp.c_arg = f"({jp.ctype}){jp.jni}"
        elif role == "handle":
            jp.c_arg = f"({jp.ctype})(intptr_t){jp.jni}"
        elif role in ("string", "array_in", "array_out", "array_inout"):
            jp.c_arg = jp.c
        elif role == "struct":
            if jp.p.type.kind != "pointer":
                jp.c_arg = jp.c
            else:
                jp.c_arg = f"{jp.jni} != NULL ? &{jp.c} : NULL" if jp.p.nullable else "&" + jp.c
        elif role == "callback":
            jp.c_arg = f"{jp.c} != NULL ? pj_call_{jp.p.type.name} : NULL"
        elif role == "user_data":
            jp.c_arg = f"(void *){jp.c}"
        elif role == "count":
            jp.c_arg = f"({jp.ctype}){jp.count_of}"
        else:
            jp.c_arg = "&" + jp.c
        if role in ("count", "capacity") and jp.p.type.kind == "pointer":
            # C reads the size and writes the count back: a local passed by address
            t = jp.p.type.pointee.c
            jp.size_local = f"{t} {jp.c} = ({t}){jp.count_of if role == 'count' else jp.jni};"
            jp.c_arg = "&" + jp.c

    def checks(self, params: list[JParam], counts: dict[str, lower.Count]) -> list[tuple[str, str]]:
        """What the Java method checks before the native call: arrays sharing a count are
        equally long, capacities and other size_t values are not negative (C would read a
        huge size). Unsigned fixed-width integers pass their bits, as Java's own unsigned
        arithmetic (Integer.toUnsignedLong) reads them."""
        out = []
        by_name = {jp.p.name: jp for jp in params}

        def size(jp: JParam) -> str:
            return f"{jp.name}.remaining()" if jp.direct else f"{jp.name}.length"
        for jp in params:
            if jp.role == "capacity" or (jp.role == "value" and jp.p.type.name == "size_t"):
                out.append((f"{jp.name} < 0", f"{jp.name} must not be negative"))
            if jp.role != "count":
                continue
            first = by_name[counts[jp.p.name].source.name]
            for other in (by_name[x.name] for x in counts[jp.p.name].same):
                out.append((f"{size(other)} != {size(first)}",
                            f"{other.name} must be as long as {first.name}"))
        return out

    def alloc(self, fn: ir.Function, size: lower.Size) -> str:
        """The C expression of how many elements to allocate for an array_out."""
        if size.kind == "call":
            return f"{size.value}({', '.join(self.c_arg(fn, fn.param(a)) for a in size.args)})"
        if size.kind in ("number", "constant"):
            return size.value
        if size.kind == "array":     # as long as the [in] array sharing its count
            return f"n_{size.value}"
        return f"(size_t)j_{size.value}"

    @staticmethod
    def c_arg(fn: ir.Function, p: ir.Param) -> str:
        """How the JNI glue passes a value, handle or [in] array's count param to an alloc=
        function (alloc= takes only those: parse.py), before any local is declared."""
        if p.role == "handle":
            return f"({p.type.c})(intptr_t)j_{p.name}"
        if p.role == "count":
            src = lower.counts(fn)[p.name].source.name
            return f"({p.type.c})(j_{src} != NULL ? (*env)->GetArrayLength(env, j_{src}) : 0)"
        return f"({p.type.c})j_{p.name}"

    def function(self, fn: ir.Function, direct: bool) -> JFunction:
        # the direct variant takes float [out] arrays as the caller's buffers
        counts = lower.counts(fn, {p.name for p in fn.params if direct and p.role == "array_out"
                                   and p.type.pointee.name == "float"})
        params = [self.param(fn, p, direct, counts) for p in fn.params]
        by_name = {jp.p.name: jp for jp in params}
        outputs = [jp for jp in params if jp.role in ("out_handle", "out_value", "inout_value", "out_string")
                   or (jp.role == "array_out" and not jp.direct)]
        if len(outputs) > 1:
            # several scalar outputs: each comes back through a 1-element array, and
            # the method returns them as a record
            if any(jp.role not in ("out_value", "inout_value", "out_string") or jp.struct
                   or jp.p.type.pointee.kind == "struct" for jp in outputs):
                raise BindgenError(fn.coord, "java: several outputs other than scalars are not supported")
            for jp in outputs:
                jp.out_array = jp.name + "Out"
        callbacks = any(jp.role == "callback" for jp in params)
        for jp in params:
            if callbacks or self.stored_callbacks:
                # Java may run during the call (a stored callback can be called by any
                # function): no critical regions
                jp.critical = False
            if jp.role == "user_data":
                jp.c = by_name[lower.callback_of(fn, jp.p).name].c
            if jp.role == "count":
                jp.count_of = f"n_{counts[jp.p.name].source.name}"
            self.glue(jp)
            if jp.out_array:
                jp.to_native = ", ".join(x for x in (jp.to_native, jp.out_array) if x)
        # the receiver of a method, then what the caller passes (direct out arrays included)
        receiver = params[0] if lower.receiver(fn) else None
        if receiver is not None and fn.kind == "method":
            serial = lower.locks(self.api, fn, receiver.p)
            receiver.to_native = "ptrThis"
            receiver.borrow = f"ptrThis = {'enter' if serial else 'borrow'}();"
            receiver.give_back = f"{'leave' if serial else 'giveBack'}();"
        visible = [jp for jp in params if jp is not receiver and (
            jp.role in ("value", "handle", "string", "array_in", "array_inout", "inout_value", "capacity",
                        "callback", "struct")
            or (jp.role == "array_out" and jp.direct))]
        native_args = ([receiver] if receiver else []) + [
            jp for jp in params if jp is not receiver and (jp in visible or jp.out_array)]
        checks = self.checks(params, counts)
        result = outputs[0] if len(outputs) == 1 else None
        record = pascal(fn.short_name) + "Result" if len(outputs) > 1 else ""
        returns_length = ""
        if direct and result is None:
            lengths = [by_name[a.p.length] for a in params if a.direct and a.role == "array_out" and a.p.length]
            returns_length = lengths[0].c if lengths else ""

        ret = fn.returns
        jret, native_ret, jni_ret, wrap = "void", "void", "void", "{}"
        if record:
            jret = record
        elif result is not None:
            jret, native_ret, jni_ret = result.java_type, result.native_type, result.jni_type
            if result.role == "array_out":
                jret = result.native_type
            elif result.role == "out_handle":
                jret = result.java_type
                args = self.retained_args(params, self._out_handle(result.p))
                make = f"{jret}.orNull(" if result.p.nullable else f"new {jret}("
                wrap = make + ", ".join(["{}"] + args) + ")"
            elif result.p.type.pointee.kind == "enum":
                wrap = f"{result.java_type}.fromValue({{}})"
        elif returns_length:
            jret, native_ret, jni_ret = "long", "long", "jlong"
        elif fn.throws or ret.type.kind == "scalar" and ret.type.name == "void":
            pass
        elif ret.type.kind == "struct":
            jret = native_ret = self.type_name(ret.type.name)
            jni_ret = "jobject"
        elif fn.returns_handle:
            jret, native_ret, jni_ret = self.type_name(ret.type.pointee.name), "long", "jlong"
            args = self.retained_args(params, ret.type.pointee.name)
            make = f"{jret}.orNull(" if ret.nullable else f"new {jret}("
            wrap = make + ", ".join(["{}"] + args) + ")"
        elif ret.type.kind == "pointer" and ret.type.pointee.name == "char":
            jret = native_ret = "String"
            jni_ret = "jstring"
        elif ret.type.kind == "enum":
            jret, jni_ret = self.scalar(ret.type, fn.coord)
            native_ret, wrap = "int", f"{jret}.fromValue({{}})"
        else:
            jret, jni_ret = self.scalar(ret.type, fn.coord)
            native_ret = jret

        handles = [jp for jp in params if jp.role == "handle"]
        ctor = self.is_constructor(fn)
        form = ("close" if fn.kind == "destructor" else "constructor" if ctor
                else "method" if fn.kind == "method" else "static")
        fences = [("this" if jp is receiver else jp.name) for jp in handles
                  if not (ctor and jp.p.retained)]
        native_name = fn.name + ("_direct" if direct else "")
        if direct and any(f.name == native_name for f in self.api.functions):
            raise BindgenError(fn.coord, f"java: {native_name} collides with a C function")
        jf = JFunction(
            fn=fn, direct=direct, form=form, java_name=self.method_name(fn), native_name=native_name,
            jni_symbol="Java_" + jni_mangle(f"{self.package}.{self.jni_class}") + "_" + jni_mangle(native_name),
            params=params, visible=visible, native_args=native_args, java_return=jret,
            native_return=native_ret, jni_return=jni_ret, wrap=wrap, result=result,
            throws=fn.throws or ret.error_if_null or bool(handles), fences=fences,
            doc="", null_status=ret.null_status or "",
            returns_length=returns_length, record=record, checks=checks, outputs=outputs if record else [])
        if ctor:
            jf.retained_args = self.retained_args(params, fn.handle)
        jf.keeps = [(f, p) for _, f, p in self.kept(fn)]
        jf.doc, jf.tags = self.function_doc(jf)
        return jf

    def function_doc(self, jf: JFunction) -> tuple[str, list[str]]:
        fn = jf.fn
        lines = [self.text(fn.doc.text)]
        if jf.direct:
            lines.append("This overload works on direct {@code FloatBuffer}s in native byte order "
                         "without copying: it uses the {@code remaining()} elements from the "
                         "buffer's position, and leaves the position unchanged.")
        tags = []
        for jp in jf.visible:
            tags.append(f"@param {jp.name} {self.text(jp.doc) or jp.name}")
        if jf.form == "constructor":
            pass
        elif jf.result is not None:
            tags.append(f"@return {self.text(jf.result.doc) or 'the result'}")
        elif jf.record:
            tags.append("@return " + ", ".join(f"{{@code {o.name}}}" for o in jf.outputs))
            jf.record_tags = [f"@param {o.name} {self.text(o.doc) or o.name}" for o in jf.outputs]
        elif jf.returns_length:
            tags.append("@return the number of elements written")
        elif jf.java_return != "void":
            tags.append(f"@return {self.text(fn.returns.doc) or 'the result'}")
        if jf.throws:
            tags.append(f"@throws {self.error_class} {self.throws_text(fn) or 'on failure'}")
        return "\n\n".join(lines), tags


def files(api: ir.API, cfg, env, single: dict[str, str]) -> dict[str, str | bytes]:
    support.require(api, "java")  # new IR constructs fail clearly, see support.py
    j = JavaOracle(api, cfg)
    ctx = dict(api=api, j=j)
    out: dict[str, str | bytes] = {}

    def render(template: str, **extra) -> str:
        return env.get_template(f"java/{template}").render(**ctx, **extra)

    out[j.file(j.api_class)] = render("api.java.j2")
    if api.error_enum:
        out[j.file(j.error_class)] = render("error.java.j2")
    out[j.file(j.jni_class)] = render("jni.java.j2")
    if api.handles:
        out[j.file("NativeHandle")] = render("native_handle.java.j2")
    for e in api.enums:
        out[j.file(j.type_name(e.name))] = render("flags.java.j2" if e.flags else "enum.java.j2", enum=e)
    for h in api.handles:
        out[j.file(j.type_name(h.name))] = render("handle.java.j2", handle=h)
    for cb in api.callbacks:
        out[j.file(j.type_name(cb.name))] = render("callback.java.j2", cb=cb)
    for s in api.structs:
        out[j.file(j.type_name(s.name))] = render("struct.java.j2", struct=s)
    out[f"src/main/c/{j.library}.c"] = render("jni.c.j2")
    for name, text in single.items():
        out[f"src/main/c/{name}"] = text
    out["build.sh"] = render("build.sh.j2", libraries=cfg.libraries,
                             csources=["src/main/c/" + n for n in sorted(single) if n.endswith(".c")],
                             links=" ".join("-l" + lib for lib in ["m", *cfg.libraries]))
    out["README.md"] = render("README.md.j2")
    for name, data in cfg.testdata_files().items():
        out[f"src/test/resources/{name}"] = data
    out.update(project_files(cfg, env, "java", ctx))
    # a Main-Class the jar lacks would only fail at `java -jar`, on the user's machine
    if j.main_class and f"src/main/java/{j.main_class.replace('.', '/')}.java" not in out:
        source = f"src/main/java/{j.main_class.replace('.', '/')}.java"
        raise BindgenError(str(cfg.file), f"[java] main_class = {j.main_class!r}: the package has no such "
                                          f"class ({source}; a project template can add it)")
    return out
