"""The LLM uses against a real local HTTP server through the real openai client (no patching):
accepted and rejected rewordings, hints, explanations, retries, fallbacks, and the cache."""
import json
import time

import pytest

from _llm_helpers import BMM_PROMPT, bmm_shape, dot_value, fake_server, llm_env, matmul_write, reply  # noqa: F401 - pytest fixtures and helpers
from cardgen.llm import LlmNotConfigured, get_assistant, offline_hint
from cardgen.llm.assist import REWORD_SCHEMA
from exercises.base import Verdict
from fake_openai_server import user_payload

GOOD_BMM = ("Given `x` with shape (2, 3, 4) and `y` with shape (2, 4, 5), which shape does "
            "`torch.einsum('bij,bjk->bik', x, y)` return?")


def test_reword_accepted_and_request_is_well_formed(llm_env):
    llm_env.queue = [{"content": reply(prompt=GOOD_BMM)}]
    a = get_assistant()
    assert a.online
    assert a.reword(bmm_shape()) == GOOD_BMM
    (req,) = llm_env.chat_requests
    assert req["path"] == "/v1/chat/completions"
    body = req["json"]
    assert body["model"] == "fake-model"
    # a local endpoint gets the reply's schema too (llama.cpp turns it into a grammar), without
    # the length bounds (maxLength 2000 made a grammar that crashed llama.cpp's server)
    assert body["response_format"] == {"type": "json_object", "schema": {
        "type": "object", "properties": {"prompt": {"type": "string"}}, "required": ["prompt"]}}
    assert user_payload(req)["prompt"] == BMM_PROMPT
    assert "(2, 3, 5)" not in json.dumps(body)  # the answer is never sent for a rewording
    assert a.stats["reword_accepted"] == 1 and a.warnings == []
    assert req["headers"]["authorization"] == "Bearer sk-no-key-required"  # only a base URL: placeholder


@pytest.mark.parametrize("base_url, with_schema", [(None, False), ("https://api.openai.com/v1", False),
                                                   ("http://127.0.0.1:8080/v1", True)])
def test_only_a_local_endpoint_is_sent_the_schema(base_url, with_schema):
    from cardgen.llm.client import LlmClient
    from cardgen.llm.config import LlmConfig

    fmt = LlmClient(LlmConfig(api_key="k", base_url=base_url))._response_format(REWORD_SCHEMA)
    assert ("schema" in fmt) == with_schema and fmt["type"] == "json_object"
    assert "maxLength" in json.dumps(REWORD_SCHEMA) and "Length" not in json.dumps(fmt)


@pytest.mark.parametrize("bad, why", [
    (GOOD_BMM.replace("(2, 4, 5)", "(2, 4)"), "drops or changes number(s) 5"),
    (GOOD_BMM.replace("(2, 3, 4)", "(2, 4, 3)"), "drops or changes shape(s) (2,3,4)"),
    (GOOD_BMM + " (Spoiler: (2, 3, 5).)", "states the answer"),
])
def test_reword_rejected_keeps_the_template(llm_env, bad, why):
    llm_env.queue = [{"content": reply(prompt=bad)}]
    a = get_assistant()
    v = bmm_shape()
    assert a.reword(v) == v.prompt
    assert a.stats["reword_rejected"] == 1
    key, use, problems = a.rejections[0]
    assert (key, use) == (v.key, "reword") and any(p.startswith(why) for p in problems), problems
    assert a.warnings == []  # a rejection is not a failure


def test_malformed_reply_is_retried_once_then_accepted(llm_env):
    llm_env.queue = [{"content": "Sure, here you go: the prompt is nice"}, {"content": reply(prompt=GOOD_BMM)}]
    a = get_assistant()
    assert a.reword(bmm_shape()) == GOOD_BMM
    first, second = llm_env.chat_requests
    retry_note = second["json"]["messages"][-1]["content"]
    assert "not valid JSON" in retry_note
    assert second["json"]["messages"][-2] == {"role": "assistant", "content": "Sure, here you go: the prompt is nice"}


