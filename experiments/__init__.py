"""Experiments: what the claims measure, re-runnable with any configuration, apart from how they are judged.

One module per source (or family). Each module has

* frozen config dataclasses (a comment on every field) and ``CONFIGS = {"ci": …, "paper": …}``
  where a scale changes the sizes (``--claims-scale``; a module without a paper size has only "ci");
* ``STREAMS``: the experiment's seed streams in their fixed order (``lab.seeds.Seeds``);
* ``run(config, seeds, device) -> frozen result``, memoised in-process (``functools.cache``:
  claims of one group share one run); no pytest, no claim context, no plotting;
* pure figure functions ``figure_*(result) -> matplotlib Figure``;
* ``setup(config) -> dict``: the setup table a claim shows, derived from the config, never retyped.

A control or another seed set is the same ``run`` with another config or ``Seeds``.
Imports ``lab`` and ``models`` only.
"""
