"""Whole ``cardgen drill`` sessions in real processes: piped stdin, pipes answered turn by turn,
and a pseudo-terminal; then the SQLite rows and the fsrs due dates they produced.

Answers are computed from each exercise's printed header (family, form, seed) by
regenerating the variant, so right and wrong answers are both exercised for real.
"""
import json
import re
import signal
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone

from _drill_helpers import (
    RATING_PROMPT, ROOT, answer_for, assert_matches_fsrs, drill_env, integrity_ok, parse, reviews, rows, run,
    spawn_pipe, spawn_pty, wrong_for,
)
from cardgen.drill.session import slots
from cardgen.drill.store import Store
from exercises import get_family

T0 = datetime(2030, 1, 6, 9, 0, tzinfo=timezone.utc)  # a Sunday morning, UTC
WRITE = ["--topic", "einsum", "--form", "write"]


def check_reviews_regenerate(db):
    """Each stored review's seed regenerates the variant, whose check agrees with the stored verdict."""
    for r in reviews(db):
        v = get_family(r["family"]).variant(seed=r["seed"], form=r["form"])
        assert v.check(r["response"]).correct == bool(r["correct"]), dict(r)


#: einsum strings that name more operands than any family takes: readable, and wrong whichever family comes
WRONG = ["zzzz,zzzz,zzzz,zzzz,zzzz->z", "yy,yy,yy,yy,yy->", "xxx,xxx,xxx,xxx,xxx->x"]


def test_piped_session_records_every_review_and_ends_at_eof(tmp_path):
    db = tmp_path / "drill.sqlite3"
    # 1: unreadable, then wrong, then wrong again at the Socratic retry; 2: a hint, wrong, "?" shows the
    # answer; 3: a skip; 4: an empty line (ignored), unreadable, wrong, "s" moves on; 5: meets the EOF
    # ("!" is in no einsum alphabet: never readable as an einsum string)
    lines = ["zzz!", WRONG[0], WRONG[0], "?", WRONG[1], "?", "s", "", "no idea!", WRONG[2], "s"]
    r = run(["drill", *WRITE, "--db", str(db), "--limit", "6", "--new", "6"], input="\n".join(lines) + "\n", now=T0)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    out = r.stdout
    assert out.count("✗ wrong") == 3 and out.count("✗ still wrong") == 1
    assert "hint 1/" in out and "skipped — the answer was:" in out
    assert out.count("think:") == 3 and out.count("again> ") == 3
    for block in out.split("think:")[1:]:  # the answer is shown only after the retry
        assert block.index("again> ") < block.index("answer: ")
    assert out.count("Couldn't read that as an einsum string, e.g. ") == 2
    assert out.count("try again (nothing recorded)") == 2
    assert out.count("answer: ") == 3  # an unreadable response never shows the answer
    assert "end of input" in out and "Session: reviewed 3 · correct 0 (0%) · skipped 1" in out
    assert "ratings: Again 3 · Hard 0 · Good 0 · Easy 0" in out
    assert "next due:" in out and "Traceback" not in r.stderr
    revs = reviews(db)
    assert len(revs) == 3
    assert [x["hints_used"] for x in revs] == [0, 1, 0]
    assert [x["response"] for x in revs] == WRONG
    assert len({x["session"] for x in revs}) == 1
    for x in revs:
        assert (x["correct"], x["suggested_rating"], x["rating"]) == (0, 1, 1)
        assert x["duration_ms"] >= 0 and 0 <= x["seed"] < 2**31
        when = parse(x["reviewed_at"])
        assert T0 <= when < T0 + timedelta(minutes=1)  # CARDGEN_NOW sets the clock
        assert parse(x["due_after"]) - when == timedelta(minutes=1)  # wrong: due again within minutes
    shown = re.findall(r"\] (\S+) · write · seed", out)
    assert len(shown) == 5 and len(set(shown)) == 5  # the 5th met the end of input; the skipped card ...
    assert len(rows(db, "SELECT * FROM cards")) == 3  # ... and created no card
    check_reviews_regenerate(db)
    assert_matches_fsrs(db)
    assert integrity_ok(db)


