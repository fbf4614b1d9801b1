"""Smoke test of the benchmark harness (bench/): it runs, writes results.json with the
expected structure, and checks each engine's outputs against onnxruntime's. Timings are
reported by the harness, never asserted here."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

needs_peers = pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("onnx") is None
    or shutil.which(os.environ.get("CC", "cc")) is None,
    reason="needs onnxruntime, onnx and a C compiler")


@needs_peers
def test_quick_run_writes_results(tmp_path):
    layer = "synthetic/dw3x3_144ch_56_s2"
    env = dict(os.environ, PREDICT_BENCH_CACHE=str(tmp_path / "cache"))
    r = subprocess.run([sys.executable, "-m", "bench", "--quick", "--engines", "predict,onnxruntime",
                        "--models", layer, "--out", str(tmp_path), "--no-chart"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert layer in r.stdout and layer in r.stderr  # the table and the progress line
    doc = json.loads((tmp_path / "results.json").read_text())
    for key in ("date", "machine", "fma_peak", "engines", "options", "results"):
        assert key in doc
    assert doc["fma_peak"]["peak_gflops"] > 0
    assert doc["engines"]["predict"]["build"]["flags"].startswith("-O2 -fPIC -shared")
    assert doc["engines"]["predict"]["library_bytes"] > 0
    (rec,) = doc["results"]
    assert rec["model"] == layer and rec["threads"] == 1 and rec["batch"] == 1
    assert rec["flops"] == 2 * 144 * 3 * 3 * 28 * 28  # depthwise 3x3, stride 2, 56 -> 28
    ort, pred = rec["engines"]["onnxruntime"], rec["engines"]["predict"]
    assert ort["check"] == "reference"
    assert pred["status"] == "ok" and pred["check"] == "ok", pred
    for er in (ort, pred):
        for key in ("median_ms", "p10_ms", "p90_ms", "load_ms", "rss_peak_mb", "gflops", "gbytes_per_s"):
            assert er[key] > 0, key
    assert pred["ratio_to_onnxruntime"] > 0
    assert pred["images_per_s"] == pytest.approx(1e3 / pred["median_ms"])  # batch 1


def test_a_wrong_output_is_flagged():
    from bench.harness import compare
    ref = [np.linspace(-3, 3, 100, dtype=np.float32)]
    assert compare([ref[0] + 1e-4], ref)[0]
    assert not compare([ref[0] * 1.01], ref)[0]
    assert not compare([ref[0][:50]], ref)[0]
    nan = ref[0].copy()
    nan[3] = np.nan
    assert not compare([nan], ref)[0]
