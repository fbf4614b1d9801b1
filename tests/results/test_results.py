"""docs/results.md and the script that writes it (tools/results.py).

The page is a function of two committed inputs, bench/results.json (the benchmark's latencies)
and docs/results.json (what the script measured), so it must be exactly what `--render` makes
of them: a stale page after a new benchmark run, or a hand edit, fails here. The rest runs the
script's non-timing parts: on one model and one language end to end, and on inputs with a piece
missing, which must stop it with a message saying which.
"""
from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "results.py"
BENCH = json.loads((ROOT / "bench" / "results.json").read_text())
MEASURED = json.loads((ROOT / "docs" / "results.json").read_text())


def load():
    spec = importlib.util.spec_from_file_location("results", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


results = load()


def script(*args, env=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, **(env or {})))


def entry(bench: dict, model: str, threads: int) -> dict:
    return next(r for r in bench["results"] if r["model"] == model and r["threads"] == threads)


def test_page_is_rendered_from_the_committed_inputs():
    page = (ROOT / "docs" / "results.md").read_text()
    assert page == results.render(BENCH, MEASURED), \
        "docs/results.md is stale: python tools/results.py --render (or a full run after python -m bench)"
    assert (ROOT / "docs" / "results.png").is_file()
    assert "docs/results.md" in (ROOT / "README.md").read_text()


def test_page_takes_latencies_from_the_benchmark():
    """Each model's row holds bench/results.json's medians (read here straight from the JSON)."""
    page = results.render(BENCH, MEASURED)
    for model in MEASURED["models"]:
        row = next(line for line in page.splitlines()
                   if line.startswith(f"| EfficientNet-{model.capitalize()} |"))
        for threads in (1, 2):
            r = entry(BENCH, model, threads)
            ours, theirs = r["engines"]["predict"]["median_ms"], r["engines"]["onnxruntime"]["median_ms"]
            assert f"{ours:.1f} / {theirs:.1f} ms" in row, (model, threads, row)


def test_a_different_top5_is_counted():
    """Swapping two classes of one program's top-5 takes exactly one pair off the agreement."""
    model, lang, photo = "lite0", MEASURED["langs"][0], "coffee.png"
    changed = copy.deepcopy(MEASURED)
    top = changed["models"][model]["langs"][lang]["top"][photo]
    top[1], top[2] = top[2], top[1]

    def agreed(measured):
        row = next(line for line in results.render(BENCH, measured).splitlines()
                   if line.startswith(f"| EfficientNet-{model.capitalize()} |"))
        return int(row.split(" | ")[4].split("/")[0])
    assert agreed(changed) == agreed(MEASURED) - 1


@pytest.mark.parametrize("drop, message", [
    (lambda b: b["results"].remove(entry(b, "lite1", 2)), "bench/results.json has no lite1 at 2 thread(s)"),
    (lambda b: entry(b, "lite0", 1)["engines"]["onnxruntime"].update(status="missing"),
     "lite0 at 1 thread(s): onnxruntime is missing"),
    (lambda b: entry(b, "lite2", 2)["engines"]["predict"].update(check="MISMATCH"),
     "lite2 at 2 thread(s): predict's outputs were MISMATCH"),
    (lambda b: b.update(quick=True), "--quick run"),
])
def test_a_missing_piece_stops_the_script(tmp_path, drop, message):
    bench = copy.deepcopy(BENCH)
    drop(bench)
    (tmp_path / "bench.json").write_text(json.dumps(bench))
    (tmp_path / "results.json").write_text(json.dumps(MEASURED))
    res = script("--render", "--no-chart", "--bench", tmp_path / "bench.json", "--out", tmp_path)
    assert res.returncode == 1 and message in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "results.md").exists()


def test_render_needs_the_measurements(tmp_path):
    res = script("--render", "--out", tmp_path)
    assert res.returncode == 1 and "results.json not found" in res.stderr, res.stderr


@pytest.mark.slow
def test_one_model_one_language_end_to_end(tmp_path):
    """Everything but the latencies, measured for real on Lite0 with the Go program: the model
    fetched into a fresh cache, the library and the program built, the photos classified."""
    chart = [] if importlib.util.find_spec("matplotlib") else ["--no-chart"]
    res = script("--models", "lite0", "--langs", "go", "--out", tmp_path / "out", *chart,
                 env={"PREDICT_MODELS_DIR": str(tmp_path / "models")}, timeout=1800)
    assert res.returncode == 0, res.stderr
    assert "results: building the go classify program: done" in res.stderr      # progress is shown
    measured = json.loads((tmp_path / "out" / "results.json").read_text())
    model = tmp_path / "models" / "efficientnet-lite0.onnx"
    lite0 = measured["models"]["lite0"]
    assert lite0["bytes"] == model.stat().st_size and lite0["input"] == 224
    go = lite0["langs"]["go"]
    assert 10 * 2**10 < go["peak_rss_kib"] < 2**20          # a process holding a 18 MiB model: MiB, not GiB
    for photo in ("chelsea.png", "coffee.png"):              # PNGs: the same pixels as Pillow's
        assert [c for c, _ in go["top"][photo]] == [c for c, _ in lite0["onnxruntime"][photo]], photo
    assert measured["programs"]["go"]["bytes"] > measured["programs"]["go"]["stripped"] > 0
    assert measured["library"]["O2_bytes"] > measured["library"]["Os_bytes"] > 0
    page = (tmp_path / "out" / "results.md").read_text()
    assert page == results.render(BENCH, measured)
    assert "| EfficientNet-Lite0 | 224x224 | 75.1% |" in page
