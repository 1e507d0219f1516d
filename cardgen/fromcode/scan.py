"""Find einsum / einops calls with a literal pattern in Python files and notebooks.

The code is parsed with :mod:`ast` and never imported or run: a learner's code base may need
a GPU, a dataset or a network, and scanning it must not execute anything. Names are resolved
through a per-scope alias map built from the import statements (``import einops as E``,
``from einops import rearrange as r``, ``import torch as t``, ``from torch import einsum``),
which is enough for real code without tracking assignments.

Everything that cannot be used is reported as a :class:`Skip` with a reason — a syntax error,
undecodable bytes, an invalid notebook, a pattern that is an f-string or a variable — and
never raises.
"""
from __future__ import annotations

import ast
import json
import os
import re
import stat
import tokenize
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Iterable, Iterator

#: Directory names never descended into (besides hidden ones, which start with ".").
SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "venv", "env", "build", "dist"})
#: Files larger than this are listed as skipped rather than parsed.
MAX_BYTES = 20 * 1024 * 1024
#: Markers of a project root; paths are shown (and notes identified) relative to it.
ROOT_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg")

#: Fully qualified callable -> (library, op). ``library`` says whose semantics the call has.
SUPPORTED: dict[str, tuple[str, str]] = {
    "torch.einsum": ("torch", "einsum"),
    "torch.functional.einsum": ("torch", "einsum"),
    "numpy.einsum": ("numpy", "einsum"),
    "einops.einsum": ("einops", "einsum"),
    "einops.rearrange": ("einops", "rearrange"),
    "einops.reduce": ("einops", "reduce"),
    "einops.repeat": ("einops", "repeat"),
    "einops.pack": ("einops", "pack"),
    "einops.unpack": ("einops", "unpack"),
}
#: The einops layers take the pattern in their constructor: ``Rearrange("b c -> c b")``.
LAYERS = {"Rearrange": "rearrange", "Reduce": "reduce", "EinMix": "einmix"}
LAYER_CLASS = {op: cls for cls, op in LAYERS.items()}
#: Calls that are recognised but cannot become exercises (listed as skipped).
UNSUPPORTED: dict[str, str] = {}
_EINOPS_NAMES = ("einsum", "rearrange", "reduce", "repeat", "pack", "unpack")


@dataclass
class Call:
    """One usable call: where it is, what it runs, and what the code passes to it."""

    path: str  # display path, relative to the project root (or the folder given)
    line: int  # 1-based; within the cell for a notebook
    function: str  # enclosing function's qualified name, or "<module>"
    library: str  # torch | numpy | einops
    op: str  # einsum | rearrange | reduce | repeat | pack
    pattern: str
    source: str  # the call as written (one line if possible)
    operands: tuple[str | None, ...] = ()  # names of the tensor arguments (None: an expression)
    operands_known: bool = True  # False when the tensors come as *args or a non-literal list
    operand_sources: tuple[str | None, ...] = ()  # an operand named after an expression: that expression
    lengths: tuple[tuple[str, int | None], ...] = ()  # axis-length keywords; None = not a literal
    star_kwargs: bool = False  # the call passes **kwargs (lengths we cannot see)
    reduction: str | None = None
    reduction_literal: bool = True
    reduction_source: str | None = None  # the expression passed when it is not a literal
    result: str | None = None  # the variable the result is assigned to
    weight_shape: str | None = None  # EinMix
    bias_shape: str | None = None  # EinMix
    pieces: tuple[str | None, ...] = ()  # unpack: the variables the pieces go to (None: `_` or an expression)
    layer: bool = False  # an einops layer (Rearrange/Reduce) rather than a function
    cell: int | None = None  # notebook cell, 1-based
    also: list[str] = field(default_factory=list)  # where identical calls in the same function are
    root: str | None = None  # the folder ``path`` is relative to (not part of the call's identity)
    unresolved: str | None = None  # found, but the imports do not say whose function it is: the skip reason

    @property
    def api(self) -> str:
        if self.layer:
            return f"einops.layers.{LAYER_CLASS[self.op]}"
        return f"{self.library}.{self.op}"

    @property
    def where(self) -> str:
        """``model.py:111`` or ``demo.ipynb cell 2, line 3``."""
        if self.cell is not None:
            return f"{self.path} cell {self.cell}, line {self.line}"
        return f"{self.path}:{self.line}"

    @property
    def slot(self) -> str:
        """The call's identity: file, function, API and pattern — not its line, so edits that
        only shift lines keep it (and the deck updates the same notes)."""
        return f"from-code/{self.path}/{self.function}/{self.api}/{self.pattern}"

    def to_dict(self) -> dict:
        return {
            "file": self.path, "line": self.line, "cell": self.cell, "function": self.function,
            "api": self.api, "library": self.library, "op": self.op, "pattern": self.pattern,
            "source": self.source, "operands": list(self.operands), "result": self.result,
            "lengths": {k: v for k, v in self.lengths}, "reduction": self.reduction,
            "also": list(self.also),
        }


