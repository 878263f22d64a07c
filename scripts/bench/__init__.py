"""Benchmarks run by `make bench`; see __main__."""

from __future__ import annotations


def report(name: str, value: float, unit: str) -> None:
    """Print one figure in the form every benchmark uses."""
    text = str(int(value)) if float(value).is_integer() else f"{value:.4g}"
    print(f"bench: {name} {text} {unit}", flush=True)
