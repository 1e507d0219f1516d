"""The drill loop: pick a due (or new) card, show a fresh variant, read, check, rate, schedule.

Order: cards due now, most overdue first; then never-seen cards (interleaved across topics
and forms) up to ``--new``; then, as Anki's learning steps do, cards missed in this session
are asked again (a fresh variant) until answered right or skipped. At most ``--limit``
exercises in all. Each exercise is a new variant drawn with a random seed that is stored with
the review, so the exact variant can be regenerated.

At the ``answer>`` prompt: ``?`` shows the next hint (vague first), ``s`` skips the exercise
(nothing is recorded; the card stays due), ``q`` ends the session; an empty line is ignored,
and a response that cannot be read as the kind asked (``Couldn't read that as a number, e.g.
…``) is asked again without a rating.

Socratic by default: a wrong answer is rated Again and saved at once; then a question aimed
at the mistake is asked and the learner answers once more at ``again>`` — told whether that
is now right — before the answer is shown (``?`` there shows it at once). A checker that
raises is reported as a cardgen bug, never as the learner's skip.
Ctrl-C, Ctrl-D or the end of piped input also end the session: every answered exercise is
already saved, and the summary is printed.

While the learner reads and types, the next few exercises are generated in a background
thread, so the next one appears as soon as the answer is saved.
"""
from __future__ import annotations

import random
import signal
import sqlite3
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from cardgen.console import Prose, escape_text, print_variant, render_markup, render_text
from cardgen.drill.clock import Clock, describe_due
from cardgen.drill.scheduler import RATING_NAMES, parse_rating_key, suggest_rating
from cardgen.drill.store import Store, StoreError

SKIP_WORDS = {"s", "skip", ":skip"}
QUIT_WORDS = {"q", "quit", ":q"}
ANSWER_PROMPT = "answer> "
RETRY_PROMPT = "again> "  # the one more try after a miss and its Socratic question
SEED_RANGE = 2**31  # seeds are drawn below this: short enough to read, plenty of variety
LOOKAHEAD = 3  # variants generated ahead of the learner


@dataclass(frozen=True)
class Slot:
    """A drill card: one family asked in one form."""

    family: str
    form: str
    topic: str
    difficulty: int

    @property
    def key(self) -> tuple[str, str]:
        return (self.family, self.form)


def slots(topic: str | None = None, families: tuple[str, ...] = (), forms: tuple[str, ...] = ()) -> list[Slot]:
    """Every drill card the registry offers, filtered, in the order new cards are introduced:
    interleaved across topics and question forms from the first session (one einsum write
    card, one einops write card, one superposition value card, then the next topic and form,
    ...), and within each topic and form the easiest families first."""
    from exercises import TOPICS, all_families, get_family

    fams = [get_family(f) for f in families] if families else all_families(topic)
    order = {f.id: i for i, f in enumerate(fams)}
    groups: dict[tuple[str, str], list[Slot]] = {}
    for f in sorted(fams, key=lambda f: (f.difficulty, order[f.id])):
        if topic is not None and f.topic != topic:
            continue
        for form in f.forms:
            if not forms or form in forms:
                groups.setdefault((f.topic, form), []).append(Slot(f.id, form, f.topic, f.difficulty))
    # groups in topic order, each topic's forms in the order the registry lists them
    form_order = {form: i for i, form in enumerate(FORM_ORDER)}
    queues = [groups[k] for k in sorted(groups, key=lambda k: (form_order.get(k[1], 99), TOPICS.index(k[0])))]
    out: list[Slot] = []
    turn = 0
    while any(queues):
        recent = {s.family for s in out[-RECENT:]}
        pick = None
        for step in range(len(queues)):  # the next topic/form in turn with a family not just seen
            q = queues[(turn + step) % len(queues)]
            pick = next(((q, i) for i, s in enumerate(q) if s.family not in recent), None)
            if pick:
                turn += step + 1
                break
        if pick is None:  # every candidate was just seen: take the next in turn anyway
            q = next(q for q in queues[turn % len(queues):] + queues if q)
            pick, turn = (q, 0), turn + 1
        q, i = pick
        out.append(q.pop(i))
    return out


RECENT = 4  # a family is not introduced again within this many new cards (when another can be)


#: The order forms take in the interleaving: writing first, then reading shapes and values.
FORM_ORDER = ("write", "shape", "value", "read", "fix", "task")