@dataclass(frozen=True)
class Skip:
    """Something found but not usable, with the reason."""

    path: str
    reason: str
    line: int | None = None
    cell: int | None = None

    @property
    def where(self) -> str:
        if self.cell is not None:
            return f"{self.path} cell {self.cell}" + (f", line {self.line}" if self.line else "")
        return f"{self.path}:{self.line}" if self.line else self.path

    def to_dict(self) -> dict:
        return {"file": self.path, "line": self.line, "cell": self.cell, "reason": self.reason}


@dataclass
class ScanResult:
    files: list[str] = field(default_factory=list)  # every Python file / notebook read
    calls: list[Call] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


# ----------------------------------------------------------------------------- files


def project_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding a project marker."""
    for folder in [start, *start.parents]:
        if any((folder / m).exists() for m in ROOT_MARKERS):
            return folder
    return None


def display_base(arg: Path) -> Path:
    """Where display paths start for files found under ``arg``: the project root if there is
    one, else the folder containing ``arg`` (so a folder's own name is kept)."""
    try:
        arg = arg.resolve()
    except (OSError, RuntimeError):  # a symlink loop: shown from where it is
        arg = arg.absolute()
    start = arg if arg.is_dir() else arg.parent
    return project_root(start) or arg.parent


def printable(text: str) -> str:
    """``text`` with control characters (a file name's escape sequences) written as escapes, so
    printing a name never drives the terminal."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


def _resolved(p: Path) -> Path | None:
    """``p`` with symlinks resolved, or None for a symlink loop or a path that cannot be."""
    try:
        return p.resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None


def find_files(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[Skip]]:
    """``(file, display path)`` for every .py / .ipynb under ``paths``; hidden folders,
    virtual environments and caches are not entered. A file given by name that is neither,
    and a name that is a symlink loop, are listed as skipped (what is not a regular file is
    skipped when read, see :func:`scan_file`)."""
    found: dict[Path, str] = {}
    skipped: list[Skip] = []
    for arg in paths:
        arg = Path(arg)
        base = display_base(arg)

        def rel(p: Path, resolved: Path | None) -> str:
            try:
                return (resolved or p.absolute()).relative_to(base).as_posix()
            except ValueError:
                return (resolved or p.absolute()).as_posix()

        if not arg.is_dir():
            real = _resolved(arg)
            if real is None:
                skipped.append(Skip(rel(arg, None), "cannot be read: a symlink loop or a broken link"))
            elif arg.suffix in (".py", ".ipynb"):
                found.setdefault(real, rel(arg, real))
            else:
                skipped.append(Skip(rel(arg, real), "not a Python file (.py) or notebook (.ipynb)"))
            continue
        for dirpath, dirnames, filenames in os.walk(arg):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS)
            for name in sorted(filenames):
                if name.endswith((".py", ".ipynb")) and not name.startswith("."):
                    p = Path(dirpath) / name
                    real = _resolved(p)
                    if real is None:
                        skipped.append(Skip(rel(p, None), "cannot be read: a symlink loop or a broken link"))
                        continue
                    found.setdefault(real, rel(p, real))
    # two files shown under one name (folders from different places): keep names unique,
    # since a note's identity starts with its file's name
    seen: set[str] = set()
    unique: dict[Path, str] = {}
    for path, rel_ in sorted(found.items(), key=lambda kv: (kv[1], str(kv[0]))):
        unique[path] = rel_ if rel_ not in seen else path.as_posix()
        seen.add(unique[path])
    return sorted(unique.items(), key=lambda kv: kv[1]), skipped


def scan_paths(paths: Iterable[Path]) -> ScanResult:
    """Scan every Python file and notebook under ``paths``."""
    files, skipped = find_files(paths)
    result = ScanResult(skipped=list(skipped))
    for path, rel in files:
        result.files.append(rel)
        calls, skips = scan_file(path, rel)
        root = str(path)[: -len(rel)] if not rel.startswith("/") and str(path).endswith("/" + rel) else None
        for c in calls:
            c.root = root
        result.calls += calls
        result.skipped += skips
    return result


def read_source(path: Path) -> bytes:
    """The bytes of a regular file, at most :data:`MAX_BYTES`; OSError (or ValueError with a
    reason) for anything else. Opened without blocking, and checked after opening, so a FIFO or
    a device put in a file's place (``/dev/zero``) is refused instead of hanging or filling memory."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode)
                    or stat.S_ISBLK(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a file")
            raise ValueError(f"not a regular file ({kind})")
        if st.st_size > MAX_BYTES:
            raise ValueError(f"file too large ({st.st_size // (1024 * 1024)} MiB)")
        chunks, left = [], MAX_BYTES + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > MAX_BYTES:
            raise ValueError("file too large (it grew while being read)")
        return data
    finally:
        os.close(fd)


def scan_file(path: Path, rel: str) -> tuple[list[Call], list[Skip]]:
    """The calls of one file; any problem with the file is a Skip, never an exception."""
    try:
        data = read_source(path)
    except ValueError as e:
        return [], [Skip(rel, str(e))]
    except OSError as e:
        return [], [Skip(rel, f"cannot read the file: {e.strerror or e}")]
    if path.suffix == ".ipynb":
        return scan_notebook(data, rel)
    try:
        text = decode_source(data)
    except ValueError as e:
        return [], [Skip(rel, str(e))]
    return scan_source(text, rel)


def decode_source(data: bytes) -> str:
    """Source bytes to text, honouring a PEP 263 coding line; ValueError with a reason."""
    try:
        encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
    except SyntaxError as e:  # an unknown coding cookie
        raise ValueError(f"cannot decode the file: {e.msg if hasattr(e, 'msg') else e}") from None
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as e:
        where = f" at byte {e.start}" if isinstance(e, UnicodeDecodeError) else ""
        raise ValueError(f"cannot decode the file as {encoding}{where}") from None


def _parse(text: str) -> ast.Module:
    """``ast.parse`` whose failures become ValueError with a one-line reason."""
    try:
        return ast.parse(text)
    except SyntaxError as e:
        where = f" (line {e.lineno})" if e.lineno else ""
        raise ValueError(f"syntax error: {e.msg}{where}") from None
    except (ValueError, RecursionError, MemoryError) as e:  # null bytes, absurd nesting
        raise ValueError(f"cannot parse: {type(e).__name__}: {e}") from None


def scan_source(text: str, rel: str) -> tuple[list[Call], list[Skip]]:
    try:
        tree = _parse(text)
    except ValueError as e:
        return [], [Skip(rel, str(e))]
    finder = _Finder(rel, text)
    try:
        finder.scan(tree, module_aliases(tree))
    except RecursionError:
        return [], [Skip(rel, "cannot parse: the code is nested too deeply")]
    return _merge(finder.calls), finder.skipped


# ----------------------------------------------------------------------------- notebooks

_PY_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug"}
# IPython's line syntax, turned into Python that keeps the line count (and so line numbers):
#   %time / %timeit / %prun CODE  -> CODE (the calls inside are real code)
#   x = !ls, x = %magic           -> x = None
#   !cmd, %magic, obj?, ?obj      -> pass (a statement, so an indented block stays valid)
_TIMED = re.compile(r"^(\s*)%(?:time|timeit|prun)\b((?:\s+-\w+(?:\s+\d+)?)*)\s+(.+)$")
_ASSIGNED_MAGIC = re.compile(r"^(\s*)([\w.\[\], ]+?)\s*=\s*[!%].*$")
_LINE_MAGIC = re.compile(r"^(\s*)[!%]")
_HELP = re.compile(r"^(\s*)(?:\?{1,2}[\w.]+|[\w.]+(?:\(\))?\?{1,2})\s*$")


def _python_line(line: str) -> str:
    """One line of a cell as IPython would run it, in plain Python."""
    m = _TIMED.match(line)
    if m:
        return m.group(1) + m.group(3)
    m = _ASSIGNED_MAGIC.match(line)
    if m:
        return f"{m.group(1)}{m.group(2)} = None"
    m = _LINE_MAGIC.match(line) or _HELP.match(line)
    if m:
        return m.group(1) + "pass"
    return line


def notebook_cells(data: bytes) -> list[tuple[int, str]]:
    """``(1-based cell index, source)`` of the code cells; ValueError says why it is no notebook."""
    try:
        nb = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ValueError("invalid notebook: not UTF-8 text") from None
    except (json.JSONDecodeError, RecursionError) as e:
        raise ValueError(f"invalid notebook: not JSON ({getattr(e, 'msg', type(e).__name__)})") from None
    if not isinstance(nb, dict):
        raise ValueError("invalid notebook: the JSON is not an object")
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    info = meta.get("language_info") if isinstance(meta.get("language_info"), dict) else {}
    kernel = meta.get("kernelspec") if isinstance(meta.get("kernelspec"), dict) else {}
    language = info.get("name") or kernel.get("language")
    if isinstance(language, str) and language.lower() not in ("python", "python3", "ipython"):
        raise ValueError(f"not a Python notebook (its language is {language})")
    cells = nb.get("cells")
    src_key = "source"
    if cells is None and isinstance(nb.get("worksheets"), list):  # nbformat 3
        cells = [c for ws in nb["worksheets"] if isinstance(ws, dict) for c in ws.get("cells", [])]
        src_key = "input"
    if not isinstance(cells, list):
        raise ValueError("invalid notebook: no list of cells")
    out = []
    for i, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get(src_key, "")
        if isinstance(src, list):
            src = "".join(s for s in src if isinstance(s, str))
        if isinstance(src, str):
            out.append((i, src))
    return out


def _strip_magics(src: str) -> tuple[str | None, str | None]:
    """The cell as Python with IPython's magics, shell lines and help syntax transformed
    (line numbers kept); ``(None, reason)`` for a cell magic that makes the cell not Python."""
    lines = src.split("\n")
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split()[0] if first[2:].split() else ""
        if magic not in _PY_CELL_MAGICS:
            return None, f"%%{magic} cell magic: not Python"
        lines[0] = ""
    return "\n".join(_python_line(line) for line in lines), None


def scan_notebook(data: bytes, rel: str) -> tuple[list[Call], list[Skip]]:
    """The calls of a notebook's code cells; imports in earlier cells apply to later ones."""
    try:
        cells = notebook_cells(data)
    except ValueError as e:
        return [], [Skip(rel, str(e))]
    parsed: list[tuple[int, str, ast.Module]] = []
    skipped: list[Skip] = []
    for index, src in cells:
        code, why = _strip_magics(src)
        if code is None:
            skipped.append(Skip(rel, why or "not Python", cell=index))
            continue
        try:
            parsed.append((index, code, _parse(code)))
        except ValueError as e:
            skipped.append(Skip(rel, str(e), cell=index))
    aliases: dict[str, str] = {}
    for _, _, tree in parsed:  # a notebook is one module scope
        aliases.update(module_aliases(tree))
    calls: list[Call] = []
    for index, code, tree in parsed:
        finder = _Finder(rel, code, cell=index)
        try:
            finder.scan(tree, aliases)
        except RecursionError:
            skipped.append(Skip(rel, "cannot parse: the code is nested too deeply", cell=index))
            continue
        calls += finder.calls
        skipped += finder.skipped
    return _merge(calls), skipped


# ----------------------------------------------------------------------------- aliases


def _imports_in(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom | ast.Assign]:
    """Import statements of one scope, and assignments of one name to a dotted name
    (``einsum = np.einsum``): inside if/try/with blocks, not inside defs/classes."""
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
              and isinstance(node.value, (ast.Name, ast.Attribute, ast.Call))):
            yield node
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(reversed([c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)]))
            for h in getattr(node, "handlers", ()):  # try/except bodies
                stack.extend(reversed(h.body))


