"""Naming helpers shared by every language module (one place, not per template)."""
from __future__ import annotations

import re
import textwrap


def words(name: str) -> list[str]:
    """Split snake_case or CamelCase into lower-case words."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w.lower() for w in name.split("_") if w]


def snake(name: str) -> str:
    return "_".join(words(name))


def camel(name: str) -> str:
    ws = words(name)
    return ws[0] + "".join(w.capitalize() for w in ws[1:]) if ws else ""


def pascal(name: str) -> str:
    return "".join(w.capitalize() for w in words(name))


def upper_snake(name: str) -> str:
    return "_".join(words(name)).upper()


def strip_prefix(name: str, prefix: str) -> str:
    """pred_model -> model, PRED_ERR_SHAPE -> ERR_SHAPE."""
    for p in (prefix, prefix.upper()):
        if name.startswith(p):
            return name[len(p):]
    return name


def library_version(api, prefix: str) -> str:
    """The library's version for package metadata: the <PREFIX>VERSION string constant of the
    header (the one place it is set), else 0.0.0."""
    name = prefix.upper() + "VERSION"
    found = [c.value for c in api.constants if c.name == name and c.kind == "string"]
    return found[0] if found else "0.0.0"


def comment(text: str, lead: str, width: int = 90) -> str:
    """`text` as comment lines starting with `lead` (e.g. "// ", " * ", "/// ")."""
    out = []
    for para in text.split("\n\n"):
        lines = textwrap.wrap(" ".join(para.split()), width - len(lead),
                              break_on_hyphens=False) or [""]
        if out:
            out.append(lead.rstrip())
        out += [lead + ln for ln in lines]
    return "\n".join(out)


def member_names(enum: str, members: list[str], prefix: str) -> dict[str, str]:
    """Enum members without the prefix, and without the enum's own name when every
    member repeats it: PRED_ERR_SHAPE -> ERR_SHAPE; EN_COLOR_RED of en_color -> RED."""
    short = {m: strip_prefix(m, prefix) for m in members}
    stem = upper_snake(strip_prefix(enum, prefix)) + "_"
    rest = {m: s[len(stem):] for m, s in short.items() if s.startswith(stem)}
    if len(rest) == len(short) and all(re.fullmatch(r"[A-Za-z_]\w*", r) for r in rest.values()):
        return rest
    return short


def thread_doc(serial: bool, thread: str, close: str, fails: str) -> str:
    """The sentences every binding's doc of a handle type says about threads (README.md,
    "Thread safety"), in the language's words for a thread, its close and its failure."""
    calls = (f"Calls on one object are serialised: a call waits for the one running on another "
             f"{thread} to return. " if serial else f"It may be used from several {thread}s at once. ")
    return calls + (f"{close} may be called at any time, from any {thread}: calls running finish "
                    f"normally, and later ones {fails}.")
