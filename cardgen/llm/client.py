"""A thin, failure-tolerant JSON-chat client over the ``openai`` package.

Every reply we ask for is a JSON object checked against a small schema: a malformed one is
asked for once more, then given up (``LlmError("malformed")``). Transport problems —
connection refused, timeout, 429, 5xx, a bad key — become one :class:`LlmError` with a
``kind`` and a one-line message, never a traceback. Good replies are cached on disk under
``cache_dir()/llm`` keyed by model, endpoint and the exact request, so a rebuild is
reproducible and free. ``openai`` is imported only when a request is made.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

from cardgen.llm.config import LlmConfig, redact_url
from cardgen.llm.schema import schema_errors

#: Bumped when the way requests are built changes, so old cache entries are not reused.
#: 2: every request carries a ``max_tokens`` bound (a small local model may otherwise ramble).
#: 3: a local endpoint is given the reply's schema in ``response_format``.
PROTOCOL_VERSION = 3

#: What a failure was, for one warning per kind and for ``llm check``.
KINDS = {
    "connection": "cannot reach the endpoint",
    "timeout": "the endpoint did not answer in time",
    "rate_limit": "rate limited (HTTP 429)",
    "server": "server error",
    "auth": "the key was refused",
    "not_found": "not found (is the model name right?)",
    "request": "the request was refused",
    "malformed": "the reply was not the JSON asked for",
    "truncated": "the reply was cut off at the token limit",
}


class LlmError(Exception):
    """A failed LLM call: ``kind`` is one of :data:`KINDS`; ``str()`` is one line."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Ping:
    """What ``llm check`` reports: how long the endpoint took and what it serves."""

    latency_s: float
    models: tuple[str, ...] | None  # None when the server has no model list
    model_listed: bool | None


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_json_object(content: str) -> Any:
    """The JSON object in a reply, tolerating a ```json fence or chatter around it."""
    s = content.strip()
    fence = re.match(r"^```(?:json)?\s*(.*?)\s*```$", s, re.S)
    if fence:
        s = fence.group(1)
    try:
        return json.loads(s)
    except ValueError:
        start, end = s.find("{"), s.rfind("}")
        if 0 <= start < end:
            return json.loads(s[start : end + 1])  # ValueError propagates
        raise


def _without_lengths(schema: Any) -> Any:
    """``schema`` without ``minLength``/``maxLength`` anywhere in it."""
    if isinstance(schema, dict):
        return {k: _without_lengths(v) for k, v in schema.items() if k not in ("minLength", "maxLength")}
    if isinstance(schema, list):
        return [_without_lengths(v) for v in schema]
    return schema


