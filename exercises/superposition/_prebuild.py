"""Train every run a default deck build (or ``cardgen figures``) reads and write ``_prebuilt.PREBUILT`` afresh (see
``_prebuilt`` for why the runs are shipped):

    python -m exercises.superposition._prebuild
"""
from __future__ import annotations

import sys
from pathlib import Path

from exercises.superposition._prebuilt import PREBUILT


def entries() -> list[tuple[str, object]]:
    """``(namespace, payload)`` of every run a default deck build reads."""
    from exercises.superposition import _phase_theory as PT
    from exercises.superposition import _runs as R
    from exercises.superposition import _sae as S
    from exercises.superposition import _trained as T

    out: list[tuple[str, object]] = [(T.NAMESPACE, T.payload(w)) for w in ("main", "check", "independent")]
    for name in R.RUNS:
        for which in ("main",) if name in R.RUN_SCOPE else ("main", "check"):
            out.append((f"{R.NAMESPACE}-{name}", R.payload(name, which)))
    out += [(S.NAMESPACE, S.payload(w)) for w in ("main", "check")]
    out += [(S.METRICS, S.metrics_payload(w)) for w in ("main", "check")]
    out.append((PT.NAMESPACE, PT.payload()))  # read by ``cardgen figures`` only
    return out


def missing() -> list[str]:
    """The keys of the runs a build needs that ``prebuilt/`` lacks (stale after a code change)."""
    from exercises.cache import cache_key, prebuilt_path

    return [cache_key(ns, p) for ns, p in entries() if not prebuilt_path(PREBUILT, ns, p).is_file()]


def build() -> list[Path]:
    """Train every run (into the current cache) and write ``prebuilt/`` afresh."""
    import gzip
    import json

    from exercises.cache import cache_dir, cache_key
    from exercises.superposition import _phase_theory as PT
    from exercises.superposition import _runs as R
    from exercises.superposition import _sae as S
    from exercises.superposition import _trained as T

    T.trained_run("main")
    T.check_run()
    T.independent_run()
    for name in R.RUNS:
        R.run(name)
        if name not in R.RUN_SCOPE:
            R.run(name, "check")
    S.sae_run()
    S.check_run()
    S.measured_batches()
    S.measured_batches("check")
    PT.theory()
    PREBUILT.mkdir(exist_ok=True)
    keep = []
    for ns, p in entries():
        key = cache_key(ns, p)
        data = json.loads((cache_dir() / ns / f"{key}.json").read_text())
        path = PREBUILT / f"{key}.json.gz"
        # mtime=0: the same run gives the same bytes
        path.write_bytes(gzip.compress(json.dumps(data, sort_keys=True).encode(), mtime=0))
        keep.append(path)
    for old in PREBUILT.glob("*.json.gz"):
        if old not in keep:
            old.unlink()
    return keep


def main() -> int:
    paths = build()
    for p in paths:
        print(f"{p.name}  {p.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
