"""einsum.mixed: interleaved task cards drawn across the einsum families (see exercises.mixed)."""
from exercises.base import Family
from exercises.mixed import mixed_make

FAMILY = Family(
    id="einsum.mixed",
    title="Mixed tasks (einsum)",
    forms=("task",),
    difficulty=2,
    summary="Interleaved: a task from any einsum family; first recognise the kind of operation.",
    make=mixed_make("einsum"),
)