def test_malformed_twice_falls_back_with_one_warning(llm_env):
    llm_env.mode = "malformed"
    a = get_assistant()
    v = bmm_shape()
    assert a.reword(v) == v.prompt
    assert len(llm_env.chat_requests) == 2  # the call and its single retry
    assert a.reword(bmm_shape()) == v.prompt  # tried again (malformed is per reply), still one warning
    assert len(llm_env.chat_requests) == 4
    assert len(a.warnings) == 1 and "unusable JSON" in a.warnings[0]


def test_schema_violations_count_as_malformed(llm_env):
    llm_env.queue = [{"content": reply(text=GOOD_BMM)}, {"content": reply(prompt=GOOD_BMM)}]
    assert get_assistant().reword(bmm_shape()) == GOOD_BMM
    assert "missing 'prompt'" in llm_env.chat_requests[1]["json"]["messages"][-1]["content"]


@pytest.mark.parametrize("mode, kind_text", [("429", "HTTP 429"), ("500", "HTTP 500")])
def test_rate_limit_and_server_errors_fall_back_with_a_single_warning(llm_env, mode, kind_text):
    llm_env.mode = mode
    a = get_assistant()
    for _ in range(5):
        v = bmm_shape()
        assert a.reword(v) == v.prompt
    assert len(a.warnings) == 1 and kind_text in a.warnings[0], a.warnings
    # max_retries=0 and after 3 transient failures in a row the endpoint is left alone
    assert len(llm_env.chat_requests) == 3


def test_a_transient_error_between_successes_does_not_stop_the_run(llm_env):
    llm_env.queue = [{"status": 500}, {"content": reply(prompt=GOOD_BMM)}]
    a = get_assistant()
    v = bmm_shape()
    assert a.reword(v) == v.prompt
    v2 = bmm_shape()
    v2.seed = 8  # another variant, another request
    v2.prompt = v2.prompt + " "
    assert a.reword(v2) == GOOD_BMM
    assert len(a.warnings) == 1 and a.available


def test_timeout_falls_back_quickly_once(llm_env):
    llm_env.mode, llm_env.delay = "slow", 3.0
    a = get_assistant()
    start = time.perf_counter()
    v = bmm_shape()
    assert a.reword(v) == v.prompt
    assert a.hint(v, "(2, 5, 3)", v.check("(2, 5, 3)")) == offline_hint(v)  # not tried: endpoint given up
    assert time.perf_counter() - start < 2.9  # the 1 s client timeout, not the 3 s answer
    assert len(llm_env.chat_requests) == 1
    assert len(a.warnings) == 1 and "within 1 s" in a.warnings[0]


def test_connection_refused_falls_back_without_traceback(monkeypatch, tmp_path):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("CARDGEN_CACHE", str(tmp_path))
    a = get_assistant()
    v = bmm_shape()
    assert a.reword(v) == v.prompt and a.reword(v) == v.prompt
    assert len(a.warnings) == 1 and "cannot reach" in a.warnings[0]


def test_cache_hit_sends_nothing_and_survives_a_new_process_state(llm_env):
    llm_env.queue = [{"content": reply(prompt=GOOD_BMM)}]
    assert get_assistant().reword(bmm_shape()) == GOOD_BMM
    assert len(llm_env.chat_requests) == 1
    llm_env.mode = "500"  # would fail if asked
    again = get_assistant()  # a fresh assistant, as in a rebuild
    assert again.reword(bmm_shape()) == GOOD_BMM
    assert len(llm_env.chat_requests) == 1 and again.warnings == []


def test_cache_is_keyed_by_model(llm_env, monkeypatch):
    llm_env.queue = [{"content": reply(prompt=GOOD_BMM)}, {"content": reply(prompt=GOOD_BMM)}]
    get_assistant().reword(bmm_shape())
    monkeypatch.setenv("CARDGEN_LLM_MODEL", "other-model")
    get_assistant().reword(bmm_shape())
    assert [r["json"]["model"] for r in llm_env.chat_requests] == ["fake-model", "other-model"]


