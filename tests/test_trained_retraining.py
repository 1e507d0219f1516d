"""Trained claims hold when anyone retrains (issue 20).

A card asks a claim of a *setting* only where the setting decides it (``_decide``: 9 of 10
seeds and a check run at twice the steps and half the batch, each clear of its margin). Here
the claims meet runs the cache never used: a quick subset of fresh seeds (the whole set with 3
fresh seeds is ``benchmarks/retrain_claims.py``), and fresh evaluation batches for the SAEs.
"""
from __future__ import annotations

import pytest

from exercises.superposition import _decide as D


def test_decide_needs_nine_of_ten_clear_seeds_and_every_check_seed():
    a, b = (0, 1), (0, 1, 2)
    assert D.decide([a] * 10, [a] * 3) == a
    assert D.decide([a] * 9 + [b], [a] * 3) == a
    assert D.decide([a] * 9 + [None], [a] * 3) == a  # an unclear seed is one that does not agree
    assert D.decide([a] * 8 + [b, b], [a] * 3) is None
    assert D.decide([a] * 8 + [None, None], [a] * 3) is None
    assert D.decide([a] * 10, [a, a, b]) is None, "the check run must agree"
    assert D.decide([a] * 10, [a, a, None]) is None, "a check seed inside the margin does not agree"
    assert D.decide([None] * 10, [a] * 3) is None
    assert D.agreeing([a, b, None, a], a) == (0, 3)
    assert D.check_budget(2000, 512) == {"steps": 4000, "n_batch": 256}


def test_the_shipped_runs_are_the_ones_this_code_trains():
    """A cold build reads its runs from ``prebuilt/`` under the key this code computes; a stale
    set (changed training code) would make every cold build train for minutes."""
    from exercises.superposition import _prebuild as P

    assert not P.missing(), "stale prebuilt runs: run `python -m exercises.superposition._prebuild`"


def test_every_asked_setting_claim_is_decided_by_nine_of_ten_seeds():
    from exercises.superposition import _trained as T
    from exercises.superposition import correlated, linear_vs_relu, phase_diagram, sae_recovery, sae_sparsity
    from exercises.superposition._retrain import grid_families

    asked = [q for qs, ap in grid_families().values() for q in T.questions(qs, antipodal=ap) if q.scope == "all"]
    asked += linear_vs_relu.questions() + phase_diagram.questions() + correlated.questions()
    asked += [q for q in sae_recovery.questions() + sae_sparsity.questions() if q.scope == "all"]
    assert asked and all(q.agree >= D.AGREE for q in asked)
    assert any(q.quantity == "not_recovered" for q in asked) and any(":" in q.quantity for q in asked)


@pytest.mark.slow
def test_asked_claims_hold_for_fresh_seeds_and_fresh_evaluation_batches():
    """A quick subset: one fresh seed per setting (every 3rd grid setting, every sweep cell),
    and the cached SAEs on two evaluation batches no claim was decided on."""
    from exercises.superposition import _retrain as X

    tallies = X.check_grid(n_seeds=1, every=3) + X.check_runs(n_seeds=1) + X.check_sae(0, X.FRESH_EVAL_SEEDS[:2])
    report = "\n".join(t.line() for t in tallies)
    for t in tallies:
        assert t.claims > 0, report
        if "fresh batches" in t.family:
            assert t.held == t.answers, f"{t.line()}\n" + "\n".join(t.misses[:5])
        else:
            assert t.rate >= 0.95, f"{t.line()}\n" + "\n".join(t.misses[:5])


@pytest.mark.slow
def test_phase_diagram_claims_hold_for_the_notebooks_own_trainer():
    """An independent trainer: the notebook's published code (autograd, torch.rand batches,
    AdamW; ``_notebook_trainer``) retrains every asked phase-diagram cell with one fresh seed.
    The whole sample (3 seeds, the grid and linear_vs_relu too) is in benchmarks/retrain_claims.py."""
    from exercises.superposition import _retrain as X

    (tally,) = X.check_independent(n_seeds=1, parts=("phase_diagram",))
    assert tally.claims > 0 and tally.rate >= 0.95, f"{tally.line()}\n" + "\n".join(tally.misses[:5])


TRAINED_READ = ("superposition.trained_which", "superposition.trained_count", "superposition.trained_antipodal",
                "superposition.linear_vs_relu", "superposition.phase_diagram", "superposition.correlated",
                "superposition.privileged_basis", "superposition.sae_recovery", "superposition.sae_sparsity")


@pytest.mark.slow
@pytest.mark.usefixtures("no_drawing")  # prompts and explanations are tested here, not the pictures
@pytest.mark.parametrize("fid", TRAINED_READ)
def test_trained_prompts_stay_short_and_say_what_they_claim(fid):
    """Prompts of at most 600 characters over 40 seeds; a setting claim names its agreement,
    and no prompt repeats "The picture shows"."""
    from exercises import get_family

    fam = get_family(fid)
    for seed in range(40):
        v = fam.variant(seed=seed)
        assert len(v.prompt) <= 600, (v.key, len(v.prompt), v.prompt)
        assert v.prompt.lower().count("the picture shows") <= 1, v.key
        if v.params.get("scope", "all") == "all" and fid not in ("superposition.privileged_basis",
                                                                  "superposition.sae_recovery",
                                                                  "superposition.sae_sparsity"):
            assert "of 10 runs give this answer, and so do all 3 runs trained twice as long" in v.explanation, v.key
