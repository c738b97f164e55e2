"""Glass formation: can a composition be melt-spun into an amorphous ribbon?

Modules: ``data`` reads the two public glass-formation sources through the project's formula checks and labels each
Fe-based composition glass or not; ``model`` is the chosen classifier (``GlassModel``, calibrated P(glass)) saved in
an analysis; ``evaluation`` compares classifiers by cross-validation grouped by chemical system.
"""
