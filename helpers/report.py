"""The report of an output folder, OUT/report/index.html: the page a reader opens first.

Headline numbers (our Table 1 beside the paper's, the honest estimate of notebook 06, the baselines), every figure in
the paper's order with a caption, links to every executed notebook (as HTML) and table, and the parameters. It uses
only the notebooks with a valid provenance record (see helpers.pipeline), works offline from the folder (no external
resource), and says what is missing instead of failing when a notebook has not run.

    python -m helpers.report OUT        (the pipeline calls build_report after every run_all.sh)
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
import sys
from pathlib import Path

import pandas as pd

from helpers.metrics import PAPER_TABLE1

REPORT = "report"
PROVENANCE = "provenance"

# Figures in the paper's order: file stem -> (notebook that makes it, title, caption). A figure not listed comes last,
# captioned by its file name. The figures and tables of a notebook not in the report are not shown.
FIGURES: dict[str, tuple[str, str, str]] = {
    "01_bs_distribution": (
        "01",
        "The data",
        "Bs of every row of the training data (left) and Bs against Fe content (right); the dashed line "
        "is the threshold that separates high from low Bs for the F1 score.",
    ),
    "fig2_histograms": (
        "02",
        "Fig. 2: training and test sets",
        "Bs histograms of the full, training and test sets on shared bins; the "
        "title gives the Kolmogorov-Smirnov statistic between training and test (small = similar distributions).",
    ),
    "fig3a_boxplots": (
        "03",
        "Fig. 3a: one network, many trainings",
        "Test-set R² and F1 of every training run of the same network: how "
        "much a single score depends on the random seed.",
    ),
    "fig3b_r2_vs_f1": (
        "03",
        "Fig. 3b: R² against F1",
        "Every training run by its test-set R² and F1, with the R2 best and F1 best runs "
        "marked; the two scores do not pick the same run.",
    ),
    "fig4_parity_residuals": (
        "04",
        "Fig. 4: predictions on the test set",
        "Predicted against measured Bs (parity), residuals against measured Bs, "
        "and residual histograms, for the R2 best and F1 best models on the same axes.",
    ),
    "fig5_threshold_quadrants": (
        "04",
        "Fig. 5: the four threshold areas",
        "Parity plots cut by the threshold on both axes into true high, false "
        "high, false low and true low areas, with their counts (the basis of F1, precision and recall).",
    ),
    "04_threshold_sweep": (
        "04",
        "Beyond the paper: the threshold",
        "F1, precision and recall of both models as the threshold moves: how much "
        "the F1 comparison depends on the one threshold the paper chose.",
    ),
    "fig6_case_study": (
        "05",
        "Fig. 6: unseen Fe-rich alloys",
        "Case study: measured and predicted Bs of alloys never seen in training, by "
        "Fe content, and where they lie against the training data.",
    ),
    "06_baselines": (
        "06",
        "Beyond the paper: simpler models",
        "Mean test scores over grouped outer folds (error bars: standard "
        "deviation over folds) of the ANN variants and of simple baselines, all chosen without seeing the test set.",
    ),
    "06_interval_coverage": (
        "06",
        "Beyond the paper: do the prediction intervals keep their promise?",
        "Observed against nominal coverage over the outer folds for the normalized conformal interval, the plain "
        "split-conformal interval and the ensemble mean ± k standard deviations, and the mean width of each.",
    ),
    "06_error_vs_difficulty": (
        "06",
        "Beyond the paper: does the domain flag separate large errors from small?",
        "Absolute error of the ensemble against the difficulty score on outer test alloys, inside and outside the "
        "applicability domain.",
    ),
    "06_calibration": (
        "06",
        "Beyond the paper: is the ensemble spread an error bar?",
        "Absolute error against the ensemble's standard "
        "deviation, and the share of measured values within k standard deviations beside what a calibrated Gaussian "
        "would give.",
    ),
    "07_screen_bs_vs_fe": (
        "07",
        "Screening: predicted Bs of the candidates",
        "Density of the ensemble's predicted Bs against Fe content for every screened candidate, with the measured "
        "training data on top; the dashed line is the threshold. Far from the training data the numbers are guesses.",
    ),
    "07_screen_pareto": (
        "07",
        "Screening: Bs against metalloid content",
        "The Pareto front of the lower bound of the 90 % interval against total metalloid content (B + Si + P + C, "
        "more usually means easier glass formation), with the top candidates; open circles lie outside the domain.",
    ),
    "07_screen_map": (
        "07",
        "Screening: Bs over two grid elements",
        "Mean predicted Bs of the screened candidates over the first two grid elements, averaged over the others.",
    ),
}
# Tables: file name -> (notebook that makes it, what it holds); tables not listed are still linked.
TABLES: dict[str, tuple[str, str]] = {
    "table1.csv": ("04", "Table 1: test-set scores of the R2 best and F1 best models (04)"),
    "protocols.csv": ("06", "the paper's protocol against the honest one, and the optimism (06)"),
    "baselines.csv": ("06", "simple models and ANN variants over grouped outer folds (06)"),
    "runs.csv": ("03", "test-set scores of every training run (03)"),
    "test_predictions.csv": ("03", "test-set predictions of every run (03)"),
    "case_study.csv": ("05", "predictions for every unseen case-study row (05)"),
    "case_study_summary.csv": ("05", "case-study errors inside and outside the training domain (05)"),
    "threshold_sweep.csv": ("04", "F1, precision and recall against the threshold (04)"),
    "calibration_folds.csv": ("06", "coverage of the ensemble spread per fold (06)"),
    "interval_coverage.csv": (
        "06",
        "observed coverage and width of the prediction intervals, overall and per category (06)",
    ),
    "domain_errors.csv": ("06", "mean absolute error inside and outside the applicability domain (06)"),
    "bad_rows.csv": ("01", "rows excluded or changed while reading the data, with the reason (01)"),
    "dataset_summary.csv": ("01", "rows, alloys and Bs range of the data (01)"),
    "split_summary.csv": ("02", "the training and test sets and their similarity (02)"),
    "screen_top.csv": ("07", "the best screened candidates by the lower bound of their interval (07)"),
    "screen_summary.csv": (
        "07",
        "candidates screened, seconds, workers, how many in the domain and above the threshold (07)",
    ),
    "screen_retrospective.csv": (
        "07",
        "the case-study alloys scored as candidates: enrichment of high-Bs alloys in "
        "the top fifth, rank correlation (07)",
    ),
    "screen_pareto.csv": ("07", "the Pareto front of lower-bound Bs against metalloid content (07)"),
}
METRICS = [
    ("r2", "R²"),
    ("rmse", "RMSE (T)"),
    ("mae", "MAE (T)"),
    ("f1", "F1"),
    ("precision", "precision"),
    ("recall", "recall"),
]

CSS = """
:root { --fg: #1d2125; --muted: #5b6570; --line: #d9dee3; --accent: #1f5fa8; --bg-soft: #f5f7f9; }
* { box-sizing: border-box; }
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--fg); margin: 0 auto; padding: 1.5rem 1.25rem 4rem; max-width: 1100px; }
h1 { font-size: 1.7rem; line-height: 1.25; margin: 0.2rem 0 0.4rem; }
h2 { font-size: 1.3rem; margin: 2.4rem 0 0.6rem; padding-bottom: 0.25rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.6rem 0 0.4rem; }
p, li { max-width: 75ch; }
a { color: var(--accent); }
.muted { color: var(--muted); font-size: 0.92rem; }
nav { position: sticky; top: 0; background: #fff; border-bottom: 1px solid var(--line); padding: 0.45rem 0;
      font-size: 0.95rem; z-index: 1; }
