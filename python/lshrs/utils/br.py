"""Choosing bands and rows: the S-curve of random-hyperplane LSH.

Same names as the original package, but every similarity here is a cosine:
two vectors at cosine s agree on one hyperplane with probability
p(s) = 1 - arccos(s)/π, and become candidates with probability
1 - (1 - p^r)^b (the original treated s itself as the per-bit probability,
which is the Jaccard/MinHash form). Computed by the C++ core (tuning.hpp).
"""

from __future__ import annotations

from typing import Optional

from .. import _core

_TABLE_NUM_PERMS = (64, 128, 256, 512)
_TABLE_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def compute_lsh_threshold(b: int, r: int) -> float:
    """The cosine at which one band collides with probability 1/b: the steep part
    of the S-curve."""
    return _core.threshold_cosine(int(b), int(r))


def compute_collision_probability(similarity: float, b: int, r: int) -> float:
    """Probability that a pair at cosine ``similarity`` shares at least one bucket."""
    return _core.candidate_probability(float(similarity), int(b), int(r))


def compute_false_rates(b: int, r: int, threshold: float) -> tuple[float, float]:
    """(false positive, false negative) rates around ``threshold`` for cosines
    uniform on [0, 1]."""
    return _core.false_rates(int(b), int(r), float(threshold))


def find_optimal_br(num_perm: int, target_threshold: float,
                    tolerance: float = 0.05) -> Optional[tuple[int, int]]:
    """The best-scoring (b, r) with b·r = num_perm whose threshold cosine lies within
    ``tolerance`` of the target, or None when none does."""
    near = [c for c in _core.band_configs(int(num_perm), float(target_threshold))
            if abs(c[2] - target_threshold) <= tolerance]
    if not near:
        return None
    best = min(near, key=lambda c: (0.5 * c[3] + 0.5 * c[4], c[0]))
    return int(best[0]), int(best[1])


def get_optimal_config(num_perm: int, target_threshold: float = 0.5) -> tuple[int, int]:
    """(b, r) minimising the mean of the false rates at the target cosine."""
    return _core.choose_bands(int(num_perm), float(target_threshold))


def print_config_analysis(num_perm: int, threshold: float = 0.5) -> None:
    """Prints every (b, r) for ``num_perm`` with its threshold and false rates."""
    best = get_optimal_config(num_perm, threshold)
    print(f"num_perm={num_perm}, target cosine threshold={threshold}")
    print(f"{'bands':>6} {'rows':>5} {'threshold':>10} {'false+':>9} {'false-':>9}")
    for b, r, t, fp, fn in _core.band_configs(int(num_perm), float(threshold)):
        mark = "  <- chosen" if (b, r) == best else ""
        print(f"{b:>6} {r:>5} {t:>10.4f} {fp:>9.4f} {fn:>9.4f}{mark}")


PRECOMPUTED_CONFIGS: dict[int, dict[float, tuple[int, int]]] = {
    n: {t: get_optimal_config(n, t) for t in _TABLE_THRESHOLDS} for n in _TABLE_NUM_PERMS
}
"""get_optimal_config() for common num_perm and thresholds, computed at import."""
