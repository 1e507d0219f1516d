"""The task form: cards that state the problem and never the tool, judged by running any expression."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import lazy_solvers as L
import pytest

from exercises import all_families, get_family
from exercises.checking import ExpressionRefused, evaluate_expression

TASK_FAMILIES = [f.id for f in all_families() if "task" in f.forms and not f.id.endswith(".mixed")]
SEEDS = range(50)
#: tool names, pattern syntax and layout notation no task card may contain
_TOOLS = re.compile(r"\b(einsum|einops|rearrange|reduce|repeat|pack|unpack|torch|numpy|permute|transpose|"
                    r"reshape|view|flatten|matmul|bmm|mT)\b|->|@|\.T\b|\.sum\(|\.mean\(|dim=")


def _card_text(v) -> str:
    return v.prompt + "\n" + (v.code or "") + "\n" + "\n".join(v.hints)


def _axis_names(v) -> set[str]:
    """The reference's axis names: letters of an einsum string, names of an einops pattern."""
    names: set[str] = set()
    for lit in re.findall(r"['\"]([^'\"]*)['\"]", v.answer):
        names |= set(re.findall(r"[A-Za-z_]\w*", lit)) if " " in lit else set(re.findall(r"[A-Za-z]", lit))
    return names


def test_there_are_task_families_in_every_topic():
    topics = {fid.split(".")[0] for fid in TASK_FAMILIES}
    assert topics == {"einsum", "einops", "superposition", "tensors"}
    assert len(TASK_FAMILIES) >= 30


@pytest.mark.parametrize("fid", TASK_FAMILIES)
def test_task_cards_name_no_tool_and_their_solutions_verify(fid):
    for seed, v in zip(SEEDS, L.variants(fid, "task", len(SEEDS))):
        text = _card_text(v)
        assert not _TOOLS.search(text), (seed, _TOOLS.search(text).group(0), text)
        inputs = set(v.params["example_shapes"])
        # no axis letter or pattern name of the answer appears as code on the card (input names aside)
        shown = set(re.findall(r"`([^`]+)`", v.prompt)) - inputs
        assert not shown & (_axis_names(v) - inputs), (seed, shown & _axis_names(v))
        lhs = v.answer.split("->")[-1] if "->" in v.answer else ""
        assert not lhs or lhs.strip(" '\")") not in text
        if seed < 5:  # every shown solution is right, in at least two tools
            solutions = v.params["solutions"]
            assert len(solutions) >= 2
            assert all(v.check(s).correct for s in solutions), solutions
            for what, wrong in v.mistakes:
                assert not v.check(wrong).correct, what


def test_split_heads_accepts_any_tool_and_diagnoses_a_classic_mistake():
    v = get_family("einops.split_heads").variant(3, "task")
    x = next(iter(v.params["example_shapes"]))
    h = v.params["lengths"]
    (hname, heads), = h.items()
    pattern = v.params["pattern"]
    lhs, rhs = pattern.split("->")
    right = [
        f"einops.rearrange({x}, '{pattern}', {hname}={heads})",
        v.params["solutions"][1],  # plain torch
    ]
    for r in right:
        assert v.check(r).correct, r
    # the slips are the family's own classic mistakes: a response computing one is told which
    what, wrong = v.mistakes[0]
    verdict = v.check(wrong)
    assert not verdict.correct and verdict.diagnosis == "classic_mistake" and what in verdict.reason


def test_attention_scores_task_takes_einsum_einops_and_plain_torch():
    v = get_family("einsum.attention_scores").variant(9, "task")
    q, k = v.params["operands"]
    assert v.params["expr"] == "baid,bakd->baik"  # the card's case: (batch, head, query, d) both, one row per query
    for answer in (f'torch.einsum("bhqd,bhkd->bhqk", {q}, {k})',
                   f'einops.einsum({q}, {k}, "b h q d, b h k d -> b h q k")',
                   f"{q} @ {k}.transpose(-1, -2)", f"{q} @ {k}.mT", f"torch.matmul({q}, {k}.transpose(2, 3))"):
        assert v.check(answer).correct, answer
    wrong = v.check(f'torch.einsum("bhqd,bhkd->bhkq", {q}, {k})')
    assert not wrong.correct and wrong.diagnosis == "classic_mistake" and "transposed" in wrong.reason
    assert not v.check(f"{q} @ {k}.transpose(-1, -2) / 2").correct
    hostile = v.check('__import__("os").system("true")')
    assert not hostile.correct and hostile.unreadable and "unknown name" in hostile.reason
    big = v.check(f"{q}.expand(10**4, 10**4, -1, -1, -1)")
    assert not big.correct


def test_superposition_tasks_judge_the_forward_pass():
    v = get_family("superposition.forward").variant(50, "task")  # the project's Model; x, W, result: bif, ifh, bif
    assert v.params["layouts"] == {"x": "bif", "W": "ifh", "b_final": "if", "result": "bif"}
    assert (v.params["kind"], v.params["quantity"]) == ("relu", "output")
    assert v.check("torch.relu((x.transpose(0, 1) @ W @ W.mT).transpose(0, 1) + b_final)").correct
    assert v.check('torch.relu(einops.einsum(x, W, W, "b i f, i f h, i g h -> b i g") + b_final)').correct
    no_relu = v.check('torch.einsum("bif,ifh,igh->big", x, W, W) + b_final')
    assert not no_relu.correct and "no ReLU" in no_relu.reason
    for seed in (0, 1):
        sae = get_family("superposition.sae_forward").variant(seed, "task")
        assert all(sae.check(s).correct for s in sae.params["solutions"])


