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
    "one_line": "the body is one `return` of a single expression",
    "puzzle": ("a tensor puzzle: one `return` using only broadcasting, indexing, arithmetic, comparisons, "
               "`@` and `.shape`; the only calls allowed are `torch.arange` and `torch.where`"),
}
#: The calls a ``puzzle`` may make (Tensor-Puzzles' rules: arange and where, nothing else).
PUZZLE_CALLS = ("torch.arange", "torch.where")
#: What a puzzle's file may not call or import anywhere: each reaches a function without naming it.
_SMUGGLERS = frozenset({"exec", "eval", "compile", "setattr", "delattr", "__import__", "globals", "vars", "getattr"})
_SMUGGLING_MODULES = frozenset({"sys", "importlib", "builtins", "ctypes", "gc", "inspect", "operator", "functools"})

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
    if "one_line" in rules or "puzzle" in rules:
        out += _one_line(fn, name, "puzzle" if "puzzle" in rules else "one_line")
    if "puzzle" in rules:
        out += _puzzle(tree, reached, fn, name)
    return sorted(out, key=lambda v: v.line)


def _one_line(fn: ast.FunctionDef | ast.AsyncFunctionDef, name: str, rule: str) -> list[Violation]:
    """The body (a docstring aside) is a single ``return EXPR`` and the function has no decorator."""
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    out = []
    if fn.decorator_list:
        out.append(Violation(rule, fn.lineno, f"line {fn.lineno}: `{name}` has a decorator; this exercise "
                                              "wants a plain function"))
    if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
        line = body[1].lineno if len(body) > 1 else fn.lineno
        out.append(Violation(rule, line, f"line {line}: `{name}` must be one `return` of a single expression "
                                         f"(it has {len(body)} statement{'s' if len(body) != 1 else ''})"))
    return out


def _puzzle(tree: ast.Module, reached: list[tuple[str, ast.AST]], fn: ast.AST, name: str) -> list[Violation]:
    """Only ``torch.arange``/``torch.where`` are called, by the function and whatever it uses;
    the file neither rebinds ``torch`` nor assigns to attributes (monkeypatching ``torch.where``
    or ``Tensor.__matmul__`` would smuggle any call in)."""
    out = []
    for label, node in reached:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and ast.unparse(sub.func) not in PUZZLE_CALLS:
                where = "" if node is fn else f" (in `{label}`, which `{name}` uses)"
                out.append(Violation("puzzle", sub.lineno, f"line {sub.lineno}: calls `{ast.unparse(sub.func)[:40]}`"
                                     f"{where}; a puzzle may call only torch.arange and torch.where"))
            elif isinstance(sub, (ast.Lambda, ast.Yield, ast.YieldFrom, ast.Await)):
                out.append(Violation("puzzle", sub.lineno, f"line {sub.lineno}: a {type(sub).__name__.lower()} "
                                     "is not part of a puzzle"))
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            out.append(Violation("puzzle", sub.lineno, f"line {sub.lineno}: assigns to `{ast.unparse(sub)[:40]}`; "
                                 "a puzzle's file may not patch attributes"))
        elif isinstance(sub, ast.alias) and (sub.asname or sub.name.split(".")[0]) == "torch" and sub.name != "torch":
            out.append(Violation("puzzle", getattr(sub, "lineno", 0), f"line {getattr(sub, 'lineno', 0)}: binds "
                                 f"`torch` to {sub.name}; import torch itself"))
        elif isinstance(sub, ast.Name) and sub.id == "torch" and isinstance(sub.ctx, (ast.Store, ast.Del)):
            out.append(Violation("puzzle", sub.lineno, f"line {sub.lineno}: rebinds `torch`"))
        elif isinstance(sub, (ast.FunctionDef, ast.ClassDef)) and sub.name == "torch":
            out.append(Violation("puzzle", sub.lineno, f"line {sub.lineno}: defines `torch`"))
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in _SMUGGLERS:
            out.append(Violation("puzzle", sub.lineno, f"line {sub.lineno}: calls `{sub.func.id}`, which a "
                                 "puzzle's file may not use"))
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            mods = [a.name for a in sub.names] if isinstance(sub, ast.Import) else [sub.module or ""]
            bad = [m for m in mods if m.split(".")[0] in _SMUGGLING_MODULES]
            if bad:
                out.append(Violation("puzzle", sub.lineno, f"line {sub.lineno}: imports {bad[0]}, which a "
                                     "puzzle's file may not use"))
    return out
