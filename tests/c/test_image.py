"""pred_image_preprocess from C against independent oracles.

The crop box is computed here with NumPy from TensorFlow's evaluation rule and cut
with Pillow; the resampling is onnxruntime's Resize (half_pixel, cubic a = -0.5 or
linear, edges repeated, no antialias); the normalisation NumPy's, in float64. The
refusals (0x0, 20000x20000, wrong counts, bad options) come back as statuses with
clear messages, and never allocate (the C driver also runs under ASan + UBSan).
"""
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SINGLE = ROOT / "generated" / "c"
LITE = dict(pad=32.0, mean=(127.0,) * 3, std=(128.0,) * 3)           # pred_image_options_default()
TORCHVISION = dict(pad=32.0, mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375))
BILINEAR, BICUBIC = 0, 1


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    exe = tmp_path_factory.mktemp("image") / "image_test"
    subprocess.run(["gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-I", str(SINGLE),
                    str(ROOT / "tests" / "c" / "image_test.c"), str(SINGLE / "predict.c"),
                    "-lm", "-pthread", "-o", str(exe)], check=True)
    return exe


def run_c(driver, tmp_path, image, out_w, out_h, resample, pad, mean, std):
    src, dst = tmp_path / "in.rgb", tmp_path / "out.f32"
    src.write_bytes(np.ascontiguousarray(image, np.uint8).tobytes())
    res = subprocess.run([str(driver), str(src), str(image.shape[1]), str(image.shape[0]), str(out_w),
                          str(out_h), str(resample), repr(pad), *map(repr, mean), *map(repr, std), str(dst)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    return np.fromfile(dst, np.float32).reshape(3, out_h, out_w)


def crop_box(h, w, out_h, out_w, pad):
    """(top, left, crop_h, crop_w): scale the photo to cover (out_h + pad) x (out_w + pad),
    cut the centred out_h x out_w; TensorFlow's float32 arithmetic for the square case."""
    if h / (out_h + pad) <= w / (out_w + pad):
        bound, length = out_h, h
    else:
        bound, length = out_w, w
    side = [max(1, int(np.float32(n / (bound + pad)) * np.float32(length))) for n in (out_h, out_w)]
    ch, cw = min(side[0], h), min(side[1], w)
    return (h - ch + 1) // 2, (w - cw + 1) // 2, ch, cw


def oracle(image, out_w, out_h, resample, pad, mean, std):
    import onnx
    import onnxruntime
    from onnx import TensorProto, helper
    from PIL import Image
    h, w = image.shape[:2]
    top, left, ch, cw = crop_box(h, w, out_h, out_w, pad)
    crop = np.asarray(Image.fromarray(image).crop((left, top, left + cw, top + ch)))
    assert crop.shape == (ch, cw, 3)
    x = crop.transpose(2, 0, 1)[None].astype(np.float32)
    node = helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], mode="cubic" if resample else "linear",
                            coordinate_transformation_mode="half_pixel", cubic_coeff_a=-0.5, exclude_outside=0)
    graph = helper.make_graph([node], "resize", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [helper.make_tensor("sizes", TensorProto.INT64, [4], [1, 3, out_h, out_w])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    y = session.run(None, {"x": x})[0][0].astype(np.float64)
    return (y - np.array(mean)[:, None, None]) / np.array(std)[:, None, None]


def photo(name):
    from skimage import data
    return getattr(data, name)()[..., :3]


def noise(h, w, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


CASES = {
    # the models' preprocessing on the sample photos, at the three EfficientNet-Lite sizes
    "chelsea_224_bicubic": (lambda: photo("chelsea"), 224, 224, BICUBIC, LITE),
    "coffee_240_bicubic": (lambda: photo("coffee"), 240, 240, BICUBIC, LITE),
    "rocket_260_bicubic": (lambda: photo("rocket"), 260, 260, BICUBIC, LITE),
    # torchvision's normalisation, bilinear
    "chelsea_224_bilinear_torchvision": (lambda: photo("chelsea"), 224, 224, BILINEAR, TORCHVISION),
    # portrait, non-square outputs, no crop, upscaling, a single pixel
    "portrait_noise_bicubic": (lambda: noise(97, 41), 16, 16, BICUBIC, LITE),
    "noise_nonsquare_out": (lambda: noise(53, 37, 1), 29, 17, BICUBIC, dict(LITE, pad=5.0)),
    "noise_nonsquare_out_wide": (lambda: noise(40, 90, 2), 13, 31, BILINEAR, dict(LITE, pad=0.0)),
    "upscale_5x7_bicubic": (lambda: noise(5, 7, 3), 24, 24, BICUBIC, dict(LITE, pad=0.0)),
    "upscale_5x7_bilinear": (lambda: noise(5, 7, 4), 24, 24, BILINEAR, TORCHVISION),
    "one_pixel": (lambda: noise(1, 1, 5), 4, 4, BICUBIC, LITE),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_numpy_pillow_and_onnxruntime(driver, tmp_path, name):
    make, out_w, out_h, resample, opts = CASES[name]
    image = make()
    got = run_c(driver, tmp_path, image, out_w, out_h, resample, opts["pad"], opts["mean"], opts["std"])
    want = oracle(image, out_w, out_h, resample, opts["pad"], opts["mean"], opts["std"])
    # onnxruntime resamples in float32 (values to 255: ~3e-5), predict in double
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-5 * 255 / min(opts["std"]))


def test_refusals_are_clear(driver):
    res = subprocess.run([str(driver), "--errors"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    lines = dict(line.split(": ", 1) for line in res.stdout.splitlines())
    limit = "larger than the limit of 16384 pixels a side and 67108864 in all"
    assert lines["check 0x0"] == ("PRED_ERR_ARGUMENT pred_image_check_size: the image is 0x0 pixels: "
                                  "an image has at least one pixel")
    assert lines["check 20000x20000"].startswith("PRED_ERR_ARGUMENT pred_image_check_size: the image is "
                                                 "20000x20000 pixels, " + limit)
    assert lines["check 16385x1"].startswith("PRED_ERR_ARGUMENT")
    assert lines["check 16384x4097"].startswith("PRED_ERR_ARGUMENT")
    assert lines["check 16384x4096"].startswith("PRED_OK ")
    assert lines["tensor_size 20000x20000"] == "0"
    assert lines["tensor_size 224x224"] == str(3 * 224 * 224)
    assert lines["preprocess 20000x20000"].startswith(
        "PRED_ERR_ARGUMENT pred_image_preprocess: the image is 20000x20000 pixels, " + limit)
    assert "0x0 pixels" in lines["preprocess 0x0"]
    assert lines["preprocess short"] == ("PRED_ERR_ARGUMENT pred_image_preprocess: pixels has 2 bytes; "
                                         "an RGB image of 1x1 has 3")
    assert lines["preprocess null pixels"].endswith("pixels is NULL")
    assert "the output is 0x4 pixels" in lines["preprocess out 0x4"]
    assert lines["preprocess data count"].endswith("data has 47 elements; 3x4x4 are needed")
    assert lines["preprocess null data"].endswith("data is NULL")
    assert "std_r, std_g and std_b must be positive" in lines["preprocess std 0"]
    assert "crop_padding is -1" in lines["preprocess padding -1"]
    assert "resample is 7" in lines["preprocess resample 7"]
    assert lines["preprocess 1x1 ok"].startswith("PRED_OK ")
    assert lines["set_input_image null"].endswith("session is NULL")


def test_refusals_under_sanitizers(tmp_path):
    exe = tmp_path / "image_test"
    res = subprocess.run(["gcc", "-std=c11", "-g", "-O1", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                          "-I", str(SINGLE), str(ROOT / "tests" / "c" / "image_test.c"), str(SINGLE / "predict.c"),
                          "-lm", "-pthread", "-o", str(exe)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    res = subprocess.run([str(exe), "--errors"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and "PRED_OK" in res.stdout, res.stdout + res.stderr
    src = tmp_path / "in.rgb"
    src.write_bytes(noise(33, 21).tobytes())
    for args in (["33", "21", "224", "224", "1"], ["33", "21", "5", "3", "0"]):   # w h: 33 wide, 21 high
        res = subprocess.run([str(exe), str(src), args[1], args[0], *args[2:], "0", "1", "2", "3", "4", "5", "6",
                              str(tmp_path / "out.f32")], capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stdout + res.stderr
