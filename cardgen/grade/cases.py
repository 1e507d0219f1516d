"""The test cases of one exercise: inputs, per-call seeds, expected outputs, known mistakes.

Everything is computed by running ``spec.make_inputs``, ``spec.reference`` and each
``Mistake.fn`` in the grader's own process, then stored in the on-disk cache in the same
wire format the child uses (raw bytes + shape + dtype). The key covers the source of the
``exercises`` and ``superpos_core`` packages and the torch/numpy versions, so an edited
exercise is a new entry. With a warm cache the grader needs no torch of its own, which
leaves the CPU to the child's ``import torch``.
"""
from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cardgen.grade.sandbox import Returned, decode_result, encode_input
from cardgen.grade.stub import Exercise

WIRE_VERSION = 1  # bump when the stored format changes
MIN_CASES = 20  # every function is graded on at least this many cases, whatever spec.n_cases says


def n_cases(ex: Exercise) -> int:
    return max(ex.spec.n_cases, MIN_CASES)


@dataclass
class Plan:
    """One exercise's cases as the grader uses them (decoded, no torch needed)."""

    exercise: Exercise
    inputs: list[dict[str, Any]] = field(default_factory=list)  # wire format, sent to the child
    seeds: list[int] = field(default_factory=list)
    expected: list[Returned] = field(default_factory=list)
    mistakes: dict[str, list[Returned | None]] = field(default_factory=dict)
    spec_error: str | None = None


def encode_output(value: Any, depth: int = 0) -> dict[str, Any]:
    """A reference (or mistake) output in the child's result format, so one decoder serves both."""
    import numpy as np
    import torch

    if isinstance(value, torch.Tensor):
        t = value.detach().cpu()
        name = str(t.dtype).replace("torch.", "")
        if t.is_complex() or t.dtype not in (torch.float64, torch.float32, torch.float16, torch.int64, torch.int32,
                                              torch.int16, torch.int8, torch.uint8, torch.bool):
            t = t.to(torch.float64)
        arr = np.ascontiguousarray(t.numpy())
        le = arr.dtype.newbyteorder("<")
        return {"t": "array", "kind": "tensor", "np": le.str, "dtype": name, "shape": list(arr.shape),
                "data": base64.b64encode(arr.astype(le, copy=False).tobytes()).decode()}
    if isinstance(value, (bool, np.bool_)):
        return {"t": "num", "v": bool(value)}
    if isinstance(value, (int, np.integer)):
        return {"t": "num", "v": int(value)}
    if isinstance(value, (float, np.floating)):
        return {"t": "num", "v": float(value)}
    if isinstance(value, (tuple, list)) and depth < 4:
        return {"t": "tuple" if isinstance(value, tuple) else "list",
                "items": [encode_output(v, depth + 1) for v in value]}
    if value is None:
        return {"t": "none"}
    raise TypeError(f"the reference returned a {type(value).__name__}, which the grader cannot compare")


def decode_input(v: dict[str, Any]):
    """A wire-format input back to torch (for describing it or rerunning a mistake)."""
    import numpy as np
    import torch

    t = v["t"]
    if t == "tensor":
        arr = np.frombuffer(base64.b64decode(v["data"]), dtype=v["np"]).reshape(v["shape"]).copy()
        out = torch.from_numpy(arr)
        return out.to(torch.bfloat16) if v.get("torch") == "bfloat16" else out
    if t in ("tuple", "list"):
        items = [decode_input(x) for x in v["items"]]
        return tuple(items) if t == "tuple" else items
    if t == "none":
        return None
    return v["v"]


def describe_input(name: str, v: dict[str, Any]) -> str:
    """``a: tensor of shape (2, 3) (float32)``, with the values of tiny tensors; ``n = 3``."""
    import numpy as np

    t = v["t"]
    if t == "tensor":
        s = f"{name}: tensor of shape {tuple(v['shape'])} ({v.get('torch', v['np'])})"
        n = int(np.prod(v["shape"])) if v["shape"] else 1
        if n <= 6:
            arr = np.frombuffer(base64.b64decode(v["data"]), dtype=v["np"]).astype(np.float64)
            s += f" = {[round(float(x), 4) for x in arr]}"
        return s
    if t in ("tuple", "list"):
        return f"{name}: {t} of {len(v['items'])}: " + "; ".join(
            describe_input(f"{name}[{i}]", x) for i, x in enumerate(v["items"]))
    if t == "none":
        return f"{name} = None"
    return f"{name} = {v['v']!r}"


def _seeded_call(fn, inputs: dict[str, Any], seed: int):
    """Call ``fn`` on fresh copies of the inputs with every RNG seeded as in the child."""
    import numpy as np
    import torch

    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    with torch.no_grad():
        return fn(**{k: decode_input(v) for k, v in inputs.items()})


def _compute(ex: Exercise) -> dict[str, Any]:
    """Inputs, seeds, references and mistakes' outputs, by running the exercise's code."""
    spec = ex.spec
    rng = random.Random(f"cardgen-grade/{ex.family}/{ex.seed}")
    inputs, seeds = [], []
    try:
        for i in range(n_cases(ex)):
            kwargs = spec.make_inputs(rng, i)
            inputs.append({k: encode_input(v) for k, v in kwargs.items()})
            seeds.append(rng.getrandbits(31))
    except Exception as e:  # noqa: BLE001 - a bug in the exercise, reported as such
        raise SpecError(f"the grader could not make test cases (a bug in cardgen, not in your code): "
                        f"{type(e).__name__}: {e}") from None
    try:
        expected = [encode_output(_seeded_call(spec.reference, inp, s)) for inp, s in zip(inputs, seeds)]
    except Exception as e:  # noqa: BLE001
        raise SpecError(f"the grader could not compute the expected results (a bug in cardgen, not in your "
                        f"code): {type(e).__name__}: {e}") from None
    mistakes: dict[str, list] = {}
    for m in spec.mistakes:
        outs = []
        for inp, s in zip(inputs, seeds):
            try:
                outs.append(encode_output(_seeded_call(m.fn, inp, s)))
            except Exception:  # noqa: BLE001 - a mistake that cannot happen on this case
                outs.append(None)
        mistakes[m.name] = outs
    return {"inputs": inputs, "seeds": seeds, "expected": expected, "mistakes": mistakes}


class SpecError(Exception):
    """The exercise's own code failed: a cardgen bug, shown as such (never as the learner's)."""


@lru_cache(maxsize=1)
def source_digest() -> str:
    """A hash of everything that decides the cases: the exercise code and library versions."""
    from exercises.cache import code_digest

    return f"wire={WIRE_VERSION};" + code_digest(("exercises", "superpos_core"), ("torch", "numpy", "einops"))


def make_plan(ex: Exercise, use_cache: bool = True) -> Plan:
    """The exercise's cases, from the cache when this exact code has computed them before."""
    from exercises.cache import cached_json

    plan = Plan(ex)
    payload = {"family": ex.family, "seed": ex.seed, "n_cases": n_cases(ex), "source": source_digest()}
    try:
        data = cached_json("grade-cases", payload, lambda: _compute(ex)) if use_cache else _compute(ex)
    except SpecError as e:
        plan.spec_error = str(e)
        return plan
    plan.inputs, plan.seeds = data["inputs"], data["seeds"]
    plan.expected = [decode_result(v) for v in data["expected"]]
    plan.mistakes = {name: [None if v is None else decode_result(v) for v in outs]
                     for name, outs in data["mistakes"].items()}
    return plan
