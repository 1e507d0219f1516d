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


def tms_task_cases(src: str, dst: str, why: str) -> tuple[Case, ...]:
    """The task form's cases mapping axis ``src`` to ``dst`` per instance ``i``: the vectors laid
    out (batch, instance, ·), (instance, batch, ·) or one per instance (no batch axis), the result
    in either batch layout, W stored either way round and printed first or second; 20 layouts, so
    no remembered one answers many seeds. Role ``t0`` is the vectors, ``t1`` the weights."""
    out = []
    for x, results in ((f"bi{src}", (f"bi{dst}", f"ib{dst}")), (f"ib{src}", (f"ib{dst}", f"bi{dst}")),
                       (f"i{src}", (f"i{dst}",))):
        for res in results:
            for w in ("ifh", "ihf"):
                wm = "t1" if w == f"i{src}{dst}" else "np.swapaxes(t1, -1, -2)"
                if "b" not in x:
                    reference = f"np.sum(t0[:, :, None] * {wm}, 1)"
                else:
                    xi = "t0" if x.startswith("i") else "np.swapaxes(t0, 0, 1)"
                    reference = f"{xi} @ {wm}" if res.startswith("i") else f"np.swapaxes({xi} @ {wm}, 0, 1)"
                mistakes = [("summed over the instances", f"{x},{w}->{res.replace('i', '')}")]
                if "b" in res:
                    mistakes.append(("the batch and instance axes of the result swapped",
                                     f"{x},{w}->{res[1]}{res[0]}{res[2]}"))
                for order in ((0, 1), (1, 0)):
                    terms = ",".join([x, w] if order == (0, 1) else [w, x])
                    out.append(Case(f"{terms}->{res}", "", reference, order=order, why=why,
                                    mistakes=tuple((what, f"{terms}->{e.split('->')[1]}") for what, e in mistakes)))
    return tuple(out)
