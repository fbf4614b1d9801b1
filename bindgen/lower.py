"""The lowering: what every binding decides alike about calling a C function.

The IR says what the header declares; this module says what a binding does
with it, the same in every language, from the annotation semantics of
bindgen/README.md: how many elements to allocate for an [out] array, how a
count is filled and which arrays must be as long, which handle a call
locks rather than borrows, and who keeps a retained argument or a stored callback
alive. Each backend (go.py, java.py, ...) only names and renders these
decisions; a new language starts from them.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from . import ir

ARRAYS_IN = ("array_in", "array_inout")   # arrays the caller passes


@dataclass(frozen=True)
class Size:
    """How many elements a binding allocates for an array_out.

    kind "number" (`value` is the digits), "constant" (`value` names a
    #define), "call" (the result of calling function `value` with the
    params `args`), "array" (the length of param `value`, the caller's
    array sharing the count) or "capacity" (param `value`, which the caller
    passes).
    """
    kind: str
    value: str
    args: tuple[str, ...] = ()


@dataclass
class Count:
    """How a binding fills a hidden count parameter before the call.

    `source` is the array whose length it passes: the first array the caller
    passes (an [in] or [in,out] array, or an [out] array given as the
    caller's own buffer), else the first array the binding allocates. Every
    array in `same` is the caller's too and must be exactly as long as
    `source` (else the call is a programming error, refused before C runs).
    """
    param: ir.Param
    source: ir.Param
    same: list[ir.Param] = field(default_factory=list)


def size(f: ir.Function, p: ir.Param) -> Size:
    """How many elements to allocate for the array_out `p` of `f` (README.md: alloc=,
    else the length of the [in] array sharing its count, else its capacity)."""
    if p.alloc_call:
        return Size("call", p.alloc_call["function"], tuple(p.alloc_call["args"]))
    if p.alloc:
        return Size("number" if p.alloc.isdigit() else "constant", p.alloc)
    count = f.param(p.count)
    if count.role == "capacity":
        return Size("capacity", count.name)
    # parse.link_counts: an [out] array without alloc= shares its count with an [in] array
    return Size("array", next(f.param(a) for a in count.arrays if f.param(a).role in ARRAYS_IN).name)


@dataclass(frozen=True)
class Shape:
    """The dimensions of an array (its `shape=`): what calling `function` with the
    params `args` (in its parameters' order, outputs aside) returns.

    Where the language has n-d arrays, the binding returns an [out] array in this
    shape, and an [in] array the caller gives with dimensions must have exactly
    these (a flat one passes, its count checked by C as always): the same elements
    in another layout, NHWC for NCHW say, would otherwise be taken silently.
    """
    function: ir.Function
    args: tuple[ir.Param, ...]


def shape(api: ir.API, f: ir.Function, p: ir.Param) -> Shape | None:
    """The dimensions of the array `p` of `f`, if it declares them."""
    if p.shape_call is None:
        return None
    return Shape(api.function(p.shape_call["function"]),
                 tuple(f.param(a) for a in p.shape_call["args"]))


def caller_buffers(f: ir.Function) -> list[ir.Param]:
    """The [out] arrays of numbers (not text, not bytes) a variant of `f` may take as the
    caller's own buffers, filled in place with no allocation or copy (Go's `...Into`,
    Python's `out=`; Java's direct buffers and Swift's `into:` are such variants too).
    Their length is the count passed to C, as for [in] arrays (see counts())."""
    return [p for p in f.params if p.role == "array_out" and p.type.pointee.name not in ("char", "void")]


def counts(f: ir.Function, buffers: Collection[str] = ()) -> dict[str, Count]:
    """{count param name: Count} for every hidden count of `f`. `buffers` names the
    [out] arrays a variant takes as the caller's own buffers (Java's direct buffers,
    Swift's `into:`): they size their count like [in] arrays, and a capacity whose
    arrays all come as buffers is no longer passed but filled from them."""
    out = {}
    for c in f.params:
        arrays = [f.param(a) for a in c.arrays]
        given = [a for a in arrays if a.role in ARRAYS_IN or a.name in buffers]
        if c.role == "count" or (c.role == "capacity" and given == arrays):
            source = (given or arrays)[0]
            out[c.name] = Count(c, source, given[1:] if given else [])
    return out


def receiver(f: ir.Function) -> ir.Param | None:
    """The handle a method or destructor is called on (its first parameter)."""
    return f.params[0] if f.kind in ("method", "destructor") else None


def locks(api: ir.API, f: ir.Function, p: ir.Param) -> bool:
    """Whether the call takes `p`'s turn lock instead of a plain borrow: `p` is the
    receiver of a method on a handle used by one thread at a time (Handle.serial)."""
    return f.kind == "method" and p is f.params[0] and api.handle(p.type.pointee.name).serial


def made(f: ir.Function) -> str | None:
    """The handle type of the new object `f` makes (returned, or through an [out] handle)."""
    if f.returns_handle:
        return f.returns.type.pointee.name
    return next((p.type.pointee.pointee.name for p in f.params if p.role == "out_handle"), None)


def kept_by_new(f: ir.Function) -> list[ir.Param]:
    """The retained arguments the new object keeps alive (a session its model)."""
    return [p for p in f.params if p.retained] if made(f) else []


def held(f: ir.Function) -> list[ir.Param]:
    """What stays alive after the call until `f` is called again (on the same receiver)
    or the receiver is freed: a method's retained arguments when it makes no new
    object, and stored callbacks. `holder(f)` says who keeps them."""
    kept = [p for p in f.params[1:] if p.retained] if f.kind == "method" and not made(f) else []
    return kept + [p for p in f.params if p.role == "callback" and p.scope == "stored"]


def holder(f: ir.Function) -> str:
    """Who keeps what `held(f)` lists: "receiver" for a method, else "module"."""
    return "receiver" if f.kind == "method" else "module"


def callback_of(f: ir.Function, user_data: ir.Param) -> ir.Param:
    """The callback parameter whose context pointer the user_data parameter carries."""
    return next(p for p in f.params if p.role == "callback" and p.user_data == user_data.name)
