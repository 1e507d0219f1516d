"""Task forms of the tensors topic and of the ARENA superposition families (issue 24 / issue 18).

The stranger figures (≤ 30%) and the card rules (no tool named, every shown solution verified) are
held by tests/test_task_solvers.py and tests/test_task_form.py for every task family; here: what
those cannot see — the superposition references are the models' own computation, the evaluator
takes the tensors topic's tools (indices, creating functions) and stays safe with them, and a
tensors task accepts other tools and names a classic mistake.
"""
from __future__ import annotations

import pytest
import torch

from exercises import get_family
from exercises.checking import ExpressionRefused, evaluate_expression


@pytest.mark.parametrize("fid", ["superposition.hidden_relu", "superposition.abs_model"])
def test_superposition_task_references_are_the_models_own_forward_pass(fid):
    """Every layout's reference, on fresh inputs, equals superpos_core's model (its output or its hidden
    neurons) with the weights put back into the model's own layout."""
    from superpos_core import Config, HiddenReLUModel
    from superpos_core.computation import AbsModel

    fam = get_family(fid)
    n = 16
    seen = set()
    for seed in range(n):
        v = fam.variant(seed, "task")
        lay = v.params["layouts"]
        key = tuple(sorted(lay.items()))
        if key in seen:
            continue
        seen.add(key)
        env = v.checker._envs()[0]
        got = evaluate_expression(v.answer, env, trusted=True)
        to_bif = (lambda t, l: t if l.startswith("b") else t.transpose(0, 1))
        x = to_bif(env["x"], lay["x"])
        if fid.endswith("hidden_relu"):
            W = env["W"] if lay["W"] == "ifh" else env["W"].mT
            I, F, H = W.shape
            model = HiddenReLUModel(Config(n_features=F, n_hidden=H, n_instances=I)).double()
            with torch.no_grad():
                model.W.copy_(W)
                model.b_final.copy_(env["b_final"])
                hidden = torch.relu(torch.einsum("bif,ifh->bih", x, model.W))
                want = hidden if "h" in lay["result"] else model(x)
        else:
            W1 = env["W1"] if lay["W1"] == "ihf" else env["W1"].mT
            W2 = env["W2"] if lay["W2"] == "ifh" else env["W2"].mT
            I, H, F = W1.shape
            model = AbsModel(I, F, H).double()
            with torch.no_grad():
                model.W1.copy_(W1)
                model.W2.copy_(W2)
                model.b_final.copy_(env["b_final"])
                hidden = torch.relu(torch.einsum("ihf,bif->bih", model.W1, x))
                want = hidden if "h" in lay["result"] else model(x)
        want = to_bif(want, lay["result"]).detach()
        assert got.shape == want.shape and torch.allclose(got, want), (seed, lay)
    assert len(seen) == n  # every case drawn once in the first block


def test_the_evaluator_takes_index_tensors_and_creating_functions_safely():
    x = torch.arange(12.0).reshape(3, 4)
    idx = torch.tensor([3, 0, 2])
    env = {"x": x, "idx": idx}
    assert evaluate_expression("x[torch.arange(x.shape[0]), idx]", env).tolist() == [3.0, 4.0, 10.0]
    assert evaluate_expression("x.gather(1, idx[:, None])[:, 0]", env).tolist() == [3.0, 4.0, 10.0]
    # a creating function meets the inputs on the meta device in the size probe (it ran on the CPU before)
    assert evaluate_expression("x * torch.eye(x.shape[0], x.shape[1])", env).diagonal().tolist() == [0.0, 5.0, 10.0]
    assert evaluate_expression("F.cross_entropy(x, idx, reduction='none')", env).shape == (3,)
    for hostile, why in (("torch.arange(1e12)", "above"), ("torch.ones(100000, 100000)", "multiply"),
                         ("torch.arange(3e6)", "multiply"), ("x[torch.arange(3000000) % 3]", "multiply"),
                         ("x[x.gt(3)]", "boolean mask"), ("F.relu(x, True)", "one tensor"),
                         ("torch.arange(4, device='cpu')", "keyword")):
        with pytest.raises(ExpressionRefused, match=why):
            evaluate_expression(hostile, env)


def test_a_tensors_task_takes_any_tool_and_names_a_classic_mistake():
    fam = get_family("tensors.cumsum")
    seeds = [s for s in range(40) if fam.variant(s, "task").answer == "x.cumsum(1)"]
    v = fam.variant(seeds[0], "task")
    for right in ("x.cumsum(1)", "torch.cumsum(x, dim=-1)", "x @ torch.ones(x.shape[1], x.shape[1]).triu().double()"):
        assert v.check(right).correct, right
    wrong = v.check("x.cumsum(0)")
    assert not wrong.correct and "ran down the columns" in wrong.reason
    assert not v.check("x.cumsum(1) - x").correct
