"""Numpy preprocessing: TF eval crop, bicubic resize, (x - 127) / 128."""

import numpy as np

from predict_models.preprocess import center_crop_box, preprocess, resize_bicubic


def test_crop_box_is_87_5_percent_of_the_short_side():
    assert center_crop_box(300, 451, 224) == (19, 95, 262)  # skimage chelsea
    assert center_crop_box(256, 256, 224) == (16, 16, 224)


def test_resize_keeps_constants_and_identity():
    img = np.random.default_rng(0).integers(0, 256, (9, 7, 3)).astype(np.uint8)
    np.testing.assert_allclose(resize_bicubic(img, 9, 7), img, atol=1e-9)
    flat = np.full((50, 80, 3), 77, np.uint8)
    np.testing.assert_allclose(resize_bicubic(flat, 13, 17), 77, atol=1e-9)


def test_preprocess_layout_and_range():
    img = np.zeros((40, 60, 3), np.uint8)
    img[..., 0] = 255  # pure red
    x = preprocess(img, 32)
    assert x.shape == (1, 3, 32, 32) and x.dtype == np.float32
    np.testing.assert_allclose(x[0, 0], 128 / 128)   # (255 - 127) / 128
    np.testing.assert_allclose(x[0, 1], -127 / 128)
