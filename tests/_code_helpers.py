"""Helpers for the tests of code exercises (issue 24): load a grade_cases solution file as a module,
and hold a spec's reference to an independent right solution and its mistakes to being caught."""
from __future__ import annotations

import importlib.util
import random
from pathlib import Path


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"solution_{path.parent.name}_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def check_spec(fam, right, n: int = 20) -> None:
    """``fam``'s reference against ``right`` (another implementation) on ``n`` cases; every listed
    mistake wrong on some case, and no two mistakes alike on every case (same diagnosis)."""
    import torch

    from cardgen.grade.report import compare
    from cardgen.grade.wire import codec, decode

    def wire(x):
        return decode(codec().encode(x))

    spec = fam.code_spec
    rng = random.Random(f"test-code/{fam.id}")
    refs, outs = [], {m.name: [] for m in spec.mistakes}
    for i in range(n):
        inp = spec.make_inputs(rng, i)
        with torch.no_grad():
            ref = wire(spec.reference(**inp))
            got = wire(right(**{k: (v.clone() if isinstance(v, torch.Tensor) else v) for k, v in inp.items()}))
            assert compare(ref, got, spec.atol, spec.rtol).ok, (fam.id, i)
            for m in spec.mistakes:
                try:
                    outs[m.name].append(wire(m.fn(**inp)))
                except (RuntimeError, IndexError, ValueError):
                    outs[m.name].append(None)
        refs.append(ref)
    for name, got in outs.items():
        assert any(g is None or not compare(r, g, spec.atol, spec.rtol).ok for g, r in zip(got, refs)), (
            f"{fam.id}: mistake {name} is never caught")
    names = sorted(outs)
    for a in names:
        for b in names:
            if a < b:
                same = all((x is None) == (y is None) and (x is None or compare(x, y, spec.atol, spec.rtol).ok)
                           for x, y in zip(outs[a], outs[b]))
                assert not same, f"{fam.id}: mistakes {a} and {b} cannot be told apart"
