"""A stranger's solvers for task cards (issue 18, item 3): expressions typed without the skill.

A task card names its inputs and their shapes, never the tool (:mod:`exercises.task_form`). A
learner who has drilled the family but cannot choose a tool still has three cheap moves, each
built from the card's text or the family's other seeds (never from this seed's answer):

- ``top answer``: the family's most frequent reference answer on other seeds (structure by
  :func:`exercises.mixed.answer_structure`), its input names mapped by position onto this
  card's input names;
- ``top 3 answers``: the three most frequent such answers, each tried after the same renaming
  (solved when any is accepted);
- ``template``: the most frequent answer among other seeds whose inputs have this card's ranks,
  renamed, with its integer keyword values (``n_heads=3``) replaced by the numbers the card's
  story prints, in order;
- ``names + op``: the inputs' names in printed order joined by the family's commonest binary
  operator (``@``, ``*``, ``+``, ``-``) of all solutions shown on other seeds; a single input
  with the family's commonest argument-free method or attribute (``x.T``, ``x.flatten()``);
- ``input lookup``: a learner who recognises a card by its inputs: the most frequent answer among
  the other seeds whose inputs are printed alike (the same ranks and axes in words, e.g.
  ``(example × channel × row × column)``) and whose result has the same rank, names mapped by
  position, keyword sizes (``b=3``) replaced by the result's sizes that no input has, in order
  (the copies, heads or blocks it can read off the example). A family whose answer follows from
  its input layout alone is answered by it.

Honest figures (issue 18): where a solver's ranking ties, the learner picks among the tied answers
at random, and counts one apart are a tie (cases are drawn in balanced blocks, and leaving the card
out puts its own answer one short of its equals: "first seen" or "strictly most frequent" would
never pick it). A solver scores its expected success (:class:`Guess`), not the luck of the order
answers were seen in: guessing three of ten equally likely layouts scores 30%, as for a real learner.

Reported, not enforced (:data:`TASK_REPORTED`):

- ``idiom``: a learner who memorised one plain-torch idiom for the kind of operation (no einsum,
  no einops: ``x @ W``, ``u[:, None] * v``, ``torch.diagonal(x, dim1=1, dim2=2)``): the most
  frequent plain solution shown on other seeds with as many inputs, its names mapped by position.
  Cases whose einsums differ can share an idiom, so it sees what the structure count does not.

:func:`measure_tasks` runs them over a family's task form; ``tests/test_task_solvers.py``
judges each rate against :data:`exercises.solvers.MAX_SOLVED`.
"""
from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from exercises.guess import Guess, judge, top_k
from exercises.solvers import MAX_SOLVED

if TYPE_CHECKING:  # pragma: no cover
    from exercises.base import Variant

TASK_SOLVERS = ("top answer", "top 3 answers", "template", "names + op", "input lookup")
#: solvers measured and reported (``tests/lazy_solvers.py --stranger``, the README), not held to the limit
TASK_REPORTED = ("idiom",)

_INPUT = re.compile(r"^- `(\w+)`: shape \(([^)]*)\)( \(([^)]*)\))?", re.M)
_RESULT = re.compile(r"the result has shape \(([^)]*)\)")
_BINOPS = {ast.MatMult: "@", ast.Mult: "*", ast.Add: "+", ast.Sub: "-"}


def _sizes(text: str) -> list[int]:
    return [int(t) for t in text.split(",") if t.strip()]


def inputs(v: Variant) -> list[tuple[str, int]]:
    """The card's inputs as printed: (name, rank), in order."""
    return [(n, len(_sizes(shape))) for n, shape, _, _ in _INPUT.findall(v.prompt)]


def look(v: Variant) -> tuple:
    """What the input-lookup learner recognises a card by: each input's rank and axes in words, the result's rank."""
    ins = tuple((len(_sizes(shape)), words or "") for _, shape, _, words in _INPUT.findall(v.prompt))
    result = _RESULT.search(v.prompt)
    return ins, len(_sizes(result.group(1))) if result else -1


