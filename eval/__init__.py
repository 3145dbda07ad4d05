"""Evaluation and benchmark tooling (run from the repo root)."""
