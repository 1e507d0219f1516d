"""The cases of the two TMS einsums, which mirror each other: features -> hidden
(``einsum.tms_hidden``) and hidden -> features (``einsum.tms_back``), through W stored either
way round ([instance, feature, hidden] or [instance, hidden, feature]), with or without a
named batch axis, and the operands passed in either order."""
from exercises.einsum._common import Case

TASK = "`out[..., n, :] = {t0}[..., n, :] @ {t1}[n]{T}` for every `n`"


def tms_cases(src: str, dst: str, dst_name: str, transposes: tuple[str, str], numpy: tuple[str, str],
              why: str) -> tuple[Case, ...]:
    """Cases mapping axis ``src`` to axis ``dst`` per instance ``i``; ``transposes`` and
    ``numpy`` are the ``.T`` shown and the numpy reference for W as ``ifh`` and as ``ihf``."""
    out = []
    for w, T, reference in zip(("ifh", "ihf"), transposes, numpy):
        for batch in ("...", "b"):
            x = f"{batch}i{src}"
            for order in ((0, 1), (1, 0)):
                terms = ",".join([x, w] if order == (0, 1) else [w, x])
                out.append(Case(f"{terms}->{batch}i{dst}", TASK.replace("{T}", T), reference, order=order, why=why,
                                mistakes=((f"the {dst_name} axis before the instance axis", f"{terms}->{batch}{dst}i"),
                                          ("summed over the instances", f"{terms}->{batch}{dst}"))))
    return tuple(out)
