"""einops.mixed: interleaved task cards drawn across the einops families (see exercises.mixed)."""
from exercises.base import Family
from exercises.mixed import mixed_make

FAMILY = Family(
    id="einops.mixed",
    title="Mixed tasks (einops)",
    forms=("task",),
    difficulty=2,
    summary="Interleaved: a task from any einops family; first recognise the kind of operation.",
    make=mixed_make("einops"),
)