def _in_layout(t, src: str, dst: str):
    """``t`` (axes named by the letters of ``src``) with its axes in the order of ``dst``."""
    return t.permute(*[src.index(a) for a in dst])


def test_superposition_tasks_compute_what_the_projects_models_compute():
    """Every task case of forward and sae_forward, run on random inputs in its own layouts, equals the
    project's Model / LinearModel / HiddenReLUModel (its output, or output minus x) and superpos_core's
    SAE encode / decode (the pre-activations, the tied decoder, the renormalised decoder); a weight
    stored unlike the project's says so on the card."""
    import torch

    from exercises.checking import evaluate_expression
    from exercises.superposition._tasks import decode_tasks, encode_tasks, forward_tasks
    from superpos_core import Config
    from superpos_core.sae import sae_decode, sae_encode
    from superpos_core.variants import model_class

    g = torch.Generator().manual_seed(0)
    n = dict(b=3, i=2, f=5, h=4, d=6)
    canon = dict(x="bif", W="ifh", b_final="if", h="bih", W_enc="ihd", b_enc="id", b_dec="ih", acts="bid", W_dec="idh")
    models = {k: model_class(k)(Config(n_features=5, n_hidden=4, n_instances=2), device="cpu", seed=0)
              for k in ("relu", "linear", "hidden_relu")}
    kinds = set()
    for task in (*forward_tasks(), *encode_tasks(), *decode_tasks()):
        case = dict(task.case)
        raw = {name: torch.randn([n[a] for a in canon[name]], generator=g, dtype=torch.float64)
               for name, _, _ in task.inputs}
        if "if" in [ax for name, ax, _ in task.inputs if name == "x"]:
            raw["x"] = raw["x"][0]
        env = {name: _in_layout(raw[name], canon[name] if raw[name].ndim == len(canon[name]) else canon[name][1:], ax)
               for name, ax, _ in task.inputs}
        got = evaluate_expression(task.solutions[0], env, trusted=True)
        for name, ax, _ in task.inputs:
            if ax != canon[name] and name.startswith("W"):
                assert "unlike the project's" in task.story, task.story
        with torch.no_grad():
            if "W" in raw:
                kinds.add(case["kind"])
                model = models[case["kind"]]
                model.W.data = raw["W"].float()
                model.b_final.data = raw["b_final"].float()
                want = model(raw["x"].float()).double()
                want = want - raw["x"] if case["quantity"] == "error" else want
            elif "W_enc" in raw:
                want = sae_encode(raw["W_enc"], raw["b_enc"], raw["b_dec"], raw["h"])
                if case["quantity"] == "pre":
                    want = torch.einsum("bih,ihd->bid", raw["h"] - raw["b_dec"], raw["W_enc"]) + raw["b_enc"]
                elif case["quantity"] == "tied":
                    want = sae_decode(raw["W_enc"].transpose(1, 2), raw["b_dec"], want)
            else:
                w_dec = raw["W_dec"]
                if case["quantity"] == "normalised":
                    w_dec = w_dec / torch.linalg.vector_norm(w_dec, dim=-1, keepdim=True)
                want = sae_decode(w_dec, raw["b_dec"], raw["acts"])
        dst = task.result or task.inputs[0][1]
        assert torch.allclose(got, _in_layout(want, "bi" + dst[-1] if want.ndim == 3 else "i" + dst[-1], dst),
                              atol=1e-5), (task.story, task.solutions[0])
    assert kinds == {"relu", "linear", "hidden_relu"}


def test_einsum_intermediates_are_bounded_by_the_contraction_path():
    import torch

    env = {n: torch.randn(140, 140) for n in "abcd"}
    for expr in ('torch.einsum("ij,kl,ik,jl->", a, b, c, d)', 'einops.einsum(a, b, c, d, "i j, k l, i k, j l ->")',
                 'torch.einsum("ij,kl,ik,jl", [a, b, c, d])'):
        with pytest.raises(ExpressionRefused, match="contraction path"):
            evaluate_expression(expr, env)
    small = {n: torch.randn(6, 6) for n in "abcd"}
    assert evaluate_expression('torch.einsum("ij,kl,ik,jl->", a, b, c, d)', small).shape == ()
    assert evaluate_expression('torch.einsum("ij,jk,kl,lm->im", a, b, c, d)', env).shape == (140, 140)


def _cardgen(*args: str) -> subprocess.CompletedProcess:
    code = "import sys; from cardgen.cli import main; main(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})


def test_cli_shows_a_task_card_without_tool_and_checks_answers():
    shown = _cardgen("show", "einops.split_heads", "--form", "task", "--seed", "3", "--answer")
    assert shown.returncode == 0, shown.stderr
    card = shown.stdout.split("Answer:")[0].split("\n", 1)[1]  # below the panel's title (the family id)
    assert not _TOOLS.search(card) and "qkv_out" in card
    other = shown.stdout.split("In other tools:")[1]  # solutions in two tools: einops, then plain torch
    assert "einops.rearrange" in shown.stdout and re.search(r"\.(permute|reshape|view|unflatten)\(", other)
    ok = _cardgen("check", "superposition.forward", "--form", "task", "--seed", "50",
                  "torch.relu(torch.einsum('bih,ifh->bif', torch.einsum('bif,ifh->bih', x, W), W) + b_final)")
    assert ok.returncode == 0 and "correct" in ok.stdout
    bad = _cardgen("check", "superposition.forward", "--form", "task", "--seed", "50",
                   "torch.einsum('bih,ifh->bif', torch.einsum('bif,ifh->bih', x, W), W) + b_final")
    assert bad.returncode == 1 and "no ReLU" in " ".join(bad.stdout.split())
