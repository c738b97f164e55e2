"""Which alloy to make next: acquisition rules, a discovery benchmark, simulated campaigns and a diverse batch.

- ``rules``: a score per candidate from a prediction table (mean, lower, upper, ei, probability, random).
- ``benchmark``: enrichment factor and discovery precision of every rule, bootstrap intervals by alloy; its figure.
- ``campaign``: the sequential-learning simulation over a pool of alloys, with the model fitting injected.
- ``ensemble``: the injected steps' signatures and cheap defaults (a tree per row mask; conformal intervals).
- ``outcomes``: experiments until a goal, acceleration against random, best Bs found; its figure.
- ``batch``: a diverse batch chosen by a rule, each candidate with its nearest measured alloy.
- ``real``: the benchmark on an analysis folder's tables (``python -m helpers.discovery.real``).
"""
