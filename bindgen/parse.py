"""Parse an annotated C header into the IR (ir.API).

The header is read without a C preprocessor or system headers: a small
pre-pass keeps line numbers, collects doc comments and `#define` constants,
drops include guards, `#include <...>` and `#ifdef __cplusplus` blocks, and
prepends stub typedefs for the standard types. pycparser parses the rest.
Anything the IR cannot express is an error at `file:line`, never skipped.
"""
from __future__ import annotations

import re
from pathlib import Path

from pycparser import c_ast, c_parser
from pycparser.c_parser import ParseError

from . import ir
from .annotations import BindgenError, DocComment, parse_doc

_STUBS = "".join(f"typedef {base} {name};\n" for name, base in [
    ("size_t", "unsigned long"), ("int8_t", "signed char"), ("uint8_t", "unsigned char"),
    ("int16_t", "short"), ("uint16_t", "unsigned short"), ("int32_t", "int"),
    ("uint32_t", "unsigned int"), ("int64_t", "long"), ("uint64_t", "unsigned long"),
    ("bool", "_Bool")])
_STUB_NAMES = {"size_t", "int8_t", "uint8_t", "int16_t", "uint16_t", "int32_t",
               "uint32_t", "int64_t", "uint64_t", "bool"}

_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_DEFINE = re.compile(r"#\s*define\s+(\w+)(?:\s+(.*))?$")


class _Source:
    """The header after the pre-pass."""

    def __init__(self, text: str, filename: str):
        self.filename = filename
        self.docs: dict[int, tuple[str, int]] = {}   # line of the doc's end -> (raw, first line)
        self.trailing: dict[int, tuple[str, int]] = {}  # `/**<` comments by line
        self.constants: list[tuple[str, str, int]] = []
        self.lines = self._strip(text).split("\n")
        self.code = self._directives()

    def _strip(self, text: str) -> str:
        def blank(m: re.Match) -> str:
            raw = m.group(0)
            first = text.count("\n", 0, m.start()) + 1
            last = first + raw.count("\n")
            if raw.startswith("/**<"):
                self.trailing[first] = (raw, first)
            elif raw.startswith("/**") and raw != "/**/":
                self.docs[last] = (raw, first)
            return "\n" * raw.count("\n") if "\n" in raw else " "
        return _COMMENT.sub(blank, text)

    def _directives(self) -> str:
        out, skip_depth, depth = [], 0, 0
        for i, line in enumerate(self.lines, 1):
            s = line.strip()
            coord = f"{self.filename}:{i}"
            if s.startswith("#"):
                word = re.match(r"#\s*(\w*)", s).group(1)
                if word in ("if", "ifdef", "ifndef"):
                    depth += 1
                    if skip_depth == 0 and s.split()[-1] == "__cplusplus":
                        skip_depth = depth
                    elif not (word == "ifndef" and self._is_guard(i, s.split()[-1])):
                        raise BindgenError(coord, "conditional compilation is not supported "
                                                  "(only an include guard and __cplusplus blocks)")
                elif word == "endif":
                    if depth == skip_depth:
                        skip_depth = 0
                    depth -= 1
                elif skip_depth:
                    pass
                elif word == "define":
                    m = _DEFINE.match(s)
                    if m.group(2):
                        self.constants.append((m.group(1), m.group(2).strip(), i))
                elif word == "include":
                    if not re.match(r'#\s*include\s*<(stddef|stdint|stdbool)\.h>', s):
                        raise BindgenError(coord, "only <stddef.h>, <stdint.h> and <stdbool.h> "
                                                  "may be included")
                else:
                    raise BindgenError(coord, f"unsupported preprocessor directive '#{word}'")
                line = ""
            elif skip_depth:
                line = ""
            out.append(line)
        return "\n".join(out)

    def _is_guard(self, line: int, name: str) -> bool:
        """`#ifndef NAME` directly followed by `#define NAME`."""
        following = [ln.strip() for ln in self.lines[line:] if ln.strip()]
        return bool(following) and re.fullmatch(rf"#\s*define\s+{name}", following[0]) is not None

    def doc_before(self, line: int) -> tuple[str, int] | None:
        """The doc comment ending just above `line` (blank lines allowed)."""
        i = line - 1
        while i > 0 and i not in self.docs and not self.lines[i - 1].strip():
            i -= 1
        return self.docs.get(i)


