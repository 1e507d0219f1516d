"""``cardgen drill`` and ``cardgen stats``: daily practice in the terminal, scheduled by FSRS.

A *drill card* is one exercise family plus one question form (``einsum.matmul`` / ``write``);
every review of it draws a fresh seed, so the learner practises the mechanics rather than
memorizing one variant. ``store`` keeps cards and every review log in SQLite, ``scheduler``
adapts the ``fsrs`` package, ``session`` runs the question loop and ``cli`` defines the
click commands.
"""
