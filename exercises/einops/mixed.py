"""einops.mixed: interleaved task cards drawn across the einops families (see exercises.mixed)."""
from exercises.mixed import mixed_family

FAMILY = mixed_family("einops")
