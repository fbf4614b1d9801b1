"""Parse an annotated C header into the IR (ir.API).

A header written for bindgen is read without a C preprocessor or system
headers: a small pre-pass keeps line numbers, collects doc comments and
`#define` constants, drops include guards, `#include <...>` and `#ifdef
__cplusplus` blocks, and prepends stub typedefs for the standard types.
pycparser parses the rest. Anything the IR cannot express is an error at
`file:line`, never skipped.

A system header (`header = "<zlib.h>"`) is not written for that pre-pass:
its macros pick types per platform, it includes libc. It goes through the C
compiler's own preprocessor (`$CC -E -dD`, `cc` by default: the header as
this machine's compiler sees it, with C's view of `extern "C"` guards),
with GNU extensions defined away so pycparser reads libc's declarations;
`-dD` keeps the `#define`s, in place, for constants.

A header with an overlay (bindgen/overlay.py), and every system header, is
one you did not write: declarations may have no annotations. Those
bindable as they are (values, `const char *` in, ...) are bound; others are
skipped with the reason (`ir.Skipped`, `bindgen report`), never half-bound.
An annotated declaration that cannot be bound stays an error.
"""
from __future__ import annotations

import re
from pathlib import Path

import fnmatch
import os
import shlex
import subprocess

from pycparser import c_ast, c_parser
from pycparser.c_parser import ParseError

from . import ir
from .annotations import BindgenError, DocComment, Tag, parse_doc
from .overlay import Overlay, merge

_STUBS = "".join(f"typedef {base} {name};\n" for name, base in [
    ("size_t", "unsigned long"), ("int8_t", "signed char"), ("uint8_t", "unsigned char"),
    ("int16_t", "short"), ("uint16_t", "unsigned short"), ("int32_t", "int"),
    ("uint32_t", "unsigned int"), ("int64_t", "long"), ("uint64_t", "unsigned long"),
    ("bool", "_Bool")])
_STUB_NAMES = {"size_t", "int8_t", "uint8_t", "int16_t", "uint16_t", "int32_t",
               "uint32_t", "int64_t", "uint64_t", "bool"}

_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_DEFINE = re.compile(r"#\s*define\s+(\w+)(?:\s+(.*))?$")  # no "(": not function-like


class _Source:
    """The header after the pre-pass."""

    def __init__(self, text: str, filename: str, directives: bool = True):
        self.filename = filename
        self.docs: dict[int, tuple[str, int]] = {}   # line of the doc's end -> (raw, first line)
        self.trailing: dict[int, tuple[str, int]] = {}  # `/**<` comments by line
        self.constants: list[tuple[str, str, int]] = []
        self.guard: str | None = None
        self.lines = self._strip(text).split("\n")
        self.code = self._directives() if directives else ""

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
                    elif word == "ifndef" and self.guard is None and self._is_guard(i, s.split()[-1]):
                        self.guard = s.split()[-1]
                    else:
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
                    if m is None:
                        raise BindgenError(coord, "function-like macros are not supported")
                    if m.group(2):
                        self.constants.append((m.group(1), m.group(2).strip(), i))
                    elif m.group(1) != self.guard:
                        raise BindgenError(coord, f"#define {m.group(1)} has no value (only the "
                                                  "include guard may be empty)")
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

    def doc_before(self, line: int, file: str = "") -> tuple[str, int, str] | None:
        """The doc comment ending just above `line` (blank lines allowed): (raw, first
        line, file)."""
        i = line - 1
        while i > 0 and i not in self.docs and not self.lines[i - 1].strip():
            i -= 1
        found = self.docs.get(i)
        return (*found, self.filename) if found else None


# GNU C that libc headers use and pycparser does not read (C11 only).
_GNU_AWAY = ["-D__attribute__(x)=", "-D__extension__=", "-D__asm__(...)=", "-D__restrict=",
             "-D__inline=", "-D__builtin_va_list=char*"]
_MARKER = re.compile(r'#\s*(\d+)\s+"([^"]*)"(.*)$')
# C's integer spellings as the IR's scalars (LP64: long is 64-bit, as on Linux and macOS).
_CANONICAL = {
    "signed char": "int8_t", "unsigned char": "uint8_t",
    "short": "int16_t", "short int": "int16_t", "signed short": "int16_t",
    "unsigned short": "uint16_t", "unsigned short int": "uint16_t",
    "signed": "int", "signed int": "int", "unsigned": "unsigned int",
    "long": "int64_t", "long int": "int64_t", "signed long": "int64_t",
    "long long": "int64_t", "long long int": "int64_t",
    "unsigned long": "uint64_t", "unsigned long int": "uint64_t",
    "unsigned long long": "uint64_t", "unsigned long long int": "uint64_t",
}


class _Preprocessed:
    """A system header through the C preprocessor: the same interface as _Source
    (no doc comments: a system header's comments are not bindgen's), followed by the
    overlay's inline C (`inline`: its code, file and first line), whose declarations are
    annotated as in a header written for bindgen."""

    def __init__(self, include: str, inline: tuple[str, str, int] | None = None):
        cc = shlex.split(os.environ.get("CC", "cc"))
        code, self.inline_file, inline_first = inline or ("", "", 0)
        # the inline code's doc comments, by its own lines (cpp drops comments)
        self.inline_src = _Source(code, self.inline_file, directives=False)
        self.inline_offset = inline_first - 1   # its line n is line n + offset of its file
        try:
            res = subprocess.run([*cc, "-E", "-dD", *_GNU_AWAY, "-x", "c", "-"],
                                 input=f"#include <{include}>\n{code}", capture_output=True, text=True)
        except OSError as e:
            raise BindgenError(f"<{include}>", f"cannot run the C preprocessor {cc[0]}: {e}") from None
        if res.returncode != 0:
            raise BindgenError(f"<{include}>", f"the C preprocessor failed: {res.stderr.strip()}")
        self.docs: dict = {}
        self.trailing: dict = {}
        self.constants: list[tuple[str, str, int]] = []
        self.skipped: list[tuple[str, int, str]] = []   # (macro, line, reason)
        self.function_macros: set[str] = set()
        self.filename = ""     # the header's path, from the first file <stdin> includes
        out, file, line = [], "", 0
        for text in res.stdout.split("\n"):
            m = _MARKER.match(text)
            if m:
                line, new = int(m.group(1)), m.group(2)
                if not self.filename and file == "<stdin>" and " 1" in m.group(3):
                    self.filename = new
                file = new
                if new == "<stdin>" and line >= 2:   # the inline code: where it is written
                    text = f'# {line - 1 + self.inline_offset} "{self.inline_file}"'
                out.append(text)
                continue
            if text.startswith("#"):   # -dD's #define / #undef, #pragma: not C for pycparser
                if file == self.filename and text.startswith("#define"):
                    self.macro(text, line)
                text = ""
            out.append(text)
            line += 1
        self.code = "\n".join(out)

    def macro(self, text: str, line: int) -> None:
        m = _DEFINE.match(text)
        if m is None:
            name = re.match(r"#define\s+(\w+)", text).group(1)
            self.skipped.append((name, line, "a function-like macro"))
            self.function_macros.add(name)
        elif m.group(2):
            self.constants.append((m.group(1), m.group(2).strip(), line))
        else:
            self.skipped.append((m.group(1), line, "a #define without a value"))

    def doc_before(self, line: int, file: str = "") -> tuple[str, int, str] | None:
        """Only the inline code has doc comments."""
        if not self.inline_file or file != self.inline_file:
            return None
        found = self.inline_src.doc_before(line - self.inline_offset)
        return (found[0], found[1] + self.inline_offset, file) if found else None


