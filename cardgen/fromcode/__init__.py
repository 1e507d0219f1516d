"""``cardgen from-code``: exercises from the einsum / einops calls in the learner's own code.

``scan`` finds the calls (ast only, never importing or running the code), ``patterns`` draws
sizes and runs them, ``exercises`` and ``checks`` make the Variants, ``deck`` writes the
cards with :mod:`cardgen.deck`'s note type, and ``cli`` is the command.
"""
