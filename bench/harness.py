"""predict against onnxruntime, OpenVINO and tract: see bench/README.md.

    python -m bench [--models PATTERN] [--engines predict,onnxruntime,openvino,tract]
                    [--threads 1[,2]] [--batch 1] [--rounds N] [--quick] [--out DIR]
"""

import argparse
import datetime
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import models as M

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SOURCE = ROOT / "generated" / "c" / "predict.c"
ENGINES = ["predict", "onnxruntime", "openvino", "tract"]
# engines --engines accepts beyond the default ones: "wasm" is predict compiled to WebAssembly
# (generated/js, emscripten), run in node through the JavaScript binding (bench/wasm_worker.mjs)
OPTIONAL = ["wasm"]
WASM = ROOT / "generated" / "js"
PYPI = {"onnxruntime": "onnxruntime", "openvino": "openvino", "tract": "tract"}
REFERENCE = "onnxruntime"
CFLAGS = "-O2 -fPIC -shared"
# an output matches onnxruntime's when max|out - ref| <= TOL * max(1, range of ref)
TOL = 1e-3


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


# ---------------------------------------------------------------- machine and builds

def machine_info():
    info = {"cpu": platform.processor() or platform.machine(), "flags": [], "logical_cpus": os.cpu_count(),
            "kernel": platform.release(), "python": platform.python_version(),
            "numpy": np.__version__, "load_average_at_start": list(os.getloadavg())}
    try:
        text = Path("/proc/cpuinfo").read_text()
        m = re.search(r"^model name\s*:\s*(.*)$", text, re.M)
        if m:
            info["cpu"] = m.group(1).strip()
        m = re.search(r"^flags\s*:\s*(.*)$", text, re.M)
        if m:
            keep = ("sse", "avx", "fma", "f16c", "amx", "vnni")
            info["flags"] = sorted(f for f in m.group(1).split() if f.startswith(keep))
        m = re.search(r"^cpu MHz\s*:\s*(.*)$", text, re.M)
        if m:
            info["cpu_mhz_reported"] = float(m.group(1))
    except OSError:
        pass
    r = sh(["git", "describe", "--always", "--dirty"], cwd=ROOT)
    info["predict_git"] = r.stdout.strip() if r.returncode == 0 else None
    return info


def build_predict(cc, source, tmp):
    """libpredict.so exactly as a user builds it, the C runner linked to it, and the
    stripped size of the library."""
    flags = CFLAGS.split()
    src = source.read_text(errors="replace")
    uses_threads = "pthread" in src or "<threads.h>" in src
    if "pthread" in src:
        flags.append("-pthread")
    lib = tmp / "libpredict.so"
    t = time.perf_counter()
    r = sh([cc, *flags, str(source), "-o", str(lib), "-lm"])
    build_s = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"bench: building {source} failed:\n{r.stderr}")
    runner = tmp / "runner"
    r = sh([cc, "-O2", str(HERE / "runner.c"), "-I", str(source.parent), "-L", str(tmp), "-lpredict",
            f"-Wl,-rpath,{tmp}", "-o", str(runner), "-lm"])
    if r.returncode != 0:
        raise SystemExit(f"bench: building bench/runner.c failed:\n{r.stderr}")
    stripped = tmp / "libpredict.stripped.so"
    sh(["strip", "--strip-unneeded", "-o", str(stripped), str(lib)])
    version = sh([cc, "--version"]).stdout.splitlines()
    return runner, {
        "source": str(source), "compiler": cc, "compiler_version": version[0] if version else "?",
        "flags": " ".join(flags) + " -lm", "build_seconds": round(build_s, 2),
        "library_bytes": lib.stat().st_size,
        "stripped_library_bytes": stripped.stat().st_size if stripped.exists() else None,
        "creates_threads": uses_threads,
    }


