"""ClaimDesk benchmarks. Run them all with ``.venv/bin/python -m bench.run``.

Every module of this package that defines ``run(target, args)`` is a benchmark; see
:mod:`bench.run` for the contract.
"""
