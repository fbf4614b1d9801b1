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
The last-error function (<prefix>last_error) is not exported: the binding
reads it right after a failing call, on the same OS thread.
"""
from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field

from . import ir, names
from .annotations import BindgenError

# Words Go spells in capitals inside identifiers.
INITIALISMS = {"abi", "api", "cpu", "gpu", "id", "io", "ok", "onnx", "rgb", "url", "utf8", "json"}

# Go keywords, predeclared names and what the generated code itself uses:
# parameters with these names are renamed.
RESERVED = set("""break case chan const continue default defer else fallthrough for func go goto
if import interface map package range return select struct switch type var
any bool byte error false float32 float64 int int8 int16 int32 int64 iota len make new nil
rune string true uint uint8 uint16 uint32 uint64 uintptr cap append copy C unsafe runtime
fmt lastError""".split())

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

    @property
    def handles(self) -> list[Arg]:
        return [a for a in self.args if a.p.role == "handle"]

    def role(self, *roles: str) -> list[Arg]:
        return [a for a in self.args if a.p.role in roles]

    @property
    def params_decl(self) -> str:
        visible = {id(p) for p in self.f.visible_params}
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
        self.err = api.error_enum
        if self.err is None:
            raise BindgenError(api.header, "go: the header needs an @errors enum")
        self.last_error = self._find(api.prefix + "last_error")
        self.functions = [f for f in api.functions if f is not self.last_error]
        self.func_names = {f.name: self._func_name(f) for f in self.functions}
        self.const_names = {c.name: self._const_name(c) for c in api.constants}
        self.fns = {f.name: self._fn(f) for f in self.functions if f.kind != "destructor"}
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
        return self.type_name(enum.name) + exported(self.strip(name))

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
        raise ValueError(t.c)

    def c_type(self, t: ir.Type) -> str:
        """The cgo spelling of a C type."""
        if t.kind == "scalar":
            return "C." + SCALARS[t.name][1]
        if t.kind in ("enum", "handle"):
            return "C." + t.name
        if t.kind == "pointer":
            return "*" + self.c_type(t.pointee)
        raise ValueError(t.c)

    def to_c(self, t: ir.Type, expr: str) -> str:
        return f"{self.c_type(t)}({expr})"

    def to_go(self, t: ir.Type, expr: str) -> str:
        if t.kind == "pointer":  # only strings come back as pointers (checked in _fn)
            return f"C.GoString({expr})"
        return f"{self.go_type(t)}({expr})"

    def zero(self, go_type: str) -> str:
        if go_type.startswith(("*", "[]")):
            return "nil"
        return {"string": '""', "bool": "false"}.get(go_type, "0")

    # ---- functions ---------------------------------------------------------

    def _fn(self, f: ir.Function) -> Fn:
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
        for a in args:
            p, t = a.p, a.p.type
            try:
                if p.role == "value":
                    a.go_type, a.expr = self.go_type(t), self.to_c(t, a.go)
                elif p.role == "handle":
                    a.go_type, a.expr = self.go_type(t), a.c
                elif p.role == "string":
                    a.go_type, a.expr = "string", a.c
                elif p.role in ("array_in", "array_out"):
                    elem = ELEMENTS[t.pointee.name]
                    a.go_type = "[]" + elem
                    data = f"unsafe.Pointer(unsafe.SliceData({a.go}))"
                    a.expr = data if t.pointee.name == "void" else f"({self.c_type(t)})({data})"
                    if p.role == "array_out":
                        a.result = f"{a.go}[:{by_name[p.length].c}]" if p.length else a.go
                elif p.role == "count":
                    arr = next(x for x in args if x.p.count == p.name)
                    a.expr = self.to_c(t, f"len({arr.go})")
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
                    a.keep = [x.go for x in args if x.p.retained]
                    a.result = f"{self.wrap(h)}({', '.join([a.c, *a.keep])})"
                else:
                    fail(f"'{p.name}': role {p.role} is not supported")
            except (KeyError, ValueError):
                fail(f"'{p.name}': type {t.c} is not supported")
        for a in [a for a in args if a.p.role == "array_out"]:  # after every expr is known
            a.alloc = self._alloc(a.p, by_name, fail)
        outs = [by_name[p.name] for p in f.outputs]
        rt = f.returns.type
        results = [a.go_type for a in outs]
        returns = [a.result for a in outs]
        ret_type = ""
        if not f.throws and not (rt.kind == "scalar" and rt.name == "void"):
            if rt.kind == "pointer" and f.returns.ownership == "owned":
                fail("owned pointer results are not supported")
            try:
                results.append(self.go_type(rt))
            except ValueError:
                fail(f"result type {rt.c} is not supported")
            if results[-1].startswith("*"):
                fail("handle results are not supported")
            returns.append(self.to_go(rt, "ret"))
            ret_type = rt.c
        locks = f.throws or f.returns.error_if_null
        fails = locks or any(a.p.role == "handle" for a in args)
        zeros = "".join(self.zero(t) + ", " for t in results)
        if fails:
            results.append("error")
        null_status = f.returns.null_status or ""
        return Fn(f, self.func_names[f.name], receiver, args, results, returns, zeros,
                  fails, locks, ret_type, null_status)

    def _alloc(self, p: ir.Param, by_name: dict[str, Arg], fail) -> str:
        if p.alloc_call:
            callee = self.api.function(p.alloc_call["function"])
            if callee.throws or callee.returns.type.kind != "scalar":
                fail(f"alloc={callee.name}(): must return an integer and not fail")
            cargs = []
            for n in p.alloc_call["args"]:
                a = by_name[n]
                cargs.append(a.c if a.p.role == "handle" else a.expr)
            return f"int(C.{callee.name}({', '.join(cargs)}))"
        if p.alloc and p.alloc.isdigit():
            return p.alloc
        if p.alloc:
            return self.const_names[p.alloc]
        fail(f"[out] array '{p.name}' needs alloc=")

    @property
    def error_type(self) -> str:
        return self.type_name(self.err.name)

    def free_functions(self) -> list[Fn]:
        return [self.fns[f.name] for f in self.functions if f.kind == "function"]

    def factories(self, h: ir.Handle) -> list[Fn]:
        return [self.fns[f.name] for f in self.functions if f.kind == "factory" and f.handle == h.name]

    def methods(self, h: ir.Handle) -> list[Fn]:
        return [self.fns[f.name] for f in self.functions if f.kind == "method" and f.handle == h.name]

    def destructor(self, h: ir.Handle) -> ir.Function:
        return self.api.function(h.free)

    @staticmethod
    def quote(text: str) -> str:
        """A Go string literal (JSON's escapes are valid Go)."""
        return json.dumps(text)

    def const_value(self, c: ir.Constant) -> str:
        return self.quote(c.value) if c.kind == "string" else str(c.value)

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
        visible = {id(p) for p in f.visible_params}
        params = [(a.go, a.p.doc) for a in fn.args
                  if id(a.p) in visible and a is not fn.receiver and a.p.doc]
        outs = [(a.go_type, a.p.doc) for a in fn.args if a.p in f.outputs and a.p.doc]
        blocks = []
        if params:
            blocks += ["Parameters:", params]
        if outs:
            blocks += ["Results:", outs]
        if f.returns.doc:
            label = "Status" if f.throws else "Returns"
            blocks.append(f"{label}: {self.text(' '.join(f.returns.doc.split()))}")
        return self.doc(fn.go_name, f.doc, "func", extra=blocks + (extra or []))

    # ---- tests and the conformance runner ----------------------------------

    def uses(self) -> dict[str, str]:
        """Go names of the calls the tests and the conformance runner make.

        The runner protocol and the tests speak of these operations; they
        resolve here (not in templates) so a renamed C function fails loudly.
        """
        wanted = {
            "version": (None, "version"), "abi_version": (None, "abi_version"),
            "load_bytes": ("model", "load"), "load_file": ("model", "load_file"),
            "input_count": ("model", "input_count"), "output_count": ("model", "output_count"),
            "input_name": ("model", "input_name"), "output_name": ("model", "output_name"),
            "input_shape": ("model", "input_shape"), "output_shape": ("model", "output_shape"),
            "create_session": ("session", "create"), "set_threads": ("session", "set_threads"),
            "input_size": ("session", "input_size"), "output_size": ("session", "output_size"),
            "set_input": ("session", "set_input"), "run": ("session", "run"),
            "get_output": ("session", "get_output"),
        }
        out = {"Model": self.type_name(self.api.prefix + "model"),
               "Session": self.type_name(self.api.prefix + "session"),
               "Error": "Error", "Status": self.error_type}
        for key, (stem, short) in wanted.items():
            handle = self.api.prefix + stem if stem else None
            f = next((f for f in self.functions if f.handle == handle and f.short_name == short), None)
            if f is None:
                raise BindgenError(self.api.header, f"go: the tests need {handle or 'a function'} {short}")
            out[key] = self.func_names[f.name]
        for m in self.err.members:
            out[m.name] = self.member(m, self.err)
        out["ok"] = self.member(self.err.ok, self.err)
        out["closed"] = self.member(self.err.closed, self.err)
        for h in self.api.handles:
            out[self.strip(h.name) + "_closed_message"] = self.quote(h.closed_message)
        for c, go in self.const_names.items():
            out[c] = go
        if self.api.abi:
            out["abi_constant"] = self.const_names[self.api.abi["constant"]]
        return out


def files(api: ir.API, cfg, env, single: dict[str, str]) -> dict[str, str | bytes]:
    o = GoOracle(api, cfg)
    ctx = dict(api=api, o=o, g=o.uses(), package=o.package, module=o.module)
    out: dict[str, str | bytes] = {
        "go.mod": env.get_template("go/go.mod.j2").render(ctx),
        f"{o.package}.go": env.get_template("go/package.go.j2").render(ctx),
        f"{o.package}_test.go": env.get_template("go/package_test.go.j2").render(ctx),
        f"cmd/{api.name}-conformance/main.go": env.get_template("go/conformance.go.j2").render(ctx),
    }
    out.update(single)  # cgo compiles the .c files of the package directory
    for name, data in cfg.testdata_files().items():
        out[f"testdata/{name}"] = data
    return out
