"""A project module re-exporting einops, imported relatively (issue 21: x-transformers-style
packages); the names resolve as with an absolute project import."""
from . import helpers
from .helpers import rearrange


def swap(x):
    return rearrange(x, 'a b -> b a')


def flip(x):
    return helpers.rearrange(x, 'a b c -> c b a')
