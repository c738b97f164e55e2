"""Every file an analysis writes, named once (cookiecutter-data-science's config.py idea): FILES.

An entry says where the file lives, which notebook writes it, what it holds, which notebooks read it (the pipeline's
order comes from that: helpers.pipeline.dag) and, for figures and tables, what the report says (in FILES' order). A
new output is one entry in its notebook's block, e.g. ``"x": table("tables/x.csv", "what it holds", read_by=("09",))``
or ``"fig7": figure("figures/fig7.png", "what it holds", "Title", "Caption.")``. A caption is true on any data; a
sentence that depends on the data names a function of helpers.report.notes (``note="chosen_runs"``).
"""

from __future__ import annotations

import re

from helpers.outputs.beyond import BEYOND_THE_PAPER
from helpers.outputs.entries import OutputFile, data, figure, made_by, table

SAVED_MODELS = ("04", "05", "09")  # the notebooks that load 03's saved models (helpers.modeling.saved_models)

FILES: dict[str, OutputFile] = {
    **made_by(
        "01",
        {
            "dataset": data(
                "data/dataset.csv",
                "the tidy table: one row per measurement (index row_id)",
                ("02", "03", "04", "05", "06", "07", "08", "09", "10"),
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
                "data/case_study.csv", "the unseen case-study rows chosen by 02", ("05", "07", "08", "10")
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
            "fork_comparison": table(
                "tables/04_fork_comparison.csv",
                "in a fork: R2, RMSE and F1 of its models against those of the analysis it was forked from",
            ),
            "fork_comparison_figure": figure(
                "figures/04_fork_comparison.png",
                "a fork against the analysis it came from",
                "A fork against the analysis it came from",
                "Test-set R², RMSE and F1 of the R2 best, the F1 best and the ensemble of this fork (blue) and of the "
                "analysis it was forked from (grey), on the same test rows.",
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
    **BEYOND_THE_PAPER,
}

# What the pipeline writes beside the notebooks' files ({stem}: a notebook's name, e.g. 03_repeated_training).
PIPELINE_FILES = {
    "executed_copy": "{stem}.ipynb",
    "failed_copy": "{stem}.failed.ipynb",  # the executed copy of a run that failed or was interrupted
    "running_copy": "provenance/{stem}.running.ipynb",  # the executed copy while the pipeline runs it
    "record": "provenance/{stem}.json",
    "kernel_log": "provenance/{stem}.kernel.log",
    "fork_record": "provenance/fork.json",  # in a fork: the analysis it was forked from (helpers.pipeline.fork)
    "superseded": "superseded/{time}/{path}",  # what a rerun replaced, moved, laid out as in the folder
    "report": "report/index.html",
    "notebook_page": "report/{stem}.html",
}
_STEM = r"[0-9][0-9]_[a-z0-9_]+"


def named(relative: str) -> str | None:
    """The name in FILES or PIPELINE_FILES of a file of an output folder (a path relative to it), or None."""
    for name, entry in FILES.items():
        if relative == entry.path or relative.startswith(entry.path + "/"):
            return name
    if relative.startswith("superseded/"):
        return "superseded"
    for name, pattern in PIPELINE_FILES.items():
        if re.fullmatch(re.escape(pattern).replace(re.escape("{stem}"), _STEM), relative):
            return name
    return None
