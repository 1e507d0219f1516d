"""The test cases of one exercise: inputs, per-call seeds, expected outputs, known mistakes.

Everything is computed by running ``spec.make_inputs``, ``spec.reference`` and each
``Mistake.fn`` in the grader's own process, and stored in the on-disk cache in the wire
format (``cardgen.grade.wire``). The key covers the source of the ``exercises`` and
``superpos_core`` packages and the torch/numpy versions, so an edited exercise is a new
entry. With a warm cache the grader needs no torch of its own, which leaves the CPU to the
child's ``import torch``.

The cache holds the answers, so it is guarded twice: the strong sandbox cannot read it (it
is outside the child's allow-list), and every entry carries an HMAC under a key that lives
beside the cache, never in any environment or message: an entry changed by anything but the
grader (a solution graded at the basic level, say) fails the check and is computed afresh.
The basic level, which cannot hide the cache, neither reads nor writes it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import secrets
import stat
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cardgen.grade.exercise import Exercise
from cardgen.grade.fsutil import read_at_most, remove_tree
from cardgen.grade.wire import Returned, codec, decode

WIRE_VERSION = 2  # bump when the stored format changes
MIN_CASES = 20  # every function is graded on at least this many cases, whatever spec.n_cases says
NAMESPACE = "grade-cases"


def n_cases(ex: Exercise) -> int:
    return max(ex.spec.n_cases, MIN_CASES)


@dataclass
class Plan:
    """One exercise's cases as the grader uses them (decoded, no torch needed)."""

    exercise: Exercise
    inputs: list[dict[str, Any]] = field(default_factory=list)  # name -> wire value, sent to the child
    seeds: list[int] = field(default_factory=list)
    expected: list[Returned] = field(default_factory=list)
    mistakes: dict[str, list[Returned | None]] = field(default_factory=dict)
    spec_error: str | None = None
    note: str | None = None  # e.g. a tampered cache entry that was recomputed


def positional(ex: Exercise, inputs: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """The names of the inputs passed positionally, in the signature's order (learners call
    their parameters what they like), and the rest, passed by keyword."""
    names = parameter_names(ex.spec.signature)
    if not names or not all(n in inputs for n in names):
        return [], dict(inputs)
    return names, {k: v for k, v in inputs.items() if k not in names}


@lru_cache(maxsize=None)
def parameter_names(signature: str) -> list[str]:
    import ast

    try:
        fn = ast.parse(signature.strip() + "\n    pass\n").body[0]
    except (SyntaxError, IndexError):
        return []
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    return [a.arg for a in fn.args.posonlyargs + fn.args.args]


def rebuild(inputs: dict[str, Any]) -> dict[str, Any]:
    """Wire inputs back to torch objects (for a hint, or rerunning a mistake)."""
    c = codec()
    return {k: c.to_python(v) for k, v in inputs.items()}


def _seeded_call(fn, inputs: dict[str, Any], seed: int):
    """Call ``fn`` on fresh copies of the inputs with every RNG seeded as in the child."""
    import numpy as np
    import torch

    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    with torch.no_grad():
        return fn(**rebuild(inputs))


def _compute(ex: Exercise) -> dict[str, Any]:
    """Inputs, seeds, references and mistakes' outputs, by running the exercise's code."""
    spec = ex.spec
    c = codec()
    rng = random.Random(f"cardgen-grade/{ex.family}/{ex.seed}")
    inputs, seeds = [], []
    try:
        for i in range(n_cases(ex)):
            kwargs = spec.make_inputs(rng, i)
            inputs.append({k: c.encode(v) for k, v in kwargs.items()})
            seeds.append(rng.getrandbits(31))
    except Exception as e:  # noqa: BLE001 - a bug in the exercise, reported as such
        raise SpecError(f"the grader could not make test cases (a bug in cardgen, not in your code): "
                        f"{type(e).__name__}: {e}") from None
    try:
        expected = [c.encode(_seeded_call(spec.reference, inp, s)) for inp, s in zip(inputs, seeds)]
    except Exception as e:  # noqa: BLE001
        raise SpecError(f"the grader could not compute the expected results (a bug in cardgen, not in your "
                        f"code): {type(e).__name__}: {e}") from None
    for e in expected:
        if e["t"] == "other":
            raise SpecError(f"the reference returned a {e['type']}, which the grader cannot compare")
    mistakes: dict[str, list] = {}
    for m in spec.mistakes:
        outs = []
        for inp, s in zip(inputs, seeds):
            try:
                outs.append(c.encode(_seeded_call(m.fn, inp, s)))
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


# ---------------------------------------------------------------------- the authenticated cache


def cases_dir() -> Path:
    from exercises.cache import cache_dir

    return cache_dir() / NAMESPACE


def _read_small(path: Path, limit: int) -> bytes | None:
    """A regular file's bytes (at most ``limit``), or None: never follows a symlink at the end,
    and never blocks (a FIFO or a device put in place of the file is refused, not read)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        data = read_at_most(fd, limit)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _key() -> bytes | None:
    """The cache's HMAC key (made on first use, owner-only); None when it cannot be kept."""
    path = cases_dir() / ".hmac-key"
    data = _read_small(path, 64)
    if data is not None and len(data) == 64:
        return data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-key-")
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(64))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)  # also replaces whatever was there (a FIFO, a link)
    except OSError:
        return None
    data = _read_small(path, 64)
    return data if data is not None and len(data) == 64 else None


