# cardgen: einsum.batched_matmul seed=0
import torch


def batched_matmul(a, b)
    return torch.einsum("bik,bkj->bij", a, b)
