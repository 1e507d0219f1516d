"""cardgen: randomized exercises on einsum, einops and superposition, answered by execution."""

__version__ = "0.1.0"