def fma_peak(cc, tmp, flags, iters=10000000):
    """Single-core GFLOP/s of independent multiply-add chains (bench/peak.c)."""
    variants = [("sse2_mul_add", "-DPEAK_SSE", [])]
    if "avx2" in flags and "fma" in flags:
        variants.append(("avx2_fma", "-DPEAK_AVX2", ["-mavx2", "-mfma"]))
    if "avx512f" in flags:
        variants.append(("avx512_fma", "-DPEAK_AVX512", ["-mavx512f"]))
    out = {}
    for name, define, extra in variants:
        exe = tmp / f"peak_{name}"
        r = sh([cc, "-O2", *extra, define, str(HERE / "peak.c"), "-o", str(exe)])
        if r.returncode != 0:
            continue
        r = sh([str(exe), str(iters)])
        if r.returncode == 0:
            out[name + "_gflops"] = json.loads(r.stdout)["gflops"]
    fma = {k: v for k, v in out.items() if "fma" in k}
    if fma:
        best = max(fma, key=fma.get)
        out["peak_gflops"], out["peak_from"] = fma[best], best.replace("_gflops", "")
    else:
        out["peak_gflops"], out["peak_from"] = out.get("sse2_mul_add_gflops"), "sse2_mul_add"
    out["note"] = ("single core, 2 flops per multiply-add; % of peak uses peak_gflops x threads. "
                   "sse2_mul_add is the ceiling of code built with plain `cc -O2` on x86-64 "
                   "(SSE2, no FMA), as generated/c/predict.c is, unless it picks wider code at run time.")
    return out


def peer_libraries(engine, tmp):
    """The shared libraries an application loading the engine for ONNX on CPU needs,
    stripped (--strip-unneeded) copies' total size."""
    spec = importlib.util.find_spec(engine)
    if spec is None or not spec.submodule_search_locations:
        return None, []
    pkg = Path(list(spec.submodule_search_locations)[0])
    globs = {"onnxruntime": ["capi/libonnxruntime.so*"],  # the C API library (the Python module is a static copy)
             "openvino": ["libs/libopenvino.so*", "libs/libopenvino_intel_cpu_plugin.so",
                          "libs/libopenvino_onnx_frontend.so*", "libs/libtbb.so*"],
             "tract": ["tract*.so"]}[engine]
    files = sorted({f for g in globs for f in pkg.glob(g) if f.is_file() and not f.is_symlink()})
    total = 0
    for f in files:
        dst = tmp / f"strip_{f.name}"
        r = sh(["strip", "--strip-unneeded", "-o", str(dst), str(f)])
        total += (dst if r.returncode == 0 else f).stat().st_size
        dst.unlink(missing_ok=True)
    return total, [str(f.relative_to(pkg.parent)) for f in files]


def wasm_info():
    """generated/js built if it is not, or is older than its sources (build.sh: emscripten), and
    what it is."""
    wasm = WASM / "predict.wasm"
    if shutil.which("emcc"):
        env = dict(os.environ, NODE_PATH=os.environ.get("NODE_PATH", "/usr/share/nodejs"))
        r = sh(["sh", "build.sh"], cwd=WASM, env=env)
        if r.returncode != 0:
            log(f"bench: building generated/js failed: {r.stderr[-500:]}")
    if not wasm.exists() or not shutil.which("node"):
        log("bench: wasm is MISSING: install emscripten and node (tools/setup.sh), then sh generated/js/build.sh")
        return {"available": False, "reason": "generated/js is not built, or node is missing"}
    node = sh(["node", "--version"]).stdout.strip()
    return {"available": True, "version": f"node {node}", "library_bytes": wasm.stat().st_size,
            "library_files": ["generated/js/predict.wasm"],
            "threads_note": "WebAssembly without threads: one thread at every --threads"}


# ---------------------------------------------------------------- workers

class WorkerError(Exception):
    pass


