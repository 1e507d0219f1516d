"""tensors exercise families: the tensor skills under the TMS chapter (ARENA 0.0, Tensor-Puzzles).

Indexing and gather, broadcasting, ``torch.where``, ``arange``-built masks, cumulative sums,
softmax / logsumexp / cross-entropy, sampling and accuracy, row normalisation. One module per
family, found by the registry; ``_common`` holds the value form they share.
"""