@dataclass
class Options:
    limit: int = 10
    new: int = 5
    override: bool = True  # ask whether to change the suggested rating (terminal only)


@dataclass
class Summary:
    reviewed: int = 0
    correct: int = 0
    skipped: int = 0
    ratings: Counter = field(default_factory=Counter)
    failed: list[str] = field(default_factory=list)  # family/form that could not be generated
    checker_failures: list[str] = field(default_factory=list)  # family/form whose checker raised
    ended: str = "done"  # done | eof | interrupt | quit


class _Quit(Exception):
    pass


@contextmanager
def hold_sigint():
    """Delay Ctrl-C until the block ends, so a review is never cut in half while saving."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    old = signal.signal(signal.SIGINT, lambda *_: caught.append(1))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
        if caught:
            raise KeyboardInterrupt


class _Generator:
    """Makes every variant on one daemon worker thread: the one needed now first, then the
    next few predicted ones, so slow families (trained models, plots) are ready by the time
    the learner has answered. One thread, so plotting code never runs concurrently; a daemon,
    so quitting never waits for it."""

    def __init__(self, make: Callable[[Slot, int], object], idle: Callable[[], None] | None = None):
        self._make = make
        self._idle = idle  # run once, the first time the queue is empty (warm-up work)
        self._cv = threading.Condition()
        self._queue: list[tuple[Slot, int]] = []
        self._busy: tuple[str, str] | None = None
        self._done: dict[tuple[str, str], tuple[int, object, Exception | None]] = {}
        self._stopping = False
        self._thread = threading.Thread(target=self._work, name="cardgen-variants", daemon=True)
        self._thread.start()

    def stop(self, timeout: float) -> bool:
        """Forget the queue and let the worker end after the variant it is making; True once it
        has ended (within ``timeout`` seconds).

        Why it matters: at interpreter exit CPython 3.11 ends a daemon thread that wants the GIL
        back with ``pthread_exit``, whose forced unwind through torch's C++ frames (a ``noexcept``
        GIL guard) calls ``std::terminate``: "terminate called without an active exception",
        exit 134. A worker that has ended cannot be caught that way."""
        with self._cv:
            self._stopping = True
            self._queue.clear()
            self._idle = None
            self._cv.notify_all()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def plan(self, upcoming: list[tuple[Slot, int]]) -> None:
        """Generate these (slot, seed) next, in order, forgetting other predictions."""
        with self._cv:
            wanted = {slot.key for slot, _ in upcoming}
            self._done = {k: v for k, v in self._done.items() if k in wanted}
            self._queue = [(slot, seed) for slot, seed in upcoming
                           if slot.key not in self._done and slot.key != self._busy]
            self._cv.notify_all()

    def get(self, slot: Slot, seed: int, on_slow: Callable[[], None] | None = None) -> tuple[int, object]:
        """(seed, variant) for ``slot``: the one already made or being made, else one made now
        with ``seed``. ``on_slow`` is called once if that takes over half a second.
        Re-raises the family's error."""
        start = time.monotonic()
        with self._cv:
            if slot.key not in self._done and slot.key != self._busy:
                queued = [q for q in self._queue if q[0].key == slot.key]
                self._queue = [q for q in self._queue if q[0].key != slot.key]
                self._queue.insert(0, queued[0] if queued else (slot, seed))
                self._cv.notify_all()
            while slot.key not in self._done:
                self._cv.wait(0.1)  # a timeout keeps Ctrl-C responsive
                if on_slow is not None and time.monotonic() - start > 0.5:
                    on_slow()
                    on_slow = None
            seed, variant, error = self._done.pop(slot.key)
        if error is not None:
            raise error
        return seed, variant

    def _work(self) -> None:
        if hasattr(signal, "pthread_sigmask"):  # Ctrl-C belongs to the main thread (and input())
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        while True:
            if self._idle is not None and not self._queue:
                idle, self._idle = self._idle, None
                try:
                    idle()
                except Exception:  # warm-up is an optimization only
                    pass
            with self._cv:
                while not self._queue and not self._stopping:
                    self._cv.wait()
                if self._stopping:
                    return
                slot, seed = self._queue.pop(0)
                self._busy = slot.key
            try:
                result = (seed, self._make(slot, seed), None)
            except Exception as e:  # reported when (and if) the variant is used
                result = (seed, None, e)
            with self._cv:
                self._done[slot.key] = result
                self._busy = None
                self._cv.notify_all()