class LineProcess:
    """A child process that answers each command on stdin with lines on stdout, its stderr kept in a
    log; a silence past `timeout` seconds or an exit is a WorkerError naming the log's last lines.
    The protocol of predict's runner and the peers' worker, and of bench/calls' programs."""

    def __init__(self, cmd, log_path, timeout, cwd):
        self.timeout, self.log_path = timeout, log_path
        self.errf = open(log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errf, cwd=cwd)
        self.buf = b""

    def _line(self, deadline):
        """The next line of stdout, without its newline."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise WorkerError(f"no answer within {self.timeout:.0f} s")
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    self.proc.wait()
                    self.errf.flush()
                    tail = Path(self.log_path).read_text(errors="replace").strip().splitlines()[-4:]
                    raise WorkerError(f"exited with status {self.proc.returncode}"
                                      + (": " + " | ".join(tail) if tail else ""))
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def ask(self, cmd):
        self.proc.stdin.write((cmd + "\n").encode())
        self.proc.stdin.flush()
        return self._read()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=30)
            except Exception:
                self.proc.kill()
                self.proc.wait()
        self.errf.close()


class Worker(LineProcess):
    """One engine in its own process: answers are the lines that start with "@@ " (JSON)."""

    def __init__(self, engine, cmd, log_path, timeout):
        super().__init__(cmd, log_path, timeout, ROOT)
        self.engine = engine
        self.run_only = []  # predict: pred_session_run alone, without the copies in and out
        self.ready = self._read()

    def _read(self):
        deadline = time.monotonic() + self.timeout
        while True:
            line = self._line(deadline)
            if line.startswith(b"@@ "):
                msg = json.loads(line[3:])
                if "error" in msg:
                    raise WorkerError(msg["error"])
                return msg

    def run(self, n):
        msg = self.ask(f"run {n}")
        self.run_only += msg.get("run_ms", [])
        return msg["ms"]

def worker_cmd(engine, runner, model_path, threads, outdir, inputs):
    io = [a for shape, f in inputs for a in ("x".join(map(str, shape)), str(f))]
    if engine == "predict":
        return [str(runner), str(model_path), str(threads), str(outdir), *io]
    if engine == "wasm":
        return ["node", str(HERE / "wasm_worker.mjs"), str(model_path), str(threads), str(outdir), *io]
    return [sys.executable, str(HERE / "worker.py"), engine, str(model_path), str(threads), str(outdir), *io]


def stats(samples):
    a = np.asarray(samples)
    return {"median_ms": float(np.median(a)), "p10_ms": float(np.percentile(a, 10)),
            "p90_ms": float(np.percentile(a, 90)), "min_ms": float(a.min()), "max_ms": float(a.max()),
            "samples": int(a.size)}


def compare(out_a, out_ref):
    """(ok, max abs error, tolerance) of one engine's outputs against the reference's."""
    worst, tol, ok = 0.0, 0.0, True
    for a, r in zip(out_a, out_ref):
        if a.size != r.size:
            return False, float("inf"), 0.0
        if not np.all(np.isfinite(a) == np.isfinite(r)):
            return False, float("nan"), 0.0
        fin = np.isfinite(r)
        t = TOL * max(1.0, float(r[fin].max() - r[fin].min()) if fin.any() else 0.0)
        err = float(np.abs(a[fin] - r[fin]).max()) if fin.any() else 0.0
        ok &= err <= t
        if err >= worst:
            worst, tol = err, t
    if len(out_a) != len(out_ref):
        ok = False
    return ok, worst, tol


# ---------------------------------------------------------------- one model

def bench_model(m, engines, runner, threads, batch, opts, tmp, peak):
    rec = {"model": m.name, "group": m.group, "kind": m.kind or None, "threads": threads,
           "batch": batch, "engines": {}, "notes": list(m.notes)}
    try:
        path = M.materialize(m)
        specs = M.input_specs(path, batch)
    except Exception as ex:
        rec["skipped"] = f"{type(ex).__name__}: {ex}"
        return rec
    rec["path"] = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    if batch != 1 and not any(s[0] == batch for _, s in specs):
        rec["skipped"] = f"the model's batch is fixed (input shapes {[s for _, s in specs]})"
        return rec
    rec["inputs"] = [{"name": n, "shape": s} for n, s in specs]
    flops, nbytes, notes = M.arithmetic(path, specs)
    rec["flops"], rec["bytes_moved"] = flops, nbytes
    rec["notes"] += notes
    d = Path(tempfile.mkdtemp(prefix="model-", dir=tmp))
    rng = np.random.default_rng(0)
    inputs = []
    for i, (_, shape) in enumerate(specs):
        f = d / f"input{i}.bin"
        rng.standard_normal(shape).astype(np.float32).tofile(f)
        inputs.append((shape, f))

    workers = {}
    for e in engines:  # one after the other, so that loads do not overlap
        er = rec["engines"][e] = {}
        if e == "wasm" and not (WASM / "predict.wasm").exists():
            er.update(status="missing", reason="generated/js is not built (sh generated/js/build.sh)")
            continue
        if e in PYPI and importlib.util.find_spec(PYPI[e]) is None:
            er.update(status="missing", reason=f"Python package '{PYPI[e]}' is not installed "
                                               "(pip install '.[bench]')")
            continue
        try:
            w = Worker(e, worker_cmd(e, runner, path, threads, d, inputs), d / f"{e}.log", opts.timeout)
        except WorkerError as ex:
            er.update(status="refused", reason=str(ex))
            continue
        workers[e] = w
        er.update(status="ok", load_ms=w.ready["load_ms"], rss_after_load_and_run_mb=w.ready["rss_kb"] / 1024,
                  output_shapes=w.ready["outputs"], runtime_version=w.ready.get("version"))
        if w.ready.get("notes"):
            er["notes"] = w.ready["notes"]

    # outputs of the first run against onnxruntime's
    outs = {e: [np.fromfile(d / f"{e}_out{i}.bin", np.float32) for i in range(len(w.ready["outputs"]))]
            for e, w in workers.items()}
    ref = outs.get(REFERENCE)
    for e in workers:
        er = rec["engines"][e]
        if e == REFERENCE:
            er["check"] = "reference"
        elif ref is None:
            er["check"] = "unchecked (no onnxruntime output)"
        else:
            ok, err, tol = compare(outs[e], ref)
            er.update(check="ok" if ok else "MISMATCH", max_abs_err=err, tolerance=tol)

    # warm-up, then rounds alternating between engines (order rotated every round)
    try:
        per_round = {}
        for e, w in list(workers.items()):
            t1 = float(np.median(w.run(3)))
            n = int(min(1000, max(2, opts.warmup / max(t1 * 1e-3, 1e-6))))
            warm = w.run(n)
            tm = float(np.median(warm))
            per_round[e] = int(min(10000, max(1, opts.round_time / max(tm * 1e-3, 1e-6))))
        samples = {e: [] for e in workers}
        for w in workers.values():
            w.run_only = []
        round_medians = {e: [] for e in workers}
        order = list(workers)
        for r in range(opts.rounds):
            k = r % len(order)
            for e in order[k:] + order[:k]:
                ms = workers[e].run(per_round[e])
                samples[e] += ms
                round_medians[e].append(float(np.median(ms)))
                if threads > 1:
                    time.sleep(0.02)  # let the previous engine's spinning threads go idle
        for e, w in workers.items():
            er = rec["engines"][e]
            er.update(stats(samples[e]))
            er["round_medians_ms"] = round_medians[e]
            if w.run_only:
                er["run_only_median_ms"] = float(np.median(w.run_only))
            er["runs_per_round"] = per_round[e]
            er["rss_peak_mb"] = w.ask("rss")["rss_kb"] / 1024
    except WorkerError as ex:
        rec["notes"].append(f"a worker failed during the rounds: {ex}")
        for e in workers:
            if "median_ms" not in rec["engines"][e]:
                rec["engines"][e].update(status="error", reason=str(ex))
    finally:
        for w in workers.values():
            w.close()
        if not opts.keep:
            shutil.rmtree(d, ignore_errors=True)

    ref_ms = rec["engines"].get(REFERENCE, {}).get("median_ms")
    predict_ms = rec["engines"].get("predict", {}).get("median_ms")
    for e, er in rec["engines"].items():
        ms = er.get("median_ms")
        if ms is None:
            continue
        er["images_per_s"] = batch / (ms * 1e-3)
        if ref_ms:
            er["ratio_to_onnxruntime"] = ms / ref_ms
        if e == "wasm" and predict_ms:
            er["ratio_to_predict"] = ms / predict_ms
        if flops:
            er["gflops"] = flops / (ms * 1e-3) / 1e9
            if peak.get("peak_gflops"):
                er["percent_of_peak"] = 100 * er["gflops"] / (peak["peak_gflops"] * threads)
        if m.group == "synthetic" and nbytes:
            er["gbytes_per_s"] = nbytes / (ms * 1e-3) / 1e9
    return rec


def progress_line(i, n, rec, engines):
    parts = []
    for e in engines:
        er = rec["engines"].get(e, {})
        if "median_ms" in er:
            s = f"{e} {er['median_ms']:.3f} ms"
            if e != REFERENCE and "ratio_to_onnxruntime" in er:
                s += f" ({er['ratio_to_onnxruntime']:.2f}x)"
            if er.get("check") == "MISMATCH":
                s += " MISMATCH"
            parts.append(s)
        elif er:
            parts.append(f"{e} {er.get('status')}")
    head = f"[{i}/{n}] {rec['model']} (threads {rec['threads']}, batch {rec['batch']})"
    if "skipped" in rec:
        return f"{head}: skipped: {rec['skipped']}"
    return f"{head}: " + " | ".join(parts)


# ---------------------------------------------------------------- report

def fmt(v, spec, none="-"):
    return none if v is None else format(v, spec)


def table(results, engines, markdown=False):
    rows = [r for r in results if "skipped" not in r]
    worst = lambda r: r["engines"].get("predict", {}).get("ratio_to_onnxruntime", -1)
    rows.sort(key=worst, reverse=True)
    peers = [e for e in engines if e not in ("predict", REFERENCE)]
    native = ["wasm/native"] if "wasm" in engines else []   # WebAssembly against predict itself
    head = ["model", "thr", "batch", "predict ms (p10-p90)", "ort ms", "ratio", "images/s pred/ort"] \
        + [f"{e[:8]} ratio" for e in peers] \
        + native \
        + ["GFLOP/s", "%peak", "GB/s", "load ms " + "/".join(e[:4] for e in engines),
           "RSS MB " + "/".join(e[:4] for e in engines), "check"]
    lines = []
    for r in rows:
        p, o = r["engines"].get("predict", {}), r["engines"].get(REFERENCE, {})

        def ratio(er):
            if "ratio_to_onnxruntime" in er:
                return f"{er['ratio_to_onnxruntime']:.2f}" + ("!" if er.get("check") == "MISMATCH" else "")
            return {"refused": "refused", "missing": "missing", "error": "error"}.get(er.get("status"), "-")
        pms = f"{p['median_ms']:.3f} ({p['p10_ms']:.3f}-{p['p90_ms']:.3f})" if "median_ms" in p \
            else p.get("status", "-")
        checks = [f"{e}:{er['check']}" for e, er in r["engines"].items() if er.get("check") == "MISMATCH"]
        lines.append([r["model"], str(r["threads"]), str(r["batch"]), pms, fmt(o.get("median_ms"), ".3f"), ratio(p),
                      f"{fmt(p.get('images_per_s'), '.0f')}/{fmt(o.get('images_per_s'), '.0f')}"]
                     + [ratio(r["engines"].get(e, {})) for e in peers]
                     + [fmt(r["engines"].get("wasm", {}).get("ratio_to_predict"), ".2f") for _ in native]
                     + [fmt(p.get("gflops"), ".1f"), fmt(p.get("percent_of_peak"), ".1f"),
                        fmt(p.get("gbytes_per_s"), ".1f"),
                        "/".join(fmt(r["engines"].get(e, {}).get("load_ms"), ".0f") for e in engines),
                        "/".join(fmt(r["engines"].get(e, {}).get("rss_peak_mb"), ".0f") for e in engines),
                        " ".join(checks) or "ok"])
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(c.replace("|", "/") for c in line) + " |" for line in lines]
    else:
        widths = [max(len(x[i]) for x in [head] + lines) for i in range(len(head))]
        out = ["  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip()]
        out += ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines]
    for r in results:
        if "skipped" in r:
            out.append(f"skipped {r['model']}: {r['skipped']}")
        for e, er in r["engines"].items():
            if er.get("status") in ("refused", "error"):
                first = next((x for x in er.get("reason", "").splitlines() if x.strip()), "")
                out.append(f"{e} {er['status']} {r['model']} (threads {r['threads']}, batch "
                           f"{r['batch']}): {first[:200]}")
    return "\n".join(out)


def chart(results, engines, meta, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("bench: matplotlib is not installed (pip install '.[bench]'): no chart")
        return False
    configs = sorted({(r["threads"], r["batch"]) for r in results})
    shown = [e for e in engines if e != REFERENCE]
    colors = {"predict": "#d62728", "openvino": "#1f77b4", "tract": "#2ca02c"}
    nmax = max(sum(1 for r in results if (r["threads"], r["batch"]) == c and "skipped" not in r)
               for c in configs)
    ncols = min(2, len(configs))
    nrows = -(-len(configs) // ncols)
    per_model = 0.12 + 0.13 * len(shown)
    fig, axes = plt.subplots(nrows, ncols, figsize=(7.5 * ncols, nrows * (1.2 + per_model * nmax) + 0.4),
                             squeeze=False)
    for ax in axes.flat[len(configs):]:
        ax.set_visible(False)
    for ax, (th, b) in zip(axes.flat, configs):
        rows = [r for r in results if (r["threads"], r["batch"]) == (th, b) and "skipped" not in r]
        rows.sort(key=lambda r: r["engines"].get("predict", {}).get("ratio_to_onnxruntime", 0))
        h = 0.8 / max(1, len(shown))
        lo, hi = 1.0, 1.0
        for j, e in enumerate(shown):
            for i, r in enumerate(rows):
                er = r["engines"].get(e, {})
                v = er.get("ratio_to_onnxruntime")
                y = i + ((len(shown) - 1) / 2 - j) * h
                if not v:
                    if er.get("status") in ("refused", "error", "missing"):
                        ax.text(1, y, f" {e} {er['status']}", va="center", fontsize=6, color="gray")
                    continue
                bad = er.get("check") == "MISMATCH"
                # bars grow from 1 (onnxruntime): right is slower, left is faster
                ax.barh(y, v - 1, left=1, height=h, color=colors.get(e, "gray"),
                        hatch="xx" if bad else None)
                if e == "predict":
                    ax.text(v, y, f" {v:.2f}" + (" wrong" if bad else ""), va="center", fontsize=6)
                lo, hi = min(lo, v), max(hi, v)
        from matplotlib.patches import Patch
        handles = [Patch(color=colors.get(e, "gray"), label=e) for e in shown]
        ax.set_xlim(lo / 1.5, hi * 1.8)
        ax.axvline(1.0, color="black", lw=1)
        ax.set_xscale("log")
        ax.set_yticks(range(len(rows)))
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.set_yticklabels([r["model"] for r in rows], fontsize=7)
        ax.set_xlabel("latency / onnxruntime latency (log; < 1 is faster)")
        ax.set_title(f"{th} thread{'s' if th > 1 else ''}, batch {b}", fontsize=9)
        ax.grid(axis="x", which="both", alpha=0.3)
        ax.legend(handles=handles, fontsize=7, loc="lower right")
    fig.suptitle(f"predict vs onnxruntime {meta['engines'].get('onnxruntime', {}).get('version', '')}: "
                 f"{meta['machine']['cpu']}, {meta['date'][:10]}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# ---------------------------------------------------------------- main

def report(meta, out, opts):
    """The summary and table on stdout, and the chart, from a results document."""
    peak, machine, results = meta["fma_peak"], meta["machine"], meta["results"]
    engines, thread_counts = meta["options"]["engines"], meta["options"]["threads"]
    print(f"predict vs onnxruntime ({machine['cpu']}, {meta['date']}); ratio = latency / onnxruntime's "
          f"(< 1: faster); '!' = output differs from onnxruntime's")
    print("FMA peak per core: " + ", ".join(f"{k[:-7]} {v:.1f} GFLOP/s" for k, v in peak.items()
                                             if k.endswith("_gflops"))
          + f"; %peak uses {peak['peak_from']} x threads")
    for e, me in meta["engines"].items():
        v = me.get("version") or me.get("runtime_version")
        desc = f"{e}: " + (f"version {v}, " if v else "") \
            + (f"stripped libraries {me['library_bytes'] / 1e6:.2f} MB" if me.get("library_bytes")
               else me.get("reason", ""))
        if e == "predict" and "build" in me:
            desc += f" ({me['build']['compiler_version']}, {me['build']['flags']})"
        if me.get("threads_note") and max(thread_counts) > 1:
            desc += f"; {me['threads_note']}"
        print(desc)
    if meta.get("rss_python_numpy_baseline_mb"):
        print(f"RSS of a Python worker with NumPy alone: {meta['rss_python_numpy_baseline_mb']:.0f} MB")
    print(table(results, engines, markdown=opts.markdown))
    if not opts.no_chart and chart(results, engines, meta, out / "results.png"):
        log(f"bench: wrote {out / 'results.png'}")
    mism = [(r["model"], e) for r in results for e, er in r["engines"].items() if er.get("check") == "MISMATCH"]
    if mism:
        log(f"bench: WARNING: outputs differ from onnxruntime's: {mism}")


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", help="comma-separated globs or substrings of model names "
                                     "(lite0, exported/dynamo_resnet, synthetic/dw3x3_144ch_56_s2; see --list)")
    ap.add_argument("--engines", default=",".join(ENGINES), help="default: %(default)s")
    ap.add_argument("--threads", default="1", help="comma-separated thread counts (default 1)")
    ap.add_argument("--batch", default="1", help="comma-separated batch sizes for models with a "
                                                 "symbolic batch (default 1)")
    ap.add_argument("--rounds", type=int, help="alternating rounds per model (default 10, --quick 3)")
    ap.add_argument("--round-time", type=float, help="seconds per engine per round (default 0.2, --quick 0.02)")
    ap.add_argument("--warmup", type=float, help="warm-up seconds per engine (default 0.3, --quick 0.05)")
    ap.add_argument("--quick", action="store_true", help="few short rounds (smoke test); writes to a "
                                                         "temporary folder unless --out is given")
    ap.add_argument("--out", help="folder for results.json and results.png (default bench/)")
    ap.add_argument("--source", default=str(SOURCE),
                    help="predict.c to build (its predict.h beside it; default generated/c/predict.c)")
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"), help="C compiler (default $CC or cc)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds a worker may take to answer")
    ap.add_argument("--list", action="store_true", help="list the models and exit")
    ap.add_argument("--keep", action="store_true", help="keep the inputs, outputs and worker logs")
    ap.add_argument("--no-chart", action="store_true")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--report", metavar="RESULTS_JSON",
                    help="measure nothing: print the table (and redraw the chart beside the file) "
                         "from an earlier run's results.json")
    o = ap.parse_args(argv)
    o.rounds = o.rounds or (3 if o.quick else 10)
    o.round_time = o.round_time or (0.02 if o.quick else 0.2)
    o.warmup = o.warmup if o.warmup is not None else (0.05 if o.quick else 0.3)
    return o


def main(argv=None):
    opts = parse_args(argv)
    if opts.report:
        path = Path(opts.report)
        out = Path(opts.out) if opts.out else path.parent
        out.mkdir(parents=True, exist_ok=True)
        report(json.loads(path.read_text()), out, opts)
        return 0
    chosen = M.select(M.catalog(), opts.models)
    if opts.list:
        for m in chosen:
            print(m.name)
        return 0
    if not chosen:
        raise SystemExit(f"bench: no model matches {opts.models!r} (see --list)")
    engines = [e.strip() for e in opts.engines.split(",") if e.strip()]
    bad = [e for e in engines if e not in ENGINES + OPTIONAL]
    if bad:
        raise SystemExit(f"bench: unknown engine(s) {bad}; choose from {ENGINES + OPTIONAL}")
    thread_counts = [int(t) for t in opts.threads.split(",")]
    batches = [int(b) for b in opts.batch.split(",")]
    out = Path(opts.out) if opts.out else (Path(tempfile.gettempdir()) / "predict-bench-quick"
                                            if opts.quick else HERE)
    out.mkdir(parents=True, exist_ok=True)

    tmp = Path(tempfile.mkdtemp(prefix="predict-bench-"))
    try:
        machine = machine_info()
        if machine["load_average_at_start"][0] > 0.5 * (os.cpu_count() or 1):
            log(f"bench: warning: load average {machine['load_average_at_start'][0]:.2f}: "
                "the machine is busy, timings will be noisy")
        runner, build = build_predict(opts.cc, Path(opts.source).resolve(), tmp)
        peak = fma_peak(opts.cc, tmp, machine["flags"], 2000000 if opts.quick else 10000000)
        log(f"bench: predict built with {build['compiler_version']} {build['flags']} "
            f"({build['stripped_library_bytes']} bytes stripped); FMA peak "
            + ", ".join(f"{k[:-7]} {v:.1f}" for k, v in peak.items() if k.endswith("_gflops"))
            + f" GFLOP/s per core; % of peak uses {peak['peak_from']}")
        meta_engines = {"predict": {"version": None, "build": build,
                                    "library_bytes": build["stripped_library_bytes"]}}
        if not build["creates_threads"]:
            meta_engines["predict"]["threads_note"] = (
                "pred_session_set_threads(N) is called with --threads, but the library creates no "
                "threads yet (no pthread in predict.c): it runs on one thread whatever N")
            if max(thread_counts) > 1:
                log("bench: note: predict's pred_session_set_threads ignores its argument for now: "
                    "predict runs on one thread at every --threads")
        for e in engines:
            if e == "predict":
                continue
            if e == "wasm":
                meta_engines[e] = wasm_info()
                continue
            if importlib.util.find_spec(PYPI[e]) is None:
                meta_engines[e] = {"available": False,
                                   "reason": f"Python package '{PYPI[e]}' is not installed"}
                log(f"bench: {e} is MISSING: pip install {PYPI[e]} (or pip install '.[bench]'); "
                    f"its columns will say 'missing'")
                continue
            size, files = peer_libraries(e, tmp)
            meta_engines[e] = {"available": True, "version": importlib.metadata.version(PYPI[e]),
                               "library_bytes": size, "library_files": files}
        if "tract" in meta_engines and max(thread_counts) > 1:
            meta_engines["tract"]["threads_note"] = "tract has no thread option: n/a, runs on one thread"
        r = sh([sys.executable, str(HERE / "worker.py"), "baseline"])
        baseline = json.loads(r.stdout[3:])["rss_kb"] / 1024 if r.returncode == 0 else None

        results = []
        n = len(chosen) * len(thread_counts) * len(batches)
        i = 0
        for th in thread_counts:
            for b in batches:
                for m in chosen:
                    i += 1
                    rec = bench_model(m, engines, runner, th, b, opts, tmp, peak)
                    for e, er in rec["engines"].items():  # as the worker reports it
                        v = er.pop("runtime_version", None)
                        if v and e in meta_engines:
                            meta_engines[e].setdefault("runtime_version", v)
                    results.append(rec)
                    log(progress_line(i, n, rec, engines))
        meta = {
            "schema": 1,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
            "quick": opts.quick, "machine": machine, "fma_peak": peak, "engines": meta_engines,
            "options": {"engines": engines, "threads": thread_counts, "batch": batches,
                        "rounds": opts.rounds, "round_time_s": opts.round_time,
                        "warmup_s": opts.warmup, "tolerance": f"{TOL} * max(1, range of onnxruntime's output)"},
            "rss_python_numpy_baseline_mb": baseline,
            "method": ("each engine in its own process, models loaded one engine after the other; "
                       "every timed call feeds the input, runs and fetches the output; rounds alternate "
                       "between engines (order rotated each round); median and p10-p90 over all runs "
                       "of all rounds; RSS is each worker's VmHWM (Python workers include the "
                       "interpreter and NumPy: see rss_python_numpy_baseline_mb)"),
            "results": results,
        }
        (out / "results.json").write_text(json.dumps(meta, indent=1) + "\n")
        log(f"bench: wrote {out / 'results.json'}")
        report(meta, out, opts)
    finally:
        if not opts.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"bench: kept {tmp}")
    return 0
