"""The deterministic guards on LLM text: rewordings, hints and the reply schema (offline)."""
import pytest

from _llm_helpers import BMM_PROMPT, MATMUL_PROMPT, bmm_shape, dot_value, matmul_write
from cardgen.llm import as_question, get_assistant, hint_problems, offline_hint, reword_problems
from cardgen.llm.schema import schema_errors
from cardgen.llm.validate import answer_keys, code_spans, names, numbers, options, shapes

BMM_ANSWERS = ["(2, 3, 5)"]
GOOD_BMM = ("Given `x` with shape (2, 3, 4) and `y` with shape (2, 4, 5), which shape does "
            "`torch.einsum('bij,bjk->bik', x, y)` return?")


# ----------------------------------------------------------------------------- token extraction


def test_numbers_are_canonical_and_read_through_times_and_by():
    assert numbers("sizes 3x4, 2 by 5, 0.50 and 1e-3, -1; W1 and x2 are names") == \
        ["3", "4", "2", "5", "0.5", "0.001", "-1"]
    # an ordinal is a number: SmolLM2 invented "the 40th row" and "the 3.4167e-25th error"
    assert numbers("x-1 and 2nd, the 40th row, 1st, 3rd, the 3.4167e-25th error; 4s and 2d are not") == \
        ["1", "2", "40", "1", "3", "3.4167e-25"]


def test_shapes_in_every_spelling_are_normalized():
    text = "(3, 4), [b, h], (5,), 3x4x2, 6 by 7, (batch=4, seq=3), (b, c·3·3, h, w)"
    assert shapes(text) == ["(3,4,2)", "(6,7)", "(3,4)", "(b,h)", "(5,)", "(batch=4,seq=3)", "(b,c·3·3,h,w)"]
    assert shapes("(e.g., x) and (round to 2 decimals) and (or name them)") == []


def test_code_spans_math_names_and_options():
    text = "`x.sum(0)` and \\( W^T W \\) for d_model, W1, torch.einsum, axis i (e.g. a sum)\nA) rows\nB) the columns"
    assert code_spans(text) == ["x.sum(0)", "\\(W^TW\\)"]
    assert names(text) == {"d_model", "W1", "torch.einsum", "i"}  # not 'a', not 'e.g'
    assert options(text) == ["A)rows", "B)thecolumns"]


def test_answer_keys_include_patterns_and_option_texts():
    keys = answer_keys(["torch.einsum('bij,bjk->bik', x, y)", "B) the columns", "(2, 3, 5)", "ij"])
    assert {"bij,bjk->bik", "thecolumns", "(2,3,5)"} <= keys
    assert "ij" not in keys  # too short to search for; numbers and shapes have their own rules


# ----------------------------------------------------------------------------- rewording


def test_a_faithful_rewording_is_accepted():
    assert reword_problems(BMM_PROMPT, GOOD_BMM, BMM_ANSWERS) == []
    # same shape in another spelling is the same fact
    assert reword_problems(BMM_PROMPT, GOOD_BMM.replace("(2, 3, 4)", "2x3x4"), BMM_ANSWERS) == []
    assert reword_problems(MATMUL_PROMPT, "Given `A` of shape (i=3, j=4) and `B` of shape (j=4, k=5), write "
                           "the einsum string for `A @ B`; the result has shape (i=3, k=5).",
                           ["ij,jk->ik", "ab,bc->ac"]) == []