def _coord(node: c_ast.Node) -> str:
    return f"{node.coord.file}:{node.coord.line}"


class _Parser:
    def __init__(self, text: str, filename: str, prefix: str, name: str):
        self.src = _Source(text, filename)
        self.filename = filename
        self.api = ir.API(name=name, prefix=prefix, header=filename, doc=self._file_doc(text))
        self.prefix = prefix
        self.enum_names: set[str] = set()
        self.handle_names: set[str] = set()

    def _file_doc(self, text: str) -> ir.Doc:
        m = re.match(r"\s*(/\*\*.*?\*/)", text, re.S)
        if not m:
            return ir.Doc()
        d = parse_doc(m.group(1), self.filename, 1)
        return ir.Doc(d.summary, d.body)

    def doc(self, line: int, required: bool, what: str) -> DocComment:
        found = self.src.doc_before(line)
        if not found:
            if required:
                raise BindgenError(f"{self.filename}:{line}", f"{what} has no doc comment")
            return DocComment()
        return parse_doc(found[0], self.filename, found[1])

    def run(self) -> ir.API:
        for name, value, line in self.src.constants:
            self.constant(name, value, line)
        try:
            ast = c_parser.CParser().parse(_STUBS + f'# 1 "{self.filename}"\n' + self.src.code,
                                           filename="<bindgen stubs>")
        except ParseError as e:
            raise BindgenError(str(e).split(": ")[0], str(e).split(": ", 1)[-1]) from None
        for node in ast.ext:
            if node.coord.file != self.filename:
                continue
            if isinstance(node, c_ast.Typedef):
                self.typedef(node)
            elif isinstance(node, c_ast.Decl) and isinstance(node.type, c_ast.FuncDecl):
                self.function(node)
            else:
                raise BindgenError(_coord(node), "only typedefs and function declarations are supported")
        self.link()
        return self.api

    # -- declarations ------------------------------------------------------

    def constant(self, name: str, value: str, line: int) -> None:
        coord = f"{self.filename}:{line}"
        if re.fullmatch(r'"[^"\\]*"', value):
            parsed: int | str = value[1:-1]
        elif re.fullmatch(r"-?(0x[0-9a-fA-F]+|\d+)[uUlL]*", value):
            parsed = int(value.rstrip("uUlL"), 0)
        else:
            raise BindgenError(coord, f"constant {name} must be an integer or string literal")
        d = self.doc(line, True, f"constant {name}")
        self.api.constants.append(ir.Constant(name, parsed, ir.Doc(d.summary, d.body), coord))

    def typedef(self, node: c_ast.Typedef) -> None:
        inner = node.type.type if isinstance(node.type, c_ast.TypeDecl) else None
        if isinstance(inner, c_ast.Enum):
            self.enum(node, inner)
        elif isinstance(inner, c_ast.Struct) and inner.decls is None:
            self.handle(node, inner)
        elif isinstance(inner, c_ast.Struct):
            raise BindgenError(_coord(node), f"struct {node.name}: structs with fields are not supported yet")
        else:
            raise BindgenError(_coord(node), f"typedef {node.name}: only enums and opaque structs are supported")

    def enum(self, node: c_ast.Typedef, enum: c_ast.Enum) -> None:
        d = self.doc(enum.coord.line, True, f"enum {node.name}")
        members, value = [], 0
        for e in enum.values.enumerators:
            if e.value is not None:
                value = self.const_int(e.value)
            trail = self.src.trailing.get(e.coord.line)
            md = parse_doc(trail[0], self.filename, trail[1]) if trail else \
                self.doc(e.coord.line, False, "")
            members.append(ir.EnumMember(e.name, value, ir.Doc(md.summary, md.body)))
            value += 1
        en = ir.Enum(node.name, members, ir.Doc(d.summary, d.body), _coord(enum))
        if d.errors is not None:
            names = {m.name for m in members}
            for key in ("ok", "closed"):
                if d.errors.get(key) not in names:
                    raise BindgenError(_coord(enum), f"@errors {key}= must name a member of {node.name}")
            en.is_error, en.ok, en.closed = True, d.errors["ok"], d.errors["closed"]
            if next(m.value for m in members if m.name == en.ok) != 0:
                raise BindgenError(_coord(enum), "@errors ok= must be the member whose value is 0")
        self.enum_names.add(node.name)
        self.api.enums.append(en)

    def const_int(self, node: c_ast.Node) -> int:
        if isinstance(node, c_ast.Constant) and node.type == "int":
            return int(node.value.rstrip("uUlL"), 0)
        if isinstance(node, c_ast.UnaryOp) and node.op == "-":
            return -self.const_int(node.expr)
        raise BindgenError(_coord(node), "enum values must be integer literals")

    def handle(self, node: c_ast.Typedef, struct: c_ast.Struct) -> None:
        d = self.doc(node.coord.line, True, f"handle {node.name}")
        if not d.handle:
            raise BindgenError(_coord(node), f"opaque struct {node.name} needs '@handle free=FUNCTION'")
        self.handle_names.add(node.name)
        self.api.handles.append(ir.Handle(node.name, d.handle["free"],
                                          ir.Doc(d.summary, d.body), _coord(node)))

    # -- types ---------------------------------------------------------------

    def lower(self, node: c_ast.Node) -> ir.Type:
        """One recursive match over the declarator kinds (cf. pycparser's cdecl.py)."""
        match node:
            case c_ast.TypeDecl(type=c_ast.IdentifierType(names=names)):
                name = " ".join(names)
                const = "const" in (node.quals or [])
                if name in ir.SCALARS or name in _STUB_NAMES:
                    return ir.Type("scalar", name, const)
                if name in self.enum_names:
                    return ir.Type("enum", name, const)
                if name in self.handle_names:
                    return ir.Type("handle", name, const)
                raise BindgenError(_coord(node), f"unknown type '{name}'")
            case c_ast.PtrDecl(type=inner):
                pointee = self.lower(inner)
                t = ir.Type("pointer", const=pointee.const, pointee=pointee)
                if pointee.kind == "pointer" and pointee.pointee.kind != "handle":
                    raise BindgenError(_coord(node), "pointers to pointers are only supported "
                                                     "for handle out-parameters")
                return t
            case c_ast.TypeDecl(type=c_ast.Struct() | c_ast.Union() | c_ast.Enum()):
                raise BindgenError(_coord(node), "use the typedef name, not struct/union/enum")
            case c_ast.FuncDecl():
                raise BindgenError(_coord(node), "function pointers are not supported")
            case c_ast.ArrayDecl():
                raise BindgenError(_coord(node), "array parameters are not supported; use a pointer and a count")
        raise BindgenError(_coord(node), f"unsupported declarator {type(node).__name__}")

    # -- functions -----------------------------------------------------------

    def function(self, node: c_ast.Decl) -> None:
        coord = _coord(node)
        name = node.name
        if not name.startswith(self.prefix):
            raise BindgenError(coord, f"function {name} lacks the prefix '{self.prefix}'")
        d = self.doc(node.coord.line, True, f"function {name}")
        fdecl = node.type
        args = fdecl.args.params if fdecl.args else []
        if any(isinstance(a, c_ast.EllipsisParam) for a in args):
            raise BindgenError(coord, f"{name}: variadic functions are not supported")
        params = []
        for a in args:
            t = self.lower(a.type)
            if a.name is None:
                if t.kind == "scalar" and t.name == "void":
                    continue
                raise BindgenError(_coord(a), f"{name}: every parameter needs a name")
            params.append((a, t))
        for pname in d.params:
            if pname not in {a.name for a, _ in params}:
                raise BindgenError(f"{self.filename}:{d.params[pname].line}",
                                   f"@param {pname}: {name} has no such parameter")
        fn_params = [self.param(name, a, t, d) for a, t in params]
        ret_t = self.lower(fdecl.type)
        rtag = d.returns
        attrs = rtag.attrs if rtag else {}
        if ret_t.kind == "pointer" and not {"static", "borrowed", "owned"} & attrs.keys():
            raise BindgenError(coord, f"{name}: a returned pointer needs [static], [borrowed] or [owned]")
        if ret_t.kind != "pointer" and attrs:
            raise BindgenError(coord, f"{name}: return annotations apply to pointers only")
        ownership = next((k for k in ("static", "borrowed", "owned") if k in attrs), "")
        returns = ir.Returns(ret_t, rtag.text if rtag else "", ownership, "error_if_null" in attrs,
                             attrs.get("error_if_null"))
        fn = ir.Function(name, fn_params, returns, ir.Doc(d.summary, d.body), coord)
        fn.blocking = any(p.blocking for p in fn_params)
        self.api.functions.append(fn)

    def param(self, fname: str, a: c_ast.Decl, t: ir.Type, d: DocComment) -> ir.Param:
        coord = _coord(a)
        tag = d.params.get(a.name)
        if tag is None:
            raise BindgenError(coord, f"{fname}: parameter '{a.name}' is not documented (@param {a.name})")
        attrs, direction = tag.attrs, tag.direction
        p = ir.Param(a.name, t, "", tag.text, owned="owned" in attrs, nullable="nullable" in attrs,
                     retained="retained" in attrs, blocking="blocking" in attrs)
        p.count, p.length = attrs.get("count"), attrs.get("length")
        alloc = attrs.get("alloc")
        if alloc:
            m = re.fullmatch(r"(\w+)\s*\((.*)\)", alloc)
            if m:
                p.alloc_call = {"function": m.group(1),
                                "args": [x.strip() for x in m.group(2).split(",") if x.strip()]}
            else:
                p.alloc = alloc
        pt = t.pointee if t.kind == "pointer" else None

        def bad(msg: str) -> BindgenError:
            return BindgenError(f"{self.filename}:{tag.line}", f"{fname}: parameter '{a.name}': {msg}")

        if t.kind in ("scalar", "enum"):
            if direction != "in" or {"count", "alloc", "length", "owned"} & attrs.keys():
                raise bad("a value parameter takes no direction, count, alloc, length or owned")
            p.role = "value"
        elif t.kind == "handle":
            raise bad("handles are passed by pointer")
        elif pt.kind == "handle":
            if direction != "in":
                raise bad("a handle pointer is an input; use T ** for out handles")
            p.role = "handle"
        elif pt.kind == "pointer":   # T ** -> out handle
            if direction != "out" or pt.const:
                raise bad("a handle ** must be [out] and not const")
            p.role = "out_handle"
        elif pt.kind == "scalar" and pt.name == "char" and "count" not in attrs:
            if direction != "in" or not pt.const:
                raise bad("strings are in-parameters of type const char *")
            p.role = "string"
        elif p.count:
            if direction == "in":
                if not pt.const:
                    raise bad("an [in] array must point to const")
                if p.alloc or p.alloc_call or p.length:
                    raise bad("alloc and length apply to [out] arrays")
                p.role = "array_in"
            elif direction == "out":
                if pt.const:
                    raise bad("an [out] array cannot point to const")
                if not (p.alloc or p.alloc_call):
                    raise bad("an [out] array needs alloc=CONSTANT or alloc=function(args)")
                p.role = "array_out"
            else:
                raise bad("[in,out] arrays are not supported yet")
        elif direction == "out" and pt.kind in ("scalar", "enum") and pt.name != "void":
            p.role = "out_value"
        else:
            raise bad("a pointer parameter needs [in] with count=, [out], or to be a handle or string")
        if p.nullable and p.role not in ("handle", "string"):
            raise bad("only handles and strings can be nullable")
        if p.owned and p.role != "out_handle":
            raise bad("owned applies to out handles (T **)")
        return p

    # -- cross references ----------------------------------------------------

    def link(self) -> None:
        """Resolve names between declarations and give each function its kind."""
        api = self.api
        fnames = {f.name for f in api.functions}
        consts = {c.name for c in api.constants}
        err = api.error_enum
        for h in api.handles:
            if h.free not in fnames:
                raise BindgenError(h.coord, f"@handle free={h.free}: no such function")
            h.closed_message = f"{h.name} used after it was closed"
        abi_const, abi_fn = self.prefix.upper() + "ABI_VERSION", self.prefix + "abi_version"
        if abi_const in consts and abi_fn in fnames:
            api.abi = {"constant": abi_const, "function": abi_fn,
                       "value": next(c.value for c in api.constants if c.name == abi_const)}
        for f in api.functions:
            by_name = {p.name: p for p in f.params}
            for p in f.params:
                if p.count:
                    c = by_name.get(p.count)
                    if c is None or c.role != "value" or c.type.kind != "scalar" or \
                            ir.SCALARS[c.type.name][1] != "uint":
                        raise BindgenError(f.coord, f"{f.name}: count={p.count} of '{p.name}' must name an "
                                                    "unsigned integer parameter")
                    c.role = "count"
                if p.length:
                    ln = by_name.get(p.length)
                    if ln is None or ln.role != "out_value":
                        raise BindgenError(f.coord, f"{f.name}: length={p.length} of '{p.name}' must name an "
                                                    "[out] integer parameter")
                    ln.role = "length"
                if p.alloc and p.alloc not in consts and not p.alloc.isdigit():
                    raise BindgenError(f.coord, f"{f.name}: alloc={p.alloc}: no such constant")
                if p.alloc_call:
                    callee = p.alloc_call["function"]
                    if callee not in fnames:
                        raise BindgenError(f.coord, f"{f.name}: alloc={callee}(...): no such function")
                    for arg in p.alloc_call["args"]:
                        if arg not in by_name:
                            raise BindgenError(f.coord, f"{f.name}: alloc argument '{arg}' is not a parameter")
            f.throws = err is not None and f.returns.type.kind == "enum" and f.returns.type.name == err.name
            if f.returns.error_if_null and (not err or f.returns.null_status not in
                                            {m.name for m in err.members} - {err.ok}):
                raise BindgenError(f.coord, f"{f.name}: error_if_null=STATUS must name an error "
                                            "member of the @errors enum")
            outs = [p for p in f.params if p.role == "out_handle"]
            if outs and not f.throws:
                raise BindgenError(f.coord, f"{f.name}: a function with an out handle must return the status enum")
            stem = f.name[len(self.prefix):]
            first = f.params[0] if f.params else None
            for h in api.handles:
                hstem = h.name[len(self.prefix):] + "_"
                if h.free == f.name:
                    f.kind, f.handle = "destructor", h.name
                elif outs and outs[0].type.pointee.pointee.name == h.name and stem.startswith(hstem):
                    f.kind, f.handle = "factory", h.name
                elif first and first.role == "handle" and first.type.pointee.name == h.name \
                        and stem.startswith(hstem):
                    f.kind, f.handle = "method", h.name
                else:
                    continue
                stem = stem[len(hstem):]
                break
            f.short_name = stem


def parse_header(path: str | Path, prefix: str, name: str, display: str | None = None) -> ir.API:
    """Parse the header at `path`; errors name it as `display` (default: path)."""
    text = Path(path).read_text()
    return _Parser(text, display or str(path), prefix, name).run()
