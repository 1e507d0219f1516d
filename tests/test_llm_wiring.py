"""The LLM wired into the commands, through the real CLI and the fake OpenAI-compatible server:
reworded prompts land in the deck, rejected ones keep the template, failures never break a build."""
import json
import re
import sqlite3
import subprocess
import sys
import zipfile

import pytest

from _llm_helpers import fake_server, llm_env  # noqa: F401 - pytest fixtures and helpers
from cardgen.deck import model as M


def _prompt(body):
    """The prompt the assistant asked to reword, from the chat request body."""
    user = [m for m in body["messages"] if m["role"] == "user"][-1]["content"]
    return json.loads(user)["prompt"]


def _variants(apkg, tmp_path):
    with zipfile.ZipFile(apkg) as z:
        z.extract("collection.anki2", tmp_path)
    con = sqlite3.connect(tmp_path / "collection.anki2")
    rows = [r[0].split("\x1f") for r in con.execute("select flds from notes")]
    con.close()
    i = M.FIELD_NAMES.index("Variants")
    return [e for r in rows for e in json.loads(r[i])]


def _build(tmp_path, *extra):
    out = tmp_path / "deck.apkg"
    p = subprocess.run(
        [sys.executable, "-m", "cardgen", "build-deck", "--topics", "einsum", "-k", "1", "-o", str(out), *extra],
        capture_output=True, text=True, timeout=300,
    )
    return p, out


def test_build_deck_llm_rewords_prompts_and_keeps_answers(llm_env, tmp_path):
    llm_env.responder = lambda body: json.dumps({"prompt": "Take your time. " + _prompt(body)})
    p, out = _build(tmp_path, "--llm")
    assert p.returncode == 0, p.stderr
    entries = _variants(out, tmp_path)
    assert entries and all("Take your time." in e["q"] for e in entries)
    assert "prompts reworded" in p.stdout
    assert len(llm_env.chat_requests) == len(entries)


def test_rejected_rewording_keeps_the_template(llm_env, tmp_path):
    # Adds a number: every rewording is rejected, so the cards keep the family's own text.
    llm_env.responder = lambda body: json.dumps({"prompt": "In 17 words: " + _prompt(body)})
    p, out = _build(tmp_path, "--llm")
    assert p.returncode == 0, p.stderr
    entries = _variants(out, tmp_path)
    assert entries and not any("In 17 words" in e["q"] for e in entries)
    assert "rejected by validation" in p.stdout


def test_failing_endpoint_falls_back_with_one_warning(llm_env, tmp_path):
    llm_env.mode = "500"
    p, out = _build(tmp_path, "--llm")
    assert p.returncode == 0, p.stderr
    assert out.exists() and "Traceback" not in p.stderr
    assert p.stderr.count("warning:") == 1


def test_no_llm_sends_nothing(llm_env, tmp_path):
    p, out = _build(tmp_path, "--no-llm")
    assert p.returncode == 0, p.stderr
    assert llm_env.chat_requests == []


def test_grade_explain_adds_the_llm_reading_to_the_failure(llm_env, tmp_path):
    from _grade_helpers import CASES, cardgen

    llm_env.responder = lambda body: json.dumps(
        {"explanation": "Did you forget the ReLU? On case 1 your forward returns -0.6038 at index [0, 0, 3] where "
                        "the expected value is 0."})
    r = cardgen("grade", str(CASES / "mixed_wrong.py"), "--json", "--explain", cwd=tmp_path)
    assert r.rc == 1, r.err
    forward = [t for t in r.json()["tests"] if t["name"].endswith(": forward")][0]
    assert forward["status"] == "fail"
    assert "ReLU" in forward["message"]  # the grader's own diagnosis stays
    assert "In plain words: Did you forget the ReLU? On case 1" in forward["message"]
    assert llm_env.chat_requests


def test_grade_explain_offline_says_so_and_still_grades(tmp_path):
    from _grade_helpers import CASES, cardgen

    r = cardgen("grade", str(CASES / "mixed_wrong.py"), "--explain", cwd=tmp_path)
    assert r.rc == 1
    assert "no LLM is configured" in r.err and "ReLU" in r.out


def _drill(tmp_path, env_extra=None, *extra):
    from _drill_helpers import run

    db = tmp_path / "drill.sqlite3"
    return run(["drill", "--family", "einsum.matmul", "--form", "write", "--db", str(db), "--limit", "1",
                "--new", "1", *extra], input="zzzz,zzzz,zzzz,zzzz,zzzz->z\n", **(env_extra or {}))  # readable, wrong


def test_drill_wrong_answer_gets_the_llm_socratic_question_before_the_answer(llm_env, tmp_path):
    llm_env.responder = lambda body: json.dumps({"hint": "Which axis do both operands share?"})
    r = _drill(tmp_path, {"OPENAI_BASE_URL": llm_env.base_url})
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "think: Which axis do both operands share?" in out
    assert out.index("think:") < out.index("answer:")
    assert len(llm_env.chat_requests) == 1


def test_drill_offline_asks_the_family_hint_as_a_question(tmp_path):
    r = _drill(tmp_path)
    assert r.returncode == 0, r.stderr
    think = re.findall(r"^think: (.*?)\nanswer again", r.stdout, re.S | re.M)  # wrapped at the width
    assert len(think) == 1 and think[0].rstrip().endswith("?")


@pytest.mark.parametrize("mode", ["500", "slow"])  # slow: the 3 s reply outlasts the 1 s timeout
def test_drill_llm_failure_falls_back_with_one_warning(llm_env, tmp_path, mode):
    llm_env.mode = mode
    r = _drill(tmp_path, {"OPENAI_BASE_URL": llm_env.base_url})
    assert r.returncode == 0, r.stderr
    assert "think:" in r.stdout and "Traceback" not in r.stderr + r.stdout
    assert (r.stdout + r.stderr).count("warning:") == 1