def scope_aliases(body: list[ast.stmt]) -> dict[str, str]:
    """Local name -> what it refers to: ``{"E": "einops", "r": "einops.rearrange"}``; an alias
    assigned from an imported name (``einsum = np.einsum``) is followed too."""
    out: dict[str, str] = {}
    for node in _imports_in(body):
        if isinstance(node, ast.Assign):
            target = node.targets[0].id
            value = node.value
            if isinstance(value, ast.Call):  # einsum = functools.partial(np.einsum, optimize=True)
                is_partial = qualified(value.func, [out]) == "functools.partial"
                value = value.args[0] if is_partial and value.args else None
            name = qualified(value, [out]) if value is not None else None
            if name is not None:
                out[target] = name
            else:
                out.pop(target, None)  # rebound to something else: no longer the import
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    out[a.asname] = a.name
                else:  # `import numpy.linalg` binds `numpy`
                    top = a.name.split(".")[0]
                    out[top] = top
        elif node.level:  # a relative import names a module of the project (`from .utils import rearrange`)
            base = "." * node.level + (f"{node.module}." if node.module else "")
            for a in node.names:
                if a.name != "*":  # a star import of a project module binds names this file cannot see
                    out[a.asname or a.name] = base + a.name
        elif node.module:
            for a in node.names:
                if a.name == "*":
                    if node.module == "einops":
                        out.update({n: f"einops.{n}" for n in _EINOPS_NAMES})
                    elif node.module.startswith("einops.layers"):
                        out.update({n: f"{node.module}.{n}" for n in LAYERS})
                    continue
                out[a.asname or a.name] = f"{node.module}.{a.name}"
    return out


