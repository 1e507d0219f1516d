"""The grader's one wire format for values: test inputs, learner results and cached references.

Both sides use this module: the grader (inputs out, results in, the case cache) and the
sandboxed child, which loads this file by path before it locks itself down (so it must stay
stdlib-only at import time; numpy and torch are handed in). A value is a JSON object:

* ``{"t": "none"}``, ``{"t": "num", "v": 1.5, "type": "float"}``, ``{"t": "str", "v": "..."}``
* ``{"t": "array", "kind": "tensor"|"ndarray"|"npscalar", "np": "<f4", "dtype": "float32",
  "shape": [2, 3], "data": BASE64, "requires_grad": false}``: raw little-endian C-order
  bytes; ``dtype`` is the torch/numpy name the object had (``bfloat16`` travels as ``<f4``)
* ``{"t": "tuple"|"list", "items": [...]}``, ``{"t": "big", ...}`` (only a shape: too large),
  ``{"t": "other", "type": "module.Class"}``

Nothing is pickled. ``decode`` validates everything the child sent (a shape that does not
match the bytes, an unknown dtype, a malformed record: ``ProtocolError``).
"""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

NP_DTYPES = frozenset({"<f8", "<f4", "<f2", "<i8", "<i4", "<i2", "|i1", "|u1", "|b1"})
TORCH_DTYPES = ("float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool")
MAX_ELEMENTS = 1 << 26
MAX_NDIM = 16
MAX_ITEMS = 64
MAX_DEPTH = 4
MAX_SEND = 1 << 22  # elements of an array sent in full; above that only its shape
MAX_LEAVES = 4096  # numbers and arrays in one returned value (lists and tuples of them)


class ProtocolError(Exception):
    """The child sent something the grader cannot trust (malformed, forged or too large)."""


@dataclass
class Returned:
    """A decoded value (a learner's result or a reference), validated; numpy only, no torch."""

    kind: str  # "tensor", "ndarray", "npscalar", "number", "none", "tuple", "list", "big", "other"
    array: Any = None  # numpy array for tensors/arrays/numbers
    dtype: str = ""  # the dtype the object had (torch or numpy name), or the Python type of a number
    type_name: str = ""  # for "other" and numbers: the Python type
    items: list["Returned"] = field(default_factory=list)
    big_shape: tuple[int, ...] | None = None  # a result too large to send back: only its shape

    def describe(self) -> str:
        if self.kind == "big":
            return f"a {self.type_name or 'tensor'} of shape {self.big_shape} (too large to compare)"
        if self.kind == "tensor":
            return f"a tensor of shape {tuple(self.array.shape)} ({self.dtype})"
        if self.kind == "ndarray":
            return f"a numpy array of shape {tuple(self.array.shape)}"
        if self.kind in ("number", "npscalar"):
            return f"the number {self.array.item()!r}"
        if self.kind == "none":
            return "None"
        if self.kind in ("tuple", "list"):
            return f"a {self.kind} of {len(self.items)} item{'s' if len(self.items) != 1 else ''}"
        return f"an object of type {self.type_name}"

    def dtypes(self) -> list[str]:
        """The dtype of every tensor/array in this value, depth first."""
        if self.kind in ("tuple", "list"):
            return [d for it in self.items for d in it.dtypes()]
        return [self.dtype] if self.kind in ("tensor", "ndarray") else []


def _shape_ok(shape: Any) -> bool:
    return (isinstance(shape, list) and len(shape) <= MAX_NDIM
            and all(type(d) is int and 0 <= d <= MAX_ELEMENTS for d in shape))


