"""ARENA 1.3.1's implement-this exercises of issue 24 (items 7, 8, 11): the importance-weighted
loss, feature dimensionality vectorised over instances, the forward pass in ARENA's W layout,
the hidden-ReLU model's forward pass and generate_batch for (anti)correlated features.

References are the project's own implementations; each is held to an independent right solution
(einops, tests/grade_cases/arena/right.py) and graded for real: right solutions pass, the classic
mistakes get their diagnosis, and hostile ones (loops, an input changed in place) fail. The same
three files hold the tensors topic's code exercises, so one grader run serves both.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from _code_helpers import check_spec, load

from exercises import all_families, get_family

CASES = Path(__file__).parent / "grade_cases" / "issue24"  # with the tensors topic's exercises
IDS = ("superposition.loss", "superposition.dimensionality", "superposition.forward_arena",
       "superposition.hidden_relu", "superposition.generate_batch", "superposition.abs_model")


@pytest.mark.parametrize("fid", IDS)
def test_reference_agrees_with_an_independent_solution_and_every_mistake_is_told_apart(fid):
    fam = get_family(fid)
    check_spec(fam, getattr(load(CASES / "right.py"), fam.code_spec.function))


def test_the_loss_reference_is_the_trainers_loss():
    """importance_loss(model(batch), batch, importance) is what superpos_core's trainer reports."""
    import torch

    from exercises.superposition._arena_code import loss_reference
    from exercises.superposition._common import build_model
    from exercises.superposition._loss import tms_loss

    g = torch.Generator().manual_seed(0)
    W, b = torch.randn(3, 5, 2, generator=g), torch.randn(3, 5, generator=g) * 0.1
    imp = 0.8 ** torch.arange(5.0)[None, :].expand(3, 5)
    model = build_model(W, b, importance=imp).double()
    batch = torch.rand(7, 3, 5, generator=g, dtype=torch.float64) * (torch.rand(7, 3, 5, generator=g) < 0.5)
    with torch.no_grad():
        got = float(loss_reference(model(batch), batch, imp.double()))
    assert got == pytest.approx(tms_loss(model, batch), rel=1e-9)


def test_generate_batch_pairs_fire_together_or_alone_at_the_stated_rate():
    """The reference's (superpos_core's) semantics: correlated pairs both or neither, anticorrelated
    never both, each feature present about p of the time in all three kinds."""
    import torch

    from exercises.superposition.generate_batch import reference

    g = torch.Generator().manual_seed(1)
    B, I, G, p = 20_000, 1, 2, 0.2
    args = [torch.rand(B, I, 2 * G, generator=g) + 0.01, torch.rand(B, I, 2 * G, generator=g),
            torch.rand(B, I, G, generator=g), p]
    for kind in ("uncorrelated", "correlated", "anticorrelated"):
        on = reference(*args, kind) != 0
        assert abs(on.float().mean().item() - p) < 0.01, kind
        both = on[..., 0::2] & on[..., 1::2]
        either = on[..., 0::2] | on[..., 1::2]
        if kind == "correlated":
            assert torch.equal(both, either)
        if kind == "anticorrelated":
            assert not both.any()