def module_aliases(tree: ast.Module) -> dict[str, str]:
    return scope_aliases(tree.body)


def qualified(func: ast.expr, scopes: list[dict[str, str]]) -> str | None:
    """``E.rearrange`` -> ``einops.rearrange`` through the innermost binding of ``E``."""
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    for scope in reversed(scopes):
        if func.id in scope:
            return ".".join([scope[func.id], *reversed(parts)])
    return None


#: einops' own modules that define the public functions (``from einops.einops import
#: rearrange``, as einops' tests do): a name through them is the public function.
_EINOPS_SUBMODULES = ("einops.einops.", "einops.packing.", "einops._einsum.")


def resolve(func: ast.expr, scopes: list[dict[str, str]]) -> tuple[str, str, bool] | str | None:
    """``(library, op, layer)`` for a supported callable, a reason string for a recognised
    but unsupported one, None for anything else."""
    name = qualified(func, scopes)
    if name is None:
        return None
    for sub in _EINOPS_SUBMODULES:
        if name.startswith(sub):
            name = "einops." + name[len(sub):]
    if name in SUPPORTED:
        lib, op = SUPPORTED[name]
        return lib, op, False
    if name in UNSUPPORTED:
        return UNSUPPORTED[name]
    head, _, last = name.rpartition(".")
    if last in LAYERS and head.startswith("einops.layers"):
        return "einops", LAYERS[last], True
    if head and head.split(".")[0] not in _NOT_EINOPS:
        # a project module re-exporting einops (`from .utils import rearrange, Rearrange`)
        if last in _REEXPORTED:
            return resolve_name(f"einops.{last}")
        if last in LAYERS:
            return "einops", LAYERS[last], True
    return None


