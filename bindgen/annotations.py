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

Tags are listed in TAGS, attributes in PARAM_ATTRS and RETURN_ATTRS, each
with its help text: `bindgen --help` prints them and bindgen/README.md
explains them with examples. ATTRS is a comma-separated list of `flag` or
`key=value`; a value may be a call such as `pred_session_output_size(session, index)`.
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


# tag -> (syntax, meaning)
TAGS = {
    "param": ("@param[in|out|in,out] NAME [ATTRS] text",
              "one per parameter, all required; the direction defaults to in"),
    "return": ("@return [ATTRS] text", "what the function returns; pointers need an ownership"),
    "errors": ("@errors ok=MEMBER [closed=MEMBER] [message=FUNCTION]",
               "on the status enum: functions returning it fail unless ok; closed (needed when "
               "there are handles) is raised for a closed handle; FUNCTION (default "
               "<prefix>last_error, if declared) returns the thread's last error message"),
    "handle": ("@handle free=FUNCTION", "on `typedef struct x x;`: an opaque handle and its destructor"),
    "flags": ("@flags", "on an enum: its members are bits that combine with |"),
    "blocking": ("@blocking", "on a function: it may take long or wait while C calls back "
                              "from other threads, so bindings release their runtime lock"),
    "skip": ("@skip REASON", "leave the declaration out of every binding, with the reason "
                             "(`bindgen report` lists it): a symbol the library does not export here"),
    "defines": ("@defines PATTERN ...", "in an overlay, on a name the header does not declare: "
                                        "an enum of that name whose members are the integer "
                                        "#defines matching the patterns (globs), in header order"),
}

# attribute -> (syntax, meaning)
PARAM_ATTRS = {
    "count": ("count=P", "array: P is its element count (hidden in bindings, taken from the array)"),
    "alloc": ("alloc=N|CONST|f(a,b)", "[out] array: the binding allocates N, CONST or f(a, b) elements"),
    "shape": ("shape=f(a,b)", "array: f(a, b) gives its dimensions, row-major (f's one output is "
                              "an [out] integer array with alloc=N|CONST and length=): bindings "
                              "with n-d arrays return an [out] array in that shape and refuse an "
                              "[in] array of other dimensions"),
    "length": ("length=P", "[out] array: P ([out] size_t *) receives how many elements were "
                           "written; the result is cut to it"),
    "owned": ("owned", "[out] T ** / char **: the caller owns the result (strings also need free=)"),
    "borrowed": ("borrowed", "[out] char **: the string belongs to the library (copied at once)"),
    "static": ("static", "[out] char **: the string lives forever (copied at once)"),
    "free": ("free=FUNCTION", "owned string: the library's deallocator, void FUNCTION(char *)"),
    "nullable": ("nullable", "NULL is allowed: a handle, string, struct pointer or callback "
                             "may be absent, an out handle or out string may come back empty"),
    "retained": ("retained", "handle: the result (factory) or the receiver (method) keeps it alive"),
    "blocking": ("blocking", "any parameter: the same as @blocking on the function"),
    "user_data": ("user_data=P | user_data",
                  "callback parameter: P is the void * passed back to it; in a callback "
                  "typedef, marks that void * parameter"),
    "scope": ("scope=call|stored", "callback parameter: called only during the call (default), "
                                   "or kept until the function is called again"),
    "enum": ("enum=NAME", "an integer parameter: its values are those of enum NAME (such as "
                          "one an overlay makes of #defines with @defines)"),
}
RETURN_ATTRS = {
    "static": ("static", "the pointer lives forever"),
    "borrowed": ("borrowed", "the pointer lives as long as the handle it came from"),
    "owned": ("owned", "the caller owns it: a new handle, or a string with free="),
    "free": ("free=FUNCTION", "owned string: the library's deallocator, void FUNCTION(char *)"),
    "nullable": ("nullable", "NULL is a valid result (None / nil / null)"),
    "error_if_null": ("error_if_null=STATUS", "NULL means failure: raise STATUS with the last message"),
    "enum": ("enum=NAME", "an integer result: its values are those of enum NAME (the @errors "
                          "enum: the function fails unless it returns ok)"),
}
DIRECTIONS = {"in", "out", "in,out"}


@dataclass
class Tag:
    """One @param or @return: direction, attributes, text, and where it is written (the
    header, or an overlay)."""
    direction: str
    attrs: dict[str, str]
    text: str
    line: int
    file: str = ""

    @property
    def coord(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class DocComment:
    summary: str = ""
    body: str = ""
    params: dict[str, Tag] = field(default_factory=dict)
    returns: Tag | None = None
    errors: dict[str, str] | None = None
    handle: dict[str, str] | None = None
    flags: int | None = None        # line of @flags
    blocking: int | None = None     # line of @blocking
    defines: list[str] | None = None   # the patterns of @defines
    skip: str | None = None            # the reason of @skip
    line: int = 0                   # first line of the comment


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


def _parse_attrs(text: str, allowed: dict, coord: str) -> dict[str, str]:
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


def _parse_keyvalues(text: str, required: set[str], optional: set[str], coord: str) -> dict[str, str]:
    out = {}
    syntax = " ".join([k + "=NAME" for k in sorted(required)] + [f"[{k}=NAME]" for k in sorted(optional)])
    for item in text.split():
        key, eq, value = item.partition("=")
        if key not in required | optional or not eq or not value:
            raise BindgenError(coord, f"expected {syntax}, got '{item}'")
        out[key] = value
    missing = required - out.keys()
    if missing:
        raise BindgenError(coord, f"expected {syntax}: {', '.join(sorted(missing))}= is missing")
    return out


_TAG = re.compile(r"@(\w+)(\[[^\]]*\])?")


def parse_doc(raw: str, filename: str, first_line: int) -> DocComment:
    """Parse the text of one /** ... */ comment starting at `first_line`."""
    body = raw[3:-2]
    if body.startswith("<"):
        body = body[1:]
    lines = [re.sub(r"^\s*\*? ?", "", ln).rstrip() for ln in body.split("\n")]
    doc = DocComment(line=first_line)
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
        if bracket and tag != "param":
            raise BindgenError(coord, f"@{tag} takes no direction")
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
            current = doc.params[name] = Tag(direction, attrs, rest, lineno, filename)
        elif tag == "return":
            attrs, rest = _leading_attrs(rest, RETURN_ATTRS, coord)
            current = doc.returns = Tag("out", attrs, rest, lineno, filename)
        elif tag == "errors":
            doc.errors = _parse_keyvalues(rest, {"ok"}, {"closed", "message"}, coord)
        elif tag == "handle":
            doc.handle = _parse_keyvalues(rest, {"free"}, set(), coord)
        elif tag == "skip":
            if not rest:
                raise BindgenError(coord, "@skip needs the reason")
            doc.skip = rest
        elif tag == "defines":
            doc.defines = rest.split()
            if not doc.defines:
                raise BindgenError(coord, "@defines needs the #define names (or globs) of the members")
        elif tag in ("flags", "blocking"):
            if rest:
                raise BindgenError(coord, f"@{tag} takes no arguments")
            setattr(doc, tag, lineno)
        else:
            raise BindgenError(coord, f"unknown tag '@{tag}' (expected "
                                      f"{', '.join('@' + t for t in TAGS)})")
    text = "\n".join(prose).strip()
    summary, _, rest = text.partition("\n\n")
    doc.summary = " ".join(summary.split())
    doc.body = rest.strip()
    return doc


def _leading_attrs(text: str, allowed: dict, coord: str) -> tuple[dict[str, str], str]:
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
