"""The deployed models (notebook 07): trained after the evaluation on every usable row of the pooled Bs sources, and
how well the network transfers between sources, measured before they are trusted.

Modules:

  pool       the pooled rows: 01's dataset and the other source 02 reads (its case-study alloys marked: they are
             test rows only, never trained on), with their features
  transfer   grouped cross-validation over the pool and leave-one-source-out: the ensemble, the R2-best network, a
             random forest; intervals by annealing state and the domain, per test row
  scores     the tables of the transfer (errors, coverage per annealing state and source, domain) and the goals
  deployed   the deployed training: the network of 03 trained 100 times on the pool, its calibration and domain,
             saved to models/deployed/ (read back by helpers.modeling.files.load_saved_models(out, "deployed"))
"""
