"""Doc comments and the annotation language inside them.

    /**
     * Summary sentence.
     *
     * Longer description.
     *
     * @param[in] data [count=count] What data is.
     * @param[out] out [owned] Receives the new handle.
     * @return [borrowed, error_if_null=X_ERR] What is returned.
     */

Tags: @param[dir] NAME [ATTRS] text, @return [ATTRS] text,
@errors ok=NAME closed=NAME (on the status enum),
@handle free=FUNCTION (on an opaque typedef).
ATTRS is a comma-separated list of `flag` or `key=value`; a value may be a
call such as `pred_session_output_size(session, index)`.
The full list of attributes is in bindgen/README.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field


class BindgenError(Exception):
    """An error in the input, reported as `file:line: message`."""

    def __init__(self, coord: str, message: str):
        super().__init__(f"{coord}: {message}")
        self.coord = coord
        self.message = message


PARAM_ATTRS = {"count", "alloc", "length", "owned", "nullable", "retained", "blocking"}
RETURN_ATTRS = {"static", "borrowed", "owned", "error_if_null"}
DIRECTIONS = {"in", "out", "in,out"}


@dataclass
class Tag:
    """One @param or @return: direction, attributes, text, and its line."""
    direction: str
    attrs: dict[str, str]
    text: str
    line: int


@dataclass
class DocComment:
    summary: str = ""
    body: str = ""
    params: dict[str, Tag] = field(default_factory=dict)
    returns: Tag | None = None
    errors: dict[str, str] | None = None
    handle: dict[str, str] | None = None


def _split_attrs(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def _parse_attrs(text: str, allowed: set[str], coord: str) -> dict[str, str]:
    attrs = {}
    for item in _split_attrs(text):
        key, _, value = item.partition("=")
        key = key.strip()
        if key not in allowed:
            raise BindgenError(coord, f"unknown annotation '{key}' (expected one of: "
                                      f"{', '.join(sorted(allowed))})")
        if key in attrs:
            raise BindgenError(coord, f"annotation '{key}' given twice")
        attrs[key] = value.strip() if value else "true"
    return attrs


def _parse_keyvalues(text: str, allowed: set[str], coord: str) -> dict[str, str]:
    out = {}
    for item in text.split():
        key, eq, value = item.partition("=")
        if key not in allowed or not eq or not value:
            raise BindgenError(coord, f"expected {' '.join(k + '=NAME' for k in sorted(allowed))}, "
                                      f"got '{item}'")
        out[key] = value
    return out


_TAG = re.compile(r"@(\w+)(\[[^\]]*\])?")


def parse_doc(raw: str, filename: str, first_line: int) -> DocComment:
    """Parse the text of one /** ... */ comment starting at `first_line`."""
    body = raw[3:-2]
    if body.startswith("<"):
        body = body[1:]
    lines = [re.sub(r"^\s*\*? ?", "", ln).rstrip() for ln in body.split("\n")]
    doc = DocComment()
    prose: list[str] = []
    current: Tag | None = None
    # a tag may also follow text on the same line ("/** Adds. @param a A. */")
    segments = [(first_line + n, seg) for n, line in enumerate(lines)
                for seg in re.split(r"(?<=\S)\s+(?=@\w)", line)]
    for lineno, line in segments:
        coord = f"{filename}:{lineno}"
        stripped = line.strip()
        m = _TAG.match(stripped)
        if not m:
            if current is not None:
                if stripped:
                    current.text = (current.text + " " + stripped).strip()
                else:
                    current = None
            else:
                prose.append(line)
            continue
        tag, bracket, rest = m.group(1), m.group(2), stripped[m.end():].strip()
        current = None
        if tag == "param":
            direction = "in"
            if bracket:
                direction = bracket[1:-1].replace(" ", "")
                if direction not in DIRECTIONS:
                    raise BindgenError(coord, f"bad direction '[{bracket[1:-1]}]': use [in], [out] or [in,out]")
            name, _, rest = rest.partition(" ")
            if not re.fullmatch(r"[A-Za-z_]\w*", name):
                raise BindgenError(coord, "@param needs a parameter name")
            attrs, rest = _leading_attrs(rest.strip(), PARAM_ATTRS, coord)
            if name in doc.params:
                raise BindgenError(coord, f"parameter '{name}' documented twice")
            current = doc.params[name] = Tag(direction, attrs, rest, lineno)
        elif tag == "return":
            if bracket:
                raise BindgenError(coord, "@return takes no direction")
            attrs, rest = _leading_attrs(rest, RETURN_ATTRS, coord)
            current = doc.returns = Tag("out", attrs, rest, lineno)
        elif tag == "errors":
            doc.errors = _parse_keyvalues(rest, {"ok", "closed"}, coord)
        elif tag == "handle":
            doc.handle = _parse_keyvalues(rest, {"free"}, coord)
        else:
            raise BindgenError(coord, f"unknown tag '@{tag}' (expected @param, @return, @errors, @handle)")
    text = "\n".join(prose).strip()
    summary, _, rest = text.partition("\n\n")
    doc.summary = " ".join(summary.split())
    doc.body = rest.strip()
    return doc


def _leading_attrs(text: str, allowed: set[str], coord: str) -> tuple[dict[str, str], str]:
    """Split `[a, b=c] rest` into ({a: true, b: c}, rest)."""
    if not text.startswith("["):
        return {}, text
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "["
        depth -= ch == "]"
        if depth == 0:
            return _parse_attrs(text[1:i], allowed, coord), text[i + 1:].strip()
    raise BindgenError(coord, "unclosed '[' in annotation")
