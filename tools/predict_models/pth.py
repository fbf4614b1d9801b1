"""Read PyTorch ``.pth`` state dicts into numpy arrays, without torch.

Two containers are understood (both written by ``torch.save``):

* legacy (torch 0.4 .. 1.5, and later with ``_use_new_zipfile_serialization=False``):
  five pickles back to back -- the magic number 0x1950a86a20f9469cfc6c, the
  protocol version 1001, a sys-info dict, the object itself, and the list of
  storage keys -- followed, for each key in that order, by an int64 element
  count and the storage's raw little-endian bytes.
* zip (torch >= 1.6): ``<dir>/data.pkl`` plus one file ``<dir>/data/<key>`` of raw
  bytes per storage.

In both, tensors are pickled as ``torch._utils._rebuild_tensor_v2(storage,
offset, size, stride, ...)`` and storages as persistent ids
``('storage', torch.FloatStorage, key, location, numel[, view])``.
The oldest tar-based container is detected and refused.

Unpickling is restricted: only the few globals above are resolved, each to a
small local stand-in; anything else raises :class:`PthError` before it can run.
"""

import collections
import io
import math
import pickle
import struct
import zipfile

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001

# torch.<Name>Storage -> little-endian numpy dtype of one element.
STORAGE_DTYPES = {
    "DoubleStorage": "<f8",
    "FloatStorage": "<f4",
    "HalfStorage": "<f2",
    "LongStorage": "<i8",
    "IntStorage": "<i4",
    "ShortStorage": "<i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "BoolStorage": "?",
}


class PthError(ValueError):
    """The file is not a .pth this reader understands (or is damaged)."""


class _StorageType:
    """Stand-in for the class ``torch.FloatStorage`` etc.; only its dtype matters."""

    def __init__(self, name):
        self.name = name
        self.dtype = np.dtype(STORAGE_DTYPES[name])


class _Storage:
    """One flat buffer; ``data`` (1-D array) is filled once its bytes are read."""

    def __init__(self, key, dtype, numel):
        self.key, self.dtype, self.numel = key, dtype, numel
        self.data = None


class _StorageView:
    """Legacy-format slice of a root storage (``view_metadata`` in the pid)."""

    def __init__(self, root, offset, numel):
        if offset < 0 or numel < 0 or offset + numel > root.numel:
            raise PthError(f"storage view {offset}+{numel} outside storage {root.key!r}")
        self.root, self.offset, self.numel = root, offset, numel
        self.dtype = root.dtype

    @property
    def data(self):
        return self.root.data[self.offset:self.offset + self.numel]


