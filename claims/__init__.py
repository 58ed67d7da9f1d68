"""The claims: one module per source (and family), each claim defined once with ``harness.claims.claim``.

A package, so that tests can import a claim module's helpers under the same name
pytest collects it by (``claims.test_000_bigram_critical``), and its claims register once. The source documents'
titles are named here, once (shared/seeds/README.md), so that the report shows each source by its title.
"""

from toy_claims.harness.registry import name_sources

name_sources({
    "000_cfd314f0efaca259.txt": "Bigram 3 -- Low Rank Structure (Ziming Liu, blog post, 2026)",
    "001_705556c020ca6848.txt": "Unigram toy model is surprisingly rich (Ziming Liu, blog post, 2026)",
    "002_74f484c1e4bc42b8.txt": "Sequences of Logits Reveal the Low Rank Structure of Language Models (arXiv 2510.24966)",
    "003_4b50897c6c97817a.txt": "Token-embedding rank collapse on a small vocab (tutorial note)",
})
