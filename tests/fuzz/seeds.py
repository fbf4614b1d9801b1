"""Seed corpus and dictionary for the fuzz_load harness.

    python3 tests/fuzz/seeds.py OUT_DIR

writes OUT_DIR/seeds/ (every model file of the conformance cases, and the
model of every ONNX backend node test) and OUT_DIR/onnx.dict (the static
protobuf tokens of onnx.dict beside this file, plus the names of the
operators the engine implements and of their attributes, so the dictionary
follows the op table as it grows).
"""
from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def conformance_models() -> dict[str, bytes]:
    sys.path.insert(0, str(ROOT / "tests" / "conformance"))
    from cases import all_cases
    out = {}
    for case in all_cases():
        for name, data in case.files.items():
            if name.endswith((".onnx", "model.bin")):
                out[f"conformance_{case.name}_{name}"] = data
    return out


def node_test_models() -> dict[str, bytes]:
    from onnx.backend.test.case.node import collect_testcases
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = collect_testcases(None)
    return {f"node_{c.name}": c.model.SerializeToString() for c in cases}


def engine_op_names() -> list[str]:
    """Operator names in the engine's op table (native/src/ops.c and any op file)."""
    names = set()
    for path in (ROOT / "native" / "src").glob("*.c"):
        names.update(re.findall(r'\[PRED__OP_\w+\]\s*=\s*\{\s*"(\w+)"', path.read_text()))
    return sorted(names)


def dict_entry(token: bytes) -> str:
    return '"' + "".join(chr(b) if 0x20 <= b < 0x7f and b not in b'"\\' else f"\\x{b:02x}" for b in token) + '"'


def dictionary() -> str:
    from onnx import defs
    ops = engine_op_names()
    attrs = set()
    for op in ops:
        try:
            attrs.update(defs.get_schema(op).attributes)
        except Exception:  # an op name onnx does not know: its own name is still useful
            pass
    lines = [(HERE / "onnx.dict").read_text().rstrip("\n"), "# generated: engine operators and their attributes"]
    lines += [dict_entry(x.encode()) for x in ops + sorted(attrs)]
    return "\n".join(lines) + "\n"


def main(out: Path) -> None:
    seeds = out / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    models = {**conformance_models(), **node_test_models()}
    for name, data in models.items():
        (seeds / re.sub(r"[^A-Za-z0-9_.-]", "_", name)).write_bytes(data)
    (out / "onnx.dict").write_text(dictionary())
    print(f"seeds.py: {len(models)} seeds in {seeds}, dictionary {out / 'onnx.dict'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
