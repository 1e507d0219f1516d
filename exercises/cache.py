"""An on-disk cache for results that are costly to compute (trained runs, LLM replies).

Entries are keyed by a hash of everything that determines them, so a changed input is a
new entry and a rebuild with nothing changed costs nothing. The location is
``$CARDGEN_CACHE`` or the user's cache directory (platformdirs).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable


def cache_dir() -> Path:
    env = os.environ.get("CARDGEN_CACHE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("cardgen", appauthor=False))


def cache_key(namespace: str, payload: Any) -> str:
    """A stable file-name-safe key for ``payload`` (anything JSON-serializable)."""
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return f"{namespace}-{hashlib.sha256(blob.encode()).hexdigest()[:24]}"


def code_digest(packages: Iterable[str], libraries: Iterable[str] = ()) -> str:
    """A hash of the files of ``packages`` (byte-code aside) and the installed versions of
    ``libraries``: the part of a cache key that makes changed code compute afresh."""
    import importlib.util

    h = hashlib.sha256()
    for pkg in packages:
        spec = importlib.util.find_spec(pkg)
        if spec is None or not spec.submodule_search_locations:
            h.update(f"{pkg}: absent".encode())
            continue
        for root in sorted(spec.submodule_search_locations):
            base = Path(root)
            for path in sorted(base.rglob("*")):
                if "__pycache__" in path.parts or path.suffix == ".pyc" or not path.is_file():
                    continue
                h.update(f"{pkg}/{path.relative_to(base).as_posix()}\0".encode())
                h.update(hashlib.sha256(path.read_bytes()).digest())
    _hash_versions(h, libraries)
    return h.hexdigest()


def modules_digest(roots: Iterable[str], libraries: Iterable[str] = ()) -> str:
    """A hash of the modules ``roots`` and of every module of their packages that they import,
    read from the source (imports followed statically), plus the installed ``libraries``.

    Unlike :func:`code_digest` over a whole package, a module added beside them (a new SAE
    variant) leaves the digest alone, so shipped trained runs stay valid; any change to code the
    roots run changes it. A package's ``__init__`` counts without its import lines: re-exporting
    a new module is not a change to training."""
    import ast
    import importlib.util

    specs: dict[str, Any] = {}

    def source(name: str) -> Path | None:
        """The file of module ``name``, found without importing anything (no torch at digest time)."""
        top, *rest = name.split(".")
        if top not in specs:
            specs[top] = importlib.util.find_spec(top)
        spec = specs[top]
        if spec is None or not spec.submodule_search_locations:
            return Path(spec.origin) if spec and spec.origin and not rest else None
        base = Path(next(iter(spec.submodule_search_locations))).joinpath(*rest)
        for path in (base / "__init__.py", base.with_suffix(".py")):
            if path.is_file():
                return path
        return None  # a name imported from a module, not a module

    def imported(name: str, tree: ast.AST) -> set[str]:
        """The modules of ``name``'s own package that a (non-package) module imports."""
        top = name.split(".")[0]
        base = name.rpartition(".")[0]
        out: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                out |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                mod = node.module or ""
                if node.level:
                    parts = base.split(".")
                    anchor = ".".join(parts[: len(parts) - node.level + 1])
                    mod = f"{anchor}.{mod}" if mod else anchor
                out.add(mod)
                out |= {f"{mod}.{a.name}" for a in node.names}  # `from pkg import submodule`
        return {m for m in out if m.split(".")[0] == top}

    seen: dict[str, bytes] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = source(name)
        if path is None:
            continue
        text = path.read_bytes()
        tree = ast.parse(text)
        if path.name == "__init__.py":
            body = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))]
            seen[name] = ast.dump(ast.Module(body=body, type_ignores=[])).encode()
        else:
            seen[name] = text
            todo += imported(name, tree)
        parent = name.rpartition(".")[0]
        if parent:
            todo.append(parent)  # importing a module runs its package's __init__
    h = hashlib.sha256()
    for name in sorted(seen):
        h.update(f"{name}\0".encode())
        h.update(hashlib.sha256(seen[name]).digest())
    _hash_versions(h, libraries)
    return h.hexdigest()


def _hash_versions(h, libraries: Iterable[str]) -> None:
    """Feed the installed versions of ``libraries`` into ``h`` (a digest's library part)."""
    from importlib import metadata

    for lib in libraries:
        try:
            h.update(f"{lib}={metadata.version(lib)};".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib}=none;".encode())


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prebuilt_path(prebuilt: Path, namespace: str, payload: Any) -> Path:
    """Where a prebuilt (shipped) entry of ``payload`` lies under ``prebuilt``."""
    return prebuilt / (cache_key(namespace, payload) + ".json.gz")


def cached_json(namespace: str, payload: Any, compute: Callable[[], Any], prebuilt: Path | None = None) -> Any:
    """``compute()``'s JSON result, read from the cache when present.

    ``prebuilt`` is a folder of entries shipped with the package (gzipped, under the same key):
    on a cache miss an entry found there is used (and cached) instead of computing it. The key
    covers everything that determines the entry (the code included), so a prebuilt entry is
    only ever used for exactly the inputs it was computed from; a changed input computes afresh.
    A corrupt entry is recomputed; an unwritable cache directory only costs the caching.
    """
    path = cache_dir() / namespace / (cache_key(namespace, payload) + ".json")
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        pass
    value = None
    if prebuilt is not None:
        import gzip

        try:
            value = json.loads(gzip.decompress(prebuilt_path(prebuilt, namespace, payload).read_bytes()))
        except (OSError, ValueError, EOFError):
            value = None
    if value is None:
        value = compute()
    try:
        _write_atomic(path, json.dumps(value).encode())
    except OSError:
        pass
    return value
