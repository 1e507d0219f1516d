"""einsum exercise families: one module per family, found by the registry."""