def resolve_name(name: str) -> tuple[str, str, bool] | str:
    lib, op = SUPPORTED.get(name, (None, None))
    return (lib, op, False) if lib else UNSUPPORTED[name]


#: Top-level modules whose functions of these names are not einops' (functools.reduce, ...).
_NOT_EINOPS = frozenset({"torch", "numpy", "np", "functools", "itertools", "operator", "jax", "tensorflow",
                         "tf", "math", "builtins", "pandas", "scipy", "mlx", "paddle", "oneflow", "cupy"})
#: Callee names that look like an einsum / einops call (what a reader would count as one).
_LOOKALIKES = frozenset({"einsum", "rearrange", "reduce", "repeat", "pack", "unpack", "Rearrange", "Reduce", "EinMix"})
#: einops functions a project may re-export under their own names (einsum is left out: its
#: semantics — torch's letters or einops' names — cannot be told from the import).
_REEXPORTED = ("rearrange", "reduce", "repeat", "pack", "unpack")


# ----------------------------------------------------------------------------- calls


def _describe(node: ast.expr) -> str:
    if isinstance(node, ast.JoinedStr):
        return "an f-string"
    if isinstance(node, ast.Name):
        return f"a variable (`{node.id}`)"
    if isinstance(node, ast.Starred):
        return f"unpacked from `{_unparse(node.value)}`"
    if isinstance(node, ast.Constant):
        return f"`{_unparse(node)}`"
    return f"an expression (`{_unparse(node)}`)"


