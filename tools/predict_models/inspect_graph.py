"""`python -m predict_models inspect MODEL.onnx`: the graph predict runs, before and after its
load-time optimization, from the engine's own description (pred_model_describe).

The description is JSON; see `describe()` and the header's doc of pred_model_describe.
"""

import json


def describe(path, optimize=True):
    """The engine's description of the model file at `path`, as a dict. (From the file, not
    its bytes: a model may keep its weights in data files beside it.)"""
    import predict  # the binding; imported here so that `convert` works without it

    options = 0 if optimize else predict.LOAD_NO_OPTIMIZE
    try:
        with predict.Model.load_file_with_options(path, options) as model:
            return json.loads(model.describe())
    except predict.PredictError as e:
        from . import ConvertError
        raise ConvertError(str(e)) from e


def _shape(t):
    return "[" + ",".join(str(d) for d in t["shape"]) + "]"


def _mb(n):
    return f"{n / 1e6:.2f} MB"


def summary(before, after):
    """Side-by-side totals of two descriptions, as lines of text."""
    tb, ta = before["totals"], after["totals"]
    rows = [("nodes", tb["nodes"], ta["nodes"]),
            ("  computed at load", tb["folded"], ta["folded"])]
    for op in sorted(set(tb["ops"]) | set(ta["ops"]), key=lambda o: (-tb["ops"].get(o, 0), o)):
        rows.append((f"  {op}", tb["ops"].get(op, 0), ta["ops"].get(op, 0)))
    fused = sum(1 for n in after["nodes"] if n["activation"])
    rows += [("fused activations", sum(1 for n in before["nodes"] if n["activation"]), fused),
             ("parameters", f"{tb['params']:,}", f"{ta['params']:,}"),
             ("constants", _mb(tb["constant_bytes"]), _mb(ta["constant_bytes"])),
             ("intermediate values", _mb(tb["value_bytes"]), _mb(ta["value_bytes"])),
             ("GFLOPs (estimate)", f"{tb['flops'] / 1e9:.3f}", f"{ta['flops'] / 1e9:.3f}")]
    width = max(len(r[0]) for r in rows) + 2
    lines = [f"{'':{width}}{'as in the file':>16}{'optimized':>16}"]
    lines += [f"{name:{width}}{b!s:>16}{a!s:>16}" for name, b, a in rows]
    for kind in ("inputs", "outputs"):
        lines.append(f"{kind}: " + ", ".join(f"{t['name']} {_shape(t)}" for t in after[kind]))
    return lines


def node_lines(desc):
    """One line per node: op, name, input shapes -> output shapes, fused activation, flops."""
    lines = []
    for n in desc["nodes"]:
        ins = " ".join(_shape(t) for t in n["inputs"] if t and t["kind"] in ("input", "value"))
        outs = " ".join(_shape(t) for t in n["outputs"] if t)
        extra = f"  +{n['activation']}" if n["activation"] else ""
        extra += "  (computed at load)" if n["folded"] else f"  {n['flops']:,} flops"
        lines.append(f"{n['op']:<20} {n['name'][:40]:<40} {ins} -> {outs}{extra}")
    return lines


def cmd_inspect(args):
    before, after = describe(args.model, optimize=False), describe(args.model, optimize=True)
    if args.json:
        print(json.dumps({"file": before, "optimized": after}, indent=1))
        return
    print(f"{args.model}: opset {after['opset']}")
    for line in summary(before, after):
        print(line)
    if args.nodes:
        print("\nthe optimized graph, as the engine runs it:")
        for line in node_lines(after):
            print("  " + line)