def test_the_abs_model_learns_abs_with_a_neuron_pair_per_feature():
    """superpos_core's |x| model, 2 features and 4 neurons (ReLU(x) + ReLU(-x) each): the loss
    falls by two orders of magnitude in a few hundred small steps."""
    import torch

    from superpos_core.computation import AbsModel, abs_loss, optimize_abs

    torch.manual_seed(0)
    model = AbsModel(1, 2, 4, feature_probability=0.5, seed=0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model: threads only contend (0.5 s of CPU on one)
    try:
        losses = optimize_abs(model, steps=300, n_batch=64, lr=3e-2)
    finally:
        torch.set_num_threads(threads)
    assert losses[-1] < losses[0] / 100
    x = torch.tensor([[[-0.5, 0.25]]])
    assert torch.allclose(model(x), x.abs(), atol=0.05)
    assert float(abs_loss(x.abs(), x, 1.0)) == 0.0


def test_rotating_the_hidden_space_changes_only_the_hidden_relu_model():
    """The concepts family's rotation cards, over seeds: the main model's answer is its unrotated
    output, the hidden-ReLU model's answer is not."""
    import torch
    from superpos_core import Config, HiddenReLUModel, Model

    fam = get_family("superposition.concepts")
    seen = set()
    for seed in range(60):
        v = fam.variant(seed=seed)
        if v.params["kind"] != "rotation":
            continue
        cls = Model if v.params["model"] == "main" else HiddenReLUModel
        m = cls(Config(n_features=3, n_hidden=2, n_instances=1))
        with torch.no_grad():
            m.W.copy_(torch.tensor([v.params["W"]]))
            m.b_final.copy_(torch.tensor([v.params["b_final"]]))
            before = m(torch.tensor([[v.params["x"]]]))[0, 0]
        same = torch.allclose(before, torch.tensor(v.answer, dtype=before.dtype), atol=1e-4)
        assert same == (v.params["model"] == "main"), v.key
        seen.add(v.params["model"])
    assert seen == {"main", "hidden_relu"}


@pytest.fixture(scope="module")
def graded():
    from cardgen.grade.grader import grade_file

    return {name: grade_file(CASES / f"{name}.py", timeout=20) for name in ("right", "wrong", "hostile")}


TENSORS = {f.id for f in all_families("tensors")}
#: The Tensor-Puzzles added as code exercises (issue 24, follow-up): their hostile forms call the
#: torch function the puzzle rebuilds (roll, bincount, F.pad...) or loop.
PUZZLES = ("roll", "flip", "pad_to", "compress", "bincount", "scatter_add", "linspace", "vstack", "sum", "ones")


def test_right_solutions_pass(graded):
    assert graded["right"].status == "pass", graded["right"].text()
    assert {f.family for f in graded["right"].functions} == set(IDS) | TENSORS


def test_each_classic_mistake_is_named(graded):
    expected = {"importance_loss": "mean_over_instances", "feature_dimensionality": "unnormalised",
                "forward_arena": "features_first_layout", "neuron_forward": "no_hidden_relu", "generate_batch": "halves",
                "abs_forward": "tied",
                "pick": "whole_columns", "pairwise_sq_dists": "transposed", "clamp": "only_lower", "triu": "strict",
                "cumsum": "exclusive", "softmax": "naive", "cross_entropy": "no_logsumexp", "accuracy": "count",
                "sample": "strict", "normalise_rows": "no_keepdim",
                "roll": "rolled_right", "flip": "kept_first", "pad_to": "tiled", "compress": "in_place",
                "bincount": "summed_values", "scatter_add": "counted", "linspace": "n_steps", "vstack": "swapped",
                "sum": "scalar", "ones": "first_zero"}
    assert {f.function for f in graded["wrong"].functions} == set(expected)
    for f in graded["wrong"].functions:
        want = next(m.message for m in get_family(f.family).code_spec.mistakes if m.name == expected[f.function])
        assert f.status == "fail" and f.message.startswith(want), (f.function, f.message)


def test_hostile_solutions_fail(graded):
    """Right results by forbidden means: the rules (puzzle calls, one line, no loops) or an input
    changed in place fail every one."""
    by = {f.function: f for f in graded["hostile"].functions}
    assert set(by) == {"importance_loss", "feature_dimensionality", "forward_arena", "generate_batch",
                       "pick", "clamp", "triu", "cumsum", "softmax", *PUZZLES}
    for name in ("importance_loss", "feature_dimensionality", "generate_batch"):
        assert by[name].status == "fail" and "allows no loops" in " ".join(by[name].rule_messages), by[name].message
    assert by["forward_arena"].status == "fail" and "in place" in by["forward_arena"].message
    for name in ("pick", "clamp", "triu", "cumsum", "softmax", *PUZZLES):  # right values, broken rules
        f = by[name]
        assert f.status == "fail" and f.passed == f.total and "rules are broken" in f.message, (name, f.message)