def _unparse(node: ast.AST, limit: int = 60) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # pragma: no cover - ast.unparse handles every parsed node
        return "…"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: Attributes that say how a tensor is viewed, not which tensor it is (``a.T`` is ``a``'s).
_VIEW_ATTRS = frozenset({"T", "mT", "H", "mH", "data", "real", "imag"})


def _name_path(node: ast.expr) -> list[str] | None:
    """``self.q.weight`` -> ``["self", "q", "weight"]``; None if not a (dotted) name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return list(reversed(parts))


def _operand_name(node: ast.expr) -> str | None:
    """A tensor argument's short name when it is a plain name or attribute (``self.W`` -> ``W``,
    ``a.T`` -> ``a_T``, so the view is not mistaken for a tensor called ``T``)."""
    path = _name_path(node)
    return "_".join(path[-_short_depth(path):]) if path else None


def _operand_names(nodes: list[ast.expr]) -> tuple[str | None, ...]:
    """Short names for the tensor arguments, lengthened (``q_weight``, ``k_weight``) where two
    different expressions would get the same one: the same name means the same tensor. An
    expression of one named tensor — a slice ``c1[:, p0:p1]``, a cast or view ``z.float()``,
    ``fov.conj()``, ``-x`` — keeps that tensor's name (``c1_2`` where the name is taken by
    another operand); see :func:`_operand_sources`."""
    paths = [None if isinstance(n, ast.Starred) else _name_path(n) for n in nodes]
    names = [None if p is None else _operand_name(n) for n, p in zip(nodes, paths)]
    depth = [None if p is None else len(p) - _short_depth(p) for p in paths]  # parts left out
    while True:
        clash = {
            i for i, (a, pa) in enumerate(zip(names, paths)) for j, (b, pb) in enumerate(zip(names, paths))
            if i != j and a is not None and a == b and pa != pb and depth[i]
        }
        if not clash:
            break
        for i in clash:
            depth[i] -= 1
            names[i] = "_".join(paths[i][depth[i]:])
    texts: dict[str, str] = {}  # derived name -> the expression it stands for
    for i, node in enumerate(nodes):
        if names[i] is not None or isinstance(node, ast.Starred):
            continue
        base = _derived_name(node)
        if base is None:
            continue
        text = _unparse(node, 200)
        name, k = base, 2
        while (name in names and texts.get(name) != text) or name in _RESERVED_NAMES:
            name, k = f"{base}_{k}", k + 1
        texts[name] = text
        names[i] = name
    return tuple(names)


def _operand_sources(nodes: list[ast.expr], names: tuple[str | None, ...]) -> tuple[str | None, ...]:
    """For each operand named after an expression of a tensor (not a plain name), that expression."""
    return tuple(None if name is None or _name_path(n) is not None else _unparse(n, 200)
                 for n, name in zip(nodes, names))


#: Methods that give the same tensor in another dtype, device, memory layout or view: the
#: result keeps the tensor's name (``z.float()`` is still ``z``).
_KEEP_NAME_METHODS = frozenset({
    "float", "double", "half", "bfloat16", "int", "long", "to", "cpu", "cuda", "numpy", "detach", "clone",
    "contiguous", "conj", "conjugate", "resolve_conj", "copy", "astype", "squeeze", "unsqueeze", "transpose",
    "permute", "t", "view", "reshape", "flatten", "expand", "real", "imag", "abs", "type_as", "view_as",
    "requires_grad_", "cumsum", "exp", "sigmoid", "softmax", "tanh", "sqrt", "square",
})
_RESERVED_NAMES = frozenset({"torch", "np", "numpy", "einops", "ps"})


def _derived_name(node: ast.expr) -> str | None:
    """The name of the one tensor an expression is made from (``c1[:, p0:p1]`` -> ``c1``)."""
    while True:
        if isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.UnaryOp):
            node = node.operand
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in _KEEP_NAME_METHODS):
            node = node.func.value
        else:
            break
    path = _name_path(node)
    if path is None or (len(path) == 1 and path[0] in ("self", "cls")):
        return None
    return _operand_name(node)


def _short_depth(path: list[str]) -> int:
    """How many trailing parts of ``path`` :func:`_operand_name` keeps."""
    keep = 1
    while keep < len(path) and path[-keep] in _VIEW_ATTRS:
        keep += 1
    return keep


def _literal_shape(node: ast.expr | None, what: str) -> str:
    """EinMix's ``weight_shape`` / ``bias_shape``: a string literal, or ValueError saying why not."""
    if node is None:
        raise ValueError(f"no {what} argument")
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    raise ValueError(f"its {what} is {_describe(node)}, not a string literal")


def _looks_like_layer(node: ast.Call) -> bool:
    """An einops layer reached through an expression (``backend.layers().Rearrange``): the
    class name, and a literal pattern with ``->`` as its first argument."""
    first = node.args[0] if node.args else None
    return (isinstance(node.func, ast.Attribute) and node.func.attr in LAYERS
            and isinstance(first, ast.Constant) and isinstance(first.value, str) and "->" in first.value)


