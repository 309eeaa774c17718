"""lshrs.utils: cosine-correct tuning math under the original names, checked
against the closed forms computed here with numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lshrs.hash.lsh import LSHHasher
from lshrs.utils import br
from lshrs.utils.norm import l2_norm
from lshrs.utils.similarity import cosine_similarity, top_k_cosine


def p_bit(s):
    return 1 - math.acos(s) / math.pi


@pytest.mark.parametrize("s,b,r", [(0.5, 16, 8), (0.9, 32, 4), (0.1, 4, 32), (0.99, 128, 2)])
def test_collision_probability_is_the_cosine_s_curve(s, b, r):
    assert br.compute_collision_probability(s, b, r) == pytest.approx(
        1 - (1 - p_bit(s) ** r) ** b, rel=1e-9)


@pytest.mark.parametrize("b,r", [(16, 8), (8, 16), (32, 4)])
def test_threshold_is_where_one_band_collides_with_1_over_b(b, r):
    t = br.compute_lsh_threshold(b, r)
    assert p_bit(t) ** r == pytest.approx(1 / b, rel=1e-9)


def test_false_rates_match_numeric_integration():
    b, r, t = 16, 8, 0.6
    fp, fn = br.compute_false_rates(b, r, t)
    lo = np.linspace(0, t, 200001)
    hi = np.linspace(t, 1, 200001)
    curve = lambda s: 1 - (1 - (1 - np.arccos(s) / np.pi) ** r) ** b  # noqa: E731
    assert fp == pytest.approx(np.trapz(curve(lo), lo) / t, rel=1e-4)
    assert fn == pytest.approx(np.trapz(1 - curve(hi), hi) / (1 - t), rel=1e-4)


def test_optimal_config_minimises_the_mean_false_rate():
    n, t = 128, 0.7
    b, r = br.get_optimal_config(n, t)
    assert b * r == n
    score = lambda bb: sum(br.compute_false_rates(bb, n // bb, t))  # noqa: E731
    for bb in (1, 2, 4, 8, 16, 32, 64, 128):
        assert score(b) <= score(bb) + 1e-12


def test_find_optimal_br_respects_tolerance():
    b, r = br.find_optimal_br(256, 0.5, tolerance=0.2)
    assert abs(br.compute_lsh_threshold(b, r) - 0.5) <= 0.2
    assert br.find_optimal_br(2, 0.5, tolerance=1e-9) is None


def test_precomputed_configs_are_derived_from_the_tuner():
    assert set(br.PRECOMPUTED_CONFIGS) >= {128, 256}
    for n, table in br.PRECOMPUTED_CONFIGS.items():
        for t, config in table.items():
            assert config == br.get_optimal_config(n, t)


def test_print_config_analysis(capsys):
    br.print_config_analysis(64, threshold=0.5)
    out = capsys.readouterr().out
    assert "chosen" in out and len(out.splitlines()) == 2 + 7  # 7 divisors of 64


def test_l2_norm():
    v = np.array([3.0, 4.0])
    np.testing.assert_allclose(l2_norm(v), [0.6, 0.8])
    with pytest.raises(ValueError, match="zero"):
        l2_norm(np.zeros(3))


def test_cosine_and_top_k():
    rng = np.random.default_rng(3)
    q = rng.standard_normal(10)
    c = rng.standard_normal((50, 10))
    expected = c @ q / np.linalg.norm(c, axis=1) / np.linalg.norm(q)
    np.testing.assert_allclose(cosine_similarity(q, c), expected, rtol=1e-5, atol=1e-6)
    top = top_k_cosine(q, c, k=5)
    assert [i for i, _ in top] == list(np.argsort(-expected)[:5])
    with pytest.raises(ValueError):
        cosine_similarity(np.zeros(10), c)


def test_hasher_signature_bits_are_the_dot_product_signs():
    h = LSHHasher(num_bands=4, rows_per_band=10, dim=16, seed=1)
    v = np.random.default_rng(5).standard_normal(16).astype(np.float32)
    sig = h.hash_vector(v)
    assert len(sig) == 4 and len(sig[0]) == 2 and sig.as_tuple() == tuple(sig)
    for band, proj in enumerate(h.projections):
        assert proj.shape == (10, 16) and proj.dtype == np.float32
        bits = (proj.astype(np.float64) @ v > 0).astype(np.uint8)
        assert sig[band] == np.packbits(bits, bitorder="little").tobytes()
    assert h.hash_batch(np.vstack([v, v])) == [sig, sig]
