"""The models the harness measures, their input shapes and their arithmetic (FLOPs, bytes).

Three groups, named so that `--models` patterns can pick them:

- `lite0`, `lite1`, `lite2`: EfficientNet-Lite converted by `python -m predict_models
  convert` (torch-free), cached in ~/.cache/predict-bench ($PREDICT_BENCH_CACHE);
- `exported/<file stem>`: every tests/models/exported/*.onnx;
- `synthetic/<layer>`: single layers with MobileNet/EfficientNet shapes, written with
  onnx.helper with random weights (fixed seed) into the same cache.
"""

import fnmatch
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
EXPORTED = ROOT / "tests" / "models" / "exported"


def cache_dir():
    d = Path(os.environ.get("PREDICT_BENCH_CACHE", Path.home() / ".cache" / "predict-bench"))
    d.mkdir(parents=True, exist_ok=True)
    return d


@dataclass
class Model:
    name: str
    group: str                 # lite, exported, synthetic
    path: Path | None = None   # None until materialized
    kind: str = ""             # synthetic layers: conv, depthwise, gemm
    make: object = None        # callable writing the file (lite, synthetic)
    notes: list = field(default_factory=list)


# synthetic layers: name -> (kind, spec)
SYNTHETIC = {
    "conv3x3_64ch_56": ("conv", dict(c_in=64, c_out=64, hw=56, k=3, stride=1, group=1)),
    "conv1x1_128ch_28": ("conv", dict(c_in=128, c_out=128, hw=28, k=1, stride=1, group=1)),
    "conv1x1_24to144_56": ("conv", dict(c_in=24, c_out=144, hw=56, k=1, stride=1, group=1)),
    "dw3x3_144ch_56_s1": ("depthwise", dict(c_in=144, c_out=144, hw=56, k=3, stride=1, group=144)),
    "dw3x3_144ch_56_s2": ("depthwise", dict(c_in=144, c_out=144, hw=56, k=3, stride=2, group=144)),
    "dw5x5_240ch_28_s1": ("depthwise", dict(c_in=240, c_out=240, hw=28, k=5, stride=1, group=240)),
    "dw5x5_240ch_28_s2": ("depthwise", dict(c_in=240, c_out=240, hw=28, k=5, stride=2, group=240)),
    "gemm_1280to1000": ("gemm", dict(k=1280, n=1000)),
}


