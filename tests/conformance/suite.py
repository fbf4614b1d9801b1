"""The conformance suite's shared pieces: the cases, the languages, cached results.

Every case is written to disk once and each language's runner runs it once."""
from __future__ import annotations

import functools
import importlib
import json
import os
import sys
from pathlib import Path

import numpy as np

if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

from cases import Case, all_cases, write_files  # noqa: E402

ALL_LANGUAGES = ["python", "java", "go", "swift", "c", "js"]
# The kernel level that computes a language's outputs (pred_kernel_isa): the native languages
# share this machine's C library and its level (avx2, or scalar under PRED_ISA=scalar);
# JavaScript runs the C compiled to WebAssembly with its SIMD128 level (its package passes
# PRED_ISA on to C, so scalar there too under PRED_ISA=scalar). Languages on one level agree
# bit for bit (JavaScript with the native scalar level too: `make test` checks it with
# PRED_ISA=scalar); across levels, within each case's tolerance.
WASM_ISA = {"js": "wasm128"}


@functools.cache
def kernel_isa(lang: str) -> str:
    if lang in WASM_ISA:
        return "scalar" if os.environ.get("PRED_ISA") == "scalar" else WASM_ISA[lang]
    import predict
    return predict.kernel_isa()


def languages() -> list[str]:
    """All languages, or those named in PREDICT_LANGS (e.g. "python,go") for a quick local run."""
    chosen = os.environ.get("PREDICT_LANGS")
    return [x.strip() for x in chosen.split(",")] if chosen else ALL_LANGUAGES


CASES = all_cases()


def case_model_paths(folder: Path, names) -> list[Path]:
    """The model.onnx of each named case, written to folder/<name>.onnx (for C programs that take
    model paths: the targets' and the portability matrix's)."""
    by_name = {case.name: case for case in CASES}
    paths = []
    for name in names:
        path = folder / f"{name}.onnx"
        path.write_bytes(by_name[name].files["model.onnx"])
        paths.append(path)
    return paths


class Results:
    """Each (language, case) runs once per test session; results are cached."""

    def __init__(self, root: Path):
        self.root = root
        self.cache: dict[tuple[str, str], dict] = {}
        self.case_json: dict[str, Path] = {}
        for case in CASES:
            self.case_json[case.name] = self._write(case)

    def _write(self, case: Case) -> Path:
        d = self.root / case.name
        d.mkdir(parents=True)
        write_files(case.files, d)
        path = d / "case.json"
        path.write_text(json.dumps({"name": case.name, "steps": case.steps}, indent=1))
        return path

    def get(self, lang: str, case: str) -> dict:
        key = (lang, case)
        if key not in self.cache:
            runner = importlib.import_module(f"runners.{lang}")
            self.cache[key] = runner.run_case(self.case_json[case])
        return self.cache[key]


def check_steps(case: Case, got: list[dict]) -> None:
    """A runner's steps against the case: statuses, messages, fields, outputs within tolerance."""
    assert [s["op"] for s in got] == [s["op"] for s in case.steps]
    for i, (step, want, res) in enumerate(zip(case.steps, case.expect, got)):
        where = f"step {i} {step}"
        assert res["status"] == want.status, f"{where}: {res['status']}: {res['message']}"
        if want.status != "PRED_OK":
            assert res["message"], f"{where}: an error needs a message"
            for text in want.contains:
                assert text in res["message"], f"{where}: {res['message']!r} lacks {text!r}"
            continue
        for key, value in want.fields.items():
            assert res[key] == value, f"{where}: {key}"
        if want.output is not None:
            data = np.frombuffer(bytes.fromhex(res["data"]), dtype="<f4")
            assert data.size == want.output.size, where
            np.testing.assert_allclose(data, want.output.ravel(), rtol=want.rtol, atol=want.atol,
                                       err_msg=where)
