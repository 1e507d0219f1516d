"""Where the LLM settings come from: environment first, then [llm] in config.toml, then defaults."""
import pytest

from cardgen.llm.config import (DEFAULT_MODEL, DEFAULT_TIMEOUT, PLACEHOLDER_KEY, LlmConfigError, config_path,
                                load_config, redact_url)

VARS = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CARDGEN_LLM_MODEL", "CARDGEN_LLM_TIMEOUT")


@pytest.fixture
def home(monkeypatch, tmp_path):
    for var in VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CARDGEN_HOME", str(tmp_path))
    return tmp_path


def test_nothing_configured_is_offline(home):
    cfg = load_config()
    assert not cfg.configured
    assert (cfg.model, cfg.timeout) == (DEFAULT_MODEL, DEFAULT_TIMEOUT)
    assert config_path() == home / "config.toml"


def test_config_file_is_read(home):
    (home / "config.toml").write_text('[llm]\nbase_url = "http://localhost:11434/v1/"\nmodel = "llama3.2"\n'
                                      'timeout = 5\n[other]\nx = 1\n')
    cfg = load_config()
    assert cfg.configured and cfg.api_key is None and cfg.client_key == PLACEHOLDER_KEY
    assert (cfg.base_url, cfg.model, cfg.timeout) == ("http://localhost:11434/v1", "llama3.2", 5.0)
    assert cfg.source_of("model") == str(home / "config.toml")


def test_environment_wins_key_by_key(home, monkeypatch):
    (home / "config.toml").write_text('[llm]\napi_key = "sk-file"\nmodel = "file-model"\n')
    monkeypatch.setenv("CARDGEN_LLM_MODEL", "env-model")
    cfg = load_config()
    assert (cfg.api_key, cfg.model) == ("sk-file", "env-model")
    assert cfg.source_of("model") == "$CARDGEN_LLM_MODEL" and cfg.source_of("api_key").endswith("config.toml")
    assert cfg.display_url.startswith("https://api.openai.com/v1")


@pytest.mark.parametrize("text, message", [
    ("[llm\nmodel = 1", "not valid TOML"),
    ('[llm]\nmodle = "x"\n', "unknown key(s) under [llm]: modle"),
    ('[llm]\nbase_url = "localhost:11434"\n', "must start with http"),
    ('[llm]\nbase_url = "http://x"\ntimeout = "soon"\n', "timeout must be seconds"),
    ('[llm]\nmodel = 3\napi_key = "k"\n', "model must be a string"),
    ('llm = 3\n', "[llm] must be a table"),
])
def test_bad_configuration_is_a_clear_error(home, text, message):
    (home / "config.toml").write_text(text)
    with pytest.raises(LlmConfigError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        load_config()


def test_bad_timeout_in_environment(home, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    monkeypatch.setenv("CARDGEN_LLM_TIMEOUT", "0")
    with pytest.raises(LlmConfigError, match=r"\$CARDGEN_LLM_TIMEOUT: timeout"):
        load_config()


def test_urls_are_redacted():
    assert redact_url("https://user:sk-secret@host/v1") == "https://user:***@host/v1"
    assert redact_url("https://sk-secret@host/v1") == "https://***@host/v1"
    assert redact_url("https://host/v1?api-key=sk-secret&x=1") == "https://host/v1?api-key=***&x=1"
    assert redact_url("http://localhost:11434/v1") == "http://localhost:11434/v1"