def _write_synthetic(name, path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    kind, p = SYNTHETIC[name]
    rng = np.random.default_rng(sum(map(ord, name)))  # fixed seed per layer
    if kind == "gemm":
        w = (rng.standard_normal((p["n"], p["k"])) / np.sqrt(p["k"])).astype(np.float32)
        b = rng.standard_normal(p["n"]).astype(np.float32) * 0.1
        node = helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1)
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", p["k"]])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", p["n"]])
    else:
        k, g = p["k"], p["group"]
        fan_in = p["c_in"] // g * k * k
        w = (rng.standard_normal((p["c_out"], p["c_in"] // g, k, k)) / np.sqrt(fan_in)).astype(np.float32)
        b = rng.standard_normal(p["c_out"]).astype(np.float32) * 0.1
        node = helper.make_node("Conv", ["x", "w", "b"], ["y"], kernel_shape=[k, k],
                                strides=[p["stride"]] * 2, pads=[k // 2] * 4, group=g)
        ho = (p["hw"] + 2 * (k // 2) - k) // p["stride"] + 1
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", p["c_in"], p["hw"], p["hw"]])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", p["c_out"], ho, ho])
    graph = helper.make_graph([node], name, [x], [y],
                              [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="predict-bench")
    model.ir_version = 8
    onnx.checker.check_model(model)
    tmp = path.with_suffix(".tmp")
    onnx.save(model, tmp)
    tmp.replace(path)


def _convert_lite(variant, path):
    tmp = path.with_suffix(".tmp.onnx")
    r = subprocess.run([sys.executable, "-m", "predict_models", "convert", variant, "-o", str(tmp)],
                       cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"python -m predict_models convert {variant} failed: "
                           + (r.stderr.strip().splitlines() or ["?"])[-1])
    tmp.replace(path)


def catalog():
    """Every model, in the order the harness runs them (files are made on demand)."""
    out = []
    for v in ("lite0", "lite1", "lite2"):
        out.append(Model(v, "lite", make=lambda p, v=v: _convert_lite(v, p)))
    for f in sorted(EXPORTED.glob("*.onnx")):
        out.append(Model(f"exported/{f.stem}", "exported", path=f))
    for name, (kind, _) in SYNTHETIC.items():
        out.append(Model(f"synthetic/{name}", "synthetic", kind=kind,
                         make=lambda p, n=name: _write_synthetic(n, p)))
    return out


def select(models, patterns):
    """`patterns`: comma-separated; a glob (fnmatch) or else a substring of the name."""
    if not patterns:
        return models
    pats = [p.strip() for p in patterns.split(",") if p.strip()]

    def hit(name):
        return any(fnmatch.fnmatchcase(name, p) if any(c in p for c in "*?[") else p in name
                   for p in pats)
    return [m for m in models if hit(m.name)]


def materialize(m):
    """Makes sure m.path exists (converting or generating into the cache)."""
    if m.path is None:
        path = cache_dir() / (m.name.replace("/", "_") + ".onnx")
        if not path.exists():
            m.make(path)
        m.path = path
    return m.path


def input_specs(path, batch):
    """[(name, shape)] of the inputs the caller feeds: symbolic dims are 1, except a
    symbolic first dim, which is the batch (predict ties equally named dims together,
    and every exporter here names the batch alone)."""
    import onnx
    model = onnx.load(str(path), load_external_data=False)
    inits = {t.name for t in model.graph.initializer}
    specs = []
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        tt = vi.type.tensor_type
        if tt.elem_type != onnx.TensorProto.FLOAT:
            raise ValueError(f"input {vi.name!r} is not float32")
        shape = []
        for i, d in enumerate(tt.shape.dim):
            if d.HasField("dim_value") and d.dim_value > 0:
                shape.append(d.dim_value)
            else:
                shape.append(batch if i == 0 else 1)
        specs.append((vi.name, shape))
    return specs


def _shape_of(vi):
    dims = [d.dim_value if d.HasField("dim_value") else None for d in vi.type.tensor_type.shape.dim]
    return None if not dims and not vi.type.tensor_type.HasField("shape") else dims


def _full(model):
    """name -> its shape if fully known, else None."""
    known = {}
    for vi in list(model.graph.input) + list(model.graph.value_info) + list(model.graph.output):
        s = _shape_of(vi)
        if s is not None:
            known[vi.name] = s
    for t in model.graph.initializer:
        known[t.name] = list(t.dims)
    for n in model.graph.node:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    known[n.output[0]] = list(a.t.dims)

    def full(name):
        s = known.get(name)
        return s if s is not None and all(isinstance(d, int) and d > 0 for d in s) else None
    return full


def _count(model):
    """(FLOPs of Conv, ConvTranspose, Gemm, MatMul; names of the nodes without shapes)."""
    full = _full(model)
    flops, missing = 0, []
    for n in model.graph.node:
        op = n.op_type
        if op not in ("Conv", "ConvTranspose", "Gemm", "MatMul"):
            continue
        x, y = full(n.input[0]), full(n.output[0])
        if op in ("Conv", "ConvTranspose"):
            w = full(n.input[1])
            if not (w and x and y):
                missing.append(n.name or op)
                continue
            spatial = y[2:] if op == "Conv" else x[2:]
            flops += 2 * int(np.prod(w)) * y[0] * int(np.prod(spatial))
        elif not (x and y):
            missing.append(n.name or op)
        elif op == "Gemm":
            trans_a = any(at.name == "transA" and at.i for at in n.attribute)
            flops += 2 * y[0] * y[1] * (x[0] if trans_a else x[1])
        else:
            flops += 2 * int(np.prod(y)) * x[-1]
    return flops, missing


def arithmetic(path, specs):
    """FLOPs of one run, counted on the ONNX graph for these input shapes:
    Conv 2*prod(W)*N*prod(output spatial) (W is Cout x Cin/g x k...), ConvTranspose
    2*prod(W)*N*prod(input spatial), Gemm 2*M*N*K, MatMul 2*prod(out)*K; other ops are
    not counted. Shapes come from onnx shape inference, or, where it leaves some unknown
    (TorchScript's Shape -> Gather -> Reshape chains), from onnxruntime's symbolic shape
    inference. Also the bytes of the graph's inputs, outputs and constants (for a single
    layer: what one run must move at least). Returns (flops or None, bytes, [notes])."""
    import onnx
    from onnx import shape_inference
    model = onnx.load(str(path))  # with its external data, if any
    shapes = dict(specs)
    for vi in model.graph.input:
        if vi.name in shapes:
            for d, v in zip(vi.type.tensor_type.shape.dim, shapes[vi.name]):
                d.ClearField("dim_param")
                d.dim_value = v
    flops, missing, inferred, how = None, ["(shape inference failed)"], model, "onnx"
    try:
        inferred = shape_inference.infer_shapes(model, data_prop=True)
        flops, missing = _count(inferred)
    except Exception:
        pass
    if missing:
        try:
            from onnxruntime.tools.symbolic_shape_infer import SymbolicShapeInference
            inferred = SymbolicShapeInference.infer_shapes(model, auto_merge=True)
            flops, missing = _count(inferred)
            how = "onnxruntime's symbolic shape inference"
        except Exception:
            pass
    notes = []
    if missing:
        notes.append(f"no shapes for {len(missing)} node(s) ({', '.join(missing[:3])}): FLOPs unknown")
    elif how != "onnx":
        notes.append(f"FLOPs counted with shapes from {how}")
    full = _full(inferred)
    nbytes = 4 * (sum(int(np.prod(s)) for _, s in specs)
                  + sum(int(np.prod(full(o.name) or [0])) for o in inferred.graph.output)
                  + sum(int(np.prod(t.dims)) for t in inferred.graph.initializer))
    return (None if missing else flops), nbytes, notes