def new_sizes(v: Variant) -> list[int]:
    """The result's sizes that no input has, in order (what a keyword length would be read from)."""
    have = {s for _, shape, _, _ in _INPUT.findall(v.prompt) for s in _sizes(shape)}
    result = _RESULT.search(v.prompt)
    return [s for s in _sizes(result.group(1)) if s not in have] if result else []


def story_numbers(v: Variant) -> list[int]:
    """Integers the card's story (the text before its input list) prints, in order."""
    return [int(x) for x in re.findall(r"(?<![\w.])(\d+)(?![\w.])", v.prompt.split("\nInputs:")[0])]


def rename(expr: str, mapping: dict[str, str], numbers: Sequence[int] | None = None) -> str | None:
    """``expr`` with its variable names replaced per ``mapping`` (string literals untouched); with
    ``numbers``, its integer keyword values replaced by them in order. None where it does not parse."""
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        return None
    nums = list(numbers or [])

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            return ast.copy_location(ast.Name(mapping.get(node.id, node.id), ast.Load()), node)

        def visit_keyword(self, node: ast.keyword) -> ast.AST:
            self.generic_visit(node)
            if numbers is not None and isinstance(node.value, ast.Constant) and isinstance(node.value.value, int) and nums:
                node.value = ast.Constant(nums.pop(0))
            return node

    return ast.unparse(Rename().visit(tree))


@dataclass
class Seen:
    """What a learner remembers of one other seed: its input names and ranks, its answers."""

    names: list[str]
    ranks: tuple[int, ...]
    reference: str
    solutions: list[str]
    structure: str
    look: tuple = ()

    @cached_property  # asked once per other card answered: computed once
    def idioms(self) -> list[str]:
        """The plain-torch solutions, inputs renamed to positional slots (one per distinct text)."""
        slots = dict(zip(self.names, _slots(len(self.names))))
        return list(dict.fromkeys(r for p in self.solutions if _is_plain(p) and (r := rename(p, slots))))

    @classmethod
    def of(cls, v: Variant) -> Seen:
        from exercises.mixed import answer_structure

        ins = inputs(v)
        return cls([n for n, _ in ins], tuple(r for _, r in ins), v.answer, list(v.params.get("solutions", [v.answer])),
                   answer_structure(v), look(v))


def _slots(n: int) -> list[str]:
    return [f"_in{k}" for k in range(n)]


def _is_plain(expr: str) -> bool:
    """A solution in plain torch: no einsum, no einops call."""
    return "einsum" not in expr and "einops" not in expr and not re.search(r"\b(rearrange|reduce|repeat|pack)\(", expr)


def _renamed(seen: Seen, names: list[str], numbers: Sequence[int] | None = None) -> str | None:
    if len(seen.names) != len(names):
        return None
    return rename(seen.reference, dict(zip(seen.names, names)), numbers)


def _by_structure(seen: Sequence[Seen]) -> tuple[Counter, dict[str, Seen]]:
    """How often each structure was seen, and one remembered seed of each."""
    first: dict[str, Seen] = {}
    for s in seen:
        first.setdefault(s.structure, s)
    return Counter(s.structure for s in seen), first


def _common_op(seen: Sequence[Seen]) -> tuple[str | None, str | None]:
    """The commonest binary operator and argument-free method/attribute over every shown solution."""
    ops: Counter = Counter()
    methods: Counter = Counter()
    for s in seen:
        for sol in s.solutions:
            try:
                tree = ast.parse(sol, mode="eval")
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
                    ops[_BINOPS[type(node.op)]] += 1
                elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.args \
                        and not node.keywords and isinstance(node.func.value, ast.Name | ast.Attribute):
                    methods[f".{node.func.attr}()"] += 1  # x.flatten(), x.t(): on an input, not a result
                elif isinstance(node, ast.Attribute) and node.attr in ("T", "mT"):
                    methods[f".{node.attr}"] += 1
    top = lambda c: c.most_common(1)[0][0] if c else None  # noqa: E731
    return top(ops), top(methods)


