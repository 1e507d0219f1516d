"""How many einsum/einops call sites with a literal pattern `cardgen from-code` finds.

The denominator is counted here independently of the tool: every call whose callee's last
name is einsum, rearrange, reduce, repeat, pack, unpack, Rearrange, Reduce or EinMix and
that passes a string literal (the pattern) anywhere in its arguments — whatever the import.
Two numerators: the sites the tool finds (parses as a call; merged duplicates counted by
line) and the sites it makes cards of; a site found but not made into cards (an invalid
pattern, nothing left to ask) is listed as skipped, with its reason.

    python benchmarks/fromcode_coverage.py PATH [PATH ...]
"""
from __future__ import annotations

import ast
import json
import sys
import time
from pathlib import Path

NAMES = {"einsum", "rearrange", "reduce", "repeat", "pack", "unpack", "Rearrange", "Reduce", "EinMix"}


def _callee(node: ast.Call) -> str | None:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None


def _is_str(a) -> bool:
    return isinstance(a, ast.Constant) and isinstance(a.value, str) and bool(a.value.strip())


def _has_literal_pattern(node: ast.Call, name: str) -> bool:
    """The argument in the pattern's place is a string literal: einsum's first (torch, numpy)
    or last (einops) positional, the constructor's first for layers, unpack's third, the
    second otherwise — or the keyword naming it."""
    args = node.args
    kw = {k.arg: k.value for k in node.keywords}
    if name == "einsum":
        cands = [args[0], args[-1]] if args else []
        cands += [kw.get("equation"), kw.get("subscripts"), kw.get("pattern")]
    elif name in ("Rearrange", "Reduce", "EinMix"):
        cands = [args[0] if args else None, kw.get("pattern")]
    elif name == "unpack":
        cands = [args[2] if len(args) > 2 else None, kw.get("pattern")]
    else:
        cands = [args[1] if len(args) > 1 else None, kw.get("pattern")]
    return any(c is not None and _is_str(c) for c in cands)


def sources(path: Path):
    if path.is_file():
        yield path, [path.read_text(errors="replace")]
        return
    files = sorted(p for p in path.rglob("*") if p.suffix in (".py", ".ipynb"))
    for f in files:
        if any(part.startswith(".") or part == "__pycache__" for part in f.relative_to(path).parts[:-1]):
            continue
        if f.suffix == ".py":
            yield f, [f.read_text(errors="replace")]
        else:
            try:
                nb = json.loads(f.read_text())
                # every cell keeps its place (numbered as the tool numbers them: all cells, from 1)
                cells = [("".join(c.get("source", "")) if isinstance(c.get("source"), list) else c.get("source", ""))
                         if c.get("cell_type") == "code" else "" for c in nb.get("cells", [])]
            except Exception:
                continue
            yield f, cells


def independent_sites(path: Path) -> dict[str, set[tuple[int, int]]]:
    """{file: {(cell, line)}} of literal-pattern call sites."""
    out: dict[str, set[tuple[int, int]]] = {}
    for f, cells in sources(path):
        for i, src in enumerate(cells, 1):
            lines = [ln for ln in src.split("\n") if not ln.lstrip().startswith(("%", "!"))]
            try:
                tree = ast.parse("\n".join(lines) if f.suffix == ".ipynb" else src)
            except (SyntaxError, ValueError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and _callee(node) in NAMES and _has_literal_pattern(node, _callee(node)):
                    out.setdefault(str(f.resolve()), set()).add((i if f.suffix == ".ipynb" else 0, node.lineno))
    return out


def _sites(c, files) -> list[tuple[str, int, int]]:
    """A call's site and its merged duplicates' ("line 12" or, in a notebook, "cell 3, line 12")."""
    full = str(files[c.path].resolve())
    out = [(full, c.cell or 0, c.line)]
    for a in c.also:
        cell = int(a.split(",")[0].split()[1]) if a.startswith("cell ") else c.cell or 0
        out.append((full, cell, int(a.rsplit("line ", 1)[1])))
    return out


def main(paths: list[str]) -> None:
    from cardgen.fromcode.exercises import collect
    from cardgen.fromcode.scan import find_files

    for p in map(Path, paths):
        expected = independent_sites(p)
        total = sum(len(v) for v in expected.values())
        t0 = time.perf_counter()
        result = collect([p])  # the calls that become cards; the rest are listed as skipped
        scan_s = time.perf_counter() - t0
        files = dict((rel, path) for path, rel in find_files([p])[0])
        carded = {s for c, _ in result.items for s in _sites(c, files)}
        parsed = carded | {s for c in result.uncarded for s in _sites(c, files)}
        listed: dict[tuple[str, int, int], str] = {}  # skipped with a reason, by site
        for sk in result.skipped:
            if sk.line and sk.path in files:
                listed[(str(files[sk.path].resolve()), sk.cell or 0, sk.line)] = sk.reason
        for c in result.uncarded:  # a merged duplicate is skipped with its call
            for site in _sites(c, files):
                listed.setdefault(site, listed.get(_sites(c, files)[0], "skipped"))
        every = [(f, cell, line) for f, sites in expected.items() for (cell, line) in sorted(sites)]
        found = sum(1 for s in every if s in parsed)
        hit = sum(1 for s in every if s in carded)
        missed = [s for s in every if s not in carded]
        silent = [m for m in missed if m not in listed]
        print(f"{p}: {found}/{total} literal-pattern call sites found ({100 * found / max(total, 1):.1f}%), "
              f"{hit}/{total} made into cards ({100 * hit / max(total, 1):.1f}%), "
              f"{len(missed) - len(silent)} skipped with a reason, {len(silent)} silent misses; "
              f"scan and draw {scan_s:.2f} s")
        reasons: dict[str, int] = {}
        for m in missed:
            if m in listed:
                key = listed[m].split(": ", 1)[-1][:90]
                reasons[key] = reasons.get(key, 0) + 1
        for why, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:8]:
            print(f"  skipped {n:4d}x: {why}")
        for f, cell, line in silent[:15]:
            print("  silent miss:", Path(f).name, cell, line)


if __name__ == "__main__":
    main(sys.argv[1:] or [str(Path(__import__("einops").__file__).parent / "tests")])