def test_right_answers_are_due_later_and_tomorrow_brings_back_the_wrong_ones(tmp_path):
    db = tmp_path / "drill.sqlite3"
    d = spawn_pipe(["drill", *WRITE, "--db", str(db), "--limit", "4", "--new", "4"], now=T0)
    right, wrong = [], []
    try:
        for i in range(4):
            fam, form, seed = d.next_exercise()
            if i % 2 == 0:
                d.send(answer_for(fam, form, seed))
                right.append(fam)
                d.expect("✓ correct")
            else:
                d.send(wrong_for(fam, form, seed))
                wrong.append(fam)
                d.expect("✗ wrong")
                d.expect("again> ")
                d.send("?")
        assert d.wait() == 0
    finally:
        d.close()
    assert "Session: reviewed 4 · correct 2 (50%)" in d.text
    assert "RATING_PROMPT" not in d.text and RATING_PROMPT not in d.text  # no override prompt when piped
    by_family = {r["family"]: r for r in reviews(db)}
    for fam in right:
        r = by_family[fam]
        assert r["correct"] == 1 and r["rating"] == 4  # piped answers are instant: Easy
        assert parse(r["due_after"]) - parse(r["reviewed_at"]) > timedelta(days=2)
    for fam in wrong:
        r = by_family[fam]
        assert r["correct"] == 0 and r["rating"] == 1
        assert parse(r["due_after"]) - parse(r["reviewed_at"]) <= timedelta(minutes=10)
    assert_matches_fsrs(db)

    # tomorrow: only the two wrong cards are due; --new 0 introduces nothing else
    d = spawn_pipe(["drill", *WRITE, "--db", str(db), "--new", "0"], now=T0 + timedelta(days=1))
    seen = []
    try:
        for _ in range(2):
            fam, form, seed = d.next_exercise()
            seen.append(fam)
            d.send(answer_for(fam, form, seed))
        assert d.wait() == 0
    finally:
        d.close()
    assert sorted(seen) == sorted(wrong)
    assert "Session: reviewed 2 · correct 2 (100%)" in d.text
    assert len(reviews(db)) == 6
    assert_matches_fsrs(db)
    check_reviews_regenerate(db)
    d = run(["drill", *WRITE, "--db", str(db), "--new", "0"], now=T0 + timedelta(days=1, hours=1))
    assert d.returncode == 0 and "Nothing to practise now" in d.stdout


def test_terminal_session_hints_override_and_ctrl_c(tmp_path):
    db = tmp_path / "drill.sqlite3"
    d = spawn_pty(["drill", *WRITE, "--db", str(db), "--limit", "5", "--new", "5"], now=T0)
    try:
        fam, form, seed = d.next_exercise()  # 1: right, the suggested Easy overridden to Hard with "2"
        d.send(answer_for(fam, form, seed))
        d.expect("rated Easy")
        d.expect(re.escape(RATING_PROMPT))
        d.send("2")
        d.expect("re-rated Hard")

        fam, form, seed = d.next_exercise()  # 2: all hints, then right: at most Hard; Enter keeps it
        n = len(get_family(fam).variant(seed=seed, form=form).hints)
        for i in range(n + 1):
            d.send("?")
            d.expect(f"hint {i + 1}/{n}" if i < n else "no more hints")
        d.send(answer_for(fam, form, seed))
        d.expect("rated Hard")
        d.expect(re.escape(RATING_PROMPT))
        d.send("")

        fam, form, seed = d.next_exercise()  # 3: unreadable (asked again), then wrong; "e" overrides Again
        d.send("no idea!")
        d.expect("Couldn't read that as an einsum string, e.g. .*try again \\(nothing recorded\\)")
        d.send(wrong_for(fam, form, seed))
        d.expect("rated Again")
        d.expect("again> ")
        d.send("?")
        d.expect(re.escape(RATING_PROMPT))
        d.send("e")
        d.expect("re-rated Easy")

        d.next_exercise()  # 4: Ctrl-C while the learner is typing
        d.send_raw(b"half an answ")
        d.wait_blocked_on_input()
        d.send_raw(b"\x03")
        d.expect("interrupted — every answered exercise is saved")
        d.expect(r"Session: reviewed 3 · correct 2 \(67%\)")
        d.expect(r"ratings: Again 0 · Hard 2 · Good 0 · Easy 1")
        assert d.wait() == 0
    finally:
        d.close()
    assert "Traceback" not in d.text
    revs = reviews(db)
    assert [(r["suggested_rating"], r["rating"], r["correct"]) for r in revs] == [(4, 2, 1), (2, 2, 1), (1, 4, 0)]
    assert revs[1]["hints_used"] == n
    assert revs[0]["duration_ms"] < 15_000
    assert_matches_fsrs(db)  # the card state follows the overridden rating
    assert integrity_ok(db)


