"""The report (helpers.report): headline numbers, figures in the paper's order, links that resolve offline, and only
the outputs of notebooks with a valid record; its content checked as data, without HTML."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402
from conftest import complete_records

from helpers.outputs import FILES  # noqa: E402
from helpers.report import build_report, report_content  # noqa: E402
from helpers.report.content import Missing, Table  # noqa: E402


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("href"):
            self.links.append(attrs["href"])
        if attrs.get("src"):
            self.images.append(attrs["src"])


def links_of(index: Path) -> _Links:
    parser = _Links()
    parser.feed(index.read_text(encoding="utf-8"))
    return parser


def broken_links(index: Path) -> list[str]:
    """Every href/src of the page that is external or does not resolve to a file relative to the page."""
    parsed = links_of(index)
    bad = []
    for link in parsed.links + parsed.images:
        if link.startswith("#"):
            continue
        if "://" in link or link.startswith("//") or not (index.parent / link.split("#")[0]).is_file():
            bad.append(link)
    return bad


def _notebook(path: Path, title: str) -> None:
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell(f"# {title}"), nbformat.v4.new_code_cell("1 + 1")]
    )
    nbformat.write(nb, path)


def _figure(path: Path, width_in: float = 4) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(width_in, 2))
    ax.plot([0, 1], [0, 1])
    fig.savefig(path, dpi=150)
    plt.close(fig)


@pytest.fixture
def partial_folder(tmp_path) -> Path:
    """01 to 04 ran (records ok), 05 failed (its figure must not show), 06 never ran; plus an unknown figure."""
    out = tmp_path / "analysis"
    (out / "provenance").mkdir(parents=True)
    (out / "tables").mkdir()
    for stem, figs in {
        "01_featurize": ["01_bs_distribution"],
        "02_split_and_histogram": ["fig2_histograms"],
        "03_repeated_training": ["fig3b_r2_vs_f1", "fig3a_boxplots"],
        "04_model_comparison": ["fig5_threshold_quadrants", "fig4_parity_residuals", "zz_extra"],
    }.items():
        _notebook(out / f"{stem}.ipynb", f"{stem[:2]} · title of {stem}")
        for f in figs:
            _figure(out / "figures" / f"{f}.png")
        record = {
            "status": "ok",
            "parameters": {"seed": 7, "threshold": 1.4},
            "given": ["seed"],
            "started": "2026-01-01T10:00:00",
            "seconds": 3.0,
            "outputs": [f"figures/{f}.png" for f in figs],
        }
        (out / "provenance" / f"{stem}.json").write_text(json.dumps(record))
    _notebook(out / "05_unseen_case_study.ipynb", "05 · failed")
    _figure(out / "figures" / "fig6_case_study.png")
    (out / "provenance" / "05_unseen_case_study.json").write_text(
        json.dumps({"status": "failed", "outputs": ["figures/fig6_case_study.png"]})
    )
    (out / "tables" / "table1.csv").write_text(
        "model,r2,rmse,mae,f1,precision,recall\n"
        "R2 best,0.6123,0.2,0.15,0.9,0.95,0.88\n"
        "F1 best,0.5,0.27,0.16,0.94,1.0,0.88\n"
    )
    (out / "tables" / "runs.csv").write_text("run,r2\n0,0.5\n")
    complete_records(out)
    return out


def test_report_of_a_partial_folder(partial_folder):
    stems = [
        "01_featurize",
        "02_split_and_histogram",
        "03_repeated_training",
        "04_model_comparison",
        "05_unseen_case_study",
        "06_honest_evaluation",
    ]
    index = build_report(partial_folder, stems)
    page = index.read_text(encoding="utf-8")
    assert broken_links(index) == []
    # headline: our Table 1 beside the paper's; what is missing is said, not a crash
    assert "0.612" in page and "0.876" in page and "0.845" in page
    assert page.count("is not in this folder") == 4 and "06_honest_evaluation has not run here" in page
    # figures in the paper's order (FILES'), the failed notebook's figure hidden; a file not in FILES is not shown
    images = [Path(src).stem for src in links_of(index).images]
    assert images == [
        "01_bs_distribution",
        "fig2_histograms",
        "fig3a_boxplots",
        "fig3b_r2_vs_f1",
        "fig4_parity_residuals",
        "fig5_threshold_quadrants",
    ]
    assert FILES["fig3a"].caption in page and "zz_extra.png" not in page
    # notebooks: pages for the valid ones only; tables and parameters listed
    links = links_of(index).links
    for stem in stems[:4]:
        assert f"{stem}.html" in links and f"../{stem}.ipynb" in links
    assert "05_unseen_case_study.html" not in links and not (index.parent / "05_unseen_case_study.html").exists()
    assert "../tables/table1.csv" in links and "../tables/runs.csv" in links
    assert "<strong>7</strong>" in page  # a parameter set on the command line is marked
    # offline and responsive
    assert "http://" not in page and "https://" not in page
    assert "max-width: 100%" in page and 'width="420"' not in page


STEMS = [
    "01_featurize",
    "02_split_and_histogram",
    "03_repeated_training",
    "04_model_comparison",
    "05_unseen_case_study",
    "06_honest_evaluation",
]


def test_report_content_without_html(partial_folder):
    report = report_content(partial_folder, STEMS)
    table1 = report.headline.table1
    assert isinstance(table1, Table)
    assert table1.header == ["metric", "R2 best: ours", "R2 best: paper", "F1 best: ours", "F1 best: paper"]
    assert table1.rows[0] == ["R²", "0.612", "0.876", "0.500", "0.870"]
    assert table1.rows[1][0] == "RMSE (T)" and table1.rows[2][2] == "–"  # the paper gives no MAE
    for part in (report.headline.honest, report.headline.coverage, report.headline.baselines):
        assert isinstance(part, Missing) and part.notebook == "06_honest_evaluation"
        assert part.command == f"./run_all.sh --out {partial_folder} --only 06"
    assert report.headline.honest_summary == "" and report.headline.domain_errors is None
    # figures: in the paper's order (FILES'), with FILES' titles and captions; sizes from the image (600 x 300 px)
    assert [(f.stem, f.title) for f in report.figures[:2]] == [
        ("01_bs_distribution", FILES["bs_distribution"].title),
        ("fig2_histograms", FILES["fig2"].title),
    ]
    assert [f.caption for f in report.figures] == [FILES[f.name].caption for f in report.figures]
    assert "fig6_case_study" not in [f.stem for f in report.figures]  # 05 failed
    assert "zz_extra" not in [f.stem for f in report.figures]  # not in FILES: nothing the project writes
    assert report.figures[0].src == "../figures/01_bs_distribution.png"
    assert {(f.width, f.height) for f in report.figures} == {(400, 200)}
    assert [nb.stem for nb in report.notebooks] == STEMS[:4] and report.absent == STEMS[4:]
    assert report.notebooks[0].title == "01 · title of 01_featurize" and report.notebooks[0].seconds == "3"
    assert [t.file for t in report.tables] == ["runs.csv", "table1.csv"]  # FILES' order: 03's, then 04's
    assert [(p.name, p.value, p.given) for p in report.parameters] == [("seed", "7", True), ("threshold", "1.4", False)]
    assert report.parameters[0].notebooks == ["01", "02", "03", "04"]


def test_report_drops_pages_of_notebooks_no_longer_valid(partial_folder):
    index = build_report(partial_folder, ["01_featurize", "02_split_and_histogram"])
    assert (index.parent / "02_split_and_histogram.html").is_file()
    (partial_folder / "provenance" / "02_split_and_histogram.json").write_text(json.dumps({"status": "failed"}))
    index = build_report(partial_folder, ["01_featurize", "02_split_and_histogram"])
    assert not (index.parent / "02_split_and_histogram.html").exists()
    assert "fig2_histograms" not in index.read_text() and broken_links(index) == []


def test_notebook_pages_load_nothing_from_the_internet(partial_folder):
    index = build_report(partial_folder, ["01_featurize"])
    page = (index.parent / "01_featurize.html").read_text(encoding="utf-8")
    assert "<script" in page or "<style" in page  # a real nbconvert page
    assert 'src="https://' not in page and 'src="http://' not in page


def test_a_caption_that_depends_on_the_data_is_made_from_it(partial_folder):
    from helpers.outputs import OutputDir
    from helpers.report.notes import chosen_runs, rank_rule

    out = OutputDir(partial_folder)
    assert chosen_runs(out) == "" and rank_rule(out) == ""  # the files are not there: nothing is said
    for key, run in (("r2_best", 99), ("f1_best", 99)):
        (partial_folder / "models" / key).mkdir(parents=True)
        (partial_folder / "models" / key / "params.json").write_text(json.dumps({"run": run}))
    assert "same run (run 99)" in chosen_runs(out)
    (partial_folder / "models" / "f1_best" / "params.json").write_text(json.dumps({"run": 12}))
    assert chosen_runs(out) == "On these data they pick different runs (R2 best: run 99, F1 best: run 12)."
    complete_records(partial_folder)  # as if 03 had written them
    figure = next(f for f in report_content(partial_folder, STEMS).figures if f.name == "fig3b")
    assert figure.note == chosen_runs(out) and figure.caption == FILES["fig3b"].caption
    (partial_folder / "tables" / "screen_top.csv").write_text("composition,rank_by,score\nFe80B20,mean,1.7\n")
    assert rank_rule(out) == "The top candidates are ranked by the ensemble mean (rank_by = 'mean')."
    page = build_report(partial_folder, STEMS).read_text(encoding="utf-8")
    assert "they pick different runs" in page


def test_the_headline_shows_the_batch_to_make_next_and_its_evidence_before_table_1(partial_folder):
    import pandas as pd

    from helpers.discovery.glass_rules import mark_chosen, rule_evidence

    out = partial_folder
    batch = pd.DataFrame(
        {
            "pick": [1, 2],
            "composition": ["Fe85B12Si3", "Fe83B14P3"],
            "anneal_temp_K": [773.0, None],
            "anneal_time_s": [3600.0, None],
            "bs_ensemble": [1.81, 1.74],
            "bs_lower": [1.69, 1.6],
            "bs_upper": [1.93, 1.88],
            "p_glass": [0.71, 0.93],
            "in_domain": [True, False],
            "in_glass_domain": [True, True],
            "nearest_composition": ["Fe84B16", "Fe84B16"],
            "nearest_bs_tesla": [1.62, 1.62],
            "nearest_distance_at_pct": [3.0, 3.0],
            "nearest_labelled_composition": ["Fe85B15", "Fe83B14P3"],
            "nearest_labelled_glass": [0, 1],
            "nearest_labelled_distance_at_pct": [3.0, 0.0],
        }
    )
    batch.to_csv(out / "tables" / "next_experiments.csv", index=False)
    labelled = pd.DataFrame(
        {
            "bs_ensemble": [1.9, 1.85, 1.8, 1.7],
            "bs_lower": 1.5,
            "bs_upper": 2.0,
            "interval_level": 0.9,
            "composition": ["Fe86B14", "Fe85B15", "Fe84B16", "Fe80B20"],
            "p_glass": [0.1, 0.3, 0.9, 0.95],
            "label": [0, 0, 1, 1],
            "chemical_system": ["Fe-B", "Fe-B-Si", "Fe-B-P", "Fe-B-C"],
        }
    )
    evidence = mark_chosen(rule_evidence(labelled, top=2, thresholds=(0.5,), n_boot=10), "glass_mean", 0.5)
    evidence.to_csv(out / "tables" / "glass_rule_evidence.csv", index=False)
    record = {"status": "ok", "parameters": {}, "given": [], "started": "2026-01-01T10:00:00", "seconds": 3.0}
    record["outputs"] = ["tables/next_experiments.csv", "tables/glass_rule_evidence.csv"]
    _notebook(out / "09_screen_candidates.ipynb", "09 · screening")
    (out / "provenance" / "09_screen_candidates.json").write_text(json.dumps(record))
    head = report_content(out, [*STEMS, "09_screen_candidates"]).headline
    assert head.next_batch.rows[0][:5] == ["1", "Fe85B12Si3", "773 K, 3600 s", "1.81 (1.69-1.93)", "0.71"]
    assert head.next_batch.rows[1][2] == "as-quenched" and head.next_batch.rows[1][5] == "glass"
    assert head.next_batch.rows[0][6] == "Fe84B16 (1.62 T), 3.0 at.% away"
    assert head.next_batch.rows[0][7] == "Fe85B15 (no glass), 3.0 at.% away"
    assert len(head.rule_evidence) == 2 and "0 formed a glass" in head.rule_evidence[0]
    assert "2 of the top 2 formed a glass" in head.rule_evidence[1]
    page = build_report(out, [*STEMS, "09_screen_candidates"]).read_text(encoding="utf-8")
    assert page.index("What to make next") < page.index("Fe85B12Si3") < page.index("Table 1")
    assert page.index("Why this ranking") < page.index("2 of the top 2 formed a glass") < page.index("Table 1")
