"""ONNX's backend node tests, run through predict.

`onnx.backend.test.case.node.collect_testcases` builds every node test case of
the installed onnx package: a small model (one operator, or a function
expanded into several), its inputs and the expected outputs, with the
tolerances ONNX's own backend runner uses (rtol, atol per case, compared with
numpy.testing.assert_allclose after an exact shape check).

Each case ends as one of:
  passed    loaded, ran, and every output matched;
  refused   the load failed with PRED_ERR_UNSUPPORTED: the engine says it
            does not implement something the model uses;
  failed    anything else: a wrong answer, a wrong shape, or another error.

predict's API feeds and returns float32 tensors, so a case whose integer
inputs (indices, axes, pads...) are graph inputs is refused as it stands.
(Float inputs that fix shapes, Resize's scales, are fed at run time: setting
one re-plans the session, so outputs are read with the session's shapes.)
Refused cases also run "frozen": those inputs become initializers with the
case's own values, which checks the operator's arithmetic all the same.

    python tests/onnx_node/harness.py            per-operator counts and totals
    python tests/onnx_node/harness.py -v         and every case that did not pass
    python tests/onnx_node/harness.py -k resize  only cases whose name contains "resize"
"""
from __future__ import annotations

import argparse
import collections
import re
import sys
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import onnx
from onnx import numpy_helper

import predict

PASSED, REFUSED, FAILED = "passed", "refused", "failed"

# The engine's message for an input it needs at load: "input 1 ('scales') must be known at load ..."
_AT_LOAD = re.compile(r"input \d+ \('([^']*)'\) must be known at load")


@dataclass
class Result:
    name: str
    ops: tuple[str, ...]        # the graph's operator types (sorted, unique)
    float32_only: bool          # every graph input and output is a float32 tensor
    outcome: str                # PASSED, REFUSED or FAILED
    message: str = ""           # why it was refused or failed
    frozen: str | None = None   # outcome with integer and load-time inputs frozen (refused cases only)
    frozen_message: str = ""


@lru_cache(maxsize=None)
def testcases() -> tuple:
    """Every node test case of the installed onnx package (collecting takes ~3 s)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the generators' own overflow warnings
        from onnx.backend.test.case.node import collect_testcases
        return tuple(collect_testcases(None))


def claimed_ops() -> frozenset[str]:
    """The ONNX operators the engine implements (its operator table)."""
    return frozenset(predict.operator_name(i) for i in range(predict.operator_count()))


def _is_float32_tensor(value_info: onnx.ValueInfoProto) -> bool:
    return (value_info.type.HasField("tensor_type")
            and value_info.type.tensor_type.elem_type == onnx.TensorProto.FLOAT)


def _compare(outputs: list[np.ndarray], expected: list, rtol: float, atol: float) -> str:
    """"" when the outputs match as ONNX's backend runner checks them, else why not."""
    if len(outputs) != len(expected):
        return f"{len(outputs)} outputs, expected {len(expected)}"
    for i, (out, ref) in enumerate(zip(outputs, expected)):
        if not isinstance(ref, np.ndarray):
            return f"output {i}: expected a {type(ref).__name__}, not a tensor"
        if out.shape != ref.shape:
            return f"output {i} has shape {out.shape}, expected {ref.shape}"
        if ref.dtype != np.float32:
            return f"output {i} is float32, expected {ref.dtype}"
        try:
            np.testing.assert_allclose(out, ref, rtol=rtol, atol=atol)
        except AssertionError as e:
            return f"output {i}: {str(e).strip()}"
    return ""


def run_model(model: onnx.ModelProto, inputs: list, expected: list, rtol: float, atol: float) -> tuple[str, str]:
    """(outcome, message) of one model on one data set."""
    try:
        m = predict.Model.load(model.SerializeToString())
    except predict.PredictError as e:
        return (REFUSED if e.status == predict.Status.ERR_UNSUPPORTED else FAILED), str(e)
    try:
        with m, predict.Session(m) as s:
            if m.input_count() != len(inputs):
                return FAILED, f"the model has {m.input_count()} inputs, the case feeds {len(inputs)}"
            for i, x in enumerate(inputs):
                if not isinstance(x, np.ndarray) or x.dtype != np.float32:
                    return FAILED, f"input {i} is not a float32 tensor, yet the model loaded"
                if tuple(m.input_shape(i)) != x.shape:
                    return FAILED, f"input {i} has shape {tuple(m.input_shape(i))}, the case feeds {x.shape}"
                s.set_input(i, np.ascontiguousarray(x))
            s.run()
            # the session's shapes: a shape input (Resize scales) re-plans it
            outputs = [s.get_output(i).reshape(s.output_shape(i)) for i in range(m.output_count())]
    except predict.PredictError as e:
        return FAILED, str(e)
    why = _compare(outputs, expected, rtol, atol)
    return (FAILED, why) if why else (PASSED, "")


