"""What the report says about each figure and table: captions in the paper's order, and a line per table.

A new figure gets its caption with one line here, FIGURES["file_stem"] = Caption(notebook, title, caption); a figure
not listed is still shown, last, captioned by its file name. The figures and tables of a notebook not in the report
are not shown.
"""

from __future__ import annotations

from typing import NamedTuple


class Caption(NamedTuple):
    """A figure's place in the report: the notebook (prefix) that makes it, its title and its caption."""

    notebook: str
    title: str
    caption: str


class TableNote(NamedTuple):
    """A table's line in the report: the notebook (prefix) that makes it and what the table holds."""

    notebook: str
    description: str


# Figures in the paper's order: file stem -> Caption(notebook that makes it, title, caption).
FIGURES: dict[str, Caption] = {
    "01_bs_distribution": Caption(
        "01",
        "The data",
        "Bs of every row of the training data (left) and Bs against Fe content (right); the dashed line "
        "is the threshold that separates high from low Bs for the F1 score.",
    ),
    "fig2_histograms": Caption(
        "02",
        "Fig. 2: training and test sets",
        "Bs histograms of the full, training and test sets on shared bins; the "
        "title gives the Kolmogorov-Smirnov statistic between training and test (small = similar distributions).",
    ),
    "fig3a_boxplots": Caption(
        "03",
        "Fig. 3a: one network, many trainings",
        "Test-set R² and F1 of every training run of the same network: how "
        "much a single score depends on the random seed.",
    ),
    "fig3b_r2_vs_f1": Caption(
        "03",
        "Fig. 3b: R² against F1",
        "Every training run by its test-set R² and F1, with the R2 best and F1 best runs "
        "marked; the two scores do not pick the same run.",
    ),
    "fig4_parity_residuals": Caption(
        "04",
        "Fig. 4: predictions on the test set",
        "Predicted against measured Bs (parity), residuals against measured Bs, "
        "and residual histograms, for the R2 best and F1 best models on the same axes.",
    ),
    "fig5_threshold_quadrants": Caption(
        "04",
        "Fig. 5: the four threshold areas",
        "Parity plots cut by the threshold on both axes into true high, false "
        "high, false low and true low areas, with their counts (the basis of F1, precision and recall).",
    ),
    "04_threshold_sweep": Caption(
        "04",
        "Beyond the paper: the threshold",
        "F1, precision and recall of both models as the threshold moves: how much "
        "the F1 comparison depends on the one threshold the paper chose.",
    ),
    "fig6_case_study": Caption(
        "05",
        "Fig. 6: unseen Fe-rich alloys",
        "Case study: measured and predicted Bs of alloys never seen in training, by "
        "Fe content, and where they lie against the training data.",
    ),
    "06_baselines": Caption(
        "06",
        "Beyond the paper: simpler models",
        "Mean test scores over grouped outer folds (error bars: standard "
        "deviation over folds) of the ANN variants and of simple baselines, all chosen without seeing the test set.",
    ),
    "06_interval_coverage": Caption(
        "06",
        "Beyond the paper: do the prediction intervals keep their promise?",
        "Observed against nominal coverage over the outer folds for the normalized conformal interval, the plain "
        "split-conformal interval and the ensemble mean ± k standard deviations, and the mean width of each.",
    ),
    "06_error_vs_difficulty": Caption(
        "06",
        "Beyond the paper: does the domain flag separate large errors from small?",
        "Absolute error of the ensemble against the difficulty score on outer test alloys, inside and outside the "
        "applicability domain.",
    ),
    "06_spread_coverage": Caption(
        "06",
        "Beyond the paper: is the ensemble spread an error bar?",
        "Absolute error against the ensemble's standard "
        "deviation, and the share of measured values within k standard deviations beside what a calibrated Gaussian "
        "would give.",
    ),
    "09_screen_bs_vs_fe": Caption(
        "09",
        "Screening: predicted Bs of the candidates",
        "Density of the ensemble's predicted Bs against Fe content for every screened candidate, with the measured "
        "training data on top; the dashed line is the threshold. Far from the training data the numbers are guesses.",
    ),
    "09_screen_pareto": Caption(
        "09",
        "Screening: Bs against metalloid content",
        "The Pareto front of the lower bound of the 90 % interval against total metalloid content (B + Si + P + C, "
        "more usually means easier glass formation), with the top candidates; open circles lie outside the domain.",
    ),
    "09_screen_map": Caption(
        "09",
        "Screening: Bs over two grid elements",
        "Mean predicted Bs of the screened candidates over the first two grid elements, averaged over the others.",
    ),
    "10_enrichment_outer": Caption(
        "10",
        "Which alloy next: one-shot ranking of the outer test folds",
        "Enrichment of high-Bs rows among the top 10 % and 20 % of the outer test rows of 06 ranked by each rule "
        "(1 = chance), with bootstrap 95 % intervals that resample alloys.",
    ),
    "10_enrichment_case": Caption(
        "10", "Which alloy next: one-shot ranking of the case study", "The same for the case-study rows of 05."
    ),
    "10_best_found": Caption(
        "10",
        "Which alloy next: simulated campaigns",
        "Best Bs found against alloys made, mean over campaigns per rule, from a random 10 % start; grey: the band "
        "of 95 % of the random campaigns.",
    ),
    "10_best_found_hard": Caption(
        "10", "Which alloy next: simulated campaigns, hard start", "The same from a start below the pool's median."
    ),
}
# Tables: file name -> (notebook that makes it, what it holds); tables not listed are still linked.
TABLES: dict[str, TableNote] = {
    "table1.csv": TableNote("04", "Table 1: test-set scores of the R2 best and F1 best models (04)"),
    "protocols.csv": TableNote("06", "the paper's protocol against the honest one, and the optimism (06)"),
    "baselines.csv": TableNote("06", "simple models and ANN variants over grouped outer folds (06)"),
    "runs.csv": TableNote("03", "test-set scores of every training run (03)"),
    "test_predictions.csv": TableNote("03", "test-set predictions of every run (03)"),
    "case_study.csv": TableNote("05", "predictions for every unseen case-study row (05)"),
    "case_study_summary.csv": TableNote("05", "case-study errors inside and outside the training domain (05)"),
    "threshold_sweep.csv": TableNote("04", "F1, precision and recall against the threshold (04)"),
    "spread_coverage.csv": TableNote("06", "coverage of the ensemble spread per fold (06)"),
    "interval_coverage.csv": TableNote(
        "06",
        "observed coverage and width of the prediction intervals, overall and per category (06)",
    ),
    "domain_errors.csv": TableNote("06", "mean absolute error inside and outside the applicability domain (06)"),
    "bad_rows.csv": TableNote("01", "rows excluded or changed while reading the data, with the reason (01)"),
    "dataset_summary.csv": TableNote("01", "rows, alloys and Bs range of the data (01)"),
    "split_summary.csv": TableNote("02", "the training and test sets and their similarity (02)"),
    "case_study_bad_rows.csv": TableNote("02", "case-study rows excluded or changed while reading them (02)"),
    "screen_top.csv": TableNote("09", "the best screened candidates by the lower bound of their interval (09)"),
    "screen_summary.csv": TableNote(
        "09",
        "candidates screened, seconds, workers, how many in the domain and above the threshold (09)",
    ),
    "screen_retrospective.csv": TableNote(
        "09",
        "the case-study alloys scored as candidates: enrichment of high-Bs alloys in "
        "the top fifth, rank correlation (09)",
    ),
    "discovery_benchmark.csv": TableNote("10", "enrichment and precision of every ranking rule, 95 % intervals (10)"),
    "discovery_simulation.csv": TableNote("10", "simulated campaigns: experiments to a top alloy, acceleration (10)"),
    "next_experiments.csv": TableNote("09", "a diverse batch of candidates to make next, nearest measured alloy (09)"),
    "screen_pareto.csv": TableNote("09", "the Pareto front of lower-bound Bs against metalloid content (09)"),
}
# Table 1's rows: column of tables/table1.csv -> label.
METRICS = [
    ("r2", "R²"),
    ("rmse", "RMSE (T)"),
    ("mae", "MAE (T)"),
    ("f1", "F1"),
    ("precision", "precision"),
    ("recall", "recall"),
]
