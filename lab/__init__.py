"""The science library: optimizers and the training skeleton, training engines, metrics, logit matrices, Lingen.

Imports ``models`` and nothing else of ours; no pytest. Experiments and tests build on it.
"""