@pytest.mark.parametrize("candidate, expected", [
    (GOOD_BMM.replace("(2, 4, 5)", "(2, 4)"), "drops or changes number(s) 5"),
    (GOOD_BMM.replace("(2, 4, 5)", "(2, 4, 6)"), "adds number(s) 6"),
    (GOOD_BMM.replace("(2, 3, 4)", "(2, 4, 3)"), "drops or changes shape(s) (2,3,4)"),
    (GOOD_BMM.replace("(2, 3, 4)", "(two, 3, 4)"), "drops or changes number(s) 2"),
    (GOOD_BMM + " Batch size is 2.", "adds number(s) 2"),  # a repeated number is an added fact
    (GOOD_BMM + " Look at the 4th row.", "adds number(s) 4"),  # an invented ordinal is a number too
    (GOOD_BMM.replace("`torch.einsum('bij,bjk->bik', x, y)`", "`torch.einsum('bij,bjk->bki', x, y)`"),
     "drops or changes code"),
    (GOOD_BMM.replace("`x`", "x"), "drops or changes code `x`"),
    (GOOD_BMM + " Use `torch.bmm`.", "adds code `torch.bmm`"),
    (GOOD_BMM + " (It is (2, 3, 5).)", "states the answer ((2,3,5))"),
    (GOOD_BMM + " What dtype is it?", "asks 2 questions"),
    ("", "the rewording is empty"),
    (GOOD_BMM + " `unclosed", "unbalanced backticks"),
    (GOOD_BMM + " Think hard." * 40, "too long"),
])
def test_rewordings_that_change_a_fact_are_rejected(candidate, expected):
    problems = reword_problems(BMM_PROMPT, candidate, BMM_ANSWERS)
    assert any(p.startswith(expected) for p in problems), problems


def test_rewording_may_not_leak_a_written_answer_or_its_alternative():
    answers = ["ij,jk->ik", "ab,bc->ac"]
    leak = MATMUL_PROMPT + " (Hint: 'ij, jk -> ik'.)"
    assert any("states the answer (ij,jk->ik)" in p for p in reword_problems(MATMUL_PROMPT, leak, answers))
    alt = MATMUL_PROMPT + " Something like ab,bc->ac works."
    assert any("ab,bc->ac" in p for p in reword_problems(MATMUL_PROMPT, alt, answers))


def test_rewording_must_keep_names_math_and_options():
    prompt = "For d_model and axis i, compute \\( x_i^2 \\). Which option?\nA) rows\nB) columns"
    ok = "Which option holds for axis i and d_model when computing \\( x_i^2 \\)?\nA) rows\nB) columns"
    assert reword_problems(prompt, ok, ["B) columns"]) == []
    assert any("drops name(s) d_model" in p
               for p in reword_problems(prompt, ok.replace("d_model", "the model width"), []))
    assert any("drops or changes code" in p for p in reword_problems(prompt, ok.replace("x_i^2", "x_i^3"), []))
    assert any("changes option(s) B)columns" in p
               for p in reword_problems(prompt, ok.replace("B) columns", "B) the columns"), []))


def test_text_the_template_already_had_is_not_a_leak():
    prompt = "Which is right?\nA) rows\nB) columns"
    assert reword_problems(prompt, "Which one is correct?\nA) rows\nB) columns", ["B) columns"]) == []


# ----------------------------------------------------------------------------- hints


def test_hint_must_be_a_question_without_the_answer():
    v = matmul_write()
    assert hint_problems("Which axis do A and B share, and should it survive?", v, "ij,jk->ij") == []
    assert "not a question" in hint_problems("Sum over the shared axis.", v)
    assert any("reveals the answer" in p for p in hint_problems("Did you mean ij,jk->ik?", v))
    assert any("reveals the answer" in p for p in hint_problems("Why not ab,bc->ac?", v))
    assert any("reveals the answer" in p
               for p in hint_problems("What about 'xy,yz->xz'?", v, expected="xy,yz->xz"))
    s = bmm_shape()
    assert any("reveals the answer" in p for p in hint_problems("Is it (2, 3, 5)?", s))
    d = dot_value()
    assert any("answer number(s) 11" in p for p in hint_problems("Is it 11?", d, "10"))
    assert hint_problems("What is 1·3 plus 2·4?", d, "10") == []  # numbers the card shows are fine
    assert any("too long" in p for p in hint_problems("Why " * 100 + "?", v))


