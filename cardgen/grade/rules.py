"""Style rules an exercise may impose, checked on the source's AST (nothing is executed).

A rule covers the function itself and every module-level definition it refers to by name,
transitively: helper functions, lambdas assigned to a name, classes (all their methods), so
moving a loop into a helper, a lambda or a method does not get around ``no_loops``.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

RULES: dict[str, str] = {
    "one_einsum": "use exactly one einsum call",
    "no_loops": "no for/while loops or comprehensions",
}

_LOOPS = {
    ast.For: "a for loop",
    ast.AsyncFor: "an async for loop",
    ast.While: "a while loop",
    ast.ListComp: "a list comprehension",
    ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension",
    ast.GeneratorExp: "a generator expression",
}


@dataclass(frozen=True)
class Violation:
    rule: str
    line: int
    message: str


def find_function(tree: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The last top-level ``def name`` (the one Python keeps)."""
    found = None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            found = node
    return found


_CODE_VALUES = (ast.Lambda, ast.Name, ast.Attribute, ast.Call, ast.Subscript)


def _definitions(tree: ast.Module) -> dict[str, ast.AST]:
    """Module-level names bound to code: ``def``, ``class``, ``name = lambda ...``, and names
    bound to an expression that refers to code: an alias (``helper = _loops``), a
    ``functools.partial(_loops, ...)`` or any other call or lookup; walking that expression
    leads on to what it names."""
    defs: dict[str, ast.AST] = {}
    for n in tree.body:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs[n.name] = n
        elif isinstance(n, (ast.Assign, ast.AnnAssign)) and isinstance(n.value, _CODE_VALUES):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    defs[t.id] = n.value
    return defs


def _reachable(tree: ast.Module, root: ast.AST) -> list[tuple[str, ast.AST]]:
    """``root`` and the module-level definitions it refers to by name, transitively."""
    defs = _definitions(tree)
    names = {id(v): k for k, v in defs.items()}
    out, todo, seen = [], [root], set()
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        out.append((names.get(id(node), getattr(node, "name", "")), node))
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in defs:
                todo.append(defs[sub.id])
    return out


def _is_einsum(call: ast.Call) -> bool:
    f = call.func
    return (isinstance(f, ast.Name) and f.id == "einsum") or (isinstance(f, ast.Attribute) and f.attr == "einsum")


def check_rules(tree: ast.Module, name: str, rules: tuple[str, ...]) -> list[Violation]:
    """Violations of ``rules`` by function ``name``; an unknown rule is a grader bug (ValueError)."""
    unknown = [r for r in rules if r not in RULES]
    if unknown:
        raise ValueError(f"unknown rule(s) {unknown}; known: {sorted(RULES)}")
    if not rules:
        return []
    fn = find_function(tree, name)
    if fn is None:
        return [Violation(r, 0, f"define `{name}` with `def` so that its rule ({RULES[r]}) can be checked")
                for r in rules]
    reached = _reachable(tree, fn)
    nodes = [node for _, node in reached]
    out: list[Violation] = []
    if "no_loops" in rules:
        for label, node in reached:
            for sub in ast.walk(node):
                kind = _LOOPS.get(type(sub))
                if kind:
                    where = "" if node is fn else f" (in `{label}`, which `{name}` uses)"
                    out.append(Violation("no_loops", sub.lineno,
                                         f"line {sub.lineno}: {kind}{where}; this exercise allows no loops"))
    if "one_einsum" in rules:
        calls = sorted({sub.lineno for node in nodes for sub in ast.walk(node)
                        if isinstance(sub, ast.Call) and _is_einsum(sub)})
        n = sum(1 for node in nodes for sub in ast.walk(node) if isinstance(sub, ast.Call) and _is_einsum(sub))
        if n == 0:
            out.append(Violation("one_einsum", fn.lineno,
                                 f"line {fn.lineno}: `{name}` has no einsum call; write it as exactly one einsum"))
        elif n > 1:
            lines = ", ".join(map(str, calls))
            out.append(Violation("one_einsum", calls[1],
                                 f"line {calls[1]}: {n} einsum calls (lines {lines}); use exactly one"))
    return sorted(out, key=lambda v: v.line)