def _int_literal(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


class _Finder(ast.NodeVisitor):
    """Walks one module (or cell) keeping the function stack and the alias scopes."""

    def __init__(self, rel: str, text: str, cell: int | None = None):
        self.rel = rel
        self.text = text
        self._lines: list[str] | None = None
        self.cell = cell
        self.calls: list[Call] = []
        self.skipped: list[Skip] = []
        self.names: list[str] = []
        self.scopes: list[dict[str, str]] = []
        self.results: dict[int, str] = {}  # id(call node) -> assigned name
        self.targets: dict[int, tuple[str | None, ...]] = {}  # id(call node) -> names of a tuple target

    def scan(self, tree: ast.Module, aliases: dict[str, str]) -> None:
        self.scopes = [aliases]
        self.visit(tree)

    # -- scopes
    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for d in node.decorator_list:
            self.visit(d)
        self.visit(node.args)  # defaults are evaluated in the enclosing scope
        self.names.append(node.name)
        self.scopes.append(scope_aliases(node.body))
        for stmt in node.body:
            self.visit(stmt)
        self.scopes.pop()
        self.names.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for d in node.decorator_list:
            self.visit(d)
        self.names.append(node.name)
        for stmt in node.body:
            self.visit(stmt)
        self.names.pop()

    # -- where results go
    def visit_Assign(self, node: ast.Assign) -> None:
        if isinstance(node.value, ast.Call) and len(node.targets) == 1:
            self._target(node.targets[0], node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.value, ast.Call):
            self._target(node.target, node.value)
        self.generic_visit(node)

    def _target(self, target: ast.expr, call: ast.Call) -> None:
        if isinstance(target, (ast.Tuple, ast.List)) and target.elts:
            if not any(isinstance(e, ast.Starred) for e in target.elts):
                self.targets[id(call)] = tuple(
                    None if not isinstance(e, ast.Name) or e.id == "_" else e.id for e in target.elts)
            target = target.elts[0]  # packed, ps = pack(...)
        name = _operand_name(target)
        if name:
            self.results[id(call)] = name

    # -- calls
    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        what = resolve(node.func, self.scopes)
        if what is None and _looks_like_layer(node):
            what = ("einops", LAYERS[node.func.attr], True)  # backend.layers().Reduce("...->", ...)
        if what is None:
            self._unknown(node)
            return
        if isinstance(what, str):
            self._skip(node, what)
            return
        library, op, layer = what
        try:
            call = self._read(node, library, op, layer)
        except ValueError as e:
            self._skip(node, str(e))
            return
        self.calls.append(call)

    def _unknown(self, node: ast.Call) -> None:
        """A call named like einsum / einops with a string pattern that the imports do not tie
        to torch, numpy or einops (``jnp.einsum``, a name never imported, a project's own
        ``rearrange``) is listed as skipped, so no literal pattern goes missing silently."""
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if last not in _LOOKALIKES or not any(
                isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.strip()
                for a in [*node.args, *(k.value for k in node.keywords)]):
            return
        name = _unparse(func)
        if isinstance(func, ast.Name) and not any(last in scope for scope in self.scopes):
            why = f"`{name}` is not imported in this file, so which function it is cannot be told"
        else:
            why = (f"`{name}` is not torch's, numpy's or einops' {last} as far as this file's imports show "
                   f"(it is {qualified(func, self.scopes) or 'bound elsewhere'})")
        call = self._read_unresolved(node, last)
        if call is None:
            self._skip(node, why)
            return
        call.unresolved = f"`{name}(…)`: {why} (its pattern parses; no card)"  # found: read and parsed
        self.calls.append(call)

    def _read_unresolved(self, node: ast.Call, last: str) -> Call | None:
        """The call read as the function its name says (einops' for einops' names; an einsum's
        pattern as torch's letters, else einops' names), when its pattern parses that way; None
        if not. Whose function it is stays unknown, so it gets no card (see :attr:`Call.unresolved`)."""
        from exercises.patterns import parse

        op, layer = (LAYERS[last], True) if last in LAYERS else (last, False)
        for library in (("torch", "einops") if op == "einsum" else ("einops",)):
            try:
                call = self._read(node, library, op, layer)
                parse(call.op, call.pattern, call.library)
            except Exception:  # not this library's pattern (or no literal one): try the next
                continue
            return call
        return None

    def _skip(self, node: ast.Call, reason: str) -> None:
        self.skipped.append(Skip(self.rel, f"`{_unparse(node.func)}(…)`: {reason}", node.lineno, self.cell))

    def _source(self, node: ast.Call) -> str:
        """The call as written when it is on one line (several lines may hold comments: then it is
        shown normalised). The file is split into lines once, not per call as
        ``ast.get_source_segment`` does (that was a third of from-code's time on x-transformers)."""
        if node.end_lineno != node.lineno or node.end_col_offset is None:
            return _unparse(node, 200)
        if self._lines is None:
            self._lines = re.split(r"\r\n|\r|\n", self.text)
        if node.lineno > len(self._lines):
            return _unparse(node, 200)
        return self._lines[node.lineno - 1].encode()[node.col_offset:node.end_col_offset].decode(errors="replace")

    def _read(self, node: ast.Call, library: str, op: str, layer: bool) -> Call:
        args, kw = node.args, {k.arg: k.value for k in node.keywords if k.arg}
        star_kwargs = any(k.arg is None for k in node.keywords)
        operands: list[ast.expr] = []
        known = True
        reduction_node = None
        skip_kw = {"pattern", "tensor", "reduction", "equation"}
        weight_shape = bias_shape = None
        if layer:
            pat_node = args[0] if args else kw.get("pattern")
            if op == "einmix":
                weight_shape = _literal_shape(args[1] if len(args) > 1 else kw.get("weight_shape"), "weight_shape")
                bias_node = args[2] if len(args) > 2 else kw.get("bias_shape")
                if bias_node is not None and not (isinstance(bias_node, ast.Constant) and bias_node.value is None):
                    bias_shape = _literal_shape(bias_node, "bias_shape")
                skip_kw |= {"weight_shape", "bias_shape"}
            sizes = kw.pop("sizes", None)  # flax's layers take the lengths as one mapping
            if isinstance(sizes, ast.Dict) and all(
                    isinstance(k, ast.Constant) and isinstance(k.value, str) for k in sizes.keys):
                kw.update({k.value: v for k, v in zip(sizes.keys, sizes.values)})
            elif sizes is not None:
                star_kwargs = True  # lengths we cannot see
            if op == "reduce":
                reduction_node = args[1] if len(args) > 1 else kw.get("reduction")
            known = False  # the layer's input is passed later
        elif op == "einsum" and library in ("torch", "numpy"):
            pat_node = args[0] if args else kw.get("equation") or kw.get("subscripts")
            operands = list(args[1:])
            if (len(operands) == 1 and isinstance(operands[0], (ast.List, ast.Tuple))
                    and not any(isinstance(e, (ast.List, ast.Tuple, ast.Constant)) for e in operands[0].elts)
                    and library == "torch"):
                operands = list(operands[0].elts)  # torch.einsum("ij,jk->ik", [a, b]); a numpy list is one array
            skip_kw |= {"out", "optimize", "dtype", "order", "casting", "subscripts"}
        elif op == "einsum":  # einops.einsum(*tensors, pattern)
            pat_node = args[-1] if args else kw.get("pattern")
            operands = list(args[:-1])
        elif op == "unpack":  # unpack(tensor, packed_shapes, pattern)
            pat_node = args[2] if len(args) > 2 else kw.get("pattern")
            first = args[0] if args else kw.get("tensor")
            operands = [first] if first is not None else []
            skip_kw |= {"packed_shapes"}
        elif op == "pack":
            pat_node = args[1] if len(args) > 1 else kw.get("pattern")
            first = args[0] if args else kw.get("tensors")
            if isinstance(first, (ast.List, ast.Tuple)):
                operands = list(first.elts)
            else:
                known = False
        else:
            pat_node = args[1] if len(args) > 1 else kw.get("pattern")
            first = args[0] if args else kw.get("tensor")
            operands = [first] if first is not None else []
            if op == "reduce":
                reduction_node = args[2] if len(args) > 2 else kw.get("reduction")
        if pat_node is None:
            raise ValueError("no pattern argument")
        if isinstance(pat_node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in pat_node.values):
            pat_node = ast.Constant("".join(v.value for v in pat_node.values))  # f"ij->ji": no placeholder
        if (op == "einsum" and library == "numpy" and not isinstance(pat_node, ast.Constant)
                and len(args) > 1 and isinstance(args[1], (ast.List, ast.Tuple))):
            raise ValueError("the sublist form (operands interleaved with lists of axis numbers) is not supported")
        if not (isinstance(pat_node, ast.Constant) and isinstance(pat_node.value, str)):
            raise ValueError(f"the pattern is {_describe(pat_node)}, not a string literal")
        if not pat_node.value.strip():
            raise ValueError("the pattern is empty")
        if any(isinstance(o, ast.Starred) for o in operands):
            known = False
        reduction, red_literal, red_source = None, True, None
        if op == "reduce":
            if isinstance(reduction_node, ast.Constant) and isinstance(reduction_node.value, str):
                reduction = reduction_node.value
            else:
                red_literal = False
                red_source = _unparse(reduction_node) if reduction_node is not None else None
        lengths = tuple(
            (k, _int_literal(v)) for k, v in kw.items() if k not in skip_kw and not (op == "einsum")
        )
        return Call(
            path=self.rel,
            line=node.lineno,
            function=".".join(self.names) or "<module>",
            library=library,
            op=op,
            pattern=pat_node.value,
            source=self._source(node),
            operands=(names := _operand_names(operands)),
            operand_sources=_operand_sources(operands, names),
            operands_known=known,
            lengths=lengths,
            star_kwargs=star_kwargs,
            reduction=reduction,
            reduction_literal=red_literal,
            reduction_source=red_source,
            result=self.results.get(id(node)),
            pieces=self.targets.get(id(node), ()) if op == "unpack" else (),
            weight_shape=weight_shape,
            bias_shape=bias_shape,
            layer=layer,
            cell=self.cell,
        )


def _merge(calls: list[Call]) -> list[Call]:
    """One Call per slot (file, function, API, pattern); the others' lines go to ``also``."""
    by_slot: dict[str, Call] = {}
    for c in sorted(calls, key=lambda c: (c.cell or 0, c.line)):
        first = by_slot.get(c.slot)
        if first is None:
            by_slot[c.slot] = c
        else:
            first.also.append(f"cell {c.cell}, line {c.line}" if c.cell is not None else f"line {c.line}")
    return list(by_slot.values())