def test_after_a_wrong_answer_the_question_aims_at_the_diagnosed_mistake(tmp_path):
    """The right axes in the wrong order get a question about where an operand's axis goes, not
    the family's first hint; an unreadable number is asked again, then arithmetic is read."""
    db = tmp_path / "drill.sqlite3"
    fam = "einsum.batched_matmul"
    d = spawn_pipe(["drill", "--family", fam, "--form", "write", "--db", str(db), "--limit", "1"], now=T0)
    try:
        _, form, seed = d.next_exercise()
        v = get_family(fam).variant(seed=seed, form=form)
        ins, out = v.answer.split("->")
        d.send(f"{ins}->{out[0]}{out[2]}{out[1]}")  # the right axes, the last two swapped
        m = d.expect(r"think: ((?s:.*?))\nanswer again")
        d.expect("again> ")
        assert "answer: " not in d.text  # kept back while the learner thinks
        d.send(v.answer)  # the Socratic answer: now right
        d.expect("✓ now right")
        d.expect("answer: ")
        assert d.wait() == 0
    finally:
        d.close()
    asked = " ".join(m.group(1).split())
    # Where the misplaced axis belongs to one operand the question names it and its position;
    # where both operands carry it (a batch axis), it asks which axis comes from which operand.
    assert ("which axis of the result comes from" in asked.lower()
            and ("position 1 (counting from 0)" in asked or "and which from" in asked)), asked
    assert asked != get_family(fam).variant(seed=seed, form=form).hints[0]
    assert v.answer not in asked
    assert [r["correct"] for r in reviews(db)] == [0]


def test_a_number_card_asks_again_until_it_can_read_the_number_then_reads_arithmetic(tmp_path):
    db = tmp_path / "drill.sqlite3"
    fam = "superposition.dims_per_feature"
    d = spawn_pipe(["drill", "--family", fam, "--db", str(db), "--limit", "1"], now=T0)
    try:
        _, form, seed = d.next_exercise()
        v = get_family(fam).variant(seed=seed, form=form)
        d.send("about a third")
        d.expect(r"Couldn't read that as a number, e\.g\. \S+ .*try again \(nothing recorded\)")
        d.send("9**9**9")
        d.expect(r"Couldn't read that as a number.*exponent.*try again")
        typed = f"2*({v.answer_text})/2"
        d.send(typed)
        d.expect("✓ correct")
        assert d.wait() == 0
    finally:
        d.close()
    assert d.text.count("answer: ") == 1
    assert [(r["response"], r["correct"]) for r in reviews(db)] == [(typed, 1)]


def test_kill_9_while_waiting_keeps_every_finished_review(tmp_path):
    db = tmp_path / "drill.sqlite3"
    d = spawn_pipe(["drill", *WRITE, "--db", str(db), "--limit", "8"], now=T0)
    try:
        for i in range(3):
            fam, form, seed = d.next_exercise()
            d.send(answer_for(fam, form, seed) if i != 1 else "nonsense")
            d.expect("rated")
            if i == 1:
                d.expect("again> ")
                d.send("?")
        d.next_exercise()  # waiting for the 4th answer
        d.kill(signal.SIGKILL)
        assert d.wait() == -signal.SIGKILL
    finally:
        d.close()
    assert (db.parent / (db.name + "-wal")).exists()  # killed without a clean close
    assert integrity_ok(db)
    revs = reviews(db)
    assert [r["correct"] for r in revs] == [1, 0, 1]
    assert_matches_fsrs(db)
    r = run(["stats", "--json", "--db", str(db)], now=T0 + timedelta(minutes=5))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["reviews_total"] == 3


def test_two_drills_at_once_on_one_store(tmp_path):
    """Both review the same due cards at nearly the same moment: nothing fails or is lost, and
    each card's state is fsrs applied to ALL its reviews in order (no lost update)."""
    db = tmp_path / "drill.sqlite3"
    with Store.open(db, now=T0) as store:  # yesterday's session: four einsum cards answered wrong
        for i, slot in enumerate(slots("einsum", forms=("write",))[:4]):
            store.record(family=slot.family, form=slot.form, topic=slot.topic, seed=i, response="x", correct=False,
                         reason="", duration_ms=3000, hints_used=0, suggested_rating=1,
                         when=T0 + timedelta(seconds=i), session="yesterday")
    later = T0 + timedelta(hours=1)
    a = spawn_pipe(["drill", *WRITE, "--db", str(db), "--new", "0"], now=later)
    b = spawn_pipe(["drill", *WRITE, "--db", str(db), "--new", "0"], now=later)
    try:
        for _ in range(4):
            ea, eb = a.next_exercise(), b.next_exercise()
            assert ea[0] == eb[0]  # the same card, shown to both
            a.send(answer_for(*ea))
            b.send(answer_for(*eb))
        assert a.wait() == 0 and b.wait() == 0
    finally:
        a.close()
        b.close()
    for d in (a, b):
        assert "Session: reviewed 4 · correct 4 (100%)" in d.text
    assert integrity_ok(db)
    assert len(reviews(db)) == 12
    assert len({r["session"] for r in reviews(db)}) == 3
    for c in rows(db, "SELECT id, reps FROM cards"):
        assert c["reps"] == 3 == len(rows(db, "SELECT id FROM reviews WHERE card_id = ?", (c["id"],)))
    assert_matches_fsrs(db)