def freeze(model: onnx.ModelProto, inputs: list, names: set[str]) -> tuple[onnx.ModelProto, list]:
    """The model with the graph inputs `names` turned into initializers holding the case's values."""
    frozen = onnx.ModelProto()
    frozen.CopyFrom(model)
    graph = frozen.graph
    kept_vi, kept = [], []
    for vi, x in zip(model.graph.input, inputs):
        if vi.name in names:
            graph.initializer.append(numpy_helper.from_array(np.asarray(x), vi.name))
        else:
            kept_vi.append(vi)
            kept.append(x)
    del graph.input[:]
    graph.input.extend(kept_vi)
    return frozen, kept


def run_frozen(model: onnx.ModelProto, inputs: list, expected: list, rtol: float, atol: float) -> tuple[str, str]:
    """Freezes the non-float32 inputs, then each input the engine says it needs at load."""
    names = {vi.name for vi in model.graph.input if not _is_float32_tensor(vi)}
    if len(inputs) != len(model.graph.input) or not all(isinstance(x, np.ndarray) for x in inputs):
        return REFUSED, "the inputs are not all tensors"
    while True:
        frozen, kept = freeze(model, inputs, names)
        outcome, message = run_model(frozen, kept, expected, rtol, atol)
        wanted = _AT_LOAD.search(message) if outcome == REFUSED else None
        graph_inputs = {vi.name for vi in model.graph.input}
        if not wanted or wanted.group(1) in names or wanted.group(1) not in graph_inputs:
            return outcome, message
        names.add(wanted.group(1))


def _normalize(value):
    """A case's value as the backend runner sees it: TensorProtos and NumPy scalars become arrays."""
    if isinstance(value, onnx.TensorProto):
        return numpy_helper.to_array(value)
    if isinstance(value, np.generic):
        return np.asarray(value)
    return value


def run_case(case) -> Result:
    model = case.model
    ops = tuple(sorted({n.op_type for n in model.graph.node}))
    f32 = all(_is_float32_tensor(v) for v in [*model.graph.input, *model.graph.output])
    (inputs, expected), = case.data_sets
    inputs, expected = [_normalize(x) for x in inputs], [_normalize(x) for x in expected]
    outcome, message = run_model(model, inputs, expected, case.rtol, case.atol)
    result = Result(case.name, ops, f32, outcome, message)
    if outcome == REFUSED:
        result.frozen, result.frozen_message = run_frozen(model, inputs, expected, case.rtol, case.atol)
    return result


@lru_cache(maxsize=None)
def results() -> tuple[Result, ...]:
    return tuple(run_case(c) for c in testcases())


def main_op(result: Result) -> str:
    """The operator a case is about: its only one; cases of several are functions expanded into them."""
    return result.ops[0] if len(result.ops) == 1 else "(expanded functions)"


def summary(rs, claimed: frozenset[str]) -> str:
    lines = []
    per_op = collections.defaultdict(collections.Counter)
    for r in rs:
        per_op[main_op(r)][r.outcome] += 1
        if r.frozen == PASSED:
            per_op[main_op(r)]["frozen_passed"] += 1
    width = max(len(op) for op in per_op)
    lines.append(f"{'operator':<{width}}  passed refused failed  (passed when frozen)")
    for op in sorted(per_op, key=lambda o: (o not in claimed, o.startswith("("), o.lower())):
        c = per_op[op]
        if op not in claimed and not c[PASSED] and not c[FAILED] and not c["frozen_passed"]:
            continue  # unclaimed and all refused: counted in the totals only
        mark = "" if op in claimed or op.startswith("(") else "  (not claimed)"
        frozen = f"  ({c['frozen_passed']})" if c["frozen_passed"] else ""
        lines.append(f"{op:<{width}}  {c[PASSED]:6} {c[REFUSED]:7} {c[FAILED]:6}{frozen}{mark}")

    def totals(label, subset):
        c = collections.Counter(r.outcome for r in subset)
        fp = sum(r.frozen == PASSED for r in subset)
        return (f"{label}: {len(subset)} cases, {c[PASSED]} passed, {c[REFUSED]} refused, {c[FAILED]} failed"
                f" ({fp} of the refused pass frozen)")
    lines.append("")
    lines.append(totals("all", rs))
    lines.append(totals("float32-only", [r for r in rs if r.float32_only]))
    lines.append(totals("only claimed operators", [r for r in rs if set(r.ops) <= claimed]))
    lines.append(totals("float32-only, only claimed operators",
                        [r for r in rs if r.float32_only and set(r.ops) <= claimed]))
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-v", "--verbose", action="store_true", help="list every case that did not pass")
    ap.add_argument("-k", default="", help="only cases whose name contains this")
    args = ap.parse_args(argv)
    claimed = claimed_ops()
    rs = [run_case(c) for c in testcases() if args.k in c.name] if args.k else list(results())
    print(summary(rs, claimed))
    if args.verbose:
        for r in rs:
            if r.outcome != PASSED and (set(r.ops) <= claimed or r.outcome == FAILED):
                frozen = f"\n    frozen: {r.frozen} {r.frozen_message[:300]}" if r.frozen else ""
                print(f"{r.outcome:7} {r.name}: {r.message[:300]}{frozen}")
    return 1 if any(r.outcome == FAILED for r in rs) else 0


if __name__ == "__main__":
    sys.exit(main())