class _TensorRef:
    """A tensor whose storage may not be read yet (legacy data follows the pickle)."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset = storage, offset
        self.size, self.stride = tuple(size), tuple(stride)

    def to_numpy(self):
        data = self.storage.data
        if data is None:
            raise PthError(f"storage {self.storage.key!r} has no data in the file")
        size, stride, off = self.size, self.stride, self.offset
        native = data.dtype.newbyteorder("=")
        if math.prod(size) == 0:
            return np.zeros(size, dtype=native)
        last = off + sum((n - 1) * s for n, s in zip(size, stride))
        if off < 0 or last >= data.size:
            raise PthError(f"tensor {size} stride {stride} offset {off} overruns "
                           f"its storage of {data.size} elements")
        view = np.lib.stride_tricks.as_strided(
            data[off:], shape=size, strides=[s * data.itemsize for s in stride])
        # Copy: contiguous, native byte order, independent of the file buffer.
        return np.array(view, dtype=native, order="C")


def _rebuild_tensor(storage, storage_offset, size, stride, *_ignored):
    # v2 adds requires_grad, backward_hooks (and sometimes metadata):
    # none of them changes the values, so they are ignored.
    if not isinstance(storage, (_Storage, _StorageView)):
        raise PthError(f"tensor rebuilt from a {type(storage).__name__}, not a storage")
    if not (isinstance(storage_offset, int) and isinstance(size, tuple)
            and isinstance(stride, tuple) and len(size) == len(stride)
            and all(isinstance(v, int) and v >= 0 for v in size + stride)):
        raise PthError(f"bad tensor geometry: offset {storage_offset!r} size {size!r} "
                       f"stride {stride!r}")
    return _TensorRef(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, *_ignored):
    return data  # an nn.Parameter is just its tensor for our purposes


def _find_global(module, name):
    """The whitelist: every global the pickle may name, mapped to a local stand-in."""
    if (module, name) == ("collections", "OrderedDict"):
        return collections.OrderedDict
    if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
        return _rebuild_tensor
    if (module, name) == ("torch._utils", "_rebuild_parameter"):
        return _rebuild_parameter
    if module == "torch" and name in STORAGE_DTYPES:
        return _StorageType(name)
    raise PthError(f"refusing to load global {module}.{name}: "
                   "only plain tensor state dicts are supported")


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, persistent_load=None):
        super().__init__(file)
        self._on_pid = persistent_load

    def find_class(self, module, name):
        return _find_global(module, name)

    def persistent_load(self, pid):
        if self._on_pid is None:
            raise PthError(f"unexpected persistent id {pid!r}")
        return self._on_pid(pid)


def _unpickle(f, persistent_load=None):
    try:
        return _Unpickler(f, persistent_load).load()
    except PthError:
        raise
    except Exception as e:  # truncated data, bad opcodes, calling a stand-in, ...
        raise PthError(f"corrupt or unsupported pickle at byte {f.tell()}: {e}") from e


def _storage_pid(pid, n_fields):
    """Check a ('storage', type, key, location, numel[, view]) persistent id."""
    if not isinstance(pid, tuple) or len(pid) != n_fields:
        raise PthError(f"unexpected persistent id {pid!r}")
    tag, stype, key, location, numel = pid[:5]
    if isinstance(tag, bytes):
        tag = tag.decode("ascii")
    if tag != "storage" or not isinstance(stype, _StorageType):
        raise PthError(f"unexpected persistent id {pid!r}")
    if not isinstance(key, str) or not isinstance(numel, int) or numel < 0:
        raise PthError(f"bad storage id {pid!r}")
    return stype, key, numel


def _load_legacy(buf):
    f = io.BytesIO(buf)
    if _unpickle(f) != LEGACY_MAGIC:
        raise PthError("not a torch legacy file (bad magic number)")
    protocol = _unpickle(f)
    if protocol != LEGACY_PROTOCOL:
        raise PthError(f"unsupported legacy protocol version {protocol!r}")
    sys_info = _unpickle(f)
    if not isinstance(sys_info, dict) or not sys_info.get("little_endian", False):
        raise PthError(f"only little-endian files are supported (sys_info {sys_info!r})")

    storages = {}

    def on_pid(pid):
        stype, key, numel = _storage_pid(pid, 6)
        root = storages.get(key)
        if root is None:
            root = storages[key] = _Storage(key, stype.dtype, numel)
        elif root.dtype != stype.dtype or root.numel != numel:
            raise PthError(f"storage {key!r} referenced with different types/sizes")
        view = pid[5]
        if view is None:
            return root
        if not (isinstance(view, tuple) and len(view) == 3):
            raise PthError(f"bad storage view {view!r}")
        return _StorageView(root, view[1], view[2])

    obj = _unpickle(f, on_pid)
    keys = _unpickle(f)
    if not isinstance(keys, list) or sorted(keys) != sorted(storages):
        raise PthError("storage key list does not match the storages the pickle uses")

    pos = f.tell()
    for key in keys:
        st = storages[key]
        if pos + 8 > len(buf):
            raise PthError("file truncated in the storage section")
        (numel,) = struct.unpack_from("<q", buf, pos)
        pos += 8
        if numel != st.numel:
            raise PthError(f"storage {key!r}: {numel} elements on disk, {st.numel} expected")
        nbytes = numel * st.dtype.itemsize
        if pos + nbytes > len(buf):
            raise PthError(f"file truncated in storage {key!r}")
        st.data = np.frombuffer(buf, dtype=st.dtype, count=numel, offset=pos)
        pos += nbytes
    if pos != len(buf):
        raise PthError(f"{len(buf) - pos} unexpected bytes after the last storage")
    return obj


def _load_zip(buf):
    zf = zipfile.ZipFile(io.BytesIO(buf))
    names = set(zf.namelist())
    pkls = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
    if len(pkls) != 1:
        raise PthError("zip file without exactly one <dir>/data.pkl: not a torch checkpoint")
    prefix = pkls[0][: -len("data.pkl")]
    order = prefix + "byteorder"
    if order in names and zf.read(order).strip() != b"little":
        raise PthError("only little-endian files are supported")

    storages = {}

    def on_pid(pid):
        stype, key, numel = _storage_pid(pid, 5)
        if key not in storages:
            try:
                raw = zf.read(f"{prefix}data/{key}")
            except KeyError:
                raise PthError(f"storage {key!r} missing from the zip") from None
            if len(raw) < numel * stype.dtype.itemsize:
                raise PthError(f"storage {key!r} is shorter than {numel} elements")
            st = storages[key] = _Storage(key, stype.dtype, numel)
            st.data = np.frombuffer(raw, dtype=stype.dtype, count=numel)
        return storages[key]

    return _unpickle(io.BytesIO(zf.read(pkls[0])), on_pid)


def _materialize(obj):
    if isinstance(obj, _TensorRef):
        return obj.to_numpy()
    if isinstance(obj, dict):
        return {k: _materialize(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialize(v) for v in obj)
    return obj


def load(path):
    """Load a .pth file; tensors come back as numpy arrays (dicts as plain dicts)."""
    with open(path, "rb") as fh:
        buf = fh.read()
    if buf[:4] == b"PK\x03\x04":
        return _materialize(_load_zip(buf))
    if buf[257:262] == b"ustar":
        raise PthError("this is the oldest, tar-based torch format: not supported")
    if buf[:1] != b"\x80":
        raise PthError("not a torch checkpoint (neither zip nor pickle)")
    return _materialize(_load_legacy(buf))


def load_state_dict(path):
    """Load a .pth that holds a state dict: ``{name: numpy array}`` in file order."""
    obj = load(path)
    if not isinstance(obj, dict) or not all(
            isinstance(k, str) and isinstance(v, np.ndarray) for k, v in obj.items()):
        raise PthError(f"{path}: expected a dict of tensors, got {type(obj).__name__}")
    return obj