def test_a_broken_family_is_skipped_and_images_are_written(tmp_path):
    """A family that raises does not end the session; an image is written under the store's
    directory and its path printed (the terminal cannot show it)."""
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent('''
        import sys
        from exercises import Family, Image, Variant, register
        from exercises.checking import ShapeCheck

        PNG = b"\\x89PNG\\r\\n\\x1a\\n" + b"drill-test"

        def broken(rng, form, seed):
            raise RuntimeError("superpos_core is not there")

        def pictured(rng, form, seed):
            n = rng.randint(2, 9)
            return Variant(family="einsum.zz_pictured", form=form, seed=seed, params={"n": n},
                           prompt=f"Shape? (it is ({n},))", answer=[n], answer_text=f"({n},)",
                           checker=ShapeCheck((n,)), hints=("one axis", "its size"),
                           image=Image(f"zz-pictured-{seed}.png", PNG))

        register(Family("einsum.zz_broken", "Broken", broken, ("write",)))
        register(Family("einsum.zz_pictured", "Pictured", pictured, ("read",)))
        from cardgen.cli import main
        main(sys.argv[1:])
    '''))
    db = tmp_path / "store" / "drill.sqlite3"
    db.parent.mkdir()
    r = subprocess.run([sys.executable, str(script), "drill", "--db", str(db), "--family", "einsum.zz_broken",
                        "--family", "einsum.zz_pictured"], input="(3,)\n", capture_output=True, text=True,
                       env=drill_env(T0), cwd=ROOT, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "could not make an exercise of einsum.zz_broken (write): superpos_core is not there" in r.stdout
    m = re.search(r"image file:\s+(\S+\.png)", r.stdout)
    assert m, r.stdout
    img = db.parent / "drill-images" / m.group(1).rsplit("/", 1)[-1]
    assert m.group(1) == str(img) and img.read_bytes().startswith(b"\x89PNG")
    assert "could not generate: einsum.zz_broken/write" in r.stdout
    assert [x["family"] for x in reviews(db)] == ["einsum.zz_pictured"]


def test_help_teaches_and_the_command_module_stays_light():
    r = run(["drill", "--help"])
    assert r.returncode == 0
    for text in ("?", "skip", "Again", "Easy < 15 s", "--new", "--limit", "--topic", "stdin"):
        assert text in r.stdout, text
    code = "import sys, cardgen.drill.cli; print(sorted(m for m in ('torch', 'fsrs', 'einops', 'rich') if m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=drill_env(), cwd=ROOT)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr


def test_a_checker_that_raises_is_reported_apart_from_a_skip(tmp_path):
    """An exception inside the checker is the tool's bug: the drill says so, records nothing,
    sets the card aside and lists it in the summary apart from the learner's skips."""
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent('''
        import sys
        from exercises import Family, Variant, register

        class Broken:
            def check(self, response):
                raise ZeroDivisionError("checker bug")

        def make(rng, form, seed):
            return Variant(family="einsum.zz_badcheck", form=form, seed=seed, params={}, prompt="Any answer",
                           answer="1", answer_text="1", checker=Broken(), hints=("h",))

        register(Family("einsum.zz_badcheck", "Bad checker", make, ("value",)))
        from cardgen.cli import main
        main(sys.argv[1:])
    '''))
    db = tmp_path / "drill.sqlite3"
    r = subprocess.run([sys.executable, str(script), "drill", "--db", str(db), "--family", "einsum.zz_badcheck"],
                       input="42\n", capture_output=True, text=True, env=drill_env(T0), cwd=ROOT, timeout=60)
    assert (r.returncode, r.stderr) == (0, ""), r.stderr
    out = " ".join(r.stdout.split())
    assert "the checker failed on this answer (ZeroDivisionError: checker bug): a bug in cardgen, not your mistake" in out
    assert "skipped 0" in out and "checker failures (cardgen bugs, not skips): einsum.zz_badcheck/value" in out
    assert reviews(db) == []
