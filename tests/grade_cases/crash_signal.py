"""Crashes the interpreter with a real segmentation fault."""
import ctypes


def batched_matmul(a, b):
    ctypes.string_at(0)
