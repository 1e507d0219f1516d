"""Where the optional LLM lives: environment variables first, then ``[llm]`` in a config file.

Nothing here talks to the network, so reading the configuration is free and works offline.
Precedence, key by key: ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` / ``CARDGEN_LLM_MODEL`` /
``CARDGEN_LLM_TIMEOUT`` in the environment, then ``api_key`` / ``base_url`` / ``model`` /
``timeout`` under ``[llm]`` in ``$CARDGEN_HOME/config.toml`` (or the user config directory's
``cardgen/config.toml``), then the defaults. Setting only a base URL is enough for a local
OpenAI-compatible server (ollama, llama.cpp, vLLM); a placeholder key is sent then.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import click

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT = 20.0  # seconds; short, so a dead endpoint costs a build little time
PLACEHOLDER_KEY = "sk-no-key-required"  # local servers ignore the key, the client wants one

ENV = {"api_key": "OPENAI_API_KEY", "base_url": "OPENAI_BASE_URL", "model": "CARDGEN_LLM_MODEL",
       "timeout": "CARDGEN_LLM_TIMEOUT"}


class LlmConfigError(click.ClickException):
    """The configuration file or a setting cannot be read (exit 1 with the reason)."""


class LlmNotConfigured(click.UsageError):
    """``--llm`` was asked for but no endpoint is configured."""

    def __init__(self, message: str | None = None):
        super().__init__(message or not_configured_message())


def config_path() -> Path:
    """``$CARDGEN_HOME/config.toml``, else the platform's user config dir (``cardgen/config.toml``)."""
    home = os.environ.get("CARDGEN_HOME")
    if home:
        return Path(home).expanduser() / "config.toml"
    import platformdirs

    return Path(platformdirs.user_config_dir("cardgen", appauthor=False)) / "config.toml"


def not_configured_message() -> str:
    return (
        "no LLM endpoint is configured. Set OPENAI_API_KEY (OpenAI), or OPENAI_BASE_URL for a local "
        "OpenAI-compatible server (e.g. http://localhost:11434/v1 for ollama), optionally "
        f"CARDGEN_LLM_MODEL; or write them under [llm] in {config_path()} "
        "(api_key = ..., base_url = ..., model = ...). `cardgen llm check` tests the endpoint."
    )


@dataclass(frozen=True)
class LlmConfig:
    """The resolved settings; ``sources`` says where each came from (for ``llm check``)."""

    api_key: str | None = None
    base_url: str | None = None
    model: str = DEFAULT_MODEL
    timeout: float = DEFAULT_TIMEOUT
    sources: tuple[tuple[str, str], ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.api_key or self.base_url)

    @property
    def client_key(self) -> str:
        return self.api_key or PLACEHOLDER_KEY

    @property
    def display_url(self) -> str:
        return redact_url(self.base_url) if self.base_url else "https://api.openai.com/v1 (default)"

    @property
    def cache_url(self) -> str:
        """The endpoint identity used in cache keys (never the key itself)."""
        return (self.base_url or "https://api.openai.com/v1").rstrip("/")

    def source_of(self, name: str) -> str:
        return dict(self.sources).get(name, "default")


def redact_url(url: str) -> str:
    """The URL with any password in it and any key-like query value replaced by ``***``."""
    url = re.sub(r"(?<=://)([^/@:]*):[^/@]*@", r"\1:***@", url)
    url = re.sub(r"(?<=://)([^/@:]+)@", "***@", url)
    return re.sub(r"(?i)([?&][^=&]*(?:key|token|secret|auth|sig|password)[^=&]*=)[^&]*", r"\1***", url)


def _read_file(path: Path) -> dict:
    import tomllib

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise LlmConfigError(f"cannot read {path}: {e.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise LlmConfigError(f"{path} is not valid TOML: {e}") from None
    llm = data.get("llm", {})
    if not isinstance(llm, dict):
        raise LlmConfigError(f"{path}: [llm] must be a table, e.g. [llm]\\nmodel = \"gpt-4o-mini\"")
    unknown = sorted(set(llm) - set(ENV))
    if unknown:
        raise LlmConfigError(f"{path}: unknown key(s) under [llm]: {', '.join(unknown)}; "
                             f"known: {', '.join(ENV)}")
    return llm


def load_config() -> LlmConfig:
    """Resolve the settings (environment wins over the file, key by key)."""
    path = config_path()
    file_values = _read_file(path)
    values: dict[str, object] = {}
    sources: list[tuple[str, str]] = []
    for name, var in ENV.items():
        env = os.environ.get(var, "").strip()
        if env:
            values[name], src = env, f"${var}"
        elif name in file_values and str(file_values[name]).strip():
            values[name], src = file_values[name], str(path)
        else:
            continue
        sources.append((name, src))
    for name in ("api_key", "base_url", "model"):
        if name in values and not isinstance(values[name], str):
            raise LlmConfigError(f"{dict(sources)[name]}: {name} must be a string")
    timeout = DEFAULT_TIMEOUT
    if "timeout" in values:
        try:
            timeout = float(values["timeout"])  # type: ignore[arg-type]
        except (TypeError, ValueError):
            timeout = -1.0
        if not 0 < timeout <= 600:
            raise LlmConfigError(f"{dict(sources)['timeout']}: timeout must be seconds in (0, 600], "
                                 f"got {values['timeout']!r}")
    base_url = values.get("base_url")
    if isinstance(base_url, str) and not re.match(r"https?://", base_url):
        raise LlmConfigError(f"{dict(sources)['base_url']}: base_url must start with http:// or https://, "
                             f"got {redact_url(base_url)!r}")
    return LlmConfig(
        api_key=values.get("api_key"),  # type: ignore[arg-type]
        base_url=base_url.rstrip("/") if isinstance(base_url, str) else None,
        model=str(values.get("model") or DEFAULT_MODEL),
        timeout=timeout,
        sources=tuple(sources),
    )
