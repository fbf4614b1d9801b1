"""Annotations kept beside a header you cannot edit (an overlay).

The overlay is a TOML table (the [overlay] table of the configuration, or the
file its `overlay = "FILE"` names) whose keys are C names or globs and whose
values are the annotation language of bindgen/README.md, as a doc comment
would hold it:

    "compress2" = '''Compresses a buffer.
    @param[out] dest [count=destLen] ...'''
    "crc32.buf" = "[count=len] The bytes."          # one parameter (or struct field): NAME.PARAM
    "deflate*.strm" = "The stream."                 # globs name families

The key `inline` (a C keyword, so never a declaration's name) holds C code the
bindings compile after the header, as SWIG's %inline: helpers the library lacks
(a z_stream the binding allocates, say), declared with `/** */` annotations as
in a header written for bindgen. `ir.API.c_prelude` carries it to every backend.

`Overlay.doc(name, params)` turns the entries matching a declaration into the
same DocComment a `/** */` comment above it would give (annotations.parse_doc
reads both), so the parser has one path after this point. Entries that match
nothing are `file:line` errors (`Overlay.check_used`).
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from .annotations import DIRECTIONS, BindgenError, DocComment, parse_doc


@dataclass
class Entry:
    key: str      # NAME, or NAME.PARAM; either may be a glob
    text: str
    line: int     # the line of the key in `file`
    starts_next_line: bool   # a ''' string opened by a line break: its text starts below the key
    used: bool = False

    @property
    def decl(self) -> str:
        return self.key.partition(".")[0]

    @property
    def param(self) -> str:
        return self.key.partition(".")[2]

    @property
    def is_glob(self) -> bool:
        return any(ch in self.decl for ch in "*?[")

    @property
    def first_line(self) -> int:
        """The line of the file where the text starts."""
        return self.line + 1 if self.starts_next_line else self.line


class Overlay:
    def __init__(self, file: Path, display: str, table: dict, text: str, lines: dict[str, int]):
        self.file, self.display = file, display
        self.entries: list[Entry] = []
        self.inline: Entry | None = None
        src = text.splitlines()
        for key, value in table.items():
            line = lines.get(key, 0)
            coord = f"{display}:{line}"
            if not isinstance(value, str):
                raise BindgenError(coord, f"overlay entry '{key}': expected the annotation text "
                                          "(a string; quote keys with a dot: \"crc32.buf\" = ...)")
            if not re.fullmatch(r"[\w*?\[\]]+(\.\w+)?", key):
                raise BindgenError(coord, f"overlay key '{key}': expected NAME or NAME.PARAM "
                                          "(NAME may be a glob such as deflate*)")
            opened = src[line - 1].rstrip() if 0 < line <= len(src) else ""
            entry = Entry(key, value, line, opened.endswith(("'''", '"""')))
            if key == "inline":   # C, not a C name (a keyword): see the module doc
                self.inline = entry
            else:
                self.entries.append(entry)

    def _matching(self, name: str) -> list[Entry]:
        """Entries whose NAME matches `name`: globs first (in file order), the exact one last,
        so the more precise entry wins where both say something."""
        hits = [e for e in self.entries if fnmatch.fnmatchcase(name, e.decl)]
        return sorted(hits, key=lambda e: not e.is_glob)

    def names(self, name: str) -> bool:
        """Whether any entry matches the declaration `name`."""
        return bool(self._matching(name))

    def doc(self, name: str, params: list[str]) -> DocComment | None:
        """The DocComment the overlay gives `name` (a function or callback with `params`,
        or a type or constant with none), or None when no entry names it."""
        hits = self._matching(name)
        if not hits:
            return None
        merged = DocComment()
        for e in hits:
            if e.param:
                if e.param not in params:
                    continue   # a family's parameter: not every member has it
                direction, rest = "", e.text.strip()
                m = re.match(r"\[([^\]]*)\]\s*", rest)
                if m and m.group(1).replace(" ", "") in DIRECTIONS:
                    direction, rest = f"[{m.group(1)}]", rest[m.end():]
                raw = f"@param{direction} {e.param} {rest}"
            else:
                raw = e.text
            d = self._parse(e, raw)
            if e.is_glob:   # a family's doc: drop the parameters this member lacks
                d.params = {k: v for k, v in d.params.items() if k in params}
            e.used = True
            merge(merged, d)
        return merged

    def new_enums(self) -> list[tuple[str, DocComment, str]]:
        """[(name, doc, coord)] of the enums the overlay makes of #defines (`@defines`)."""
        out = []
        for e in self.entries:
            if not e.param and not e.is_glob and re.search(r"@defines\b", e.text):
                e.used = True
                out.append((e.key, self._parse(e, e.text), f"{self.display}:{e.line}"))
        return out

    def _parse(self, e: Entry, raw: str) -> DocComment:
        # parse_doc numbers lines from the comment's first line: "/**\n" puts the text one below
        first = e.line if e.starts_next_line else e.line - 1
        return parse_doc("/**\n" + raw + "\n*/", self.display, first)

    def check_used(self, header: str) -> None:
        """Every entry must have named a declaration (and its parameter) of the header."""
        for e in self.entries:
            if not e.used:
                what = f"parameter '{e.param}' of " if e.param else ""
                raise BindgenError(f"{self.display}:{e.line}", f"overlay entry '{e.key}': "
                                                               f"no {what}{e.decl} in {header}")


def merge(into: DocComment, d: DocComment) -> None:
    """Lay `d` over `into`: whatever `d` says replaces what `into` said."""
    if d.summary:
        into.summary, into.body = d.summary, d.body
    into.params.update(d.params)
    for attr in ("returns", "errors", "handle", "flags", "blocking", "defines", "skip"):
        if getattr(d, attr) is not None:
            setattr(into, attr, getattr(d, attr))
    into.line = into.line or d.line