def _mac(key: bytes, name: str, body: bytes) -> str:
    return hmac.new(key, name.encode() + b"\0" + body, hashlib.sha256).hexdigest()


MAX_ENTRY = 256 << 20


def read_entry(name: str) -> tuple[dict | None, bool]:
    """``(data, tampered)``: the entry when present and authentic."""
    key = _key()
    if key is None:
        return None, False
    raw = _read_small(cases_dir() / f"{name}.json", MAX_ENTRY)
    if raw is None:
        return None, False
    mac, _, body = raw.partition(b"\n")
    if not hmac.compare_digest(mac.decode("ascii", "replace"), _mac(key, name, body)):
        return None, True
    try:
        return json.loads(body), False
    except (ValueError, RecursionError):
        return None, True


def discard_all() -> bool:
    """Forget every cached case and the key, after graded code ran where it could reach them
    (the basic level): whatever it wrote there, a later grading computes afresh and signs
    under a new key. True when the cache is gone."""
    d = cases_dir()
    try:
        if d.is_symlink() or (d.exists() and not d.is_dir()):
            d.unlink()
            return True
        if not d.exists():
            return True
        aside = d.with_name(f".{NAMESPACE}-discarded-{secrets.token_hex(8)}")
        os.rename(d, aside)  # atomic: from here on nothing of it is read
    except OSError:
        return False
    remove_tree(aside)
    return True


def write_entry(name: str, data: dict) -> None:
    key = _key()
    if key is None:
        return
    body = json.dumps(data, separators=(",", ":")).encode()
    path = cases_dir() / f"{name}.json"
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_mac(key, name, body).encode() + b"\n" + body)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # an unwritable cache only costs the caching


def make_plan(ex: Exercise, use_cache: bool = True) -> Plan:
    """The exercise's cases, from the cache when this exact code has computed them before."""
    from exercises.cache import cache_key

    plan = Plan(ex)
    data = None
    if use_cache:
        name = cache_key(NAMESPACE, {"family": ex.family, "seed": ex.seed, "n_cases": n_cases(ex),
                                     "source": source_digest()})
        data, tampered = read_entry(name)
        if tampered:
            plan.note = (f"the cached cases of {ex.family} had been changed by something other than the "
                         "grader; they were computed afresh")
    try:
        if data is None:
            data = _compute(ex)
            if use_cache:
                write_entry(name, data)
    except SpecError as e:
        plan.spec_error = str(e)
        return plan
    plan.inputs, plan.seeds = data["inputs"], data["seeds"]
    plan.expected = [decode(v) for v in data["expected"]]
    plan.mistakes = {name: [None if v is None else decode(v) for v in outs]
                     for name, outs in data["mistakes"].items()}
    return plan


def case_inputs(family: str, seed: int = 0, case: int = 1) -> dict[str, Any]:
    """The inputs of grading case ``case`` (1-based, as reports number them) of ``family`` at
    ``seed``, as torch values: a counterexample too large to print is recreated with this."""
    from exercises import get_family

    fam = get_family(family)
    if fam.code_spec is None:
        raise ValueError(f"{family} has no code exercise")
    plan = make_plan(Exercise(fam.id, seed, fam.code_spec))
    if plan.spec_error:
        raise RuntimeError(plan.spec_error)
    if not 1 <= case <= len(plan.inputs):
        raise ValueError(f"case must be from 1 to {len(plan.inputs)}")
    return rebuild(plan.inputs[case - 1])
