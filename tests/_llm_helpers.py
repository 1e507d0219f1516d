"""Shared pieces of the LLM tests: the fake server as a fixture, endpoint settings, variants.

The variants are built by hand (with the real checks) so these tests pin the LLM layer's
behaviour independently of how the exercise families word their prompts.
"""
from __future__ import annotations

import json

import pytest

from exercises.base import Variant
from exercises.checking import EinsumCheck, NumberCheck, ShapeCheck
from fake_openai_server import FakeOpenAI


@pytest.fixture
def fake_server():
    with FakeOpenAI(model="fake-model") as srv:
        yield srv


@pytest.fixture
def llm_env(monkeypatch, tmp_path, fake_server):
    """Point the real openai client at the fake server, with a fresh cache and a short timeout."""
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("CARDGEN_LLM_MODEL", "fake-model")
    monkeypatch.setenv("CARDGEN_LLM_TIMEOUT", "1")
    monkeypatch.setenv("CARDGEN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CARDGEN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return fake_server


def reply(**fields) -> str:
    return json.dumps(fields)


BMM_PROMPT = ("`x` has shape (2, 3, 4) and `y` has shape (2, 4, 5). "
              "What is the shape of `torch.einsum('bij,bjk->bik', x, y)`?")


def bmm_shape() -> Variant:
    return Variant(
        family="einsum.batched_matmul", form="shape", seed=7, params={}, prompt=BMM_PROMPT,
        answer=[2, 3, 5], answer_text="(2, 3, 5)", checker=ShapeCheck((2, 3, 5)),
        explanation="b is kept, j is summed.",
        hints=("The batch axis b is kept and j is summed away.", "Which letters appear after the arrow?"),
        distractors=("(2, 5, 3)",),
    )


MATMUL_PROMPT = ("`A` has shape (i=3, j=4) and `B` has shape (j=4, k=5). "
                 "Write the einsum string that computes `A @ B`, of shape (i=3, k=5).")


def matmul_write() -> Variant:
    return Variant(
        family="einsum.matmul", form="write", seed=3, params={}, prompt=MATMUL_PROMPT,
        answer="ij,jk->ik", answer_text="ij,jk->ik", checker=EinsumCheck("ij,jk->ik", ((3, 4), (4, 5))),
        explanation="j is shared and summed.", hints=("Which axis is shared, and is it kept?", "j is summed."),
        distractors=("ij,jk->ki",), alternatives=("ab,bc->ac",),
    )


def dot_value() -> Variant:
    return Variant(
        family="einsum.dot", form="value", seed=1, params={},
        prompt="What is `out`?", code="u = torch.tensor([1., 2.])\nv = torch.tensor([3., 4.])\nout = u @ v",
        answer=11.0, answer_text="11", checker=NumberCheck(11.0), explanation="1·3 + 2·4.",
        hints=("Multiply entry by entry, then add.", "1·3 + 2·4"), distractors=("10",),
    )
