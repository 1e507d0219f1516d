"""The Anki deck: one note per (family, form), each carrying K variants; the card's script
shows one at random at every review.

``model`` holds the frozen note type and identities, ``render`` turns a Variant into HTML,
``build`` runs the pipeline and ``cli`` is the ``cardgen build-deck`` command.
"""