def test_failures_are_not_cached(llm_env):
    llm_env.queue = [{"status": 500}, {"content": reply(prompt=GOOD_BMM)}]
    v = bmm_shape()
    assert get_assistant().reword(v) == v.prompt
    assert get_assistant().reword(v) == GOOD_BMM


def test_hint_accepted_and_rejected(llm_env):
    v = matmul_write()
    wrong = "ij,jk->ij"
    verdict = Verdict(False, "it keeps j, which should be summed", "ij,jk->ik")  # as EinsumCheck says
    llm_env.queue = [{"content": reply(hint="Which axis do `A` and `B` share, and should it survive the arrow?")},
                     {"content": reply(hint="Try ij,jk->ik?")}]
    a = get_assistant()
    assert a.hint(v, wrong, verdict) == "Which axis do `A` and `B` share, and should it survive the arrow?"
    sent = user_payload(llm_env.chat_requests[0])
    assert sent["learner_answer"] == wrong and sent["grader_reason"] == verdict.reason
    assert a.hint(v, wrong + " ", verdict) == offline_hint(v)  # the LLM gave the answer away
    assert a.rejections[-1][1] == "hint" and "reveals the answer" in a.rejections[-1][2][0]


def test_hint_levels_fall_back_to_more_specific_family_hints(llm_env):
    llm_env.mode = "malformed"
    v = dot_value()
    a = get_assistant()
    assert a.hint(v, "10", v.check("10"), level=1) == offline_hint(v, 1)


def test_explain(llm_env):
    llm_env.queue = [{"content": reply(explanation="On case 3 the expected shape is (3, 5) but your output has "
                                                     "shape (3, 4, 5): look at which axes your function returns.")},
                     {"content": reply(explanation="Write this:\n```python\ndef forward(x):\n    return x\n```")}]
    a = get_assistant()
    text = a.explain("forward", "case 3: expected shape (3, 5), got (3, 4, 5)")
    assert text.startswith("On case 3")
    assert user_payload(llm_env.chat_requests[0])["grader_report"].startswith("case 3")
    assert a.explain("forward", "case 4: wrong values") is None  # wrote code: rejected
    assert "1 explanations, 1 rejected by validation" in a.summary()


def test_enabled_true_without_configuration_is_a_clear_usage_error(monkeypatch, tmp_path):
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CARDGEN_HOME", str(tmp_path))
    with pytest.raises(LlmNotConfigured, match="OPENAI_BASE_URL"):
        get_assistant(True)
    assert not get_assistant(False).online and not get_assistant(None).online


def test_enabled_false_stays_offline_even_when_configured(llm_env):
    v = bmm_shape()
    assert get_assistant(False).reword(v) == v.prompt
    assert llm_env.chat_requests == []


def test_server_without_json_mode_is_asked_again_without_it(llm_env):
    llm_env.queue = [{"status": 400, "message": "Unrecognized request argument supplied: response_format"},
                     {"content": reply(prompt=GOOD_BMM)}]
    a = get_assistant()
    assert a.reword(bmm_shape()) == GOOD_BMM and a.warnings == []
    first, second = llm_env.chat_requests
    assert "response_format" in first["json"] and "response_format" not in second["json"]


def test_a_plain_bad_request_falls_back(llm_env):
    llm_env.queue = [{"status": 400, "message": "context length exceeded"}]
    a = get_assistant()
    v = bmm_shape()
    assert a.reword(v) == v.prompt and "HTTP 400" in a.warnings[0] and "context length" in a.warnings[0]
    assert len(llm_env.chat_requests) == 1


