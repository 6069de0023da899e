"""Grids on the wire (app/training/encoding.py): exact round trips, and what the predictor buys."""

from __future__ import annotations

import base64
import zlib

import numpy as np
import pytest

from app.training.encoding import decode_grid, encode_grid, pack, unpack


@pytest.mark.parametrize("shape", [(7,), (1, 1), (100, 100), (5, 16, 16), (2, 3, 4, 5)])
def test_pack_then_unpack_gives_back_every_byte(shape):
    q = np.random.default_rng(3).integers(0, 256, shape, dtype=np.uint8)
    flat = q.reshape(-1)
    flat[:4] = [255, 0, 255, 0][:flat.size]  # residuals that wrap around mod 256
    np.testing.assert_array_equal(unpack(pack(q), shape), q)


def test_residuals_are_the_plane_predictor_map_by_map():
    # the oracle, written out: r = q − left − up + upper-left (missing neighbours count as 0), mod 256,
    # each map (last two axes) on its own
    q = np.random.default_rng(4).integers(0, 256, (3, 4, 5)).astype(np.int64)
    padded = np.pad(q, ((0, 0), (1, 0), (1, 0)))
    expected = (q - padded[:, 1:, :-1] - padded[:, :-1, 1:] + padded[:, :-1, :-1]) % 256
    got = np.frombuffer(zlib.decompress(base64.b64decode(pack(q.astype(np.uint8)))), np.uint8)
    np.testing.assert_array_equal(got.reshape(q.shape), expected)


def test_a_sloped_plane_deflates_to_almost_nothing():
    i, j = np.mgrid[0:100, 0:100]
    plane = (3 * i + 2 * j) % 256  # an evenly sloped map: every inner residual is 0
    # 10,000 bytes raw; only the first row and column are not zero (run-length deflate repeats
    # runs, not the first column's period of 100, so ~160 bytes rather than the default's ~80)
    assert len(pack(plane.astype(np.uint8))) < 250


@pytest.mark.parametrize("levels", [255, 15])
def test_decoded_values_are_within_half_a_quantisation_step(levels):
    a = np.random.default_rng(5).normal(0.0, 2.0, (4, 16, 16))
    g = encode_grid(a, levels=levels)
    step = (a.max() - a.min()) / levels
    assert g["lo"] == a.min() and g["hi"] == a.max()
    assert np.abs(decode_grid(g) - a).max() <= step / 2 + 1e-12
