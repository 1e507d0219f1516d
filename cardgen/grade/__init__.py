"""Auto-grading of "implement this function" exercises in a sandboxed child process.

``cli`` (the commands), ``grader`` (one grading, start to verdict), ``cases`` (inputs,
references and known mistakes, cached), ``sandbox`` (the child process and its limits),
``child`` (the code that runs inside it), ``report`` (verdicts, text and JSON), ``stub``
(exercise files and their headers), ``rules`` (AST rules such as no loops).
"""