nav a { margin-right: 1.1rem; text-decoration: none; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-variant-numeric: tabular-nums; font-size: 0.95rem; }
th, td { padding: 0.3rem 0.75rem; border-bottom: 1px solid var(--line); text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid var(--fg); }
td.paper, th.paper { color: var(--muted); }
td.text, th.text { text-align: left; }
.missing { background: #fff6e0; border-left: 4px solid #e0a800; padding: 0.5rem 0.8rem; max-width: 75ch; }
.stale { background: #fdecea; border-left: 4px solid #c0392b; padding: 0.5rem 0.8rem; max-width: 75ch; }
.headline { background: var(--bg-soft); border-radius: 6px; padding: 0.8rem 1rem; max-width: 75ch; }
figure { margin: 1.2rem 0 2.2rem; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--fg); font-size: 0.95rem; margin-top: 0.45rem; max-width: 75ch; }
figcaption .src { color: var(--muted); }
code { font-size: 0.92em; background: var(--bg-soft); padding: 0.05em 0.3em; border-radius: 3px; }
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _num(value: object, digits: int = 3) -> str:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return _e(value)
    return "–" if math.isnan(x) else f"{x:.{digits}f}"


def _read_csv(path: Path) -> pd.DataFrame | None:
    try:
        return pd.read_csv(path)
    except (OSError, ValueError):
        return None


def _missing(what: str, notebook: str, out: Path) -> str:
    return (
        f'<p class="missing">{_e(what)} is not in this folder: notebook {_e(notebook)} has not run here '
        f"(<code>./run_all.sh --out {_e(out)} --only {_e(notebook[:2])}</code>).</p>"
    )


# --------------------------------------------------------------------------- which notebooks count


def valid_notebooks(out: Path, notebook_stems: list[str]) -> tuple[list[tuple[str, dict | None]], set[str]]:
    """The notebooks whose outputs the report shows, with their records (None: run before records existed), and
    the output files of notebooks without a valid record (failed or interrupted), which the report hides."""
    shown, hidden = [], set()
    for stem in notebook_stems:
        path = out / PROVENANCE / f"{stem}.json"
        if path.exists():
            try:
                record = json.loads(path.read_text())
            except ValueError:
                record = {}
            if record.get("status") == "ok" and (out / f"{stem}.ipynb").is_file():
                shown.append((stem, record))
            else:
                hidden.update(record.get("outputs", []))
        elif (out / f"{stem}.ipynb").is_file():
            shown.append((stem, None))
    return shown, hidden


# --------------------------------------------------------------------------- notebook pages


def _external_scripts_removed(page: str) -> str:
    """nbconvert links require.js and MathJax from a CDN; the report must work offline (our notebooks need neither)."""
    return re.sub(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>', "", page)


def notebook_page(out: Path, stem: str) -> tuple[Path, str]:
    """OUT/report/<stem>.html from the executed notebook (reused while it is newer), and the notebook's title."""
    import nbformat

    source = out / f"{stem}.ipynb"
    page = out / REPORT / f"{stem}.html"
    nb = nbformat.read(source, as_version=4)
    title = next(
        (
            c.source.strip().splitlines()[0].lstrip("# ").strip()
            for c in nb.cells
            if c.cell_type == "markdown" and c.source.strip()
        ),
        stem,
    )
    if not page.is_file() or page.stat().st_mtime < source.stat().st_mtime:
        from nbconvert import HTMLExporter

        body, _ = HTMLExporter().from_notebook_node(nb)
        page.write_text(_external_scripts_removed(body), encoding="utf-8")
    return page, title


# --------------------------------------------------------------------------- sections


def trust_section(out: Path, read) -> str:
    """Coverage and width of the 90 % intervals over the outer folds, and the domain flag's error ratio (06)."""
    parts = ["<h3>How far to trust a prediction (notebook 06)</h3>"]
    coverage, domain = read("interval_coverage.csv"), read("domain_errors.csv")
    if coverage is None or domain is None:
        parts.append(_missing("Interval coverage and domain errors", "06_honest_evaluation", out))
        return "\n".join(parts)
    rows = "".join(
        f"<tr><td>{_e(r['method'])}</td><td>{r['level']:.0%}</td><td>{r['coverage']:.1%}</td>"
        f"<td>{_num(r['mean_width_T'])}</td></tr>"
        for _, r in coverage[coverage["category"] == "all"].iterrows()
    )
    parts.append(
        "<table><thead><tr><th>interval</th><th>nominal</th><th>observed</th><th>mean width (T)</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>"
    )
    rows = "".join(
        f"<tr><td>{_e(r['set'])}</td><td>{int(r['rows inside'])}</td><td>{int(r['rows outside'])}</td>"
        f"<td>{_num(r['MAE inside (T)'])}</td><td>{_num(r['MAE outside (T)'])}</td>"
        f"<td>{_num(r['out/in MAE ratio'], 2)}</td></tr>"
        for _, r in domain.iterrows()
    )
    parts.append(
        "<table><thead><tr><th>alloys</th><th>inside domain</th><th>outside</th><th>MAE inside (T)</th>"
        f"<th>MAE outside (T)</th><th>out/in</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    parts.append(
        '<p class="muted">Conformal intervals around the ensemble mean, calibrated on out-of-bag errors of '
        "the training alloys, measured on outer test alloys that nothing was fitted or calibrated on. "
        "The domain flag should send larger errors outside: out/in is the ratio of mean absolute errors.</p>"
    )
    return "\n".join(parts)


def headline_section(out: Path, tables: list[Path]) -> str:
    """Table 1 beside the paper's, the honest estimate and the optimism, the baselines (from the visible tables)."""
    available = {t.name: t for t in tables}

    def read(name: str) -> pd.DataFrame | None:
        return _read_csv(available[name]) if name in available else None

    parts = ['<h2 id="headline">Headline numbers</h2>']
    table1 = read("table1.csv")
    parts.append("<h3>Table 1: the R2 best and F1 best models on the test set, beside the paper's</h3>")
    if table1 is None or "model" not in table1:
        parts.append(_missing("Table 1 (tables/table1.csv)", "04_model_comparison", out))
    else:
        ours = table1.set_index("model")
        models = [m for m in ("R2 best", "F1 best") if m in ours.index]
        head = "".join(f'<th>{_e(m)}: ours</th><th class="paper">{_e(m)}: paper</th>' for m in models)
        rows = []
        for key, label in METRICS:
            cells = "".join(
                f"<td>{_num(ours.loc[m].get(key))}</td>"
                f'<td class="paper">{_num(PAPER_TABLE1.get(m, {}).get(key, float("nan")))}</td>'
                for m in models
            )
            rows.append(f"<tr><td>{_e(label)}</td>{cells}</tr>")
        parts.append(f"<table><thead><tr><th>metric</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
        parts.append(
            '<p class="muted">Ours: this folder\'s data and split; the paper: its own 622 alloys (not '
            "public). Compare the pattern, not the numbers. Both models are chosen by their test-set score "
            "and reported on that same test set, as in the paper: that flatters them (see below). "
            "– : not reported.</p>"
        )

    parts.append("<h3>The honest estimate (notebook 06)</h3>")
    protocols = read("protocols.csv")
    if protocols is None or not {"protocol", "model"} <= set(protocols.columns):
        parts.append(_missing("The honest estimate (tables/protocols.csv)", "06_honest_evaluation", out))
    else:

        def pick(kind: str, model: str) -> pd.Series | None:
            hit = protocols[protocols["protocol"].str.startswith(kind) & (protocols["model"] == model)]
            return hit.iloc[0] if len(hit) else None

        def pm(row: pd.Series | None, key: str) -> str:
            """mean ± std of a metric (the optimism with its sign)."""
            if row is None:
                return "–"
            mean, std = row.get(f"{key}_mean", float("nan")), row.get(f"{key}_std", float("nan"))
            optimism = str(row["protocol"]).startswith("optimism")
            text = f"{'+' if optimism and float(mean) > 0 else ''}{_num(mean)}"
            return text if pd.isna(std) else f"{text} ± {_num(std)}"

        rows, lines = [], []
        for model in ("R2 best", "F1 best"):
            paper, honest, optimism = pick("paper", model), pick("honest", model), pick("optimism", model)
            if paper is None and honest is None:
                continue
            rows.append(
                f"<tr><td>{_e(model)}</td><td>{pm(paper, 'r2')}</td><td>{pm(honest, 'r2')}</td>"
                f"<td>{pm(optimism, 'r2')}</td><td>{pm(paper, 'f1')}</td><td>{pm(honest, 'f1')}</td>"
                f"<td>{pm(optimism, 'f1')}</td></tr>"
            )
            if honest is not None:
                lines.append(f"{model}: R² {_num(honest.get('r2_mean'))}, F1 {_num(honest.get('f1_mean'))}")
        if lines:
            parts.append(
                '<p class="headline"><strong>Chosen on a validation split and scored on untouched test '
                f"alloys:</strong> {_e('; '.join(lines))} (means over the outer folds).</p>"
            )
        parts.append(
            "<table><thead><tr><th>model</th><th>R², paper's protocol</th><th>R², honest</th>"
            "<th>R², optimism</th><th>F1, paper's protocol</th><th>F1, honest</th><th>F1, optimism</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
        parts.append(
            '<p class="muted">Paper\'s protocol: the run is selected on the test set and reported on it. '
            "Honest: selected on a validation share of the training alloys, reported on the test alloys. "
            "Optimism: the first minus the second (positive R² or F1: the paper's protocol flatters). "
            "Mean ± standard deviation over grouped outer folds.</p>"
        )

    parts.append(trust_section(out, read))
    parts.append("<h3>Simpler models</h3>")
    baselines = read("baselines.csv")
    if baselines is None or "model" not in baselines:
        parts.append(_missing("The baselines (tables/baselines.csv)", "06_honest_evaluation", out))
    else:
        rows = "".join(
            f"<tr><td>{_e(r['model'])}</td><td>{_num(r.get('r2_mean'))} ± {_num(r.get('r2_std'))}</td>"
            f"<td>{_num(r.get('rmse_mean'))}</td><td>{_num(r.get('f1_mean'))}</td></tr>"
            for _, r in baselines.iterrows()
        )
        parts.append(
            "<table><thead><tr><th>model</th><th>R² (mean ± std)</th><th>RMSE (T)</th><th>F1</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>"
        )
    return "\n".join(parts)


def _visible(rel: str, maker: str | None, hidden: set[str], shown: set[str]) -> bool:
    """Not written by a failed or interrupted notebook, and (when known) made by a notebook in the report."""
    return rel not in hidden and (maker is None or maker in shown)


def _display_width(png: Path) -> int | None:
    """Width in CSS pixels at which all figures share one scale (saved at 150 dpi, shown as at 100 dpi)."""
    try:
        with open(png, "rb") as f:
            head = f.read(24)
    except OSError:
        return None
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return round(int.from_bytes(head[16:20], "big") * 2 / 3)


def figures_section(out: Path, hidden: set[str], shown: set[str]) -> str:
    pngs = {
        p.stem: p
        for p in sorted((out / "figures").glob("*.png"))
        if _visible(f"figures/{p.name}", FIGURES.get(p.stem, (None,))[0], hidden, shown)
    }
    parts = ['<h2 id="figures">Figures</h2>']
    if not pngs:
        parts.append('<p class="missing">No figures in this folder yet.</p>')
    ordered = [s for s in FIGURES if s in pngs] + sorted(s for s in pngs if s not in FIGURES)
    for stem in ordered:
        _, title, caption = FIGURES.get(stem, (None, stem, ""))
        src = f"../figures/{pngs[stem].name}"
        width = _display_width(pngs[stem])
        size = f' width="{width}"' if width else ""
        parts.append(
            f'<figure id="fig-{_e(stem)}"><h3>{_e(title)}</h3><a href="{_e(src)}">'
            f'<img src="{_e(src)}" alt="{_e(title)}"{size} loading="lazy"></a>'
            f'<figcaption>{_e(caption)} <span class="src">({_e(pngs[stem].name)})</span></figcaption>'
            "</figure>"
        )
    return "\n".join(parts)


def notebooks_section(out: Path, shown: list[tuple[str, dict | None]], stale_or_missing: list[str]) -> str:
    parts = [
        '<h2 id="notebooks">Notebooks (executed)</h2>',
        "<table><thead><tr><th>notebook</th>"
        '<th class="text">title</th><th>ran</th><th>seconds</th><th class="text">files</th></tr></thead><tbody>',
    ]
    for stem, record in shown:
        page, title = notebook_page(out, stem)
        when = (record or {}).get("started", "").replace("T", " ")
        secs = _num((record or {}).get("seconds", float("nan")), 0)
        parts.append(
            f'<tr><td><a href="{_e(page.name)}">{_e(stem)}</a></td><td class="text">{_e(title)}</td>'
            f'<td>{_e(when)}</td><td>{secs}</td><td class="text"><a href="../{_e(stem)}.ipynb">.ipynb</a>'
            "</td></tr>"
        )
    parts.append("</tbody></table>")
    if stale_or_missing:
        parts.append(
            f'<p class="missing">Not in this report (not run in this folder, failed, or removed because '
            f"its inputs changed): {_e(', '.join(stale_or_missing))}.</p>"
        )
    return "\n".join(parts)


def visible_tables(out: Path, hidden: set[str], shown: set[str]) -> list[Path]:
    """The CSV tables the report may show: the known ones in TABLES order, then the others."""
    tables = [
        t
        for t in sorted((out / "tables").glob("*.csv"))
        if _visible(f"tables/{t.name}", TABLES.get(t.name, (None,))[0], hidden, shown)
    ]
    known = [t for t in tables if t.name in TABLES]
    known.sort(key=lambda t: list(TABLES).index(t.name))
    return known + [t for t in tables if t.name not in TABLES]


def tables_section(tables: list[Path]) -> str:
    items = "".join(
        f'<li><a href="../tables/{_e(t.name)}">{_e(t.name)}</a>'
        f"{': ' + _e(TABLES[t.name][1]) if t.name in TABLES else ''}</li>"
        for t in tables
    )
    return f'<h2 id="tables">Tables</h2><ul>{items or "<li>none yet</li>"}</ul>'


def parameters_section(shown: list[tuple[str, dict | None]]) -> str:
    rows: dict[str, tuple[object, list[str], bool]] = {}
    for stem, record in shown:
        if not record:
            continue
        given = set(record.get("given", []))
        for name, value in record.get("parameters", {}).items():
            _, users, was_given = rows.get(name, (value, [], False))
            rows[name] = (value, users + [stem[:2]], was_given or name in given)
    if not rows:
        return '<h2 id="parameters">Parameters</h2><p class="muted">No provenance records in this folder.</p>'
    body = "".join(
        f'<tr><td><code>{_e(n)}</code></td><td class="text">{"<strong>" if g else ""}{_e(repr(v))}'
        f'{"</strong>" if g else ""}</td><td class="text">{_e(", ".join(u))}</td></tr>'
        for n, (v, u, g) in rows.items()
    )
    return (
        '<h2 id="parameters">Parameters</h2><p class="muted">As each notebook ran; <strong>bold</strong>: set '
        "on the command line (the others are the notebook's defaults).</p>"
        '<table><thead><tr><th>parameter</th><th class="text">value</th><th class="text">notebooks</th></tr>'
        f"</thead><tbody>{body}</tbody></table>"
    )


def build_report(out: Path, notebooks: list[Path] | list[str] | None = None) -> Path:
    """Write OUT/report/index.html (and one HTML page per executed notebook); return its path."""
    out = Path(out)
    if notebooks is None:
        stems = sorted(p.stem for p in out.glob("[0-9][0-9]_*.ipynb"))
    else:
        stems = [Path(nb).stem for nb in notebooks]
    report = out / REPORT
    report.mkdir(parents=True, exist_ok=True)
    shown, hidden = valid_notebooks(out, stems)
    shown_stems = {s for s, _ in shown}
    for page in report.glob("*.html"):  # pages of notebooks that are no longer valid
        if page.name != "index.html" and page.stem not in shown_stems:
            page.unlink()
    absent = [s for s in stems if s not in shown_stems]
    makers = {s[:2] for s in shown_stems}
    tables = visible_tables(out, hidden, makers)
    generated = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bs prediction with ANNs: {_e(out.name)}</title><style>{CSS}</style></head><body>
<h1>Predicting Bs of Fe-based metallic glasses with neural networks</h1>
<p class="muted">Report of the output folder <code>{_e(out)}</code>, generated {generated}:
{len(shown)} of {len(stems)} notebooks. A reproduction of C. Nam, <em>Korean J. Mater. Res.</em> 33 (2023), on
different, open data.</p>
<nav><a href="#headline">Headline numbers</a><a href="#figures">Figures</a><a href="#notebooks">Notebooks</a>
<a href="#tables">Tables</a><a href="#parameters">Parameters</a></nav>
{headline_section(out, tables)}
{figures_section(out, hidden, makers)}
{notebooks_section(out, shown, absent)}
{tables_section(tables)}
{parameters_section(shown)}
</body></html>
"""
    index = report / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m helpers.report OUT")
    print(build_report(Path(sys.argv[1]).resolve()))
