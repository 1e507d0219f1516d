"""cardgen in Jupyter, VS Code and Colab notebooks.

``%load_ext cardgen`` registers the ``%cardgen`` magic (:mod:`cardgen.notebook.magics`, which
needs the ``jupyter`` extra). :mod:`~cardgen.notebook.cards` (``cardgen.show``/``check``),
:mod:`~cardgen.notebook.grading` and :mod:`~cardgen.notebook.html` import no IPython, so
they work in any Python.
"""
