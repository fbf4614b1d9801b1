"""Python soak program (run by test_soak.py in a subprocess of its own, so that pytest's own
memory does not blur the measure).

    python soak.py MODE MODEL INPUT CYCLES

MODE is one of
  with     load / session / set_input / run / get_output, closed by context managers
  del      the same, with no close(): `del` drops the last references (Cython's __dealloc__)
  threads  two threads share one model, each with its own session, and run CYCLES times
  leak     like `del`, but every model and session is kept: a deliberate leak, which the
           test uses to show that its bound catches one
Even cycles load the model from bytes, odd ones from the file. Prints one JSON object
(the fields are described in test_soak.py).
"""
from __future__ import annotations

import json
import sys
import threading
import time

import numpy as np

import predict


def status() -> tuple[int, int]:
    """(VmRSS in kB, thread count) from /proc/self/status."""
    rss = threads = -1
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss, threads


def load(data: bytes, path: str, i: int) -> predict.Model:
    return predict.Model.load(data) if i % 2 == 0 else predict.Model.load_file(path)


def soak(mode: str, data: bytes, path: str, x: np.ndarray, cycles: int) -> dict:
    warmup = max(1, cycles // 10)
    kept = []
    first = None
    mismatches = 0
    before = None
    trace = []
    t0 = time.perf_counter()
    for i in range(cycles):
        if i == warmup:
            before = status()
        if i % max(1, cycles // 10) == 0:
            trace.append(status()[0])
        if mode == "with":
            with load(data, path, i) as m, predict.Session(m) as s:
                s.set_input(0, x)
                s.run()
                y = s.get_output(0).tobytes()
        else:  # del, leak
            m = load(data, path, i)
            s = predict.Session(m)
            s.set_input(0, x)
            s.run()
            y = s.get_output(0).tobytes()
            if mode == "leak":
                kept.append((m, s))
            del s, m
        if first is None:
            first = y
        elif y != first:
            mismatches += 1
    after = status()
    return {"rss_kb": [before[0], after[0]], "threads": [before[1], after[1]],
            "cycles": cycles, "warmup": warmup, "mismatches": mismatches,
            "trace_kb": trace, "seconds": time.perf_counter() - t0, "output": first.hex()}


def threads(data: bytes, x: np.ndarray, runs: int) -> dict:
    t0 = time.perf_counter()
    with predict.Model.load(data) as model:
        with predict.Session(model) as s:          # the single-threaded reference
            s.set_threads(1)
            s.set_input(0, x)
            s.run()
            reference = s.get_output(0).tobytes()
        start = threading.Barrier(2)
        results: list = [None, None]

        def worker(k: int) -> None:
            try:
                with predict.Session(model) as s:   # its own session on the shared model
                    s.set_input(0, x)
                    start.wait()
                    bad = 0
                    for _ in range(runs):
                        s.run()
                        bad += s.get_output(0).tobytes() != reference
                    results[k] = bad
            except BaseException as e:  # reported, not lost in the thread
                results[k] = repr(e)

        ts = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    errors = [r for r in results if not isinstance(r, int)]
    return {"runs": [runs, runs], "mismatches": sum(r for r in results if isinstance(r, int)),
            "errors": errors, "seconds": time.perf_counter() - t0, "output": reference.hex()}


def main() -> None:
    mode, path, input_path, cycles = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    with open(path, "rb") as f:
        data = f.read()
    x = np.fromfile(input_path, dtype="<f4").astype(np.float32)
    if mode == "threads":
        out = threads(data, x, cycles)
    elif mode in ("with", "del", "leak"):
        out = soak(mode, data, path, x, cycles)
    else:
        sys.exit(f"unknown mode {mode!r}")
    out.update(lang="python", mode=mode)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
