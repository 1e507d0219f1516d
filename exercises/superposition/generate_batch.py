"""Writing the data (issue 24, item 7): uncorrelated, correlated and anticorrelated feature
batches from given uniform draws, as ARENA 1.3.1's generate_batch / generate_correlated_features /
generate_anticorrelated_features.

The draws are inputs, so the exercise is deterministic and graded exactly: uncorrelated features
are present where their own draw is below p (ARENA's two-draw definition); correlated and
anticorrelated pairs (adjacent features 0-1, 2-3, ...) follow ``superpos_core``'s
``FeatureGroups.from_uniform``, the definition its trainer uses: a correlated pair is present
where the pair's draw u < p; in an anticorrelated pair, member k is present where k·p <= u < (k+1)·p
(so the pair is present with probability 2p and each feature still with p). The value form asks
for the batch of a tiny draw; the classic slips (pairs taken as first half / second half, the
anticorrelated pair present with probability p, both members present) must give another batch.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import ArrayCheck, Precision, format_array
from exercises.redraw import redraw
from exercises.superposition._common import clean, give, literal, variant

ID = "superposition.generate_batch"
KINDS = ("uncorrelated", "correlated", "anticorrelated")
PRECISION = Precision.decimals(2)


def reference(values, u_feat, u_pair, p, kind):
    import torch

    if kind == "uncorrelated":
        return torch.where(u_feat < p, values, torch.zeros_like(values))
    from superpos_core.correlated import FeatureGroups

    B, I, F = values.shape
    groups = FeatureGroups(kind, 2, F, torch.full((I, F // 2), float(p), dtype=values.dtype))
    u = torch.cat([values.permute(1, 2, 0), u_pair.permute(1, 2, 0)], dim=1)  # [I, F + G, B]
    return groups.from_uniform(u).permute(2, 0, 1).contiguous()


def halves(values, u_feat, u_pair, p, kind):
    """Pairs read as (g, g + G), the repeat "(2 g)" instead of "(g 2)"."""
    import torch

    if kind == "uncorrelated":
        raise ValueError("no pairs")
    if kind == "correlated":
        mask = (u_pair < p).repeat(1, 1, 2)
    else:
        mask = torch.cat([u_pair < p, (u_pair >= p) & (u_pair < 2 * p)], dim=-1)
    return values * mask


def anti_prob_p(values, u_feat, u_pair, p, kind):
    """The anticorrelated pair present with probability p (members split at p/2)."""
    import torch

    if kind != "anticorrelated":
        raise ValueError("anticorrelated only")
    first, second = u_pair < p / 2, (u_pair >= p / 2) & (u_pair < p)
    return values * torch.stack([first, second], dim=-1).flatten(-2)


def anti_both(values, u_feat, u_pair, p, kind):
    """Both members present whenever the pair is (correlated, at 2p)."""
    if kind != "anticorrelated":
        raise ValueError("anticorrelated only")
    return values * (u_pair < 2 * p).repeat_interleave(2, dim=-1)


def mask_only(values, u_feat, u_pair, p, kind):
    return reference(values, u_feat, u_pair, p, kind).ne(0).to(values.dtype)


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    g = torch.Generator().manual_seed(rng.getrandbits(62))
    B, I, G = rng.randint(1, 6), rng.randint(1, 3), rng.randint(1, 4)
    kind = KINDS[case % 3]
    p = rng.choice([0.1, 0.2, 0.3, 0.45])
    return {"values": torch.rand(B, I, 2 * G, generator=g), "u_feat": torch.rand(B, I, 2 * G, generator=g),
            "u_pair": torch.rand(B, I, G, generator=g), "p": p, "kind": kind}


CODE = CodeSpec(
    function="generate_batch",
    signature=("def generate_batch(values: torch.Tensor, u_feat: torch.Tensor, u_pair: torch.Tensor, p: float, "
               "kind: str) -> torch.Tensor:"),
    doc=(
        "A TMS batch [batch, instances, features] from given uniform draws: values and u_feat are\n"
        "[batch, instances, features], u_pair is [batch, instances, features // 2]; features pair up as\n"
        "(0, 1), (2, 3), ... A present feature takes its entry of values, an absent one 0.\n"
        "kind='uncorrelated': feature f is present where u_feat[..., f] < p.\n"
        "kind='correlated': both features of pair g are present where u_pair[..., g] < p.\n"
        "kind='anticorrelated': member k (0 or 1) of pair g is present where k*p <= u_pair[..., g] < (k+1)*p.\n"
        "No loops."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("halves", halves, "Pairs are ADJACENT features (0, 1), (2, 3): repeat each pair's mask twice in place "
                "(repeat_interleave / '(g 2)'), not the whole mask after itself."),
        Mistake("anti_prob_p", anti_prob_p, "An anticorrelated pair is present with probability 2p (member 0 below p, member 1 "
                "from p to 2p), so each feature is still present with probability p."),
        Mistake("anti_both", anti_both, "Anticorrelated: exactly ONE member of a present pair fires, never both."),
        Mistake("mask_only", mask_only, "Return the values of the present features, not the 0/1 mask."),
    ),
    rules=("no_loops",),
    n_cases=21,
)


def _draw(rng: random.Random):
    import torch

    kind = rng.choice(KINDS)
    p = rng.choice([0.2, 0.3, 0.4])
    B, F = 2, 4
    tenths = lambda n: [rng.randint(1, 9) / 10 for _ in range(n)]  # noqa: E731
    values = [[tenths(F)] for _ in range(B)]
    u_feat = [[tenths(F)] for _ in range(B)]
    u_pair = [[[rng.choice([0.05, 0.15, 0.25, 0.35, 0.5, 0.7, 0.9])
                for _ in range(F // 2)]] for _ in range(B)]
    args = [torch.tensor(values, dtype=torch.float64), torch.tensor(u_feat, dtype=torch.float64),
            torch.tensor(u_pair, dtype=torch.float64), p, kind]
    out = reference(*args)
    ans = [[clean(v, 6) for v in row[0]] for row in out.tolist()]
    flat = [v for r in ans for v in r]
    if all(v == 0 for v in flat) or all(v != 0 for v in flat):
        return None
    check = ArrayCheck(ans, precision=PRECISION)
    mistaken = []
    for what, fn in (("paired features g and g + 2 (halves, not neighbours)", halves),
                     ("made the pair present with probability p", anti_prob_p),
                     ("let both members of the pair fire", anti_both),
                     ("used the per-feature draws", lambda *a: reference(a[0], a[1], a[2], a[3], "uncorrelated")),
                     ("used the pair draws as if correlated", lambda *a: reference(a[0], a[1], a[2], a[3], "correlated"))):
        try:
            m = fn(*args)
        except ValueError:
            continue
        text = format_array([[clean(v, 6) for v in row[0]] for row in m.tolist()])
        if check.check(text).correct:
            if kind == "uncorrelated" and "per-feature" in what or kind == "correlated" and "as if correlated" in what:
                continue  # that is the definition itself
            return None
        mistaken.append((what, text))
    if not mistaken:
        return None
    return kind, p, values, u_feat, u_pair, ans, check, mistaken


RULES = {
    "uncorrelated": "feature f is present where its own draw u_feat[..., f] < p",
    "correlated": "features pair up as (0, 1), (2, 3); both members of pair g are present where u_pair[..., g] < p",
    "anticorrelated": ("features pair up as (0, 1), (2, 3); member k (0 or 1) of pair g is present where "
                       "k·p <= u_pair[..., g] < (k+1)·p"),
}


def make(rng: random.Random, form: str, seed: int) -> Variant:
    kind, p, values, u_feat, u_pair, ans, check, mistaken = redraw(lambda: _draw(rng), 500, family=ID, form=form, seed=seed)
    code = (
        f"values = torch.tensor({literal(values)})  # [batch=2, instances=1, features=4]\n"
        f"u_feat = torch.tensor({literal(u_feat)})  # one draw per feature\n"
        f"u_pair = torch.tensor({literal(u_pair)})  # one draw per pair\n"
        f"out = generate_batch(values, u_feat, u_pair, p={p}, kind={kind!r})"
    )
    return variant(
        ID, form, seed,
        params={"kind": kind, "p": p, "values": values, "u_feat": u_feat, "u_pair": u_pair},
        prompt=(f"A TMS batch of {kind} features is drawn from the uniforms below ({RULES[kind]}); a present "
                "feature takes its entry of `values`, an absent one 0. What is `out[:, 0]` (a nested list, one row per "
                "batch row)?" + give(PRECISION).replace("Give it", "Give each entry")),
        answer=ans,
        check=check,
        code=code,
        explanation=f"{RULES[kind].capitalize()}; keep the values of the present features: {format_array(ans)}.",
        hints=(
            "Decide presence first (a 0/1 mask the shape of `values`), then multiply.",
            "A pair's draw decides both of its features: copy each pair's decision to its two neighbours.",
        ),
        wrong=[r for _, r in mistaken],
        mistakes=mistaken,
    )


FAMILY = Family(
    id=ID,
    title="Writing the data: (anti)correlated batches",
    make=make,
    forms=("value",),
    difficulty=2,
    summary="Turn uniform draws into uncorrelated, correlated and anticorrelated TMS batches; write generate_batch vectorised.",
    code_spec=CODE,
)
