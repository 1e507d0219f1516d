"""Exercise files: writing stubs, and finding which exercises a solution file answers.

A file names its exercises in header comments, ``# cardgen: einsum.batched_matmul seed=3``
(one line per exercise); the seed picks the grading cases and the hints. Files without a
header are matched by function name (``batched_matmul`` -> einsum.batched_matmul), seed 0.
"""
from __future__ import annotations

import ast
import datetime as _dt
import random
import re
import textwrap
from typing import TYPE_CHECKING

from cardgen.grade.cases import make_plan
from cardgen.grade.exercise import Exercise, ExerciseError

__all__ = ["Exercise", "ExerciseError", "find_exercises", "new_exercise", "parse_header", "render"]

if TYPE_CHECKING:  # pragma: no cover
    from exercises.base import CodeSpec, Family

MAX_SEED = 2**63 - 1  # exercises.base.MAX_SEED (a test keeps the two equal)
HEADER = re.compile(r"^\s*#\s*cardgen:\s*(?P<rest>.*)$")
SEED = re.compile(r"^seed=(\d{1,19})$")


def code_families() -> list["Family"]:
    from exercises import all_families

    return [f for f in all_families() if f.code_spec is not None]


def _family(fid: str) -> "Family":
    from exercises import get_family

    try:
        fam = get_family(fid)
    except KeyError as e:
        raise ExerciseError(e.args[0]) from None
    if fam.code_spec is None:
        names = ", ".join(f.id for f in code_families())
        raise ExerciseError(f"{fid} has no code exercise; these do: {names}")
    return fam


def parse_header(text: str) -> list[tuple[str, int, int]]:
    """``(family, seed, line)`` for each ``# cardgen: FAMILY [seed=N]`` comment."""
    found = []
    for lineno, line in enumerate(text.splitlines(), 1):
        m = HEADER.match(line)
        if not m:
            continue
        last = None
        for tok in re.split(r"[\s,]+", m.group("rest").strip()):
            if not tok:
                continue
            s = SEED.match(tok)
            if s:
                if last is None:
                    raise ExerciseError(f"line {lineno}: seed= must follow a family name")
                if int(s.group(1)) > MAX_SEED:
                    raise ExerciseError(f"line {lineno}: the seed must be an integer from 0 to {MAX_SEED}")
                found[last] = (found[last][0], int(s.group(1)), lineno)
            elif re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", tok):
                found.append((tok, 0, lineno))
                last = len(found) - 1
            else:
                raise ExerciseError(
                    f"line {lineno}: cannot read {tok!r} in the header; write it like "
                    "`# cardgen: einsum.batched_matmul seed=3`"
                )
    return found


def top_level_functions(tree: ast.Module | None) -> list[str]:
    if tree is None:
        return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def find_exercises(text: str, tree: ast.Module | None) -> list[Exercise]:
    """The exercises a file answers: from its header, else from its function names."""
    header = parse_header(text)
    if header:
        out, seen = [], set()
        for fid, seed, _line in header:
            fam = _family(fid)
            if fam.code_spec.function in seen:
                raise ExerciseError(f"two exercises in the header need a function named {fam.code_spec.function!r}")
            seen.add(fam.code_spec.function)
            out.append(Exercise(fam.id, seed, fam.code_spec))
        return out
    by_name: dict[str, list["Family"]] = {}
    for fam in code_families():
        by_name.setdefault(fam.code_spec.function, []).append(fam)
    out = []
    for name in top_level_functions(tree):
        fams = by_name.get(name)
        if not fams or any(e.function == name for e in out):
            continue
        if len(fams) > 1:
            ids = " or ".join(f.id for f in fams)
            raise ExerciseError(f"`{name}` could be {ids}: add a header line such as `# cardgen: {fams[0].id} seed=0`")
        out.append(Exercise(fams[0].id, 0, fams[0].code_spec))
    if not out:
        known = ", ".join(sorted(by_name))
        raise ExerciseError(
            "no exercise found: add a header line such as `# cardgen: einsum.batched_matmul seed=0` "
            f"(`cardgen exercise new FAMILY` writes one), or define one of: {known}"
        )
    return out


# ----------------------------------------------------------------------------- writing


