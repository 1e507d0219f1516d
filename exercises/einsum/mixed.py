"""einsum.mixed: interleaved task cards drawn across the einsum families (see exercises.mixed)."""
from exercises.mixed import mixed_family

FAMILY = mixed_family("einsum")
