"""Minimal safetensors reader/writer (the `safetensors` pip package is not installable here).

Format: 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}} (plus an
optional "__metadata__" of strings), then the raw little-endian tensor bytes, offsets relative to the end
of the header.

Reading maps the file instead of reading it, so a 500 MB checkpoint costs no extra memory until a tensor
is copied out; writing streams each tensor to disk.
"""
import json
import struct

import numpy as np

_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
           "I16": np.int16, "I8": np.int8, "U8": np.uint8, "U16": np.uint16, "U32": np.uint32, "U64": np.uint64,
           "BOOL": np.bool_}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}
_ITEMSIZE = {"BF16": 2, **{k: np.dtype(v).itemsize for k, v in _DTYPES.items()}}
_MAX_HEADER = 100 * 1024 * 1024  # the format's own limit; guards against reading garbage as a length


class SafetensorsError(ValueError):
    pass


def read_header(path: str) -> dict:
    """The JSON header only ({name: {dtype, shape, data_offsets}}, "__metadata__" removed), validated
    against the file size, without reading any tensor data."""
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise SafetensorsError(f"{path}: not a safetensors file (shorter than 8 bytes)")
        (n,) = struct.unpack("<Q", head)
        if n > _MAX_HEADER:
            raise SafetensorsError(f"{path}: not a safetensors file (header length {n} is implausible)")
        raw = f.read(n)
        f.seek(0, 2)
        size = f.tell()
    try:
        header = json.loads(raw)
    except ValueError as e:
        raise SafetensorsError(f"{path}: not a safetensors file (header is not JSON: {e})") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"{path}: not a safetensors file (header is not an object)")
    header.pop("__metadata__", None)
    data_len = size - 8 - n
    for name, info in header.items():
        try:
            dtype, shape, (s, e) = info["dtype"], info["shape"], info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise SafetensorsError(f"{path}: tensor {name!r} has a malformed header entry") from None
        if dtype not in _ITEMSIZE:
            raise SafetensorsError(f"{path}: tensor {name!r} has unsupported dtype {dtype}")
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if e - s != count * _ITEMSIZE[dtype] or s < 0 or e > data_len:
            raise SafetensorsError(f"{path}: tensor {name!r} ({dtype} {shape}) has offsets {s}..{e} that do not "
                                   f"fit its shape or the file ({data_len} data bytes); the file may be truncated")
    return header


def load_file(path: str, names=None, dtype=None) -> dict:
    """Tensors by name as numpy arrays. Each array is a copy (safe to keep after the file changes);
    `names` restricts which are read; `dtype` (e.g. np.float32) converts float tensors while copying.
    BF16 is widened to F32."""
    header = read_header(path)
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
    mm = np.memmap(path, dtype=np.uint8, mode="r")
    base = 8 + n
    out = {}
    try:
        for name, info in header.items():
            if names is not None and name not in names:
                continue
            s, e = info["data_offsets"]
            raw = mm[base + s:base + e]
            shape = info["shape"]
            if info["dtype"] == "BF16":
                arr = (raw.view(np.uint16).astype(np.uint32) << 16).view(np.float32).reshape(shape)
            else:
                arr = raw.view(_DTYPES[info["dtype"]]).reshape(shape)
            if dtype is not None and arr.dtype.kind == "f":
                arr = arr.astype(dtype)  # astype copies
            elif arr.base is not None:
                arr = np.array(arr)
            out[name] = arr
    finally:
        del mm
    return out


def save_file(tensors: dict, path: str, metadata: dict | None = None):
    """Writes tensors (numpy arrays, or anything with .numpy()) in insertion order."""
    header, offset, arrays = {}, 0, []
    for name, arr in tensors.items():
        if hasattr(arr, "detach"):
            arr = arr.detach().cpu().numpy()
        arr = np.asarray(arr)
        if not arr.flags.c_contiguous:
            arr = arr.copy()  # (np.ascontiguousarray would turn a 0-d tensor into shape [1])
        if arr.dtype not in _NAMES:
            raise ValueError(f"unsupported dtype {arr.dtype} for {name}")
        header[name] = {"dtype": _NAMES[arr.dtype], "shape": list(arr.shape), "data_offsets": [offset, offset + arr.nbytes]}
        arrays.append(arr)
        offset += arr.nbytes
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for arr in arrays:
            f.write(arr.reshape(-1).view(np.uint8).data)  # native order is little-endian on every target
