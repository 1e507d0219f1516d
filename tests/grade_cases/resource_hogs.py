# cardgen: einsum.batched_matmul seed=0
# cardgen: superposition.forward seed=0
"""A fork bomb and a memory hog: both must be contained and reported."""
import os

import torch


def batched_matmul(a, b):
    while True:
        os.fork()


def forward(W, b_final, features):
    hoard = []
    while True:
        hoard.append(torch.empty(100_000_000))  # 400 MB more, forever
