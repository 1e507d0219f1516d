"""Numerical-chemistry calls (psi4numpy, issue 21): a tensor passed twice makes the result an
operand's shape; a tensor named after its axes spells the write card's answer."""
import numpy as np


def lccsd(R, t1):
    return np.einsum('iaq, IAq, ia -> IA', R['ov'], R['ov'], t1)


def exchange(vt_abba):
    return np.einsum('abba', vt_abba)
