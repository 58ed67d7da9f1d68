"""The claims: one module per source (and family), each claim defined once with ``harness.claims.claim``.

A package, so that tests can import a claim module's helpers under the same name
pytest collects it by (``claims.test_000_bigram_critical``), and its claims register once.
"""
