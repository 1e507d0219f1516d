"""The task form: cards that state the problem and never the tool, judged by running any expression."""
from __future__ import annotations

import os
import re
import subprocess
import sys

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
    assert topics == {"einsum", "einops", "superposition"}
    assert len(TASK_FAMILIES) >= 30


@pytest.mark.parametrize("fid", TASK_FAMILIES)
def test_task_cards_name_no_tool_and_their_solutions_verify(fid):
    fam = get_family(fid)
    for seed in SEEDS:
        v = fam.variant(seed, "task")
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
    v = get_family("einsum.attention_scores").variant(3, "task")
    q, k = v.params["operands"]
    assert v.params["expr"] == "bhqe,bhje->bhqj"  # the card's case: (batch, head, query, d) both
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
