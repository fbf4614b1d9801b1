"""Smoke test of the per-call overhead benchmark (bench/calls/): a --quick run for C and
Python builds, runs and checks every program's output (y == x + c, exactly), prints the
table and writes calls_results.json with the expected structure. Timings are reported by
the driver, never asserted here."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("onnx") is None or importlib.util.find_spec("predict") is None
    or shutil.which(os.environ.get("CC", "cc")) is None,
    reason="needs onnx, the predict package and a C compiler")

LARGE = 4096  # the large model of a quick test: small enough to write and run at once


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("calls")
    env = dict(os.environ, PREDICT_BENCH_CACHE=str(tmp / "cache"))
    r = subprocess.run([sys.executable, "-m", "bench.calls", "--quick", "--langs", "c,python",
                        "--large", str(LARGE), "--out", str(tmp / "out")],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r, json.loads((tmp / "out" / "calls_results.json").read_text()), tmp


def test_table(quick_run):
    r, _, _ = quick_run
    lines = r.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("language"))
    assert "ns/call (16)" in lines[head] and f"ns/call ({LARGE})" in lines[head]
    assert "over C ns" in lines[head] and "ns/byte" in lines[head] and "per byte / C" in lines[head]
    rows = {line.split()[0]: line.split() for line in lines[head + 1:head + 3]}
    assert set(rows) == {"c", "python"}
    for row in rows.values():
        assert row[-1] == "ok"  # the check column
    assert "calls_results.json" in lines[-1]


def test_json(quick_run):
    _, doc, tmp = quick_run
    for key in ("date", "machine", "options", "method", "results"):
        assert key in doc
    assert len(doc["machine"]["load_average_at_start"]) == 3
    assert doc["options"]["quick"] and doc["options"]["threads"] == 1
    assert doc["options"]["small"] == 16 and doc["options"]["large"] == LARGE
    assert set(doc["results"]) == {"c", "python"}
    for lang, rec in doc["results"].items():
        assert rec["status"] == "ok", rec
        assert rec["data_path"] and rec["build"]["command"]
        for n in (16, LARGE):
            size = rec[str(n)]
            for check in (size["check"], size["check_after"]):  # y == x + c, bit for bit
                assert check["ok"] and check["max_abs_err"] == 0.0, (lang, n, check)
            opt = doc["options"]
            assert len(size["round_ns"]) == opt["processes"] * opt["rounds_per_process"]
            assert len(size["process_medians_ns"]) == opt["processes"]
            assert size["median_ns"] > 0 and size["iterations_per_round"] >= 1
            assert size["bytes_per_call"] == 8 * n
            assert size["ns_per_byte"] == pytest.approx(size["median_ns"] / (8 * n))
        assert "overhead_ns" in rec and "per_byte_ratio_to_c" in rec
    assert doc["results"]["c"]["overhead_ns"] == 0.0
    assert doc["results"]["c"]["per_byte_ratio_to_c"] == 1.0
    # the builds and models went to the cache, not into the repository
    assert (tmp / "cache" / "calls" / "models" / "add_16.onnx").exists()
    assert any((tmp / "cache" / "calls" / "build").glob("c-*/calls"))


def test_a_missing_toolchain_is_skipped(tmp_path):
    # a PATH without go: the language is skipped with a clear line, the others still run
    env = dict(os.environ, PREDICT_BENCH_CACHE=str(tmp_path / "cache"),
               PATH=os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                    if not (Path(p) / "go").exists()))
    r = subprocess.run([sys.executable, "-m", "bench.calls", "--quick", "--langs", "c,go",
                        "--large", "64", "--out", str(tmp_path / "out")],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "skip go: go not found" in r.stderr
    doc = json.loads((tmp_path / "out" / "calls_results.json").read_text())
    assert doc["results"]["go"]["status"] == "missing"
    assert doc["results"]["c"]["status"] == "ok"
    assert any(line.startswith("go") and "missing" in line for line in r.stdout.splitlines())