def decode(v: Any, depth: int = 0) -> Returned:
    """Validate and decode one wire value; ProtocolError if anything is off."""
    import numpy as np

    if not isinstance(v, dict) or not isinstance(v.get("t"), str) or depth > MAX_DEPTH:
        raise ProtocolError("malformed value")
    t = v["t"]
    if t == "none":
        return Returned("none")
    if t == "num":
        x = v.get("v")
        if type(x) not in (int, float, bool) or (type(x) is int and abs(x) >= 2**63):
            raise ProtocolError("malformed number")
        tn = v.get("type") if isinstance(v.get("type"), str) else type(x).__name__
        return Returned("number", np.asarray(x, dtype=np.float64 if type(x) is float else None),
                        dtype=type(x).__name__, type_name=tn[:100])
    if t == "array":
        kind, np_str, shape, data = v.get("kind"), v.get("np"), v.get("shape"), v.get("data")
        if kind not in ("tensor", "ndarray", "npscalar") or np_str not in NP_DTYPES:
            raise ProtocolError("malformed array (kind or dtype)")
        if not _shape_ok(shape):
            raise ProtocolError("malformed array (shape)")
        n = 1
        for d in shape:
            n *= d
        if n > MAX_ELEMENTS or not isinstance(data, str):
            raise ProtocolError("malformed array (size)")
        try:
            raw = base64.b64decode(data, validate=True)
        except ValueError:
            raise ProtocolError("malformed array (data)") from None
        dt = np.dtype(np_str)
        if len(raw) != n * dt.itemsize:  # a lying shape cannot survive this
            raise ProtocolError(f"the data of a result does not match its claimed shape {tuple(shape)}")
        arr = np.frombuffer(raw, dtype=dt).reshape(shape)
        dtype = v.get("dtype") if isinstance(v.get("dtype"), str) else dt.name
        return Returned(kind, arr, dtype=dtype[:40])
    if t in ("tuple", "list"):
        items = v.get("items")
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise ProtocolError("malformed sequence")
        return Returned(t, items=[decode(x, depth + 1) for x in items])
    if t == "big":
        if not _shape_ok(v.get("shape")):
            raise ProtocolError("malformed array (shape)")
        kind = v.get("kind") if v.get("kind") in ("tensor", "ndarray", "npscalar") else "tensor"
        return Returned("big", type_name="numpy array" if kind == "ndarray" else "tensor",
                        big_shape=tuple(v["shape"]))
    if t == "other":
        tn = v.get("type")
        return Returned("other", type_name=tn[:200] if isinstance(tn, str) else "?")
    if t == "str":
        return Returned("other", type_name="builtins.str")
    raise ProtocolError(f"unknown value kind {t[:20]!r}")


class Codec:
    """Encodes Python/numpy/torch values and rebuilds inputs as torch objects.

    The C-level functions it uses are captured when it is built, before any learner code
    runs: in the child, replacing ``torch.Tensor.numpy`` or a subclass claiming another
    shape changes nothing it sends (``type()`` cannot be faked, ``isinstance`` can).
    """

    def __init__(self, np, torch):
        self.np, self.torch = np, torch
        self.TB = getattr(torch._C, "TensorBase", None) or torch._C._TensorBase
        self.Tensor = torch.Tensor
        self.ndarray = np.ndarray
        self.np_generic = np.generic
        self.no_torch_function = torch._C.DisableTorchFunction
        self.from_numpy = torch.from_numpy
        self.frombuffer = np.frombuffer
        self.asarray = np.asarray
        self.tobytes = np.ndarray.tobytes
        self.b64encode = base64.b64encode
        self.b64decode = base64.b64decode
        self.sendable = {getattr(torch, n) for n in TORCH_DTYPES}
        self.float64 = torch.float64
        self.strided = torch.strided
        self._leaves, self._elements = MAX_LEAVES, MAX_SEND
        self.torch_dtype = {n: getattr(torch, n) for n in (*TORCH_DTYPES, "bfloat16")}

    # -- any value -> wire
    def encode(self, obj: Any, depth: int = 0) -> dict[str, Any]:
        """``obj`` on the wire. Its size is bounded before anything is serialized: at most
        MAX_LEAVES numbers and arrays in all, and MAX_SEND array elements in all (a larger
        value is sent as its shape, or as "too large"), so no legal return can flood the
        grader."""
        if depth == 0:
            self._leaves, self._elements = MAX_LEAVES, MAX_SEND
        self._leaves -= 1
        if self._leaves < 0:
            return {"t": "other", "type": f"a value with more than {MAX_LEAVES} numbers or arrays in lists and tuples"}
        tp = type(obj)
        if obj is None:
            return {"t": "none"}
        if tp is bool:
            return {"t": "num", "v": bool(obj), "type": "bool"}
        if issubclass(tp, int):
            v = int.__index__(obj)
            if abs(v) < 2**63:
                return {"t": "num", "v": v, "type": tp.__name__}
            return {"t": "num", "v": float(v), "type": tp.__name__}
        if issubclass(tp, float):
            return {"t": "num", "v": float.__float__(obj), "type": tp.__name__}
        if tp is str:
            return {"t": "str", "v": str.__str__(obj)}
        if issubclass(tp, self.Tensor) or issubclass(tp, self.TB):
            return self.encode_tensor(obj)
        if issubclass(tp, self.ndarray) or issubclass(tp, self.np_generic):
            arr = self.asarray(obj)
            return self.encode_array(arr, "ndarray" if issubclass(tp, self.ndarray) else "npscalar", arr.dtype.name)
        if tp in (tuple, list) and depth < MAX_DEPTH and len(obj) <= MAX_ITEMS:
            return {"t": tp.__name__, "items": [self.encode(x, depth + 1) for x in obj]}
        return {"t": "other", "type": f"{tp.__module__}.{tp.__qualname__}"}

    def encode_tensor(self, obj) -> dict[str, Any]:
        TB = self.TB
        with self.no_torch_function():
            t = TB.detach(obj)
            if t.layout != self.strided:  # a sparse (COO, CSR...) result: its values are what count
                t = TB.to_dense(t)
            if t.is_complex():
                raise TypeError("returned a complex tensor; the exercise expects real numbers")
            name = str(t.dtype).replace("torch.", "")
            if t.dtype not in self.sendable:
                t = TB.to(t, self.float64)
            arr = TB.numpy(t, force=True)
            grad = bool(TB.requires_grad.__get__(obj))
        out = self.encode_array(arr, "tensor", name)
        if grad and out["t"] == "array":
            out["requires_grad"] = True
        return out

    def encode_array(self, arr, kind: str, dtype_name: str) -> dict[str, Any]:
        if arr.dtype.kind not in "fiub":
            return {"t": "other", "type": f"{kind} of {arr.dtype}"}
        if arr.size > min(MAX_SEND, getattr(self, "_elements", MAX_SEND)):  # the references are small: its
            return {"t": "big", "kind": kind, "dtype": dtype_name, "shape": list(arr.shape)}  # shape will tell
        self._elements = getattr(self, "_elements", MAX_SEND) - int(arr.size)
        le = arr.dtype.newbyteorder("<")
        data = self.tobytes(arr.astype(le, copy=False), order="C")  # 0-d stays 0-d
        return {"t": "array", "kind": kind, "dtype": dtype_name, "np": le.str,
                "shape": list(arr.shape), "data": self.b64encode(data).decode()}

    # -- wire -> torch (inputs: the grader made them, but they are still decoded without pickle)
    def to_python(self, v: dict[str, Any]) -> Any:
        t = v["t"]
        if t == "array":
            arr = self.frombuffer(self.b64decode(v["data"]), dtype=v["np"]).reshape(v["shape"]).copy()
            if v.get("kind") == "ndarray":
                return arr
            if v.get("kind") == "npscalar":
                return arr[()]
            out = self.from_numpy(arr)
            want = self.torch_dtype.get(v.get("dtype", ""))
            if want is not None and want != out.dtype:
                out = out.to(want)
            if v.get("requires_grad"):
                out.requires_grad_(True)
            return out
        if t in ("num", "str"):
            return v["v"]
        if t == "none":
            return None
        if t in ("tuple", "list"):
            items = [self.to_python(x) for x in v["items"]]
            return tuple(items) if t == "tuple" else items
        raise ValueError(f"cannot rebuild a {t!r} value")


