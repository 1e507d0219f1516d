"""A real local HTTP server that speaks the OpenAI chat-completions API, for tests.

It listens on 127.0.0.1 with an ephemeral port in a daemon thread and answers
``POST /v1/chat/completions`` (and ``GET /v1/models``) in the real response shape, so the
real ``openai`` client can be pointed at it through its base URL — nothing is patched.

What it answers is decided per request, in this order:

1. ``server.queue``: a list of actions consumed one per chat request, each a dict with
   ``content`` (the assistant message text), ``finish_reason`` (default ``"stop"``;
   ``"length"`` is a reply cut off at max_tokens), ``status`` (an HTTP error status such as 429
   or 500, answered with an OpenAI-style error body whose text is ``message`` if given)
   and/or ``delay`` (seconds to wait first);
2. otherwise ``server.mode``: ``"ok"`` (``server.responder(request_json) -> content``),
   ``"malformed"`` (content that is not JSON), ``"slow"`` (waits ``server.delay`` seconds,
   then answers like ``ok``), ``"429"`` or ``"500"``.

``server.kill()`` stops it as a crashed process would: the port closes and every open
connection is cut, a request in flight included.

Every request is logged in ``server.requests`` (method, path, lower-cased headers, JSON body), so a test
can assert what was sent — and that a cache hit sent nothing.

Run it by hand for a demo: ``python tests/fake_openai_server.py`` prints its base URL.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


class FakeOpenAI:
    def __init__(self, model: str = "fake-model", models: tuple[str, ...] | None = None):
        self.model = model
        self.models = models if models is not None else (model,)
        self.mode = "ok"
        self.delay = 3.0
        self.queue: list[dict[str, Any]] = []
        self.responder: Callable[[dict], str] = lambda body: json.dumps({"ok": True})
        self.models_route = True
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._counter = 0
        self._conns: set = set()  # open client sockets, cut by kill()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "FakeOpenAI":
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def setup(self):
                super().setup()
                with server._lock:
                    server._conns.add(self.connection)

            def finish(self):
                with server._lock:
                    server._conns.discard(self.connection)
                try:
                    super().finish()
                except OSError:
                    pass  # cut by kill()

            def _headers(self) -> dict[str, str]:
                return {k.lower(): v for k, v in self.headers.items()}

            def _body(self) -> Any:
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                try:
                    return json.loads(raw) if raw else None
                except ValueError:
                    return raw.decode("utf-8", "replace")

            def _send(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (timeout tests), or kill() cut the connection

            def do_GET(self):
                server._log("GET", self.path, self._headers(), None)
                if self.path.rstrip("/").endswith("/models") and server.models_route:
                    self._send(200, {"object": "list", "data": [
                        {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in server.models]})
                else:
                    self._send(404, _error("Not found", "invalid_request_error", "not_found"))

            def do_POST(self):
                body = self._body()
                server._log("POST", self.path, self._headers(), body)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, _error("Not found", "invalid_request_error", "not_found"))
                    return
                status, payload = server._answer(body if isinstance(body, dict) else {})
                self._send(status, payload)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.handle_error = lambda request, client_address: None  # a cut connection is expected
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def kill(self) -> None:
        """Die like a killed process: stop listening and cut every open connection."""
        import socket

        self.close()
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "start() the server first"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # ------------------------------------------------------------------ inspection

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.requests if r["method"] == "POST"]

    def _log(self, method: str, path: str, headers: dict, body: Any) -> None:
        with self._lock:
            self.requests.append({"method": method, "path": path, "headers": headers, "json": body})

    # ------------------------------------------------------------------ answers

    def _answer(self, body: dict) -> tuple[int, dict]:
        with self._lock:
            action = self.queue.pop(0) if self.queue else None
            self._counter += 1
            n = self._counter
        if action is None:
            action = {}
            if self.mode == "malformed":
                action = {"content": "Sure! Here is the reworded prompt: it is great."}
            elif self.mode == "slow":
                action = {"delay": self.delay}
            elif self.mode in ("429", "500"):
                action = {"status": int(self.mode)}
            elif self.mode != "ok":
                raise ValueError(f"unknown mode {self.mode!r}")
        if action.get("delay"):
            time.sleep(float(action["delay"]))
        status = action.get("status")
        if status == 429:
            return 429, _error("Rate limit reached for requests", "requests", "rate_limit_exceeded")
        if status:
            message = action.get("message", "The server had an error while processing your request.")
            return int(status), _error(message, "server_error" if status >= 500 else "invalid_request_error", None)
        content = action["content"] if "content" in action else self.responder(body)
        return 200, {
            "id": f"chatcmpl-fake{n}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", self.model),
            "system_fingerprint": "fp_fake",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": action.get("finish_reason", "stop"),
            }],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }


def _error(message: str, type_: str, code: str | None) -> dict:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def user_payload(request: dict) -> Any:
    """The JSON the assistant put in the last user message of a logged chat request."""
    messages = request["json"]["messages"]
    text = [m for m in messages if m["role"] == "user"][-1]["content"]
    try:
        return json.loads(text)
    except ValueError:
        return text


if __name__ == "__main__":  # pragma: no cover - manual demo
    with FakeOpenAI() as srv:
        print(f"OPENAI_BASE_URL={srv.base_url}  (Ctrl-C stops)")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
