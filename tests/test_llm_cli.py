"""`cardgen llm check|reword` and `cardgen review-cards`, run for real (subprocesses and
click's runner) against the fake OpenAI server, a closed port, or nothing at all."""
import json
import os
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from _llm_helpers import fake_server, llm_env  # noqa: F401 - pytest fixtures and helpers
from cardgen.cli import cli
from cardgen.llm.review import LLM_PRINCIPLES
from cardgen.llm.principles import PRINCIPLES
from test_llm_review import BAD_NOTES, write_apkg


def run(*args, timeout=120):
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "cardgen", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def offline(monkeypatch, tmp_path):
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CARDGEN_LLM_MODEL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CARDGEN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CARDGEN_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def bad_deck(tmp_path):
    path = tmp_path / "bad.apkg"
    write_apkg(path, BAD_NOTES)
    return path


# ----------------------------------------------------------------------------- llm check


def test_check_against_the_server(llm_env, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-123")
    p = run("llm", "check")
    assert p.returncode == 0, p.stderr
    assert f"{llm_env.base_url} answers in" in p.stdout and "ms" in p.stdout and "fake-model" in p.stdout
    assert "sk-test-secret-123" not in p.stdout + p.stderr
    (req,) = llm_env.requests
    assert (req["method"], req["path"]) == ("GET", "/v1/models")
    assert req["headers"]["authorization"] == "Bearer sk-test-secret-123"


def test_check_json_and_unlisted_model(llm_env, monkeypatch):
    monkeypatch.setenv("CARDGEN_LLM_MODEL", "not-served")
    r = CliRunner().invoke(cli, ["llm", "check", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["ok"] is True and data["model_listed"] is False and data["sources"]["model"] == "$CARDGEN_LLM_MODEL"
    r = CliRunner().invoke(cli, ["llm", "check"])
    assert "does not list the model not-served" in r.output and "fake-model" in r.output


def test_check_without_a_models_route_sends_a_tiny_completion(llm_env):
    llm_env.models_route = False
    r = CliRunner().invoke(cli, ["llm", "check"])
    assert r.exit_code == 0, r.output
    assert [q["method"] for q in llm_env.requests] == ["GET", "POST"]


def test_check_against_a_closed_port_fails_clearly(offline, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{closed_port()}/v1")
    p = run("llm", "check")
    assert p.returncode == 1
    assert "the LLM endpoint does not answer: cannot reach http://127.0.0.1:" in p.stderr
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) <= 2


def test_check_reports_server_errors(llm_env):
    llm_env.models_route = False  # so check falls back to a completion, which fails
    llm_env.mode = "500"
    r = CliRunner().invoke(cli, ["llm", "check"])
    assert r.exit_code == 1
    assert "the LLM endpoint does not answer: HTTP 500 from" in r.output


def test_check_unconfigured_says_offline(offline):
    r = CliRunner().invoke(cli, ["llm", "check"])
    assert r.exit_code == 0
    assert "not configured — everything works offline" in r.output
    assert "under [llm] in" in r.output.replace("\n", " ")


# ----------------------------------------------------------------------------- llm reword


def test_reword_command_shows_template_and_rewording(llm_env):
    from exercises import all_families

    fam = all_families("einops")[0]

    def prefix(body):
        prompt = json.loads(body["messages"][-1]["content"])["prompt"]
        return json.dumps({"prompt": "Quick exercise: " + prompt})

    llm_env.responder = prefix
    r = CliRunner().invoke(cli, ["llm", "reword", fam.id, "--seed", "2"])
    assert r.exit_code == 0, r.output
    assert "template" in r.output and "reworded" in r.output and "Quick exercise:" in r.output
    llm_env.responder = lambda body: json.dumps({"prompt": "Something else entirely."})
    r = CliRunner().invoke(cli, ["llm", "reword", fam.id, "--seed", "3"])
    assert "rejected" in r.output


def test_reword_command_needs_configuration(offline):
    r = CliRunner().invoke(cli, ["llm", "reword", "einsum.matmul"])
    assert r.exit_code == 2 and "no LLM endpoint is configured" in r.output


# ----------------------------------------------------------------------------- review-cards


def test_review_cards_offline_on_a_topic_prefix(offline):
    from exercises import all_families

    fam = all_families("einsum")[0]
    r = CliRunner().invoke(cli, ["review-cards", fam.id, "--variants", "2", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["llm"] is None and data["errors"] == [] and data["principles"] == PRINCIPLES
    assert len(data["cards"]) == 2 * len(fam.forms)
    for c in data["cards"]:
        assert set(c["results"]) == set(PRINCIPLES)
        assert all(isinstance(r["meets"], bool) and r["why"] for r in c["results"].values())
    assert sum(s["meets"] + s["breaks"] for s in data["summary"].values()) == len(PRINCIPLES) * len(data["cards"])


def test_review_cards_flags_the_crafted_bad_cards(offline, bad_deck):
    p = run("review-cards", str(bad_deck))
    assert p.returncode == 0, p.stderr
    assert "t.bad/shape/0 no_yes_no: the answer is 'yes'" in p.stdout
    assert "t.bad/shape/1 effortful: the answer '(4, 3)' is written in the prompt" in p.stdout
    # the crafted families are unknown here: their traps are not checked, so not counted as met
    assert "3 cards from deck" in p.stdout and "0 meet every principle; 1 more break none" in p.stdout
    assert "Not checkable: not_transcribable (3)" in p.stdout
    strict = CliRunner().invoke(cli, ["review-cards", str(bad_deck), "--strict", "--problems-only", "--json"])
    assert strict.exit_code == 1
    assert [c["key"] for c in json.loads(strict.output)["cards"]] == ["t.bad/shape/0", "t.bad/shape/1"]


def test_review_cards_unknown_target_and_missing_llm(offline):
    r = CliRunner().invoke(cli, ["review-cards", "einsum.matmull"])
    assert r.exit_code == 2 and "Did you mean" in r.output
    r = CliRunner().invoke(cli, ["review-cards", "einsum", "--llm"])
    assert r.exit_code == 2 and "OPENAI_BASE_URL" in r.output


def judge_all_fine(body):
    return json.dumps({"principles": {p: {"meets": True, "why": "clear and short"} for p in LLM_PRINCIPLES}})


def test_review_cards_with_the_llm_merges_its_judgement(llm_env, bad_deck):
    llm_env.responder = judge_all_fine
    r = CliRunner().invoke(cli, ["review-cards", str(bad_deck), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["llm"]["model"] == "fake-model" and data["llm"]["judged"] == 3
    for c in data["cards"]:
        for p in LLM_PRINCIPLES:
            assert c["results"][p]["llm"] == {"meets": True, "why": "clear and short"}
        assert "llm" not in c["results"]["no_duplicate"]
    assert len(llm_env.chat_requests) == 3
    table = CliRunner().invoke(cli, ["review-cards", str(bad_deck)])
    assert "(rule/LLM)" in table.output and "judged 3 of 3 cards" in table.output
    assert len(llm_env.chat_requests) == 3  # the second review came from the cache
    off = CliRunner().invoke(cli, ["review-cards", str(bad_deck), "--no-llm", "--json"])
    assert json.loads(off.output)["llm"] is None


@pytest.mark.parametrize("mode", ["429", "500", "slow"])
def test_failing_endpoint_gives_one_warning_and_the_rule_review(llm_env, bad_deck, mode):
    llm_env.mode = mode
    p = run("review-cards", str(bad_deck), "--llm")
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    warnings = [line for line in p.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, p.stderr
    assert {"429": "HTTP 429", "500": "HTTP 500", "slow": "within 1 s"}[mode] in warnings[0]
    assert "3 cards from deck" in p.stdout and "t.bad/shape/0 no_yes_no" in p.stdout
