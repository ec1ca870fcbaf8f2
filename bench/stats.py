"""Percentiles as every benchmark here reports them (nearest rank, no interpolation)."""

from __future__ import annotations

from collections.abc import Iterable


def percentiles(
    values: Iterable[float], points: Iterable[float] = (0.50, 0.99), digits: int = 3
) -> dict[str, float] | None:
    """``{"p50": ..., "p99": ...}`` of ``values``; None when there are none."""
    ordered = sorted(values)
    if not ordered:
        return None
    return {
        f"p{round(p * 100)}": round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], digits)
        for p in points
    }