def test_offline_hints_come_from_the_family_as_questions():
    v = bmm_shape()
    assert offline_hint(v) == "The batch axis b is kept and j is summed away. Does your answer account for that?"
    assert offline_hint(v, level=1) == "Which letters appear after the arrow?"
    assert offline_hint(v, level=9) == "Which letters appear after the arrow?"  # clamped
    assert as_question("Multiply entry by entry, then add") == \
        "Multiply entry by entry, then add. Does your answer account for that?"
    v.hints = ()
    assert offline_hint(v).endswith("?")


def test_offline_assistant_returns_the_built_in_text(monkeypatch):
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    a = get_assistant()
    v = bmm_shape()
    assert not a.online
    assert a.reword(v) == v.prompt
    assert a.hint(v, "(2, 5, 3)", v.check("(2, 5, 3)")) == offline_hint(v)
    assert a.explain("forward", "case 3: wrong values") is None
    assert a.warnings == [] and a.summary() is None


# ----------------------------------------------------------------------------- schema


def test_schema_checker():
    schema = {"type": "object", "required": ["p"], "properties": {
        "p": {"type": "object", "required": ["meets", "why"],
              "properties": {"meets": {"type": "boolean"}, "why": {"type": "string", "maxLength": 5}}},
        "n": {"type": "integer"}, "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 2}}}
    assert schema_errors({"p": {"meets": True, "why": "ok"}, "n": 3, "tags": ["a"]}, schema) == []
    errs = schema_errors({"p": {"meets": "yes", "why": "too long"}, "n": True, "tags": ["c", "a", "b"]}, schema)
    assert errs == ["$.p.meets: expected boolean, got str", "$.p.why: longer than 5 characters",
                    "$.n: expected integer, got bool", "$.tags: more than 2 items", "$.tags[0]: 'c' is not one of ['a', 'b']"]
    assert schema_errors([], schema) == ["$: expected object, got list"]
    assert schema_errors({}, schema) == ["$: missing 'p'"]


# ----------------------------------------------------------------------------- leaks as tokens (issue 23)


def test_output_letters_and_the_answers_numbers_in_order_are_leaks():
    v, b = matmul_write(), bmm_shape()
    assert hint_problems("Should the output letters be ik?", v, "ij,jk->ij") == ["reveals the answer (->ik)"]
    assert hint_problems("Is it 2, 3 and then 5?", b, "(2, 5, 3)") == ["reveals the answer (2, 3, 5)"]
    assert hint_problems("Which axis do both operands share, and does it survive?", v, "ij,jk->ij") == []
    assert reword_problems(MATMUL_PROMPT, MATMUL_PROMPT + " Its axes are ik.", ["ij,jk->ik"]) == \
        ["states the answer (->ik)"]
    # numbers the card already shows in that order are no leak
    from cardgen.llm.validate import token_leaks

    assert token_leaks("Compare 2, 3 and 5.", ["(2, 3, 5)"], allowed_in="`x = torch.randn(2, 3, 5)`") == []
    assert token_leaks("Compare 2, 3 and 5.", ["(2, 3, 5)"], allowed_in="`x = torch.randn(2, 5, 3)`") == ["2, 3, 5"]


def test_a_rewording_may_not_change_what_is_asked():
    prompt = "What is `out[0, 1]`?"
    assert reword_problems(prompt, "What is the sum of `out[0, 1]`?") == ["changes the question (adds sum)"]
    assert reword_problems("What is the largest entry of `out`?", "What is an entry of `out`?") == \
        ["changes the question (drops largest)"]
    assert reword_problems(prompt, "Give the value of `out[0, 1]`.") == []
    # a word the card's code shows (here: sum) may be named
    assert reword_problems(prompt, "What is `out[0, 1]` after the sum?", context="out = x.sum(0)") == []


def test_an_explanation_is_prose_without_markup():
    from cardgen.llm.validate import explain_problems

    # comparisons and angle brackets in code or prose are not markup
    assert explain_problems("Case 2 shows values where x < 0 stay negative; compare `a<b` with the "
                            "reference and look at the clamp in your forward pass.") == []
    assert "writes markup, not prose" in explain_problems(
        "<p>Your function returns the wrong shape on case 3, look at the output axes again.</p>")
    assert explain_problems("See case 3 `(3, 4)` here.") == ["too short to explain anything"]


@pytest.mark.parametrize("text, why", [
    # accepted by the older rules; what SmolLM2-135M wrote for real grader reports
    ("The function seems to have a bug in the `torch.sigmoid` activation which causes an extra factor "
     "of 2 for negative inputs.", "names code the report does not show: torch.sigmoid"),
    ("The output contains only the first 40 rows of the input data, and the rest is filled with zeros.",
     "states number(s) the report does not show: 40"),
    ("You have attempted to adjust this argument in forward_graders; take care of your own errors.",
     "names code the report does not show: forward_graders"),
    ("The function does not correctly handle the 3.4167e-25th error which is expected at the first index.",
     "states number(s) the report does not show: 3.4167e-25"),
    ("Only the 40th row of the output differs, so look again at how the rows are summed.",
     "states number(s) the report does not show: 40"),
])
def test_an_explanation_adds_no_fact_to_the_report(text, why):
    from cardgen.llm.validate import explain_problems

    report = "gram: case 2: shape mismatch: expected (3, 3), got (4, 4); W has shape (3, 4)"
    assert why in explain_problems(text, "gram", report)
    assert explain_problems(text, "gram") == []  # without the report only the form is checked
    # what the report shows may be repeated
    assert explain_problems("On case 2 your gram returns (4, 4) where (3, 3) is expected: which axis of W "
                            "do you reduce?", "gram", report) == []


#: Excerpts of real grader reports (benchmarks/llm_real.py's wrong solutions), as the model saw them.
FORWARD_REPORT = ("Did you forget the ReLU?\nwrong values in 3 of 4 entries (max abs difference 0.603797 at index "
                  "[0, 0, 3])\ncounterexample (case 1):\n  expected: tensor of shape (1, 1, 4) (float32)\n"
                  "  got:      tensor of shape (1, 1, 4) (float32)\n  got[0, 0:1, 2:4] = [[ 0.0699 -0.6038]]")
OUTER_REPORT = ("Your result is transposed: did you write i,j->ji? Rows follow u.\nwrong shape: expected (1, 5), got "
                "(5, 1)\ncounterexample (case 1):\n  u = torch.tensor([0.822461], dtype=torch.float32)\n"
                "  expected: tensor of shape (1, 5) (float32)\n  got:      tensor of shape (5, 1) (float32)\n"
                "  got[0:3, 0:1] = [[-0.3697]")
SCORES_REPORT = ("You divided by sqrt(d_head): this function returns the raw, unscaled scores.\nwrong values in 72 of "
                 "72 entries (max abs difference 4.26372 at index [0, 2, 1, 0])\ncounterexample (case 1):\n"
                 "  (all of them: from cardgen.grade.cases import case_inputs; inputs = case_inputs("
                 "'einsum.attention_scores', seed=1, case=1); attention_scores(**inputs))")


@pytest.mark.parametrize("function, report, text, words", [
    # accepted by every rule above in the live run of 18:42 (SmolLM2-135M); each states a falsehood
    ("forward", FORWARD_REPORT, "A) In the function, you added a layer of ReLU activation to make it more robust for "
     "handling non-integer inputs. You should remove this layer in your code and avoid using it as an argument or "
     "reference.", "activation, added, argument"),
    ("outer", OUTER_REPORT, "The output of the auto-grader's report is incorrect in terms of tensors. The original "
     "function returns a tensor with 5 rows and 1 column, but this is not possible since numpy contains tuples "
     "(x[0], x) where x is an array of shape (1,) that are lists containing floats that are flattened to integer "
     "values.", "array, containing, contains"),
    ("attention_scores", SCORES_REPORT, "The report shows that the function is failing to handle different types of "
     "data with different scales. It reports that the score distribution has changed from 1 to 2, and it includes "
     "the case inputs from the test suite where the maximum value was found.", "changed, data, distribution"),
])
def test_an_explanation_uses_only_the_reports_words(function, report, text, words):
    from cardgen.llm.validate import explain_problems

    problems = explain_problems(text, function, report)
    assert any(p.startswith(f"uses words the report does not: {words}") for p in problems), problems
    assert problems == [p for p in problems if p.startswith("uses words")]  # no other rule saw it


@pytest.mark.parametrize("function, report, text", [
    ("forward", FORWARD_REPORT, "The report asks whether you forgot the ReLU: on case 1 your forward returns -0.6038 "
     "at index [0, 0, 3] where the expected value is 0. Look at the last step of your function."),
    ("outer", OUTER_REPORT, "Your result is transposed: the expected shape is (1, 5) but you got (5, 1). Rows follow "
     "u, so check the order of the output letters."),
    ("attention_scores", SCORES_REPORT, "You divided by sqrt(d_head), but this function returns the raw, unscaled "
     "scores. Every entry differs from the expected values; look at the division in your function."),
])
def test_an_explanation_in_the_reports_words_is_accepted(function, report, text):
    from cardgen.llm.validate import explain_problems

    assert explain_problems(text, function, report) == []


#: What a review judged: its prompt, code, answer and the principles' names (as llm_judge builds it).
REVIEW_CARD = "shape\n`x` has shape (3, 4). What is `x.sum(0).shape`?\n\n(4,)\nfocused\none_answer\nno_yes_no"


@pytest.mark.parametrize("why, problem", [
    ("2018-04-30 2:19.57", "too short to give a reason"),  # SmolLM2-135M's reason for every verdict
    ("2018-04-30 2:19.57", "states number(s) the card does not show: 19.57, 2, 2018, 30"),
    ("fine", "too short to give a reason"),
    ("", "the reason is empty"),
    ("It asks for the 5th row of the sum.", "states number(s) the card does not show: 5"),
    ("Better asked with `torch.sum(x, dim=1)` instead.", "names code the card does not show: torch.sum(x,dim=1)"),
    ("The card should mention keep_dim here.", "names code the card does not show: keep_dim"),
    ("<p>It asks one thing.</p>", "writes markup, not prose"),
    ("y = x.sum(0) is all it needs", "writes code"),
    # shown in the live run of 18:42 (SmolLM2-135M): prose, but about nothing on the card
    ("<brief description of reason why the requirement is not permitted.",
     "uses words the card does not: brief, description, permitted, reason, requirement"),
    ("forsights in detail,", "uses words the card does not: detail, forsights"),
    ("This is a very difficult challenge.", "uses words the card does not: challenge, difficult"),
    # shown in the live run of 19:28 as the reason for "tractable": the card's own words, no reason
    ("`x` has shape (3, 4). What is `x.sum(0).shape`?", "copies the card instead of giving a reason"),
])
def test_a_review_reason_is_prose_that_adds_no_fact(why, problem):
    from cardgen.llm.validate import review_why_problems

    assert problem in review_why_problems(why, REVIEW_CARD)


def test_a_review_reason_may_repeat_the_card():
    from cardgen.llm.validate import review_why_problems

    for why in ("It asks only for the shape of `x.sum(0)`.", "The answer (4,) is one short shape.",
                "A learner who knows sum can recall the shape of a (3, 4) sum in a minute.",
                "one_answer is met: a single shape is asked."):
        assert review_why_problems(why, REVIEW_CARD) == [], why
