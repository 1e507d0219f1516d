"""A stranger's attempt at the value forms issue 24 added: answer each card with what other seeds
answered (issue 18's "other seeds' top answer"), without reading the card.

For every new family, 50 seeds: solver A types the most frequent answer of the other 49 seeds;
solver B types the answer of the seed before (same family, likely another structure). Prints
each family's solve rates; the card-trap limit elsewhere is 25-30%.

    python benchmarks/tensors_stranger.py
"""
from __future__ import annotations

import sys
from collections import Counter

FAMILIES = ("tensors.gather", "tensors.broadcast", "tensors.where", "tensors.masks", "tensors.cumsum",
            "tensors.softmax", "tensors.cross_entropy", "tensors.accuracy", "tensors.sample", "tensors.normalise",
            "tensors.ones", "tensors.sum", "tensors.vstack", "tensors.roll", "tensors.flip", "tensors.compress",
            "tensors.pad_to", "tensors.bincount", "tensors.scatter_add", "tensors.linspace",
            "superposition.forward_arena", "superposition.hidden_relu", "superposition.generate_batch",
            "superposition.abs_model", "superposition.concepts")
SEEDS = 50


def main() -> int:
    from exercises import get_family

    worst = 0.0
    for fid in FAMILIES:
        fam = get_family(fid)
        vs = [fam.variant(seed=s, form="value") for s in range(SEEDS)]
        texts = [v.answer_text for v in vs]
        top = sum(v.check(Counter(texts[:i] + texts[i + 1:]).most_common(1)[0][0]).correct for i, v in enumerate(vs))
        prev = sum(v.check(texts[i - 1]).correct for i, v in enumerate(vs))
        worst = max(worst, top / SEEDS, prev / SEEDS)
        print(f"{fid:<32} other seeds' top answer {top / SEEDS:5.0%}   previous seed's answer {prev / SEEDS:5.0%}")
    print(f"worst {worst:.0%} of {SEEDS} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
