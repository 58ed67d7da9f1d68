"""Toy datasets with exact distributions and the toy models trained on them."""