_codec: Codec | None = None


def codec() -> Codec:
    """The grader's own Codec (imports torch: only when the grader itself computes cases)."""
    global _codec
    if _codec is None:
        import numpy as np
        import torch

        _codec = Codec(np, torch)
    return _codec


SHOWN_IN_FULL = 64  # elements of an input tensor printed in full (as code that rebuilds it)


def describe_input(name: str, v: dict[str, Any]) -> str:
    """An input as the learner can rebuild it: ``a = torch.tensor([[...]])`` in full for small
    tensors, ``a: tensor of shape (2, 30) (float32)`` for larger ones (the report then adds
    a line that recreates every input from the seed); ``n = 3`` for numbers."""
    import numpy as np

    t = v["t"]
    if t == "array":
        dtype = v.get("dtype", v["np"])
        n = int(np.prod(v["shape"])) if v["shape"] else 1
        if n <= SHOWN_IN_FULL:
            arr = np.frombuffer(base64.b64decode(v["data"]), dtype=v["np"]).reshape(v["shape"])
            body = np.array2string(arr, separator=", ", threshold=SHOWN_IN_FULL + 1, max_line_width=10**6,
                                   floatmode="unique" if arr.dtype.kind == "f" else "maxprec")
            body = re.sub(r"\[\s+", "[", re.sub(r"\s+", " ", body)).replace(" ,", ",").replace(" ]", "]")  # one line
            if v.get("kind") == "ndarray":
                return f"{name} = np.array({body}, dtype=np.{dtype})"
            return f"{name} = torch.tensor({body}, dtype=torch.{dtype})"
        return f"{name}: tensor of shape {tuple(v['shape'])} ({dtype})"
    if t in ("tuple", "list"):
        return f"{name}: {t} of {len(v['items'])}: " + "; ".join(
            describe_input(f"{name}[{i}]", x) for i, x in enumerate(v["items"]))
    if t == "none":
        return f"{name} = None"
    return f"{name} = {v['v']!r}"