def _example(fam: "Family", seed: int) -> str:
    """One of the grading cases as a worked call: shapes for tensors, values for numbers.

    It comes from the same cases ``cardgen grade`` uses (and caches), so writing the stub
    also prepares the first grading.
    """
    spec = fam.code_spec
    plan = make_plan(Exercise(fam.id, seed, spec))
    if plan.spec_error:
        raise RuntimeError(plan.spec_error)

    def show_in(v: dict) -> str:
        if v["t"] == "array":  # the wire format (cardgen.grade.wire)
            return f"<{v['shape']} {v.get('dtype', v['np'])}>"
        if v["t"] in ("tuple", "list"):
            return "(" + ", ".join(show_in(x) for x in v["items"]) + ")"
        if v["t"] == "num" and isinstance(v["v"], float):
            return f"{v['v']:.6g}"
        return repr(v.get("v"))

    def show_out(r) -> str:
        if r.kind == "tensor":
            return f"<{list(r.array.shape)} {r.dtype}>"
        if r.kind == "number":
            return f"{r.array.item():.6g}"
        if r.kind in ("tuple", "list"):
            return "(" + ", ".join(show_out(x) for x in r.items) + ")"
        return r.describe()

    args = ", ".join(f"{k}={show_in(v)}" for k, v in plan.inputs[-1].items())
    return f"{spec.function}({args}) -> {show_out(plan.expected[-1])}"


def _rules_text(spec: "CodeSpec") -> list[str]:
    from cardgen.grade.rules import RULES

    return [f"Rule: {RULES.get(r, r)}." for r in spec.rules]


def _function_block(fam: "Family", seed: int) -> str:
    spec = fam.code_spec
    doc_lines = []
    for line in spec.doc.strip().splitlines():  # keep the author's line breaks, wrap long lines
        doc_lines += textwrap.wrap(line, 84, break_on_hyphens=False) or [""]
    doc_lines += [""] + _rules_text(spec) if spec.rules else []
    example = _example(fam, seed)
    label = "Example (a tensor is shown as <[shape] dtype>):" if "<[" in example else "Example:"
    doc_lines += ["", label, "    " + example]
    doc = "\n".join(("    " + ln if ln.strip() else "") for ln in doc_lines)
    signature = spec.signature.strip()
    if not signature.endswith(":"):
        signature += ":"
    quote = 'r"""' if "\\" in doc else '"""'
    return f'{signature}\n    {quote}{doc.lstrip()}\n    """\n    raise NotImplementedError\n'


def _imports(fams: list["Family"]) -> str:
    lines = ["import torch"]
    if any(f.topic == "einops" for f in fams):
        lines.insert(0, "import einops")
        lines.append("from einops import rearrange, reduce, repeat")
    return "\n".join(lines) + "\n"


def render(fams_seeds: list[tuple["Family", int]], title: str, filename: str = "solution.py") -> str:
    """The text of an exercise file: header lines, a docstring, imports and one stub per function."""
    header = "".join(f"# cardgen: {fam.id} seed={seed}\n" for fam, seed in fams_seeds)
    tasks = "\n".join(f"  {fam.code_spec.function}: {fam.title} ({fam.id})" for fam, _ in fams_seeds)
    doc = (
        f'"""{title}\n\n{tasks}\n\n'
        "Replace each `raise NotImplementedError` with your code, then check it:\n"
        f"    cardgen grade {filename}      (--hint shows a hint, --watch regrades on every save)\n"
        '"""\n'
    )
    blocks = "\n\n".join(_function_block(fam, seed) for fam, seed in fams_seeds)
    return header + doc + _imports([f for f, _ in fams_seeds]) + "\n\n" + blocks


def new_exercise(family_id: str, seed: int, filename: str = "solution.py") -> str:
    fam = _family(family_id)
    return render([(fam, seed)], f"{fam.title} — cardgen exercise {fam.id}, seed {seed}", filename)


def daily_families(n: int, seed: int | None, today: _dt.date | None = None) -> tuple[list[tuple["Family", int]], str]:
    """``n`` code exercises with distinct functions, chosen from the date (or ``seed``)."""
    fams = code_families()
    by_fn: dict[str, "Family"] = {}
    for f in fams:  # one family per function name: a file cannot define a name twice
        by_fn.setdefault(f.code_spec.function, f)
    pool = sorted(by_fn.values(), key=lambda f: f.id)
    if n < 1 or n > len(pool):
        raise ExerciseError(f"-n must be between 1 and {len(pool)} (the code exercises available)")
    key = f"seed {seed}" if seed is not None else (today or _dt.date.today()).isoformat()
    rng = random.Random(f"cardgen-daily/{key}")
    chosen = rng.sample(pool, n)
    return [(f, rng.randrange(1000)) for f in chosen], key
