"""The README's map of ARENA 3.0 (chapters 1.3.1 and 0.0) and Tensor-Puzzles onto families
(issue 24): every source exercise has a row, every family it names is registered, and a family
marked "(code)" has a code exercise. Ids marked † are the SAE families of the issue's other half:
provisional until a new ``superposition.sae_*`` family is registered; then each must be a
registered id and lose its mark (the test says which)."""
from __future__ import annotations

import re
from pathlib import Path

from exercises import family_ids, get_family

README = Path(__file__).resolve().parents[1] / "README.md"
ROW = re.compile(r"^\| (ARENA 1\.3\.1(?: question)?|ARENA 0\.0|Tensor-Puzzles) \| (.+?) \| (.+) \|$")
#: The SAE families registered before issue 24: any other superposition.sae_* means the other half is merged.
SAE_BEFORE = {"superposition.sae_forward", "superposition.sae_loss", "superposition.sae_recovery",
              "superposition.sae_sparsity"}
ID = re.compile(r"`([a-z]+\.[a-z_]+)`(†)?( \(code)?")


def _rows() -> list[tuple[str, str, str]]:
    text = README.read_text()
    section = text.split("## Tensor skills and the ARENA / Tensor-Puzzles map", 1)[1].split("\n## ", 1)[0]
    return [m.groups() for line in section.splitlines() if (m := ROW.match(line))]


def test_every_source_exercise_has_a_row():
    rows = _rows()
    count = {src: sum(1 for s, _, _ in rows if s == src) for src in ("ARENA 1.3.1", "ARENA 0.0", "Tensor-Puzzles")}
    # 1.3.1: 21 headed exercises, training the SAE, the bonus motif, the double-descent replication;
    # 0.0: 8 einops image exercises, A1-I2 (19), 5 einsum; Tensor-Puzzles: 21
    assert count == {"ARENA 1.3.1": 24, "ARENA 0.0": 32, "Tensor-Puzzles": 21}, count
    puzzles = [ex for s, ex, _ in rows if s == "Tensor-Puzzles"]
    assert [int(p.split()[0]) for p in puzzles] == list(range(1, 22))


def test_every_family_in_the_map_exists_and_code_marks_are_true():
    known = set(family_ids())
    merged = any(f.startswith("superposition.sae_") and f not in SAE_BEFORE for f in known)
    missing, provisional_now_real = [], []
    for src, ex, cell in _rows():
        ids = ID.findall(cell)
        assert ids or cell.startswith("not covered"), f"{src} {ex}: no family and not marked 'not covered'"
        for fid, dagger, code in ids:
            if dagger and not merged:
                continue  # the other half is not merged yet: its ids are provisional
            if dagger:
                provisional_now_real.append(fid)
            if fid not in known:
                missing.append(f"{src} {ex}: {fid}")
            elif code:
                assert get_family(fid).code_spec is not None, f"{fid} is marked (code) but has no code exercise"
    assert not missing, missing
    assert not provisional_now_real, (
        f"the SAE half is merged: make {sorted(set(provisional_now_real))} the registered ids and drop their †")
