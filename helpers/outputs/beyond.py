"""The files of the notebooks beyond the paper's recipe (07 to 10): a part of ``registry.FILES``, in its order.

Entries are written as in ``helpers.outputs.registry`` (its docstring says how); this module only keeps that one
list of outputs short enough to read.
"""

from __future__ import annotations

from helpers.outputs.entries import OutputFile, data, figure, made_by, table

BEYOND_THE_PAPER: dict[str, OutputFile] = {
    **made_by(
        "07",
        {
            "deployed_models": data(
                "models/deployed",
                "the deployed models: 03's network trained on every usable row of the pooled Bs sources except the "
                "case-study alloys (runs, R2 and F1 best, scaler, calibration by annealing state, domain)",
                ("09",),
            ),
            "deployed_rows": data("data/deployed_rows.csv", "the rows the deployed models learned from", ("09",)),
            "transfer_predictions": table(
                "tables/transfer_predictions.csv",
                "every test row of 07's grouped cross-validation and leave-one-source-out test: measured, ensemble, "
                "R2-best network, random forest, intervals and domain flag",
            ),
            "transfer_scores": table(
                "tables/transfer_scores.csv",
                "MAE, RMSE, R2 and interval coverage at 80/90/95 % per evaluation, model, annealing state and source",
            ),
            "transfer_domain": table(
                "tables/transfer_domain.csv", "ensemble error inside and outside the domain, per evaluation"
            ),
            "deployment_goals": table(
                "tables/deployment_goals.csv", "the deployed models' goals against what leave-one-source-out measured"
            ),
            "transfer_figure": figure(
                "figures/07_transfer.png",
                "error and interval coverage across sources",
                "Deployed models: how well they transfer between sources",
                "Mean absolute error of the ensemble, the R2-best network and a random forest per annealing state "
                "(left), and the coverage of the ensemble's intervals against their promise (right), in grouped "
                "cross-validation over the pooled sources and when one source predicts the other's alloys.",
            ),
        },
    ),
    **made_by(
        "08",
        {
            "glass_labelled": table("tables/glass_labelled.csv", "Fe-based compositions, glass or not", ("09",)),
            "glass_bad_rows": table("tables/glass_bad_rows.csv", "glass-formation rows excluded or changed, and why"),
            "glass_scores": table("tables/glass_scores.csv", "AUC, Brier, log loss, ECE per classifier, grouped folds"),
            "glass_out_of_fold": table("tables/glass_out_of_fold.csv", "out-of-fold P(glass) and fold", ("09",)),
            "glass_bs_check": table("tables/glass_bs_check.csv", "share of the Bs sources' alloys called glasses"),
            "glass_split_spread": table("tables/glass_split_spread.csv", "grouped AUC and ECE on other cuts into folds"),
            "glass_model": data("models/glass_model.joblib", "the calibrated glass classifier (GlassModel)", ("09",)),
            "glass_domain": data("models/glass_domain.json", "elements and amounts of the labelled ones", ("09",)),
            "glass_data_figure": figure(
                "figures/08_glass_data.png",
                "Fe and metalloid content of the labelled compositions",
                "Glass formation: the data",
                "Labelled Fe-based compositions by Fe content (left) and by Fe against B + Si + P + C (right), glasses "
                "and non-glasses; crosses: the alloys of the Bs sources.",
            ),
            "glass_reliability_figure": figure(
                "figures/08_glass_reliability.png",
                "reliability diagram of every classifier",
                "Glass formation: do the probabilities come true?",
                "Observed share of glasses against the stated out-of-fold P(glass), folds grouped by chemical system, "
                "for all Fe-based compositions and the Fe-rich ones (marker area: compositions in the bin); on the "
                "dashed line a stated probability comes true as often as it says.",
            ),
        },
    ),
    **made_by(
        "09",
        {
            "screen_summary": table(
                "tables/screen_summary.csv",
                "candidates screened, seconds, workers, how many in the domain and above the threshold",
            ),
            "screen_top": table(
                "tables/screen_top.csv", "the best screened candidates by 09's ranking rule (rank_by)", note="rank_rule"
            ),
            "screen_pareto": table(
                "tables/screen_pareto.csv", "the Pareto front of lower-bound Bs against metalloid content"
            ),
            "next_experiments": table(
                "tables/next_experiments.csv",
                "the batch to make next: Bs interval, P(glass), both domains, nearest measured and labelled alloys",
            ),
            "glass_rule_evidence": table(
                "tables/glass_rule_evidence.csv", "per rule: real glasses and Bs made at the top, held-out compositions"
            ),
            "screen_retrospective": table(
                "tables/screen_retrospective.csv",
                "the case-study alloys ranked as candidates by every rule: enrichment of high-Bs alloys at the top, "
                "rank correlation",
            ),
            "screen_density": figure(
                "figures/09_screen_bs_vs_fe.png",
                "predicted Bs against Fe, training data on top",
                "Screening: predicted Bs of the candidates",
                "Density of the ensemble's predicted Bs against Fe content for every screened candidate, with the "
                "measured training data on top; the dashed line is the threshold. Far from the training data the "
                "numbers are guesses.",
            ),
            "screen_pareto_figure": figure(
                "figures/09_screen_pareto.png",
                "the Pareto front",
                "Screening: Bs against metalloid content",
                "The Pareto front of the lower bound of the prediction interval against total metalloid content (B + "
                "Si + P + C, more usually means easier glass formation), with the top candidates in grey; open circles "
                "lie outside the domain.",
                note="rank_rule",
            ),
            "glass_tradeoff": figure(
                "figures/09_bs_vs_p_glass.png",
                "predicted Bs against P(glass), the Pareto front and the batch to make next",
                "What to make next: Bs against glass formation",
                "Predicted Bs (ensemble mean) against the calibrated probability that the composition forms a glass "
                "as a melt-spun ribbon, for every screened candidate (grey density); the line is the Pareto front (no "
                "candidate beats a point of it on both), the stars the batch to make next, numbered in the order of "
                "the ranking rule (open stars lie outside the Bs or the glass-formation domain).",
                note="rank_rule",
            ),
            "screen_map": figure(
                "figures/09_screen_map.png",
                "predicted Bs over the first two grid elements",
                "Screening: Bs over two grid elements",
                "Mean predicted Bs of the screened candidates over the first two grid elements, averaged over the "
                "others.",
            ),
        },
    ),
    **made_by(
        "10",
        {
            "discovery_benchmark": table(
                "tables/discovery_benchmark.csv", "enrichment and precision of every ranking rule, 95 % intervals"
            ),
            "discovery_pool": table("tables/discovery_pool.csv", "the simulation's pool: rows, alloys, good alloys"),
            "discovery_simulation": table(
                "tables/discovery_simulation.csv", "simulated campaigns: experiments to a top alloy, acceleration"
            ),
            "discovery_best_found": table("tables/discovery_best_found.csv", "best Bs found against experiments"),
            "discovery_enrichment_outer": figure(
                "figures/10_enrichment_outer.png",
                "enrichment per rule, outer folds",
                "Which alloy next: one-shot ranking of the outer test folds",
                "Enrichment of high-Bs rows among the top 10 % and 20 % of the outer test rows of 06 ranked by each "
                "rule (1 = chance), with bootstrap 95 % intervals that resample alloys.",
            ),
            "discovery_enrichment_case": figure(
                "figures/10_enrichment_case.png",
                "enrichment per rule, case study",
                "Which alloy next: one-shot ranking of the case study",
                "The same for the case-study rows of 05.",
            ),
            "discovery_best_found_figure": figure(
                "figures/10_best_found.png",
                "best Bs found per rule, random start",
                "Which alloy next: simulated campaigns",
                "Best Bs found against alloys made, mean over campaigns per rule, from a random 10 % start; grey: the "
                "band of 95 % of the random campaigns.",
            ),
            "discovery_best_found_hard_figure": figure(
                "figures/10_best_found_hard.png",
                "the same, below-median start",
                "Which alloy next: simulated campaigns, hard start",
                "The same from a start below the pool's median.",
            ),
        },
    ),
}
