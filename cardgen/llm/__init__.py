"""The optional LLM layer: richer wording, never correctness.

Answers always come from running code; an LLM (any OpenAI-compatible endpoint, through the
``openai`` package, imported only when a request is made) may reword prompts, ask Socratic
hints, explain grader reports and judge card quality — and everything it writes is checked
before use. With nothing configured, everything works offline with built-in text::

    from cardgen.llm import get_assistant
    llm = get_assistant(enabled=None)      # online iff configured
    prompt = llm.reword(variant)           # or variant.prompt
    question = llm.hint(variant, response, verdict)
    text = llm.explain("forward", report)  # or None
    llm.report_warnings()                  # at most one line per kind of failure
"""
from cardgen.llm.assist import Assistant, as_question, get_assistant, offline_hint
from cardgen.llm.config import LlmConfig, LlmConfigError, LlmNotConfigured, load_config
from cardgen.llm.validate import hint_problems, reword_problems

__all__ = [
    "Assistant",
    "LlmConfig",
    "LlmConfigError",
    "LlmNotConfigured",
    "as_question",
    "get_assistant",
    "hint_problems",
    "load_config",
    "offline_hint",
    "reword_problems",
]
