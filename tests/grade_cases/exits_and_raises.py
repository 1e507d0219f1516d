# cardgen: einsum.batched_matmul seed=0
# cardgen: superposition.cosine_decay_lr seed=0
# cardgen: superposition.forward seed=0
"""A raised exception (through a helper), sys.exit, then os._exit."""
import os
import sys


def _check(a):
    raise ValueError(f"bad input of shape {tuple(a.shape)}")


def batched_matmul(a, b):
    _check(a)


def cosine_decay_lr(step, steps):
    sys.exit(3)


def forward(W, b_final, features):
    os._exit(7)