def attempts(v: Variant, others: Sequence[Seen]) -> dict[str, Guess]:
    """Each solver's guess at ``v``, from its text and the other seeds."""
    names = [n for n, _ in inputs(v)]
    ranks = tuple(r for _, r in inputs(v))

    def renamed(first: dict[str, Seen], numbers: Sequence[int] | None = None) -> Callable[[str], str | None]:
        return lambda k: _renamed(first[k], names, numbers)

    counts, first = _by_structure(others)
    out: dict[str, Guess] = {"top answer": top_k(counts, 1, renamed(first)),
                             "top 3 answers": top_k(counts, 3, renamed(first))}
    same, same_first = _by_structure([s for s in others if s.ranks == ranks])
    out["template"] = top_k(same, 1,
                            renamed(same_first, story_numbers(v)))
    alike, alike_first = _by_structure([s for s in others if s.look == look(v)])
    out["input lookup"] = top_k(alike, 1, renamed(alike_first, new_sizes(v)))
    plain = Counter(p for s in others if len(s.names) == len(names) for p in s.idioms)
    out["idiom"] = top_k(plain, 1, lambda p: rename(p, dict(zip(_slots(len(names)), names))))
    op, method = _common_op(others)
    lazy = []
    if len(names) > 1 and op:
        lazy.append(f" {op} ".join(names))
    elif len(names) == 1:
        lazy.append(names[0] + (method or ""))
    out["names + op"] = Guess(lazy)
    return out


def credits(v: Variant, others: Sequence[Seen]) -> dict[str, float]:
    """Each solver's expected success on ``v``, judged by ``v``'s own checker (0 where none is accepted)."""
    accepted = judge(v.check)
    return {name: guess.chance(accepted) for name, guess in attempts(v, others).items()}


@dataclass
class TaskMeasure:
    """One family's task-form figures: each solver's solve rate, the structures and the top share."""

    family: str
    seeds: int
    rates: dict[str, float]
    structures: int
    top_share: float
    top: str

    def failures(self, solvers: Sequence[str] = TASK_SOLVERS) -> list[str]:
        # a sum of fractional credits (1/3 + 2/3 ...) may land a rounding error above an exact 30%
        return [f"{s} solves {self.rates[s]:.0%}" for s in solvers if self.rates[s] > MAX_SOLVED + 1e-9]


def measure_in_mix(variants: Sequence[Variant], mix: Sequence[Variant]) -> TaskMeasure:
    """The figures of a task form asked only inside mixed notes (``Family.pooled``): each of its
    ``variants`` answered by a stranger who remembers the mixed note's variants ``mix`` (never the
    same card: a mix variant drawn from this variant's family, form and seed is left out). Rates
    are over ``variants``; structures and the top share are the mix's."""
    seen = [(m.params.get("source"), Seen.of(m)) for m in mix]
    rates: Counter = Counter()
    for v in variants:
        own = f"{v.family}/{v.form}/{v.seed}"
        rates.update(credits(v, [s for src, s in seen if src != own]))
    counts = Counter(s.structure for _, s in seen)
    top, n = counts.most_common(1)[0]
    return TaskMeasure(variants[0].family, len(variants),
                       {s: rates[s] / len(variants) for s in (*TASK_SOLVERS, *TASK_REPORTED)},
                       len(counts), n / len(mix), top)


def measure_tasks(variants: Sequence[Variant]) -> TaskMeasure:
    """The figures of one family's task form over ``variants``, each solver remembering all the
    other variants (never the one it answers)."""
    seen = [Seen.of(v) for v in variants]
    rates: Counter = Counter()
    for k, v in enumerate(variants):
        rates.update(credits(v, seen[:k] + seen[k + 1:]))
    counts = Counter(s.structure for s in seen)
    top, n = counts.most_common(1)[0]
    return TaskMeasure(variants[0].family, len(variants),
                       {s: rates[s] / len(variants) for s in (*TASK_SOLVERS, *TASK_REPORTED)},
                       len(counts), n / len(variants), top)
