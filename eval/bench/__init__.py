"""Performance benchmarks: `python -m eval.bench.run [--quick]`."""
