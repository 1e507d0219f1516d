"""EinMix layers, as einops' own tests write them."""
import torch.nn as nn
from einops.layers.torch import EinMix

net = nn.Sequential(
    EinMix("b t c -> b t c_out", weight_shape="c c_out", bias_shape="c_out", c=16, c_out=8),
    EinMix("b c1 -> (b c2)", weight_shape="c1 c2", bias_shape="c2", c1=84, c2=84),
    EinMix("b (h c) -> b h d", weight_shape="h c d", h=4),
)