def _coord(node: c_ast.Node) -> str:
    # pycparser leaves the type of an unnamed parameter without a position
    return f"{node.coord.file}:{node.coord.line}" if node.coord else "<unnamed parameter>"


# What each parameter role accepts besides `blocking` (see ir.Param).
_ROLE_ATTRS = {
    "value": {"enum"}, "struct": {"nullable"}, "handle": {"nullable", "retained"},
    "string": {"nullable"}, "array_in": {"count", "shape"},
    "array_out": {"count", "alloc", "length", "shape"},
    "array_inout": {"count"}, "out_handle": {"owned", "nullable"}, "out_value": set(),
    "inout_value": set(), "out_string": {"owned", "borrowed", "static", "free", "nullable"},
    "callback": {"user_data", "scope", "nullable"}, "user_data": {"user_data"}, "pointer": set(),
}
_SCOPES = ("call", "stored")


def _call(text: str) -> dict | None:
    """`f(a, b)` as {"function": "f", "args": ["a", "b"]}; None for anything else."""
    m = re.fullmatch(r"(\w+)\s*\((.*)\)", text)
    if m is None:
        return None
    return {"function": m.group(1), "args": [x.strip() for x in m.group(2).split(",") if x.strip()]}


class _Parser:
    def __init__(self, src: _Source | _Preprocessed, text: str, prefix: str, name: str,
                 overlay: Overlay | None, display: str):
        self.src = src
        self.filename = src.filename
        self.display = display
        self.api = ir.API(name=name, prefix=prefix, header=display, doc=self._file_doc(text))
        self.prefix = prefix
        self.overlay = overlay
        # a header you did not write: unannotated declarations may be skipped (module doc)
        self.lenient = overlay is not None or isinstance(src, _Preprocessed)
        self.aliases: dict[str, c_ast.Node] = {}   # typedef name -> the type it names
        self.annotated: set[str] = set()           # declarations the header or overlay annotates
        self.current = self.filename               # the file of the declaration being read
        self.function_macros: set[str] = getattr(src, "function_macros", set())
        self.types: dict[str, str] = {}        # typedef name -> IR type kind
        self.errors_doc: dict | None = None     # the @errors tag, resolved in link()
        # `void *` / `char *` params whose role only a later declaration can tell
        # (user_data of a callback, the pointer a deallocator frees): param -> error
        self.pending: dict[int, BindgenError] = {}

    def _file_doc(self, text: str) -> ir.Doc:
        m = re.match(r"\s*(/\*\*.*?\*/)", text, re.S)
        if not m:
            return ir.Doc()
        d = parse_doc(m.group(1), self.filename, 1)
        return ir.Doc(d.summary, d.body)

    def doc(self, line: int, required: bool, what: str, name: str = "",
            params: list[str] = ()) -> DocComment:
        """The doc comment above `line`, with what the overlay says about `name` laid
        over it (`params`: the parameter names, for entries naming families)."""
        found = self.src.doc_before(line, self.current)
        doc = parse_doc(found[0], found[2], found[1]) if found else DocComment()
        over = self.overlay.doc(name, list(params)) if self.overlay and name else None
        if over is not None:
            merge(doc, over)
        if found or over is not None:
            self.annotated.add(name)
        elif required and not self.lenient:
            raise BindgenError(f"{self.filename}:{line}", f"{what} has no doc comment")
        return doc

    def member_doc(self, line: int) -> DocComment:
        """The doc of an enum member or struct field: trailing `/**<` or a `/**` above."""
        trail = self.src.trailing.get(line)
        return parse_doc(trail[0], self.filename, trail[1]) if trail else self.doc(line, False, "")

    def run(self) -> ir.API:
        for name, line, reason in getattr(self.src, "skipped", []):
            self.skip(name, f"{self.filename}:{line}", reason)
        for name, value, line in self.src.constants:
            self.attempt(name, f"{self.filename}:{line}", self.constant, name, value, line)
        for name, d, coord in self.overlay.new_enums() if self.overlay else []:
            self.defines_enum(name, d, coord)
        stubs = "" if isinstance(self.src, _Preprocessed) else _STUBS + f'# 1 "{self.filename}"\n'
        try:
            ast = c_parser.CParser().parse(stubs + self.src.code, filename="<bindgen stubs>")
        except ParseError as e:
            raise BindgenError(str(e).split(": ")[0], str(e).split(": ", 1)[-1]) from None
        inline = getattr(self.src, "inline_file", "")
        for node in ast.ext:
            if self.lenient and isinstance(node, c_ast.Typedef) and self.is_alias(node):
                self.aliases[node.name] = node.type   # resolved by lower(), wherever declared
                continue
            self.current = node.coord.file
            if inline and self.current == inline:   # the project's own C: bound as annotated
                decl = node.decl if isinstance(node, c_ast.FuncDef) else node
                if self.src.doc_before(decl.coord.line, inline):   # else an implementation detail
                    self.declaration(decl)
                continue
            if self.current != self.filename:
                continue
            name = node.name or getattr(node.type, "name", None)   # struct x; has no node.name
            self.attempt(name, _coord(node), self.declaration, node)
        self.link()
        if self.overlay:
            self.overlay.check_used(self.display)
        typedefs = "".join(f"typedef int {e.name}; /* an enum of #defines */\n"
                           for e in self.api.enums if e.macros)
        self.api.c_prelude = typedefs + (self.overlay.inline.text if self.overlay and self.overlay.inline else "")
        return self.api

    def declaration(self, node: c_ast.Node) -> None:
        if isinstance(node, c_ast.Typedef):
            self.typedef(node)
        elif isinstance(node, c_ast.Decl) and isinstance(node.type, c_ast.FuncDecl):
            self.function(node)
        elif isinstance(node, c_ast.Decl) and node.name is None:
            raise BindgenError(_coord(node), "declare structs, unions and enums with typedef "
                                             "(typedef struct x {...} x;)")
        elif isinstance(node, c_ast.Decl):
            raise BindgenError(_coord(node), f"global variable {node.name}: only typedefs and "
                                             "function declarations are supported")
        else:
            raise BindgenError(_coord(node), "only typedefs and function declarations are supported")

    @staticmethod
    def is_alias(node: c_ast.Typedef) -> bool:
        """`typedef unsigned long uLong;`, `typedef z_stream *z_streamp;`: another name for
        a type (not an enum, struct or callback definition)."""
        t = node.type
        while isinstance(t, c_ast.PtrDecl):
            t = t.type
        return isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.IdentifierType) \
            and not (isinstance(node.type, c_ast.PtrDecl) and isinstance(node.type.type, c_ast.FuncDecl))

    def attempt(self, name: str | None, coord: str, step, *args) -> bool:
        """Run one declaration's `step`; in a header you did not write, one nobody
        annotated that cannot be bound is skipped with the reason instead (False)."""
        reason = self.skip_reason(name)
        if reason:
            self.skip(name, coord, reason)
            return False
        try:
            step(*args)
            return True
        except BindgenError as e:
            if not self.lenient or name is None or name in self.annotated or self.overlay_names(name):
                raise
            self.skip(name, coord, e.message)
            return False

    def skip_reason(self, name: str | None) -> str:
        """The overlay's @skip reason for `name`, if it says to leave it out."""
        if self.overlay is None or name is None or not self.overlay.names(name):
            return ""
        return self.overlay.doc(name, []).skip or ""

    def overlay_names(self, name: str) -> bool:
        return self.overlay is not None and self.overlay.names(name)

    def skip(self, name: str, coord: str, reason: str) -> None:
        self.api.skipped.append(ir.Skipped(name, coord, reason))

    # -- declarations ------------------------------------------------------

    def constant(self, name: str, value: str, line: int) -> None:
        coord = f"{self.filename}:{line}"
        value = re.sub(r"^\((.*)\)$", r"\1", value.strip())   # (-1)
        if re.fullmatch(r'"[^"\\]*"', value):
            parsed: int | float | str = value[1:-1]
        elif re.fullmatch(r"-?(0x[0-9a-fA-F]+|\d+)[uUlL]*", value):
            parsed = int(value.rstrip("uUlL"), 0)
        elif re.fullmatch(r"-?(\d+\.\d*|\.\d+|\d+(?=[eE]))([eE][-+]?\d+)?[fF]?", value):
            parsed = float(value.rstrip("fF"))
        else:
            raise BindgenError(coord, f"constant {name} must be an integer, floating-point "
                                      "or string literal")
        d = self.doc(line, True, f"constant {name}", name)
        self.api.constants.append(ir.Constant(name, parsed, ir.Doc(d.summary, d.body), coord))

    def typedef(self, node: c_ast.Typedef) -> None:
        inner = node.type.type if isinstance(node.type, c_ast.TypeDecl) else None
        if isinstance(inner, c_ast.Enum):
            self.enum(node, inner)
        elif isinstance(inner, c_ast.Struct) and inner.decls is None:
            self.handle(node, inner)
        elif isinstance(inner, c_ast.Struct):
            self.struct(node, inner)
        elif isinstance(inner, c_ast.Union):
            raise BindgenError(_coord(inner), f"union {node.name}: unions are not supported")
        elif isinstance(node.type, c_ast.PtrDecl) and isinstance(node.type.type, c_ast.FuncDecl):
            self.callback(node, node.type.type)
        elif isinstance(node.type, c_ast.FuncDecl):
            raise BindgenError(_coord(node), f"typedef {node.name}: a function type; callbacks are "
                                             "function pointer typedefs: typedef void (*name)(...)")
        else:
            raise BindgenError(_coord(node), f"typedef {node.name}: only enums, structs, opaque "
                                             "structs and callbacks are supported (no type aliases)")

    def enum(self, node: c_ast.Typedef, enum: c_ast.Enum) -> None:
        d = self.doc(enum.coord.line, True, f"enum {node.name}", node.name)
        if d.handle:
            raise BindgenError(_coord(enum), f"@handle applies to opaque structs, not enum {node.name}")
        members, value = [], 0
        for e in enum.values.enumerators:
            if e.value is not None:
                value = self.const_int(e.value, {m.name: m.value for m in members})
            md = self.member_doc(e.coord.line)
            members.append(ir.EnumMember(e.name, value, ir.Doc(md.summary, md.body)))
            value += 1
        self.add_enum(ir.Enum(node.name, members, ir.Doc(d.summary, d.body), _coord(enum)), d)

    def defines_enum(self, name: str, d: DocComment, coord: str) -> None:
        """An enum an overlay makes of #define constants (`@defines`): its members leave
        the constants."""
        chosen = [c for c in self.api.constants
                  if any(fnmatch.fnmatchcase(c.name, pat) for pat in d.defines)]
        for pat in d.defines:
            if not any(fnmatch.fnmatchcase(c.name, pat) for c in chosen):
                raise BindgenError(coord, f"@defines {pat}: no integer #define of {self.display} "
                                          "matches it")
        for c in chosen:
            if c.kind != "int":
                raise BindgenError(coord, f"@defines: {c.name} is not an integer")
        self.api.constants = [c for c in self.api.constants if c not in chosen]
        members = [ir.EnumMember(c.name, c.value, c.doc) for c in chosen]
        self.add_enum(ir.Enum(name, members, ir.Doc(d.summary, d.body), coord, macros=True), d)

    def add_enum(self, en: ir.Enum, d: DocComment) -> None:
        """Check an enum's @errors and @flags, and add it."""
        members, coord = en.members, en.coord
        if d.errors is not None:
            names = {m.name for m in members}
            for key in ("ok", "closed"):
                if key in d.errors and d.errors[key] not in names:
                    raise BindgenError(coord, f"@errors {key}= must name a member of {en.name}")
            en.is_error, en.ok, en.closed = True, d.errors["ok"], d.errors.get("closed")
            if next(m.value for m in members if m.name == en.ok) != 0:
                raise BindgenError(coord, "@errors ok= must be the member whose value is 0")
            if self.api.error_enum:
                raise BindgenError(coord, f"only one enum may be @errors "
                                          f"({self.api.error_enum.name} is)")
            self.errors_doc = d.errors
        if d.flags:
            if d.errors is not None:
                raise BindgenError(coord, "an enum cannot be both @errors and @flags")
            bits = 0
            for m in en.bits:
                bits |= m.value
            for m in members:
                if m.value < 0 or m.value & ~bits:
                    raise BindgenError(coord, f"@flags {en.name}: {m.name} = {m.value} is "
                                              "neither 0, one bit, nor a union of other members")
            en.flags = True
        self.types[en.name] = "enum"
        self.api.enums.append(en)

    def const_int(self, node: c_ast.Node, known: dict[str, int]) -> int:
        """An enum value: a literal, an earlier member, or -, |, << of those."""
        if isinstance(node, c_ast.Constant) and node.type in ("int", "unsigned int", "long int",
                                                              "unsigned long int"):
            return int(node.value.rstrip("uUlL"), 0)
        if isinstance(node, c_ast.ID) and node.name in known:
            return known[node.name]
        if isinstance(node, c_ast.UnaryOp) and node.op == "-":
            return -self.const_int(node.expr, known)
        if isinstance(node, c_ast.BinaryOp) and node.op in ("|", "<<"):
            left, right = self.const_int(node.left, known), self.const_int(node.right, known)
            return left | right if node.op == "|" else left << right
        raise BindgenError(_coord(node), "enum values must be integer literals, earlier members, "
                                         "or -, | and << of those")

    def handle(self, node: c_ast.Typedef, struct: c_ast.Struct) -> None:
        d = self.doc(node.coord.line, True, f"handle {node.name}", node.name)
        if not d.handle:
            raise BindgenError(_coord(node), f"opaque struct {node.name} needs '@handle free=FUNCTION'")
        self.types[node.name] = "handle"
        self.api.handles.append(ir.Handle(node.name, d.handle["free"],
                                          ir.Doc(d.summary, d.body), _coord(node)))

    def struct(self, node: c_ast.Typedef, struct: c_ast.Struct) -> None:
        coord = _coord(struct)
        field_names = [x.name for x in struct.decls if x.name]
        d = self.doc(struct.coord.line, True, f"struct {node.name}", node.name, field_names)
        if d.handle:
            raise BindgenError(coord, f"struct {node.name} has fields: @handle applies to opaque "
                                      f"structs (typedef struct {node.name} {node.name};)")
        fields = []
        for decl in struct.decls:
            fc = _coord(decl)
            if decl.name is None:
                raise BindgenError(fc, f"struct {node.name}: anonymous members are not supported")
            if decl.bitsize is not None:
                raise BindgenError(fc, f"struct {node.name}: bit-field '{decl.name}' is not supported")
            if isinstance(decl.type, c_ast.ArrayDecl):
                raise BindgenError(fc, f"struct {node.name}: array field '{decl.name}' is not supported")
            if isinstance(decl.type, c_ast.PtrDecl):
                raise BindgenError(fc, f"struct {node.name}: pointer field '{decl.name}' is not "
                                       "supported (fields are values: scalars, enums, structs)")
            t = self.lower(decl.type)
            if t.kind not in ("scalar", "enum", "struct") or t.is_void:
                raise BindgenError(fc, f"struct {node.name}: field '{decl.name}' of type {t.c} is "
                                       "not supported (fields are values: scalars, enums, structs)")
            # a field's doc: trailing /**< */ or above it, else the overlay's "STRUCT.FIELD"
            tag = d.params.get(decl.name)
            doc = self.member_doc(decl.coord.line).summary or (tag.text if tag else "")
            fields.append(ir.Field(decl.name, t, doc))
        self.types[node.name] = "struct"
        self.api.structs.append(ir.Struct(node.name, fields, ir.Doc(d.summary, d.body), coord))

    def callback(self, node: c_ast.Typedef, fdecl: c_ast.FuncDecl) -> None:
        coord = _coord(node)
        d = self.doc(node.coord.line, True, f"callback {node.name}", node.name, _names(fdecl))
        what = f"callback {node.name}"
        params = [self.param(what, a, t, d, "callback") for a, t in self.arguments(what, fdecl, d)]
        for p in params:
            if id(p) in self.pending:      # no deallocator or callback can claim it
                raise self.pending.pop(id(p))
        users = [p for p in params if p.role == "user_data"]
        if len(users) != 1:
            raise BindgenError(coord, f"{what}: a callback needs exactly one 'void *' parameter "
                                      "annotated [user_data] (C passes it back to the binding)")
        ret = self.lower(fdecl.type)
        if ret.kind not in ("scalar", "enum"):
            raise BindgenError(coord, f"{what}: a callback returns void, a scalar or an enum")
        if d.returns and d.returns.attrs:
            raise BindgenError(d.returns.coord, f"{what}: return annotations "
                                                                    "apply to pointers only")
        self.link_counts(what, coord, params)
        self.types[node.name] = "callback"
        self.api.callbacks.append(ir.Callback(node.name, params,
                                              ir.Returns(ret, d.returns.text if d.returns else ""),
                                              ir.Doc(d.summary, d.body), coord, users[0].name))

    # -- types ---------------------------------------------------------------

    def lower(self, node: c_ast.Node) -> ir.Type:
        """One recursive match over the declarator kinds (cf. pycparser's cdecl.py)."""
        match node:
            case c_ast.TypeDecl(type=c_ast.IdentifierType(names=names)):
                name = " ".join(names)
                const = "const" in (node.quals or [])
                if name in _CANONICAL:
                    return ir.Type("scalar", _CANONICAL[name], const, spelling=name)
                if name in ir.SCALARS or name in _STUB_NAMES:
                    return ir.Type("scalar", name, const)
                if name in self.types:
                    return ir.Type(self.types[name], name, const)
                if name in self.aliases:   # typedef chains end at the type they name
                    t = self.lower(self.aliases[name])
                    if const and t.kind != "pointer":
                        t.const = True
                    if t.kind == "scalar":   # the outermost name, as the header wrote it
                        t.spelling = name
                    return t
                skipped = next((s for s in self.api.skipped if s.name == name), None)
                if skipped:   # never half-bound: what uses a skipped type is skipped too
                    raise BindgenError(_coord(node), f"uses {name}, which is skipped ({skipped.reason})")
                raise BindgenError(_coord(node), f"unknown type '{name}'")
            case c_ast.PtrDecl(type=c_ast.FuncDecl()):
                raise BindgenError(_coord(node), "function pointers need a typedef with a [user_data] "
                                                 "parameter (a callback; see bindgen/README.md)")
            case c_ast.PtrDecl(type=inner):
                pointee = self.lower(inner)
                # `const` of a pointer says whether its pointee is const
                const = "const" in (inner.quals or []) if pointee.kind == "pointer" else pointee.const
                t = ir.Type("pointer", const=const, pointee=pointee)
                if pointee.kind == "pointer" and pointee.pointee.kind != "handle" \
                        and not pointee.is_string:
                    raise BindgenError(_coord(node), "pointers to pointers are only supported "
                                                     "for handle and string out-parameters")
                if pointee.kind == "callback":
                    raise BindgenError(_coord(node), f"pointer to callback {pointee.name}: pass "
                                                     "the callback itself")
                return t
            case c_ast.TypeDecl(type=c_ast.Struct() | c_ast.Union() | c_ast.Enum()):
                raise BindgenError(_coord(node), "use the typedef name, not struct/union/enum")
            case c_ast.FuncDecl():
                raise BindgenError(_coord(node), "function pointers need a typedef with a [user_data] "
                                                 "parameter (a callback; see bindgen/README.md)")
            case c_ast.ArrayDecl():
                raise BindgenError(_coord(node), "array parameters are not supported; use a pointer and a count")
        raise BindgenError(_coord(node), f"unsupported declarator {type(node).__name__}")

    # -- functions -----------------------------------------------------------

    def arguments(self, what: str, fdecl: c_ast.FuncDecl, d: DocComment) -> list[tuple]:
        """The named parameters of a declaration with their types, checked against @param tags."""
        args = fdecl.args.params if fdecl.args else []
        if any(isinstance(a, c_ast.EllipsisParam) for a in args):
            raise BindgenError(_coord(fdecl), f"{what}: variadic functions are not supported")
        params = []
        for a in args:
            t = self.lower(a.type)
            if a.name is None:
                if t.is_void:
                    continue
                raise BindgenError(_coord(a), f"{what}: every parameter needs a name")
            params.append((a, t))
        for pname in d.params:
            if pname not in {a.name for a, _ in params}:
                raise BindgenError(d.params[pname].coord,
                                   f"@param {pname}: {what} has no such parameter")
        return params

    def function(self, node: c_ast.Decl) -> None:
        coord = _coord(node)
        name = node.name
        if not name.startswith(self.prefix):
            raise BindgenError(coord, f"function {name} lacks the prefix '{self.prefix}'")
        if name.endswith("_") and name[:-1] in self.function_macros and not self.overlay_names(name):
            raise BindgenError(coord, f"{name} is called through the macro {name[:-1]}()")
        d = self.doc(node.coord.line, True, f"function {name}", name, _names(node.type))
        if d.flags or d.handle or d.errors is not None:
            raise BindgenError(coord, f"{name}: @flags, @handle and @errors apply to types")
        fn_params = [self.param(name, a, t, d) for a, t in self.arguments(name, node.type, d)]
        returns = self.returns(name, coord, self.lower(node.type.type), d)
        fn = ir.Function(name, fn_params, returns, ir.Doc(d.summary, d.body), coord)
        fn.blocking = bool(d.blocking) or any(p.blocking for p in fn_params)
        self.api.functions.append(fn)

    def as_enum(self, t: ir.Type, enum: str, coord: str, what: str) -> ir.Type:
        """An integer typed as enum `enum` (enum=NAME)."""
        if self.types.get(enum) != "enum":
            raise BindgenError(coord, f"{what}: enum={enum}: no such enum")
        if t.kind != "scalar" or ir.SCALARS[t.name][1] not in ("int", "uint"):
            raise BindgenError(coord, f"{what}: enum= applies to an integer, not {t.c}")
        return ir.Type("enum", enum, t.const)

    def returns(self, name: str, coord: str, t: ir.Type, d: DocComment) -> ir.Returns:
        rtag = d.returns
        attrs = rtag.attrs if rtag else {}
        where = rtag.coord if rtag else coord
        if "enum" in attrs:
            t = self.as_enum(t, attrs["enum"], where, f"{name}: the result")
            attrs = {k: v for k, v in attrs.items() if k != "enum"}
        ownership = [k for k in ("static", "borrowed", "owned") if k in attrs]
        if len(ownership) > 1:
            raise BindgenError(where, f"{name}: give one of static, borrowed, owned")
        r = ir.Returns(t, rtag.text if rtag else "", ownership[0] if ownership else "",
                       "error_if_null" in attrs, attrs.get("error_if_null"),
                       "nullable" in attrs, attrs.get("free"))
        if t.kind == "callback":
            raise BindgenError(coord, f"{name}: returning a callback is not supported")
        if t.kind != "pointer":
            if attrs:
                raise BindgenError(where, f"{name}: return annotations apply to pointers only")
            return r
        if r.nullable and r.error_if_null:
            raise BindgenError(where, f"{name}: a result cannot be both nullable and error_if_null")
        if t.is_string:
            if not r.ownership:
                raise BindgenError(coord, f"{name}: a returned pointer needs [static], [borrowed] or [owned]")
            if (r.ownership == "owned") != bool(r.free):
                raise BindgenError(where, f"{name}: an owned string needs free=FUNCTION (its "
                                          "deallocator), and only an owned one")
        elif t.pointee.kind == "handle":
            if r.ownership != "owned" or r.free:
                raise BindgenError(where, f"{name}: a returned handle must be [owned] (the binding "
                                          "frees it with its @handle free= function)")
            if not (r.nullable or r.error_if_null):
                raise BindgenError(where, f"{name}: say what NULL means for a returned handle: "
                                          "[owned, nullable] or [owned, error_if_null=STATUS]")
        else:
            raise BindgenError(coord, f"{name}: returning {t.c} is not supported (return a "
                                      "handle, a string or a value, or use an [out] parameter)")
        return r

    def param(self, fname: str, a: c_ast.Decl, t: ir.Type, d: DocComment,
              context: str = "function") -> ir.Param:
        coord = _coord(a)
        tag = d.params.get(a.name)
        if tag is None and self.lenient:   # unannotated: bound only if it means the same bare
            tag = Tag("in", {}, "", a.coord.line, a.coord.file)
        if tag is None:
            raise BindgenError(coord, f"{fname}: parameter '{a.name}' is not documented (@param {a.name})")
        attrs, direction = tag.attrs, tag.direction
        if "enum" in attrs:
            t = self.as_enum(t, attrs["enum"], tag.coord, f"{fname}: parameter '{a.name}'")
        p = ir.Param(a.name, t, "", tag.text, owned="owned" in attrs, nullable="nullable" in attrs,
                     retained="retained" in attrs, blocking="blocking" in attrs)
        p.count, p.length = attrs.get("count"), attrs.get("length")
        alloc = attrs.get("alloc")
        if alloc:
            p.alloc_call = _call(alloc)
            if p.alloc_call is None:
                p.alloc = alloc
        if "shape" in attrs:
            p.shape_call = _call(attrs["shape"])
        pt = t.pointee if t.kind == "pointer" else None

        def bad(msg: str) -> BindgenError:
            return BindgenError(tag.coord, f"{fname}: parameter '{a.name}': {msg}")

        def need_in(what: str) -> None:
            if direction != "in":
                raise bad(f"{what} is an [in] parameter")

        if t.kind in ("scalar", "enum"):
            need_in("a value")
            p.role = "value"
        elif t.kind == "struct":
            need_in("a struct passed by value")
            p.role = "struct"
        elif t.kind == "callback":
            need_in("a callback")
            p.role = "callback"
            if context == "callback":
                raise bad("a callback cannot take a callback")
            p.user_data, p.scope = attrs.get("user_data"), attrs.get("scope", "call")
            if not p.user_data or p.user_data == "true":
                raise bad("a callback parameter needs user_data=P naming its 'void *' parameter")
            if p.scope not in _SCOPES:
                raise bad(f"scope={p.scope}: use scope=call or scope=stored")
        elif t.kind == "handle":
            raise bad("handles are passed by pointer")
        elif pt.kind == "handle":
            if direction != "in":
                raise bad("a handle pointer is an input; use T ** for out handles")
            p.role = "handle"
        elif pt.kind == "pointer" and pt.pointee.kind == "handle":
            if direction != "out" or t.const:
                raise bad("a handle ** must be [out] and not const")
            p.role = "out_handle"
        elif pt.kind == "pointer":                        # char ** -> out string
            if direction != "out" or t.const:
                raise bad("a string ** must be [out] (char ** or const char **)")
            p.role = "out_string"
            given = [k for k in ("owned", "borrowed", "static") if k in attrs]
            if len(given) != 1:
                raise bad("an [out] string needs one of owned (with free=), borrowed or static")
            p.ownership, p.free = given[0], attrs.get("free")
            if (p.ownership == "owned") != bool(p.free):
                raise bad("an owned string needs free=FUNCTION (its deallocator), and only an owned one")
        elif pt.kind == "struct":
            if p.count:
                raise bad("arrays of structs are not supported")
            if direction == "in" and not pt.const:
                raise bad("a struct pointer [in] must point to const ([in,out] if the call changes it)")
            if direction != "in" and pt.const:
                raise bad(f"an [{direction}] struct pointer cannot point to const")
            p.role = {"in": "struct", "out": "out_value", "in,out": "inout_value"}[direction]
        elif p.count:
            if pt.kind != "scalar":
                raise bad(f"arrays of {pt.c} are not supported")
            if direction == "in":
                if not pt.const:
                    raise bad("an [in] array must point to const ([in,out] if the call changes it)")
                p.role = "array_in"
            else:
                if pt.const:
                    raise bad(f"an [{direction}] array cannot point to const")
                p.role = "array_out" if direction == "out" else "array_inout"
            if p.role != "array_out" and (p.alloc or p.alloc_call or p.length):
                raise bad("alloc and length apply to [out] arrays")
        elif "user_data" in attrs and context == "callback":
            if direction != "in" or not (pt.is_void and not pt.const):
                raise bad("[user_data] marks a 'void *' parameter")
            p.role = "user_data"
        elif direction == "in" and pt.kind == "scalar" and pt.name == "char" and pt.const:
            p.role = "string"
        elif direction != "in" and not pt.is_void:
            if pt.const:
                raise bad(f"an [{direction}] pointer cannot point to const")
            if pt.kind == "scalar" and pt.name == "char":
                raise bad("an [out] char * is a buffer: give it count= (and alloc= or a capacity)")
            p.role = "out_value" if direction == "out" else "inout_value"
        elif direction == "in" and not pt.const and pt.kind == "scalar" and pt.name in ("void", "char"):
            # a callback's user_data or a deallocator's pointer: link() decides
            p.role = "pointer"
            self.pending[id(p)] = bad("a pointer parameter needs [in] with count=, [out], or to be "
                                      "a handle, a string (const char *), a callback's user_data "
                                      "or the pointer a deallocator frees")
        else:
            raise bad("a pointer parameter needs [in] with count=, [out], or to be a handle or string")
        if p.alloc and not p.alloc.isdigit() and not re.fullmatch(r"[A-Za-z_]\w*", p.alloc):
            raise bad(f"alloc={p.alloc}: give a number, a constant or a call f(a, b)")
        if "shape" in attrs and (p.shape_call is None or pt.name in ("char", "void")):
            raise bad(f"shape={attrs['shape']}: give a call f(a, b), on an array of numbers")
        if p.shape_call and p.length:
            raise bad("shape= gives all the dimensions of an array length= cuts: use one of them")
        extra = attrs.keys() - _ROLE_ATTRS[p.role] - {"blocking"}
        if extra:
            raise bad(f"{', '.join(sorted(extra))} does not apply to a parameter of role {p.role}")
        if p.nullable and p.role == "struct" and t.kind != "pointer":
            raise bad("a struct passed by value cannot be nullable (pass a const pointer)")
        if context == "callback" and p.role not in ("value", "string", "array_in", "struct",
                                                    "user_data", "pointer"):   # pointer: see callback()
            raise bad(f"a callback cannot take a parameter of role {p.role}")
        return p

    # -- cross references ----------------------------------------------------

    def link_counts(self, owner: str, coord: str, params: list[ir.Param]) -> None:
        """Give count params their role (count or capacity) and the arrays they size."""
        by_name = {p.name: p for p in params}
        for p in params:
            if p.count:
                c = by_name.get(p.count)
                ct = c.type.pointee if c is not None and c.type.kind == "pointer" else c.type if c else None
                if c is None or c.role not in ("value", "count", "capacity", "inout_value") or \
                        ct.kind != "scalar" or ir.SCALARS[ct.name][1] != "uint":
                    raise BindgenError(coord, f"{owner}: count={p.count} of '{p.name}' must name an "
                                              "unsigned integer parameter (or an [in,out] pointer to one)")
                if c.type.kind == "pointer":   # the size goes in, the count written comes out
                    if p.role != "array_out" or p.length:
                        raise BindgenError(coord, f"{owner}: count={p.count} of '{p.name}': an [in,out] "
                                                  "count sizes [out] arrays, and is their length=")
                    p.length = c.name
                c.role = "count"
                c.arrays.append(p.name)
            if p.length and p.length != p.count:   # (an [in,out] count is its own length)
                ln = by_name.get(p.length)
                if ln is None or ln.role != "out_value" or ln.type.pointee.kind != "scalar" or \
                        ir.SCALARS[ln.type.pointee.name][1] != "uint":
                    raise BindgenError(coord, f"{owner}: length={p.length} of '{p.name}' must name an "
                                              "[out] unsigned integer parameter")
                ln.role = "length"
        for c in params:
            if c.role != "count":
                continue
            arrays = [by_name[n] for n in c.arrays]
            sized = [x for x in arrays if x.role in ("array_in", "array_inout")]
            allocated = [x for x in arrays if x.alloc or x.alloc_call]
            if sized and allocated:
                raise BindgenError(coord, f"{owner}: '{allocated[0].name}' needs no alloc=: it has "
                                          f"the length of '{sized[0].name}' (count={c.name})")
            if not sized and not allocated:
                c.role = "capacity"
            elif not sized and len(allocated) != len(arrays):
                raise BindgenError(coord, f"{owner}: the [out] arrays sized by {c.name} need alloc= "
                                          "on all of them or on none (then the caller passes it)")

    def link(self) -> None:
        """Resolve names between declarations and give each function its kind."""
        api = self.api
        fnames = {f.name for f in api.functions}
        consts = {c.name for c in api.constants}
        err = api.error_enum
        if err is not None:
            self.link_errors(err)
        for h in api.handles:
            if h.free not in fnames:
                raise BindgenError(h.coord, f"@handle free={h.free}: no such function")
            free = api.function(h.free)
            if [(p.role, p.type.base.name) for p in free.params] != [("handle", h.name)]:
                raise BindgenError(free.coord, f"{free.name}: the destructor of {h.name} takes one "
                                               f"{h.name} *")
            h.closed_message = f"{h.name} used after it was closed"
            if err is not None and err.closed is None:
                raise BindgenError(err.coord, f"@errors needs closed=MEMBER: bindings raise it when "
                                              f"a closed {h.name} is used")
        abi_const, abi_fn = self.prefix.upper() + "ABI_VERSION", self.prefix + "abi_version"
        if abi_const in consts and abi_fn in fnames:
            api.abi = {"constant": abi_const, "function": abi_fn,
                       "value": next(c.value for c in api.constants if c.name == abi_const)}
        self.link_deallocators()
        for f in list(api.functions):
            if not self.attempt(f.name, f.coord, self.link_function, f, err, consts, fnames):
                api.functions.remove(f)
        for f in list(api.functions):   # once every function's counts and lengths are linked
            if not self.attempt(f.name, f.coord, self.link_shapes, f):
                api.functions.remove(f)
        mutable = {p.type.pointee.name for f in api.functions if f.kind != "destructor"
                   for p in f.params if p.role == "handle" and not p.type.const}
        for h in api.handles:
            h.serial = h.name in mutable

    def link_function(self, f: ir.Function, err: ir.Enum | None, consts: set[str],
                      fnames: set[str]) -> None:
        api = self.api
        self.link_callbacks(f)
        for p in f.params:
            if id(p) in self.pending:
                raise self.pending[id(p)]
        self.link_counts(f.name, f.coord, f.params)
        by_name = {p.name: p for p in f.params}
        for p in f.params:
            if p.alloc and p.alloc not in consts and not p.alloc.isdigit():
                raise BindgenError(f.coord, f"{f.name}: alloc={p.alloc}: no such constant")
            if p.alloc_call:
                callee = p.alloc_call["function"]
                if callee not in fnames:
                    raise BindgenError(f.coord, f"{f.name}: alloc={callee}(...): no such function")
                rt = api.function(callee).returns.type
                if rt.kind != "scalar" or ir.SCALARS[rt.name][1] not in ("int", "uint"):
                    raise BindgenError(f.coord, f"{f.name}: alloc={callee}(...) must return an integer")
                for arg in p.alloc_call["args"]:
                    if arg not in by_name:
                        raise BindgenError(f.coord, f"{f.name}: alloc argument '{arg}' is not a parameter")
                    given = by_name[arg]
                    if given.role not in ("value", "handle") and not (
                            given.role == "count" and given.type.kind != "pointer" and
                            any(f.param(x).role in ("array_in", "array_inout") for x in given.arrays)):
                        raise BindgenError(f.coord, f"{f.name}: alloc argument '{arg}' must be a "
                                                    "value or handle parameter, or the count of an "
                                                    "[in] array")
        f.throws = err is not None and f.returns.type.kind == "enum" and f.returns.type.name == err.name
        if f.returns.error_if_null and (not err or f.returns.null_status not in
                                        {m.name for m in err.members} - {err.ok}):
            raise BindgenError(f.coord, f"{f.name}: error_if_null=STATUS must name an error "
                                        "member of the @errors enum")
        outs = [p for p in f.params if p.role == "out_handle"]
        if any(not p.owned for p in outs):   # as a returned handle: the binding frees it
            raise BindgenError(f.coord, f"{f.name}: an [out] handle must be [owned]")
        if outs and not f.throws:
            raise BindgenError(f.coord, f"{f.name}: a function with an out handle must return the status enum")
        if f.kind != "deallocator":
            self.link_kind(f, outs)

    def link_shapes(self, f: ir.Function) -> None:
        """Check the shape= of each array of f."""
        for p in f.params:
            if p.shape_call:
                self.link_shape(f, p)

    def link_shape(self, f: ir.Function, p: ir.Param) -> None:
        """shape=g(args): g takes exactly those arguments (value or handle params of f) and
        returns the dimensions as its one output, an [out] integer array."""
        name, args = p.shape_call["function"], p.shape_call["args"]
        where = f"{f.name}: shape={name}(...) of '{p.name}'"
        g = next((x for x in self.api.functions if x.name == name), None)
        if g is None:
            raise BindgenError(f.coord, f"{where}: no such function")
        inputs = [q for q in g.params if not q.hidden and q.role not in ir.OUT_ROLES]
        outs = g.outputs
        if len(outs) != 1 or outs[0].role != "array_out" or \
                ir.SCALARS[outs[0].type.pointee.name][1] not in ("int", "uint") or \
                not outs[0].alloc or not outs[0].length:
            raise BindgenError(f.coord, f"{where}: {name} must return the dimensions as its one "
                                        "output, an [out] integer array with alloc=N or CONST "
                                        "(the most dimensions) and length=")
        if len(inputs) != len(args):
            raise BindgenError(f.coord, f"{where}: {name} takes {len(inputs)} arguments, "
                                        f"{len(args)} given")
        by_name = {q.name: q for q in f.params}
        for arg, q in zip(args, inputs):
            if arg not in by_name or by_name[arg].role not in ("value", "handle"):
                raise BindgenError(f.coord, f"{where}: '{arg}' must be a value or handle "
                                            "parameter")
            if by_name[arg].type.base.name != q.type.base.name:
                raise BindgenError(f.coord, f"{where}: '{arg}' is a {by_name[arg].type.c}, "
                                            f"{name} takes a {q.type.c} there")

    def link_errors(self, err: ir.Enum) -> None:
        """The function giving the last error's message: message= or <prefix>last_error."""
        name = self.errors_doc.get("message")
        if name is None:
            default = self.prefix + "last_error"
            name = default if any(f.name == default for f in self.api.functions) else None
        elif not any(f.name == name for f in self.api.functions):
            raise BindgenError(err.coord, f"@errors message={name}: no such function")
        if name is not None:
            f = self.api.function(name)
            if f.params or not f.returns.type.is_string or f.returns.ownership == "owned":
                raise BindgenError(f.coord, f"{name}: the error message function takes no "
                                            "parameters and returns a [static] or [borrowed] string")
        err.message = name

    def link_deallocators(self) -> None:
        """Functions named by free= of an owned string free memory the library returned."""
        sites = [(p.free, f) for f in self.api.functions for p in f.params if p.free]
        sites += [(f.returns.free, f) for f in self.api.functions if f.returns.free]
        for name, user in sites:
            try:
                dealloc = self.api.function(name)
            except StopIteration:
                raise BindgenError(user.coord, f"{user.name}: free={name}: no such function") from None
            p = dealloc.params[0] if len(dealloc.params) == 1 else None
            if p is None or p.role not in ("pointer", "freed") or not dealloc.returns.type.is_void:
                raise BindgenError(dealloc.coord, f"{name}: a deallocator (free=) is "
                                                  f"void {name}(char *p) or void {name}(void *p)")
            p.role = "freed"
            self.pending.pop(id(p), None)
            dealloc.kind, dealloc.short_name = "deallocator", name[len(self.prefix):]

    def link_callbacks(self, f: ir.Function) -> None:
        by_name = {p.name: p for p in f.params}
        for p in f.params:
            if p.role != "callback":
                continue
            u = by_name.get(p.user_data)
            if u is None or u.role != "pointer" or not u.type.pointee.is_void:
                raise BindgenError(f.coord, f"{f.name}: user_data={p.user_data} of '{p.name}' must "
                                            "name a 'void *' parameter")
            u.role = "user_data"
            self.pending.pop(id(u), None)

    def link_kind(self, f: ir.Function, outs: list[ir.Param]) -> None:
        """kind, handle and short_name (see ir.Function)."""
        stem = f.name[len(self.prefix):]
        first = f.params[0] if f.params else None
        made = outs[0].type.pointee.pointee.name if outs else \
            f.returns.type.pointee.name if f.returns_handle else None
        for h in self.api.handles:
            hstem = h.name[len(self.prefix):] + "_"
            receiver = first is not None and first.role == "handle" and first.type.pointee.name == h.name
            if h.free == f.name:
                f.kind, f.handle = "destructor", h.name
            elif made == h.name and stem.startswith(hstem) and not (f.returns_handle and receiver):
                f.kind, f.handle = "factory", h.name
            elif receiver and stem.startswith(hstem):
                f.kind, f.handle = "method", h.name
            else:
                continue
            stem = stem[len(hstem):]
            break
        f.short_name = stem
        kept = [p.name for p in f.params if p.retained]
        if kept and f.kind not in ("factory", "method"):
            raise BindgenError(f.coord, f"{f.name}: retained ({kept[0]}) needs an object to keep it: "
                                        "a factory's result or a method's receiver")


def _names(fdecl: c_ast.FuncDecl) -> list[str]:
    """The parameter names of a function declaration."""
    return [a.name for a in (fdecl.args.params if fdecl.args else []) if getattr(a, "name", None)]


def parse_header(path: str | Path, prefix: str, name: str, display: str | None = None,
                 overlay: Overlay | None = None, system: bool = False) -> ir.API:
    """Parse the header at `path` (`system`: the system header <path>, through the C
    preprocessor); errors name it as `display` (default: path)."""
    if system:
        inline = overlay.inline if overlay else None
        src = _Preprocessed(str(path), inline and (inline.text, overlay.display, inline.first_line))
        return _Parser(src, "", prefix, name, overlay, display or f"<{path}>").run()
    if overlay and overlay.inline:
        raise BindgenError(f"{overlay.display}:{overlay.inline.line}",
                           "inline C needs a system header (header = \"<name.h>\"), read through "
                           "the C preprocessor")
    text = Path(path).read_text()
    src = _Source(text, display or str(path))
    return _Parser(src, text, prefix, name, overlay, display or str(path)).run()
