"""Ctrl-C while ``cardgen drill`` starts (imports torch and the families, opens the store,
prepares the first exercise): one line on stdout and exit status 0, like every other way a
drill ends, instead of click's "Aborted!" (exit 1) or a traceback from inside an import.

Nothing has been asked yet, so there is nothing to save: the handler ends the process at once
with ``os._exit`` (a half-finished import or a worker thread inside torch cannot then abort
the exit). :func:`guard` is installed by the ``cardgen drill`` process before it even imports
click; the session calls :func:`release` when it takes over Ctrl-C (from then on Ctrl-C ends
the session with its summary). Only the interpreter's own start-up, before any cardgen code
runs, is outside it."""
from __future__ import annotations

import os
import signal
import sys
import threading

MESSAGE = "interrupted before the first exercise — nothing was asked, nothing to save"

_installed = False


def _on_sigint(signum, frame) -> None:  # pragma: no cover - runs in the interrupted process
    try:
        sys.stdout.flush()
    except Exception:  # noqa: BLE001 - a write interrupted half-way: the line below still goes out
        pass
    try:
        os.write(sys.stdout.fileno(), ("\n" + MESSAGE + "\n").encode())
    except (OSError, ValueError, AttributeError):
        pass
    os._exit(0)


def guard() -> None:
    """From now until :func:`release`, Ctrl-C ends the process cleanly (main thread only)."""
    global _installed
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_sigint)
        _installed = True


def release() -> None:
    """Ctrl-C raises KeyboardInterrupt again (the session turns it into its own ending)."""
    global _installed
    if _installed and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _installed = False


def wanted(argv: list[str]) -> bool:
    """True when this process is ``cardgen drill ...`` (not ``--help``)."""
    args = argv[1:]
    return bool(args) and args[0] == "drill" and not any(a in ("-h", "--help") for a in args[1:])
