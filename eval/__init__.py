"""Evaluation and benchmark tooling, an installed package: `eval.retrieval` (retrieval
metrics), `eval.sweep`, `eval.abstention`, `eval.answers` (answer-level set), `eval.bench`."""
