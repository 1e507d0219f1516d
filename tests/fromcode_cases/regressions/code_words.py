"""The code's own words (issue 21): operands that are slices or method calls keep their
tensor's name, numpy code shows numpy, and a module-level alias is followed."""
import numpy as np

einsum = np.einsum


def coulomb(c1, fov, z, p0, p1):
    j = np.einsum('pi,qi->qp', c1[:, p0:p1], fov.conj())  # not 'pq': a template answers that (no write card)
    k = einsum('ij,jk->ik', z.astype(float), c1)
    return j, k
