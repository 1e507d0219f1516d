"""cardgen: randomized exercises on einsum, einops and superposition, answered by execution."""

__version__ = "0.1.0"

JUPYTER_EXTRA = 'pip install "cardgen[jupyter]"'


def load_ipython_extension(ipython) -> None:
    """``%load_ext cardgen``: the ``%cardgen`` notebook magics (they need the jupyter extra)."""
    try:
        from cardgen.notebook.magics import load
    except ImportError as e:
        print(f"cardgen's notebook magics need IPython 8+ and ipykernel ({e}). Install them with:\n"
              f"    {JUPYTER_EXTRA}\nthen restart the kernel and run %load_ext cardgen again.")
        return
    load(ipython)


def unload_ipython_extension(ipython) -> None:
    try:
        from cardgen.notebook.magics import unload
    except ImportError:
        return
    unload(ipython)


def show(family: str, form: str | None = None, seed: int = 0):
    """One variant of ``family`` as a card (HTML in a notebook, text elsewhere); see
    :func:`cardgen.notebook.cards.show`."""
    from cardgen.notebook.cards import show as _show

    return _show(family, form, seed)


def check(family: str, response: str, form: str | None = None, seed: int = 0):
    """Judge ``response`` to a variant by execution; see :func:`cardgen.notebook.cards.check`."""
    from cardgen.notebook.cards import check as _check

    return _check(family, response, form, seed)
