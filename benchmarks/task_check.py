"""Judging one task-form answer: median wall time of a warm ``Variant.check`` (target: <= 50 ms).

Run: ``python benchmarks/task_check.py [--repeats N]``. Each timed answer is a new text (``(answer) + i * 0``),
so nothing is served from the check's memo of results per expression. For each of a few task cards it judges a
right answer in another tool than the reference and a wrong one, after one warm-up check, and
prints the medians; the ratio column compares with judging the reference itself (the baseline).
"""
from __future__ import annotations

import argparse
import statistics
import time

CASES = [
    ("einsum.attention_scores", 9, "{0} @ {1}.transpose(-1, -2)"),
    ("einops.split_heads", 3, None),
    ("superposition.forward", 50, "torch.relu((x.transpose(0, 1) @ W @ W.mT).transpose(0, 1) + b_final)"),
    ("superposition.sae_forward", 3, None),  # the decoder with W_dec renormalised to unit rows
    ("einops.upsample", 8, None),
    ("einsum.mixed", 5, None),
    ("tensors.cross_entropy", 7, None),  # F.cross_entropy against a log-softmax gather
    ("tensors.gather", 13, None),  # integer-tensor indices
    ("superposition.abs_model", 0, None),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    from exercises import get_family

    print(f"{'card':32s} {'reference ms':>12s} {'other tool ms':>13s} {'wrong ms':>9s} {'ratio':>6s}")
    worst = 0.0
    for fid, seed, template in CASES:
        v = get_family(fid).variant(seed, "task")
        while "example_shapes" not in v.params:  # a mixed note also draws the pooled write forms: the next task
            seed += 1
            v = get_family(fid).variant(seed, "task")
        names = list(v.params["example_shapes"])
        other = template.format(*names) if template else v.params["solutions"][-1]
        wrong = v.mistakes[0][1] if v.mistakes else f"{names[0]} * 2"

        def median(answer: str) -> float:
            v.check(answer)  # warm: the trials' inputs are drawn once per card
            times = []
            for i in range(args.repeats):  # a new text each time: the check remembers results per expression
                t = time.perf_counter()
                v.check(f"({answer}) + {i} * 0")
                times.append(time.perf_counter() - t)
            return statistics.median(times) * 1000

        ref, alt, bad = median(v.answer), median(other), median(wrong)
        worst = max(worst, alt, bad)
        print(f"{fid + '/' + str(seed):32s} {ref:12.1f} {alt:13.1f} {bad:9.1f} {alt / ref:6.2f}")
    print(f"worst median: {worst:.1f} ms (target <= 50 ms)")


if __name__ == "__main__":
    main()
