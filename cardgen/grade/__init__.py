"""Auto-grading of "implement this function" exercises in a sandboxed child process.

``cli`` (the commands), ``grader`` (one grading, start to verdict), ``cases`` (inputs,
references and known mistakes, in an authenticated cache), ``sandbox`` (the child process,
its limits, and the ``--watch`` fork server), ``child`` (the code that runs inside it),
``wire`` (the one value format both sides speak), ``report`` (verdicts, text and JSON),
``stub`` (exercise files and their headers), ``rules`` (AST rules such as no loops),
``exercise`` (what one graded exercise is: the layer below cases and stubs), ``fsutil``
(removing whatever tree graded code left in its temp dir).
"""