class LlmClient:
    """JSON chat completions against one configured endpoint."""

    def __init__(self, config: LlmConfig):
        self.config = config
        self._openai = None
        #: Ask for response_format=json_object; dropped when the server refuses it (then only the
        #: prompt asks for JSON, and a model may ignore that: its reply is retried, then given up).
        self.json_mode = True
        self.requests = 0  # chat requests sent (a cache hit sends none), for summaries and benchmarks

    # ------------------------------------------------------------------ plumbing

    def _client(self):
        if self._openai is None:
            import openai

            self._openai = openai.OpenAI(
                api_key=self.config.client_key,
                base_url=self.config.base_url or None,
                timeout=self.config.timeout,
                max_retries=0,  # we fall back instead of waiting; the cache makes reruns cheap
            )
        return self._openai

    def _error(self, e: Exception) -> LlmError:
        """Map an openai exception to an :class:`LlmError` with a one-line reason."""
        import openai

        where = self.config.display_url
        if isinstance(e, openai.APITimeoutError):
            return LlmError("timeout", f"no answer from {where} within {self.config.timeout:g} s")
        if isinstance(e, openai.APIConnectionError):
            cause = e.__cause__ or e.__context__
            why = _one_line(cause) if cause else _one_line(e)
            return LlmError("connection", f"cannot reach {where}: {redact_url(why)}")
        if isinstance(e, openai.APIStatusError):
            code = e.status_code
            msg = re.sub(r"^Error code: \d+ - ", "", _one_line(getattr(e, "message", "") or e))
            if code == 429:
                kind = "rate_limit"
            elif code >= 500:
                kind = "server"
            elif code in (401, 403):
                kind = "auth"
            elif code == 404:
                kind = "not_found"
            else:
                kind = "request"
            return LlmError(kind, f"HTTP {code} from {where}: {redact_url(msg)}")
        return LlmError("request", f"{type(e).__name__}: {_one_line(e)}")

    def _response_format(self, schema: dict | None) -> dict:
        """JSON mode; a local endpoint (any ``base_url`` but OpenAI's) also gets the reply's
        schema, which llama.cpp's server turns into a grammar: without it SmolLM2-135M answered
        with JSON of its own design (``{"shape": [...]}``) nearly every time. Servers that do not
        know the key ignore it. Length bounds are left out of what is sent (``maxLength`` 2000
        unrolls into a grammar llama.cpp refuses to parse, and its server died of it); the
        reply is still checked against the full schema here."""
        fmt: dict[str, Any] = {"type": "json_object"}
        url = (self.config.base_url or "").lower()
        if schema is not None and url and "api.openai.com" not in url:
            fmt["schema"] = _without_lengths(schema)
        return fmt

    def complete(self, messages: list[dict], max_tokens: int | None = None, schema: dict | None = None) -> str:
        """One chat completion's text; LlmError on any failure, ``"truncated"`` when the
        server stopped at ``max_tokens`` (the text is unfinished, so it is never used)."""
        import openai

        client = self._client()
        kwargs: dict[str, Any] = {"model": self.config.model, "messages": messages}
        if max_tokens is not None:
            kwargs["max_tokens"] = max_tokens
        for _ in range(2):
            if self.json_mode:
                kwargs["response_format"] = self._response_format(schema)
            else:
                kwargs.pop("response_format", None)
            try:
                self.requests += 1
                resp = client.chat.completions.create(**kwargs)
            except openai.BadRequestError as e:
                # Some OpenAI-compatible servers do not know response_format: ask without it.
                if self.json_mode and "response_format" in str(e).lower():
                    self.json_mode = False
                    continue
                raise self._error(e) from None
            except openai.OpenAIError as e:
                raise self._error(e) from None
            try:
                choice = resp.choices[0]
                content = choice.message.content or ""
            except (AttributeError, IndexError, TypeError):
                raise LlmError("malformed", "the reply has no message content") from None
            if getattr(choice, "finish_reason", None) == "length":
                limit = f" of {max_tokens}" if max_tokens is not None else ""
                raise LlmError("truncated", f"{self.config.model}'s reply was cut off at the token limit{limit}")
            return content
        raise LlmError("request", "the server refused the request")  # pragma: no cover

    # ------------------------------------------------------------------ the API

    def chat_json(self, messages: list[dict], schema: dict, *, use_cache: bool = True,
                  max_tokens: int | None = None) -> Any:
        """A reply parsed as JSON and valid against ``schema``, from the cache when present.

        A malformed reply is asked for once more (with the errors quoted); a second
        malformed reply raises ``LlmError("malformed")``. A reply cut off at ``max_tokens``
        raises ``LlmError("truncated")`` at once (asking again would cut it off again).
        """
        if not use_cache:
            return self._fetch(messages, schema, max_tokens)
        from exercises.cache import cached_json

        payload = {"v": PROTOCOL_VERSION, "model": self.config.model, "url": self.config.cache_url,
                   "messages": messages, "schema": schema, "max_tokens": max_tokens}
        return cached_json("llm", payload, lambda: self._fetch(messages, schema, max_tokens))

    def _fetch(self, messages: list[dict], schema: dict, max_tokens: int | None = None) -> Any:
        content = self.complete(messages, max_tokens, schema)
        problems = self._problems(content, schema)
        if not problems:
            return parse_json_object(content)
        retry = messages + [
            {"role": "assistant", "content": content[:2000]},
            {"role": "user", "content": "That reply was not usable: " + "; ".join(problems[:5])
             + ". Reply with only the JSON object described above."},
        ]
        content = self.complete(retry, max_tokens, schema)
        problems = self._problems(content, schema)
        if problems:
            raise LlmError("malformed", f"{self.config.model} twice replied with unusable JSON: "
                                        + _one_line("; ".join(problems[:3])))
        return parse_json_object(content)

    @staticmethod
    def _problems(content: str, schema: dict) -> list[str]:
        try:
            value = parse_json_object(content)
        except ValueError as e:
            return [f"not valid JSON ({_one_line(e, 80)})"]
        return schema_errors(value, schema)

    def ping(self) -> Ping:
        """Ask the endpoint for its model list (or, lacking one, a one-token completion)."""
        import openai

        client = self._client()
        start = time.perf_counter()
        try:
            ids = tuple(sorted(m.id for m in client.models.list()))
        except openai.NotFoundError:
            ids = None
        except openai.OpenAIError as e:
            raise self._error(e) from None
        if ids is None:  # no /models route: a tiny completion proves the endpoint answers
            try:
                self.complete([{"role": "user", "content": 'Reply with the JSON object {"ok": true}.'}],
                              max_tokens=8)
            except LlmError as e:
                if e.kind != "truncated":  # a reply cut at 8 tokens still proves the endpoint answers
                    raise
        latency = time.perf_counter() - start
        return Ping(latency, ids, None if ids is None else self.config.model in ids)
