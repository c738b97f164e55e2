"""Every file an analysis writes, named once (cookiecutter-data-science's config.py idea): FILES.

An entry says where the file lives, which notebook writes it, what it holds, which notebooks read it (the pipeline's
order comes from that: helpers.pipeline.dag) and, for figures and tables, what the report says (in FILES' order). A
new output is one entry in its notebook's block, e.g. ``"x": table("tables/x.csv", "what it holds", read_by=("09",))``
or ``"fig7": figure("figures/fig7.png", "what it holds", "Title", "Caption.")``. A caption is true on any data; a
sentence that depends on the data names a function of helpers.report.notes (``note="chosen_runs"``).
"""

from __future__ import annotations

import re

from helpers.outputs.entries import OutputFile, data, figure, made_by, table

SAVED_MODELS = ("04", "05", "09")  # the notebooks that load 03's saved models (helpers.modeling.saved_models)

FILES: dict[str, OutputFile] = {
    **made_by(
        "01",
        {
            "dataset": data(
                "data/dataset.csv",
                "the tidy table: one row per measurement (index row_id)",
                ("02", "03", "04", "05", "06", "07", "09", "10"),
            ),
            "features": data(
                "data/features.parquet",
                "the 156 composition features (+ process features) of every row",
                ("03", "04", "06", "07", "10"),
            ),
            "feature_spec": data(
                "data/feature_spec.json",
                "which features, in which order, with which encodings",
                ("02", "03", "07", "10"),
            ),
            "analysis": data(
                "data/analysis.json",
                "01's parameters that later notebooks read (the threshold)",
                ("02", "03", "04", "06", "07", "09"),
            ),
            "bad_rows": table("tables/bad_rows.csv", "rows excluded or changed while reading the data, and why"),
            "dataset_summary": table("tables/dataset_summary.csv", "rows, alloys, annealing states and Bs range"),
            "bs_distribution": figure(
                "figures/01_bs_distribution.png",
                "Bs of every row, and Bs against Fe",
                "The data",
                "Bs of every row of the training data (left) and Bs against Fe content (right); the dashed line is the "
                "threshold that separates high from low Bs for the F1 score.",
            ),
        },
    ),
    **made_by(
        "02",
        {
            "split": data("data/split.csv", "training or test side of every row", ("03", "04", "10")),
            "split_parameters": data("data/split.json", "02's parameters (the case-study definition)", ("05", "07")),
            "case_study_rows": data(
                "data/case_study.csv", "the unseen case-study rows chosen by 02", ("05", "07", "10")
            ),
            "case_study_features": data(
                "data/case_study_features.parquet", "the features of those rows (01's spec)", ("10",)
            ),
            "case_study_bad_rows": table(
                "tables/case_study_bad_rows.csv", "case-study rows excluded or changed while reading them"
            ),
            "split_summary": table("tables/split_summary.csv", "the training and test sets and their similarity"),
            "fig2": figure(
                "figures/fig2_histograms.png",
                "Bs histograms of all, training and test rows (paper Fig. 2)",
                "Fig. 2: training and test sets",
                "Bs histograms of the full, training and test sets on shared bins; the title gives the "
                "Kolmogorov-Smirnov statistic between training and test (small = similar distributions).",
            ),
        },
    ),
    **made_by(
        "03",
        {
            "runs": table("tables/runs.csv", "test-set scores of every training run", SAVED_MODELS),
            "test_predictions": table("tables/test_predictions.csv", "every run's prediction of every test row"),
            "training": data(
                "models/training.json", "03's parameters and the fingerprint of its inputs", (*SAVED_MODELS, "06", "07")
            ),
            "scaler": data("models/scaler.json", "the feature and target scaler of the training rows", SAVED_MODELS),
            "model_feature_spec": data("models/feature_spec.json", "the features the networks expect", SAVED_MODELS),
            "run_weights": data("models/runs", "the weights of every run, run_NNN.npz", SAVED_MODELS),
            "r2_best": data(
                "models/r2_best", "the R2-best network (weights.npz, model.keras, scaler, params)", SAVED_MODELS
            ),
            "f1_best": data("models/f1_best", "the F1-best network", SAVED_MODELS),
            "calibration": data(
                "models/calibration.npz", "the conformal calibration of the prediction intervals", SAVED_MODELS
            ),
            "domain": data("models/domain.json", "the applicability domain of the training data", SAVED_MODELS),
            "fig3a": figure(
                "figures/fig3a_boxplots.png",
                "R2 and F1 of the runs (paper Fig. 3a)",
                "Fig. 3a: one network, many trainings",
                "Test-set R² and F1 of every training run of the same network: how much a single score depends on the "
                "random seed.",
            ),
            "fig3b": figure(
                "figures/fig3b_r2_vs_f1.png",
                "R2 against F1 per run, chosen models marked (paper Fig. 3b)",
                "Fig. 3b: R² against F1",
                "Every training run by its test-set R² and F1, with the R2 best and F1 best runs marked.",
                note="chosen_runs",
            ),
        },
    ),
    **made_by(
        "04",
        {
            "table1": table("tables/table1.csv", "Table 1: test-set scores of the R2 best and F1 best models"),
            "threshold_sweep": table("tables/threshold_sweep.csv", "F1, precision and recall against the threshold"),
            "fig4": figure(
                "figures/fig4_parity_residuals.png",
                "parity, residuals, residual histograms (paper Fig. 4)",
                "Fig. 4: predictions on the test set",
                "Predicted against measured Bs (parity), residuals against measured Bs, and residual histograms, for "
                "the R2 best and F1 best models on the same axes.",
            ),
            "fig5": figure(
                "figures/fig5_threshold_quadrants.png",
                "the four threshold areas (paper Fig. 5)",
                "Fig. 5: the four threshold areas",
                "Parity plots cut by the threshold on both axes into true high, false high, false low and true low "
                "areas, with their counts (the basis of F1, precision and recall).",
            ),
            "threshold_sweep_figure": figure(
                "figures/04_threshold_sweep.png",
                "F1 against the threshold",
                "Beyond the paper: the threshold",
                "F1, precision and recall of both models as the threshold moves: how much the F1 comparison depends "
                "on the one threshold chosen.",
            ),
        },
    ),
    **made_by(
        "05",
        {
            "case_study": table(
                "tables/case_study.csv",
                "predictions, intervals and domain of every unseen case-study row",
                ("06", "09", "10"),
            ),
            "case_study_summary": table(
                "tables/case_study_summary.csv", "case-study errors and coverage inside and outside the training domain"
            ),
            "fig6": figure(
                "figures/fig6_case_study.png",
                "measured against predicted Bs of the case study (paper Fig. 6)",
                "Fig. 6: unseen Fe-rich alloys",
                "Case study: measured and predicted Bs of alloys never seen in training, by Fe content, and where they "
                "lie against the training data.",
            ),
        },
    ),
    **made_by(
        "06",
        {
            "protocols": table("tables/protocols.csv", "the paper's protocol against the honest one, and the optimism"),
            "baselines": table("tables/baselines.csv", "simple models and ANN variants over grouped outer folds"),
            "spread_coverage": table("tables/spread_coverage.csv", "coverage of the ensemble spread per fold"),
            "interval_coverage": table(
                "tables/interval_coverage.csv",
                "observed coverage and width of the prediction intervals, overall and per category",
            ),
            "domain_errors": table("tables/domain_errors.csv", "mean absolute error inside and outside the domain"),
            "outer_predictions": table(
                "tables/outer_predictions.csv", "every outer test row: ensemble, interval, fold", ("10",)
            ),
            "baselines_figure": figure(
                "figures/06_baselines.png",
                "scores of the baselines against the networks",
                "Beyond the paper: simpler models",
                "Mean test scores over grouped outer folds (error bars: standard deviation over folds) of the ANN "
                "variants and of simple baselines, all chosen without seeing the test set.",
            ),
            "interval_coverage_figure": figure(
                "figures/06_interval_coverage.png",
                "observed against nominal coverage",
                "Beyond the paper: do the prediction intervals keep their promise?",
                "Observed against nominal coverage over the outer folds for the normalized conformal interval, the "
                "plain split-conformal interval and the ensemble mean ± k standard deviations, and the mean width of "
                "each.",
            ),
            "error_vs_difficulty": figure(
                "figures/06_error_vs_difficulty.png",
                "absolute error against difficulty",
                "Beyond the paper: does the domain flag separate large errors from small?",
                "Absolute error of the ensemble against the difficulty score on outer test alloys, inside and outside "
                "the applicability domain.",
            ),
            "spread_coverage_figure": figure(
                "figures/06_spread_coverage.png",
                "observed against nominal spread coverage",
                "Beyond the paper: is the ensemble spread an error bar?",
                "Absolute error against the ensemble's standard deviation, and the share of measured values within k "
                "standard deviations beside what a calibrated Gaussian would give.",
            ),
        },
    ),
    **made_by(
        "07",
        {
            "deployed_models": data(
                "models/deployed",
                "the deployed models: 03's network trained on every usable row of the pooled Bs sources except the "
                "case-study alloys (runs/, runs.csv, r2_best/, f1_best/, scaler, calibration by annealing state, domain)",
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
                "tables/next_experiments.csv", "a diverse batch of candidates to make next, nearest measured alloy"
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

# What the pipeline writes beside the notebooks' files ({stem}: a notebook's name, e.g. 03_repeated_training).
PIPELINE_FILES = {
    "executed_copy": "{stem}.ipynb",
    "record": "provenance/{stem}.json",
    "kernel_log": "provenance/{stem}.kernel.log",
    "report": "report/index.html",
    "notebook_page": "report/{stem}.html",
}
_STEM = r"[0-9][0-9]_\w+"


def named(relative: str) -> str | None:
    """The name in FILES or PIPELINE_FILES of a file of an output folder (a path relative to it), or None."""
    for name, entry in FILES.items():
        if relative == entry.path or relative.startswith(entry.path + "/"):
            return name
    for name, pattern in PIPELINE_FILES.items():
        if re.fullmatch(re.escape(pattern).replace(re.escape("{stem}"), _STEM), relative):
            return name
    return None
