"""The principles a card is reviewed against, each with the concrete rule that decides it.

Kept apart from :mod:`cardgen.llm.review` so the command's ``--help`` can show them without
loading the review machinery. The last five are the card traps of ``shared/CARDS.md``: they
need the card's checker, so they re-derive the variant from the family, form and seed stored
with the card, and say "not checkable" when that is impossible (a from-code card, a stale deck).
"""

#: principle → the deterministic rule that decides it (shown by ``--help`` and in ``--json``).
PRINCIPLES: dict[str, str] = {
    "focused": "asks exactly one thing: one sentence that is a question (ends in '?') or an "
               "instruction (starts with Write, Fill in, Compute, Give, Predict, ...); format notes "
               "such as 'Type it as a list', 'List their indices', 'Write pairs like (0, 3)' or "
               "'Use ... for' do not count",
    "precise": "states what is needed: at least one concrete number (a shape, a size, tensor values) "
               "in the prompt or code, or an image; for shape/value cards the tensor asked about "
               "is defined in the code; no vague words (etc., and so on, something, roughly, "
               "various, whatever)",
    "consistent": "reads like its siblings (the other reviewed cards of its family and form): the "
                  "answer kind (shape, number, list, expression, ...) that more than half of them share, "
                  "and a prompt (numbers and code masked) on average at least 50% similar to theirs, "
                  "word by word (difflib)",
    "tractable": "small enough to answer reliably: prompt at most 600 characters, code at most 20 "
                 "lines, a value answer with at most 16 numbers",
    "effortful": "the answer must be produced, not spotted: the answer text (spacing, quotes and case "
                 "ignored) is not in the prompt (format notes such as 'or none' aside) or the code; a "
                 "numeric answer of two or more digits is not stated in the prompt's prose (single "
                 "digits are too common to count)",
    "one_answer": "one short answer: a single line, at most 60 characters (80 for an einsum/einops "
                  "expression), without ' or ' / ';' alternatives",
    "no_yes_no": "not a yes/no card: the answer is not yes/no/true/false and no question starts "
                 "with Is/Are/Does/Can/...",
    "no_duplicate": "not a repeat: no other reviewed card of the same family and form has the same "
                    "numbers in the same order and a text (prompt, code, image) at least 97% the same "
                    "(difflib), and no card anywhere has exactly the same text; variants that differ in "
                    "their numbers are not repeats",
    "not_transcribable": "a write card is not answered from its text: lazy solvers (copy the axis names "
                         "printed on the card, assign letters by matching printed sizes, write the unshared "
                         "axes in order of first appearance) answer at most 30% of 30 seeds of its family's "
                         "write form; nor does any of a stranger's solvers (exercises/solvers.py: printed names "
                         "in order or reversed, matched sizes, order of first appearance or reversed, the "
                         "family's most frequent answer structure, its top 3, its template filled with the card's "
                         "names, the most frequent answer of seeds whose operands look alike; ties picked "
                         "at random) over 50 seeds; a reworded card's text does not let them answer it; a form "
                         "asked only in the mixed pool is judged there",
    "no_mistake_scores": "no classic mistake listed for the card (run on its variant) and no distractor is "
                         "accepted by its checker; a value card lists at least one mistake",
    "states_precision": "a card with a non-integer answer says the precision it is judged at "
                        "(to 2 decimal places, to 3 significant figures, exactly) in its prompt",
    "varied_answer": "the answer varies: over 100 seeds of its family and form (axis names renamed, numbers "
                     "at the stated precision) no answer comes up in more than 25% of them (1.5x the "
                     "uniform share when fewer than 4 answers occur); a write form has at least 4 answer "
                     "structures, the most frequent in at most 35% of them",
    "no_answer_example": "no format example on the card or in its checker's message (the text after 'like', "
                         "'e.g.', 'such as') is a right answer",
}