def test_report_warnings_prints_each_once(llm_env, capsys):
    from rich.console import Console

    llm_env.mode = "500"
    a = get_assistant()
    a.reword(bmm_shape())
    out = Console(file=None, stderr=True, width=200)
    assert len(a.report_warnings(out)) == 1
    a.reword(bmm_shape())
    assert a.report_warnings(out) == []
    assert capsys.readouterr().err.count("warning:") == 1


# ----------------------------------------------------------------------------- a real server misbehaving
# (issue 23: what a small local model and its server do; measured for real by benchmarks/llm_real.py)


def test_reply_cut_off_at_max_tokens_falls_back_without_a_retry(llm_env):
    llm_env.queue = [{"content": '{"prompt": "Given `x` with shape (2, 3', "finish_reason": "length"}]
    a = get_assistant()
    v = bmm_shape()
    assert a.reword(v) == v.prompt
    (req,) = llm_env.chat_requests  # asking again would be cut off again
    assert req["json"]["max_tokens"] == a.max_tokens["reword"]
    assert len(a.warnings) == 1 and "cut off at the token limit" in a.warnings[0] and a.available


def test_a_model_that_keeps_ignoring_the_format_is_left_alone(llm_env):
    llm_env.mode = "malformed"
    a = get_assistant()
    for i in range(7):
        v = bmm_shape()
        v.seed = i  # other variants, other requests
        assert a.reword(v) == v.prompt
    assert len(llm_env.chat_requests) == 10  # 5 unusable replies (each retried once), then no more asking
    assert not a.available and len(a.warnings) == 2, a.warnings  # what went wrong, then that it stopped
    assert "unusable JSON" in a.warnings[0] and "rest of this run" in a.warnings[1]
    assert all("\n" not in w for w in a.warnings)


def test_server_killed_mid_request_falls_back_at_once(llm_env):
    import threading

    import openai  # noqa: F401 - imported before the clock starts (slow on a loaded machine)

    llm_env.queue = [{"content": reply(hint="Which axis do `A` and `B` share?"), "delay": 30}]
    v, wrong = matmul_write(), "ij,jk->ij"
    verdict = v.check(wrong)
    a = get_assistant()

    def kill_once_asked():  # the request is in flight (logged, its 30 s reply not sent): kill
        while not llm_env.chat_requests:
            time.sleep(0.01)
        llm_env.kill()

    killer = threading.Thread(target=kill_once_asked, daemon=True)
    start = time.perf_counter()
    killer.start()
    assert a.hint(v, wrong, verdict) == offline_hint(v)
    assert a.hint(v, wrong + " ", verdict) == offline_hint(v)  # not asked again: the server is gone
    assert time.perf_counter() - start < 10  # the 30 s reply is not waited for (generous: loaded CI machines)
    assert len(llm_env.chat_requests) == 1
    assert len(a.warnings) == 1 and "cannot reach" in a.warnings[0], a.warnings  # cut, not timed out


@pytest.mark.parametrize("text, why", [
    ("Look at case 2.\nreturn torch.relu(h) @ W", "writes a line of code"),
    ("Your loss forgets the ReLU: return torch.relu(x @ W.T + b) fixes it.", "writes a line of code"),
    ("Use `torch.einsum('bhid,bhjd->bhij', q, k)` without the scaling.", "writes a call with a pattern"),
    ("Write:\n    out = h @ W.T", "writes a line of code"),
    # what SmolLM2-135M answered in benchmarks/llm_real.py: markup, and nothing explained
    ("<pre><h1>batched_matmul: Test Failure</h1></p>", "writes markup, not prose"),
    ("<pre><h1>batched_matmul: Test Failure</h1></p>", "too short to explain anything"),
    ("Check case 3.", "too short to explain anything"),
])
def test_explanations_that_write_the_fix_are_rejected(llm_env, text, why):
    llm_env.queue = [{"content": reply(explanation=text)}]
    a = get_assistant()
    assert a.explain("forward", "case 3: expected (3, 5), got (3, 4, 5)") is None
    assert why in a.rejections[-1][2]