def warm_rendering() -> None:
    """Load what the first code snippet's highlighting needs (pygments' lexer: ~65 ms), off
    the main thread, so that exercise is not the slow one."""
    import io

    from rich.console import Console
    from rich.syntax import Syntax

    Console(file=io.StringIO(), force_jupyter=False).print(Syntax("out = torch.einsum('ij->ji', a)", "python", theme="ansi_dark"))


def make_variant(slot: Slot, seed: int):
    from exercises import get_family

    return get_family(slot.family).variant(seed=seed, form=slot.form)


class Session:
    """One drill session over ``store``. ``ask(prompt)`` returns a line or raises EOFError /
    KeyboardInterrupt; ``out`` is a rich Console."""

    def __init__(
        self,
        store: Store,
        slots: list[Slot],
        options: Options,
        *,
        clock: Clock,
        ask: Callable[[str], str],
        out,
        interactive: bool,
        image_dir: Path,
        assistant=None,
    ):
        self.assistant = assistant  # cardgen.llm.Assistant, for Socratic hints; None: offline
        self.store = store
        self.slots = slots
        self.by_key = {s.key: s for s in slots}
        self.options = options
        self.clock = clock
        self.ask = ask
        self.out = out
        self.interactive = interactive
        self.image_dir = image_dir
        self.summary = Summary()
        self.session_id = uuid.uuid4().hex[:12]
        self.exclude: set[tuple[str, str]] = set()  # skipped or broken this session
        self.relearn: list[tuple[str, str]] = []  # missed this session, not yet answered right
        self.shown = 0
        self.new_shown = 0
        self._rng = random.SystemRandom()
        self._gen = _Generator(make_variant, idle=warm_rendering)

    # -- choosing -------------------------------------------------------------------------

    def pick(self):
        """(slot, is_new) to show next, or None when nothing is due and no new card is allowed."""
        for c in self.store.due_cards(self.clock.now()):
            key = (c.family, c.form)
            if key in self.by_key and key not in self.exclude:
                return self.by_key[key], False
        if self.new_shown < self.options.new:
            known = self.store.known_pairs()
            for s in self.slots:
                if s.key not in known and s.key not in self.exclude:
                    return s, True
        for key in self.relearn:  # learning steps: a card missed this session, asked again early
            if key not in self.exclude and key in self.by_key:
                return self.by_key[key], False
        return None

    def upcoming(self, current: Slot, k: int = LOOKAHEAD) -> list[Slot]:
        """The ``k`` cards most likely to follow ``current`` (what :meth:`pick` will return once
        it is answered, unless another card falls due meanwhile)."""
        k = min(k, self.options.limit - self.shown)
        skip = self.exclude | {current.key}
        out: list[Slot] = []
        for c in self.store.due_cards(self.clock.now()):
            key = (c.family, c.form)
            if len(out) < k and key in self.by_key and key not in skip:
                out.append(self.by_key[key])
                skip.add(key)
        new_left = self.options.new - self.new_shown
        if len(out) < k and new_left > 0:
            known = self.store.known_pairs()
            for s in self.slots:
                if len(out) >= k or new_left <= 0:
                    break
                if s.key not in known and s.key not in skip:
                    out.append(s)
                    new_left -= 1
        for key in self.relearn:
            if len(out) < k and key not in skip and key in self.by_key:
                out.append(self.by_key[key])
                skip.add(key)
        return out

    def _variant_for(self, slot: Slot):
        """A fresh (seed, variant) for ``slot``: the prefetched one if it was predicted."""
        return self._gen.get(slot, self._seed(), on_slow=lambda: self.out.print(
            f"[dim]preparing {slot.family} ({slot.form})…[/]"))

    def _prefetch_after(self, slot: Slot) -> None:
        self._gen.plan([(s, self._seed()) for s in self.upcoming(slot)])

    def _seed(self) -> int:
        return self._rng.randrange(SEED_RANGE)

    # -- the loop -------------------------------------------------------------------------

    def run(self) -> Summary:
        from cardgen.drill import startup

        try:
            startup.release()  # Ctrl-C from here on ends the session, with its summary
            while self.shown < self.options.limit:
                picked = self.pick()
                if picked is None:
                    break
                slot, is_new = picked
                again = not is_new and slot.key in self.relearn
                try:
                    seed, variant = self._variant_for(slot)
                except Exception as e:  # a broken family must not end the learner's session
                    self.exclude.add(slot.key)
                    self.summary.failed.append(f"{slot.family}/{slot.form}")
                    self.out.print(
                        f"[yellow]could not make an exercise of {slot.family} ({slot.form}): "
                        f"{escape_text(str(e) or type(e).__name__)} — skipped for this session[/]"
                    )
                    continue
                self.shown += 1
                self.new_shown += is_new
                self._exercise(slot, seed, variant, is_new, again)
        except EOFError:
            self.summary.ended = "eof"
        except KeyboardInterrupt:
            self.summary.ended = "interrupt"
        except _Quit:
            self.summary.ended = "quit"
        except sqlite3.Error as e:  # reading the store failed mid-session
            raise StoreError(f"cannot read the drill store {self.store.path}: {e}") from None
        return self.summary

    def show_exercise(self, slot: Slot, seed: int, variant, is_new: bool, again: bool = False) -> None:
        """Show one exercise before its answer is read: header, prompt, code, picture. The place
        to override for another display (the notebook shows it as HTML)."""
        out = self.out
        tag = " · [bold magenta]new[/]" if is_new else " · [bold yellow]again[/]" if again else ""
        out.print()
        out.print(f"[bold]\\[{self.shown}/{self.options.limit}][/] {slot.family} · {slot.form} · seed {seed}{tag}",
                  soft_wrap=True)
        print_variant(variant, target=out)
        if variant.image is not None:
            self._save_image(variant)

    def _exercise(self, slot: Slot, seed: int, variant, is_new: bool, again: bool = False) -> None:
        out = self.out
        self.show_exercise(slot, seed, variant, is_new, again)
        self._prefetch_after(slot)

        t0 = time.monotonic()
        hints = [0]
        kind, line, verdict = self._read_answer(variant, ANSWER_PROMPT, hints)
        if kind == "skip":
            self._drop(slot)
            self.summary.skipped += 1
            out.print(Prose(f"[dim]skipped — the answer was:[/] {render_text(variant.answer_text)}"))
            return
        if kind == "broken":
            self._drop(slot)
            self.summary.checker_failures.append(f"{slot.family}/{slot.form}")
            out.print(f"[yellow]the checker failed on this answer ({escape_text(line)}): a bug in cardgen, not "
                      "your mistake — nothing recorded, the card is set aside for this session[/]")
            return
        seconds = time.monotonic() - t0
        suggested = suggest_rating(verdict.correct, seconds, slot.difficulty, slot.form, hints[0])
        if verdict.correct:
            out.print(f"[bold green]✓ correct[/] — {escape_text(verdict.reason)} [dim]({seconds:.1f} s)[/]")
            self.relearn = [k for k in self.relearn if k != slot.key]
        else:
            out.print(f"[bold red]✗ wrong[/] — {escape_text(verdict.reason)}")
        rec = self._record(slot, seed, line, verdict, seconds, hints[0], suggested)
        if not verdict.correct:
            self.relearn = [k for k in self.relearn if k != slot.key] + [slot.key]  # asked again later
            try:
                self._teach(variant, line, verdict, hints[0])
            except (EOFError, KeyboardInterrupt, _Quit):  # ending here still shows the answer
                self._reveal(variant)
                raise
        self._reveal(variant)
        self._offer_override(rec)

    def _read_answer(self, variant, prompt: str, hints: list[int], reveal_on_hint: bool = False):
        """Read lines until one can be judged: ("answer", line, verdict), ("skip", line, None),
        ("hint", "?", None) when ``reveal_on_hint``, or ("broken", error text, None) when the
        checker itself raised. ``?`` shows the next hint (counted in ``hints[0]``); ``q`` quits;
        an empty or unreadable line is asked again."""
        out = self.out
        while True:
            line = self.ask(prompt).replace("\u00a0", " ").strip()  # no-break spaces copied from the screen
            if not line:
                continue
            if line == "?":
                if reveal_on_hint:
                    return "hint", line, None
                if hints[0] < len(variant.hints):
                    hints[0] += 1
                    out.print(Prose(f"[cyan]hint {hints[0]}/{len(variant.hints)}:[/] "
                                    f"{render_markup(variant.hints[hints[0] - 1])}"))
                else:
                    out.print("[dim]no more hints — answer, or type s to skip[/]")
                continue
            if line.lower() in SKIP_WORDS:
                return "skip", line, None
            if line.lower() in QUIT_WORDS:
                raise _Quit
            try:
                verdict = variant.check(line)
            except Exception as e:  # a checker bug, not the learner's answer
                return "broken", f"{type(e).__name__}: {e}" if str(e) else type(e).__name__, None
            if verdict.unreadable:  # not an answer yet: no rating, ask again
                out.print(f"[yellow]{escape_text(verdict.reason)}[/] — try again (nothing recorded)")
                continue
            return "answer", line, verdict

    def _teach(self, variant, response: str, verdict, hints: int) -> None:
        """The Socratic step after a miss: a question aimed at the mistake, then one more try,
        judged; the answer is shown only after it (or at once on ``?``)."""
        out = self.out
        out.print(Prose(f"[cyan]think:[/] {render_markup(self._socratic(variant, response, verdict, hints))}"))
        out.print("[dim]answer again with that in mind (? shows the answer, s moves on)[/]")
        kind, line, second = self._read_answer(variant, RETRY_PROMPT, [hints], reveal_on_hint=True)
        if kind == "answer" and second.correct:
            out.print(f"[bold green]✓ now right[/] — {escape_text(second.reason)} [dim](the first answer is "
                      "what is rated; the card comes back later in this session)[/]")
        elif kind == "answer":
            out.print(f"[bold red]✗ still wrong[/] — {escape_text(second.reason)}")
        elif kind == "broken":
            self.summary.checker_failures.append(f"{variant.family}/{variant.form}")
            out.print(f"[yellow]the checker failed on this answer ({escape_text(line)}): a bug in cardgen, "
                      "not your mistake[/]")

    def _reveal(self, variant) -> None:
        out = self.out
        out.print(Prose(f"[bold]answer:[/] {render_text(variant.answer_text)}"))
        if variant.alternatives:
            also = " [dim]·[/] ".join(f"[dim]{render_text(a)}[/]" for a in variant.alternatives[:3])
            out.print(Prose(f"[dim]also right:[/] {also}"))
        if variant.explanation:
            out.print(Prose(f"[dim]why: {render_markup(variant.explanation)}[/]"))

    def _record(self, slot: Slot, seed: int, line: str, verdict, seconds: float, hints: int, suggested: int):
        with hold_sigint():
            rec = self.store.record(
                family=slot.family, form=slot.form, topic=slot.topic, seed=seed, response=line,
                correct=verdict.correct, reason=verdict.reason, duration_ms=round(seconds * 1000),
                hints_used=hints, suggested_rating=suggested, when=self.clock.now, session=self.session_id,
            )
        self.summary.reviewed += 1
        self.summary.correct += verdict.correct
        self.summary.ratings[rec.rating] += 1
        self.out.print(f"rated [bold]{RATING_NAMES[rec.rating]}[/] · next review {describe_due(rec.due, self.clock.now())}")
        return rec

    def _offer_override(self, rec) -> None:
        out = self.out
        if self.interactive and self.options.override:
            key = self.ask(f"rating — Enter keeps {RATING_NAMES[rec.rating]}; 1 again 2 hard 3 good 4 easy> ")
            rating = parse_rating_key(key)
            if key.strip() and rating is None:
                out.print(f"[dim]{escape_text(key.strip())!s} is not a rating key; kept {RATING_NAMES[rec.rating]}[/]")
            elif rating is not None and rating != rec.rating:
                with hold_sigint():
                    new = self.store.override(rec.review_id, rating)
                self.summary.ratings[rec.rating] -= 1
                self.summary.ratings[new.rating] += 1
                out.print(f"re-rated [bold]{RATING_NAMES[new.rating]}[/] · next review "
                          f"{describe_due(new.due, self.clock.now())}")

    def _drop(self, slot: Slot) -> None:
        """Set a card aside for the rest of the session (skipped, or its checker is broken)."""
        self.exclude.add(slot.key)
        self.relearn = [k for k in self.relearn if k != slot.key]

    def _socratic(self, variant, response: str, verdict, hints_used: int) -> str:
        """A guiding question after a wrong answer: the LLM's when configured; offline, the
        question aimed at the checker's diagnosis (:mod:`cardgen.drill.feedback`), else the
        family's next hint tier phrased as a question. It never states the answer."""
        from cardgen.drill.feedback import question
        from cardgen.llm import offline_hint

        level = min(hints_used, max(len(variant.hints) - 1, 0))
        family_hint = offline_hint(variant, level)
        aimed = question(variant, response, verdict)
        if self.assistant is None or not getattr(self.assistant, "available", True):
            return aimed or family_hint
        asked = self.assistant.hint(variant, response, verdict, level)
        self.assistant.report_warnings(self.out)
        return aimed if asked == family_hint and aimed else asked  # the LLM failed: aim offline

    def _save_image(self, variant) -> None:
        """Draw the picture inline where the terminal has a graphics protocol (Sixel, kitty:
        :mod:`cardgen.images`, which never asks a pipe, tmux or screen), and save it as a PNG
        next to the store either way; print its path (dim below a drawn picture)."""
        from cardgen.images import show_inline

        shown = self.interactive and show_inline(self.out, variant.image.data)
        path = self.image_dir / variant.image.name
        try:
            self.image_dir.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                path.write_bytes(variant.image.data)
        except OSError as e:
            if not shown:
                self.out.print(f"[yellow]could not write the image {path}: {escape_text(e.strerror or str(e))}[/]")
            return
        self._print_path(path, dim=shown)

    def _print_path(self, path: Path, dim: bool) -> None:
        """``image file: PATH``, the path never split: ``~`` for the home directory when that is
        shorter, on a line of its own when the label does not fit beside it (only a path wider
        than the whole terminal is left to the terminal, one line to copy)."""
        text = str(path)
        try:
            home = str(Path.home())
            if text.startswith(home + "/"):
                text = "~" + text[len(home):]
        except (RuntimeError, OSError):
            pass
        style = "dim" if dim else "default"
        label = "image file:"
        width = getattr(self.out, "width", 10**6)
        if len(label) + 1 + len(text) > width:
            self.out.print(f"[{style}]{label}[/]")
            label = " "
        self.out.print(f"[{style}]{label} {escape_text(text)}[/]", soft_wrap=True)  # one line, to copy

    # -- the end --------------------------------------------------------------------------

    def close(self, timeout: float = 5.0) -> bool:
        """Stop generating variants ahead; True once the worker thread has ended."""
        return self._gen.stop(timeout)

    def print_summary(self) -> None:
        s, out = self.summary, self.out
        out.print()
        if s.ended == "interrupt":
            out.print("[yellow]interrupted[/] — every answered exercise is saved")
        elif s.ended == "eof":
            out.print("[dim]end of input[/] — every answered exercise is saved")
        pct = f" ({100 * s.correct / s.reviewed:.0f}%)" if s.reviewed else ""
        out.print(f"[bold]Session:[/] reviewed {s.reviewed} · correct {s.correct}{pct} · skipped {s.skipped}")
        out.print("ratings: " + " · ".join(f"{name} {s.ratings.get(r, 0)}" for r, name in RATING_NAMES.items()))
        if s.failed:
            out.print(f"[yellow]could not generate: {escape_text(', '.join(s.failed))}[/]")
        if s.checker_failures:
            out.print(f"[yellow]checker failures (cardgen bugs, not skips): {escape_text(', '.join(s.checker_failures))}[/]")
        out.print(self.next_due_line())

    def next_due_line(self) -> str:
        try:
            nxt = self.store.next_due(self.by_key)
        except (sqlite3.Error, StoreError):
            return "next due: unknown (the store cannot be read)"
        if nxt is None:
            return "next due: nothing scheduled yet"
        return f"next due: {nxt.family} ({nxt.form}) {describe_due(nxt.due, self.clock.now())}"


def terminal_ask(prompt: str) -> str:
    """Read a line in a terminal (with line editing when readline is available)."""
    return input(prompt)


def make_piped_ask() -> Callable[[str], str]:
    """Read answers as lines from a non-terminal stdin, echoing each so transcripts read well."""

    def ask(prompt: str) -> str:
        out = sys.stdout
        out.write(prompt)
        out.flush()
        line = sys.stdin.readline()
        if not line:
            out.write("\n")
            out.flush()
            raise EOFError
        line = line.rstrip("\r\n")
        out.write(line + "\n")
        out.flush()
        return line

    return ask
