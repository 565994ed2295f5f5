"""What every benchmark script shares: one figure of its JSON line (DESIGN.md's format)."""

from __future__ import annotations


def figure(value: float, budget: float | None, unit: str, **extra) -> dict:
    """{"value": …, "unit": …, "budget": …, "ok": …}; without a budget, no verdict."""
    out = {"value": round(value, 3), "unit": unit, **extra}
    if budget is not None:
        out.update(budget=budget, ok=value <= budget)
    return out
