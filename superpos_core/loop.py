"""The one training loop of superpos_core, shared by :func:`~superpos_core.optimize` (the
model) and :func:`~superpos_core.optimize_sae` (the SAE).

What differs between the two is one step (how a batch is drawn, the gradient, the update,
what hooks see); what they share lives here once: the learning rate of each step, when the
loss is reported, calling the hooks, the progress bar, the torch thread count for small
problems, and closing everything (threads restored, workers stopped) however training ends.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Protocol, Sequence

import torch

__all__ = ["Progress", "Steps", "drive", "n_cpus", "runs_small", "torch_threads", "SMALL"]

#: Entries per batch below which training runs torch single-threaded (see :func:`runs_small`).
SMALL = 1 << 18


def n_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def runs_small(entries: int, device: torch.device, single_thread: bool | None = None) -> bool:
    """Whether a CPU problem of ``entries`` per batch runs with one torch thread: at the
    paper's sizes two OpenMP threads gain little on an idle machine and lose 10x and more on a
    busy one, so one thread computes while a second core draws the next batch.
    ``single_thread`` True/False overrides the size rule; never on other devices."""
    if device.type != "cpu":
        return False
    return entries < SMALL if single_thread is None else bool(single_thread)


@contextmanager
def torch_threads(single: bool) -> Iterator[None]:
    """torch runs with one thread inside when ``single``; the process-wide count is restored
    on the way out, whatever happens."""
    threads = torch.get_num_threads()
    if single and threads > 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)


class Progress:
    """A rich progress bar on stderr, refreshed only when told (every ``print_freq`` steps),
    showing the mean loss per instance and the learning rate."""

    def __init__(self, steps: int, description: str = "train"):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress as RichProgress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = RichProgress(
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[stats]}"),
            console=Console(stderr=True),
            auto_refresh=False,
        )
        self.task = self.progress.add_task(description, total=steps, stats="")
        self.progress.start()

    def update(self, completed: int, loss: float, lr: float) -> None:
        self.progress.update(self.task, completed=completed, stats=f"loss={loss:.4g} lr={lr:.3g}")
        self.progress.refresh()

    def close(self) -> None:
        self.progress.stop()


class Steps(Protocol):
    """One trainer's step, as :func:`drive` runs it."""

    def step(self, step: int, lr: float, report: bool, hooked: bool) -> tuple[torch.Tensor | None, dict | None]:
        """Train one step at ``lr``; return the per-instance losses ``[I]`` (needed when
        ``report`` or ``hooked``, else may be None) and, when ``hooked``, the hooks' dict."""

    def close(self) -> None:
        """Write the parameters back and stop any worker (called once, also after an error)."""


def drive(
    start: Callable[[], Steps],
    *,
    steps: int,
    lr: float,
    lr_scale: Callable[[int, int], Any],
    print_freq: int,
    hooks: Sequence[Callable[[dict], Any]] = (),
    progress: bool = True,
    n_instances: int,
    single_thread: bool = False,
) -> torch.Tensor:
    """Run ``steps`` steps of the trainer ``start()`` builds; return the per-instance loss of
    the last step (``[n_instances]``, detached, CPU).

    Step ``k`` trains at ``lr * lr_scale(k, steps)``; every hook gets the step's dict after
    the update; every ``print_freq`` steps and at the last one the loss is reported to the
    progress bar (mean over instances). The trainer is built after the thread count is set
    (its workers see it) and closed, then the bar, then the threads restored, however the
    loop ends."""
    hooks = list(hooks) if hooks else []
    final = None
    with torch_threads(single_thread):
        run = bar = None
        try:
            run = start()
            bar = Progress(steps) if progress else None
            for step in range(steps):
                step_lr = float(lr * lr_scale(step, steps))
                report = step % print_freq == 0 or step + 1 == steps
                losses, data = run.step(step, step_lr, report, bool(hooks))
                for hook in hooks:
                    hook(data)
                if report:
                    if bar is not None:
                        bar.update(step + 1, losses.sum().item() / n_instances, step_lr)
                    if step + 1 == steps:
                        final = losses.detach().cpu()
        finally:
            if run is not None:
                run.close()
            if bar is not None:
                bar.close()
    return final
