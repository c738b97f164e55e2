"""Predict Bs of new alloys with the models an analysis saved: R2 best, F1 best and the ensemble of all runs.

    python -m helpers.predict "Fe83.3Si4B8P4Cu0.7" [--anneal-temp K --anneal-time S] [--analysis outputs/default]
    python -m helpers.predict --csv alloys.csv [--out predictions.csv [--force]] [--analysis outputs/default]

The models are the deployed ones of notebook 07 (trained on every usable row of the Bs sources), or with
``--models evaluated`` those of notebook 03 that notebooks 04 to 06 evaluate; the output says how many rows, and how
many as-quenched rows, they learned from.

Each prediction leads with the ensemble (the mean of all trained runs) and its conformal prediction interval
(helpers/intervals.py, 90 % by default, --level to change), then the R2-best and F1-best networks, the ensemble's
standard deviation and a domain flag with its reasons (helpers/domain.py). Without an annealing temperature an
alloy is taken as as-quenched. A prediction outside the physically possible range (0 to 2.5 T), or for an alloy that
is not Fe-based, is refused with its reason and a non-zero exit code (3), never printed as a result. A bound cut
to that range is said (column interval_clipped). A --csv file is read, predicted and written in chunks of
CHUNK_ROWS rows (memory stays bounded; progress on standard error for long files; the output appears at the end).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from contextlib import nullcontext
from pathlib import Path

import pandas as pd

from helpers.data import DataValidationError, frame_to_dataset, iter_user_csv
from helpers.domain import element_amounts
from helpers.files import FileProblem, check_output_path, count_data_lines
from helpers.intervals import DEFAULT_LEVEL, check_level
from helpers.outputs.writer import CsvStream, csv_stream
from helpers.paths import FEATURE_CACHE, PROJECT_ROOT, resolve
from helpers.scoring import INTERVAL_COLUMNS, PREDICTED_COLUMNS, output_frame, score_features
from helpers.validation import BS_MAX_TESLA, TEMP_WITHOUT_TIME

DEFAULT_ANALYSIS = PROJECT_ROOT / "outputs" / "default"
ENSEMBLE_LABEL = "all training runs"
ROUNDED = dict.fromkeys([*PREDICTED_COLUMNS, "ensemble_std", *INTERVAL_COLUMNS, "difficulty"], 4)
EXIT_BAD_ROWS, EXIT_ERROR, EXIT_REFUSED, EXIT_INTERRUPTED = 1, 2, 3, 130
CHUNK_ROWS = 10000  # rows of a --csv file read, featurized, predicted and written at a time (bounds the memory)
PROGRESS_MIN_ROWS = 2 * CHUNK_ROWS  # a shorter file is done in seconds: no progress bar


class PredictionError(RuntimeError):
    """An input that cannot be predicted; the message says why."""


def predict_table(
    table: pd.DataFrame,
    analysis: str | Path | None = None,
    saved=None,
    level: float = DEFAULT_LEVEL,
    cache_dir: Path | None = FEATURE_CACHE,
    models: str | None = None,
) -> pd.DataFrame:
    """Predictions, ensemble spread, interval at ``level``, domain flag and status per row of a tidy table, by the
    ``models`` of the analysis (07's deployed ones by default, "evaluated": 03's) unless ``saved`` is given."""
    from helpers.features import build_features
    from helpers.modeling.files import DEFAULT_MODELS, load_saved_models

    check_level(level)
    saved = saved or load_saved_models(resolve(analysis or DEFAULT_ANALYSIS), models or DEFAULT_MODELS)
    X, _, _ = build_features(table, spec=saved.spec, cache_dir=cache_dir, progress=False)
    return predictions(table, X, saved, level)


def predictions(table: pd.DataFrame, X: pd.DataFrame, saved, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
    """The output table of predict_table for rows whose features X are already built (``helpers.scoring``)."""
    amounts = element_amounts(table["composition"])
    scores = score_features(X, amounts, table["annealed"].to_numpy(bool), saved, saved.stack, level, fold=False)
    return output_frame(table, scores, amounts, saved.domain)  # a refused row is never shown with a number


def level_text(level: float) -> str:
    """An interval level as given, in percent: 0.9 -> '90%', 0.999 -> '99.9%'."""
    return f"{100 * float(level):.10g}%"


def clipped_note(row: pd.Series) -> str | None:
    """A note when an interval bound was cut to the physical range (the interval reaches beyond what is possible)."""
    which = row["interval_clipped"]
    if which not in ("lower", "upper", "both"):
        return None
    bound = {"lower": "lower bound was", "upper": "upper bound was", "both": "two bounds were"}[which]
    return (
        f"note: the {bound} cut to the physical range 0 to {BS_MAX_TESLA:g} T; at {level_text(row['interval_level'])} "
        "the interval reaches beyond it (a lower level gives an interval inside)"
    )


def ignored_annealing_note(table: pd.DataFrame, feature_set: str) -> str | None:
    """A note when annealing conditions were given to models trained on composition alone."""
    if feature_set == "composition" and table["annealed"].any():
        return (
            "note: these models were trained on composition features only (feature_set 'composition'); the "
            "annealing temperature and time given are ignored"
        )
    return None


def _single(formula: str, temp: float | None, time: float | None) -> tuple[pd.DataFrame, list[str]]:
    """The tidy row of a formula from the command line, and a note per change made to it (rescaled, rounded)."""
    frame = pd.DataFrame(
        {
            "composition": [formula],
            "anneal_temp_K": ["" if temp is None else repr(temp)],
            "anneal_time_s": ["" if time is None else repr(time)],
        },
        dtype=str,
    )
    ds = frame_to_dataset(frame, Path("<command line>"), strict=True, with_target=False)
    changed = ds.report[ds.report["action"] == "normalized"]
    notes = [f"note: {formula} was normalized to {ds.table['composition'].iloc[0]}: {r}" for r in changed["reason"]]
    return ds.table, notes


def learned_from(saved, models: str) -> str:
    """Which models answer, and how many rows (and as-quenched rows) they learned from."""
    from helpers.modeling.files import MODEL_SETS

    domain = saved.domain
    return (
        f"{models} models of notebook {MODEL_SETS[models]} from {saved.folder}, learned from {domain.n_rows} rows, "
        f"{domain.n_as_quenched} of them as-quenched"
    )


def _show(row: pd.Series, source: str) -> str:
    treatment = (
        "as-quenched"
        if pd.isna(row["anneal_temp_K"])
        else f"annealed at {row['anneal_temp_K']:g} K for {row['anneal_time_s']:g} s"
    )
    return "\n".join(
        [
            f"{row['composition']} ({treatment}); {source}",
            f"Bs = {row['bs_ensemble']:.3f} T (ensemble of {ENSEMBLE_LABEL}), "
            f"{level_text(row['interval_level'])} interval {row['bs_lower']:.3f} to {row['bs_upper']:.3f} T"
            + ("" if row["interval_calibrated"] else " (widened, not calibrated: too few such rows to calibrate)")
            + f"; ensemble std {row['ensemble_std']:.3f} T",
            f"single networks: R2 best {row['bs_r2_best']:.3f} T, F1 best {row['bs_f1_best']:.3f} T (on new alloys the "
            "ensemble is the one to trust: notebook 06)",
            f"domain: {'inside' if row['in_domain'] else 'OUTSIDE'}"
            + ("" if row["in_domain"] else f" ({row['domain_notes']}): treat the number as a guess"),
        ]
    )


def _parser() -> argparse.ArgumentParser:
    from helpers.modeling.files import DEFAULT_MODELS, MODEL_SETS

    parser = argparse.ArgumentParser(prog="python -m helpers.predict", description=__doc__.splitlines()[0])
    parser.add_argument("formula", nargs="?", help="composition in at.%%, e.g. Fe83.3Si4B8P4Cu0.7")
    parser.add_argument("--anneal-temp", type=float, help="annealing temperature (K); omit for as-quenched")
    parser.add_argument("--anneal-time", type=float, help="annealing time (s)")
    parser.add_argument("--csv", help="CSV or .xlsx with composition[,anneal_temp_K,anneal_time_s] columns")
    parser.add_argument("--out", help="with --csv: write predictions to this new file instead of standard output")
    parser.add_argument("--force", action="store_true", help="with --out: replace the file if it exists")
    parser.add_argument(
        "--level",
        type=float,
        default=DEFAULT_LEVEL,
        help=f"level of the prediction interval (default {DEFAULT_LEVEL}, i.e. 90 %%)",
    )
    parser.add_argument(
        "--analysis", help=f"output folder of an analysis (./run_all.sh --out); default {DEFAULT_ANALYSIS}"
    )
    parser.add_argument(
        "--models",
        choices=list(MODEL_SETS),
        default=DEFAULT_MODELS,
        help="deployed: notebook 07's models, trained on every usable row (default); evaluated: notebook 03's",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if bool(args.formula) == bool(args.csv):
        parser.error("give either a formula or --csv FILE")
    folder = resolve(args.analysis) if args.analysis else DEFAULT_ANALYSIS
    try:
        if folder.exists() and not folder.is_dir():
            raise PredictionError(
                f"--analysis {args.analysis}: is a file, not a folder; give the output folder of an analysis "
                f"(./run_all.sh writes {DEFAULT_ANALYSIS})"
            )
        return _predict_csv(args, folder) if args.csv else _predict_one(args, folder)
    except (DataValidationError, PredictionError, FileProblem, ValueError) as exc:
        print(f"error: {str(exc).replace('<command line>, row 2: ', '')}", file=sys.stderr)
        return EXIT_ERROR
    except RuntimeError as exc:  # ModelFolderError and the like: a one-line message, never a traceback
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted; no output file was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0


def _predict_one(args: argparse.Namespace, folder: Path) -> int:
    from helpers.modeling.files import load_saved_models

    if args.anneal_temp is not None and args.anneal_time is None:
        raise PredictionError(f"--anneal-temp without --anneal-time: {TEMP_WITHOUT_TIME}")
    if args.anneal_time is not None and args.anneal_temp is None:
        raise PredictionError("--anneal-time without --anneal-temp: give both (or neither, for as-quenched)")
    check_level(args.level)
    table, notes = _single(args.formula, args.anneal_temp, args.anneal_time)
    saved = load_saved_models(folder, args.models)
    if note := ignored_annealing_note(table, saved.spec.feature_set):
        notes.append(note)
    row = predict_table(table, saved=saved, level=args.level).iloc[0]
    for note in notes:
        print(note, file=sys.stderr)
    if row["status"] != "ok":
        print(f"{row['composition']}: {row['status']}", file=sys.stderr)
        return EXIT_REFUSED
    print(_show(row, learned_from(saved, args.models)))
    if note := clipped_note(row):
        print(note, file=sys.stderr)
    return 0


def _predict_csv(args: argparse.Namespace, folder: Path) -> int:
    """Read, check, predict and write the file in chunks of CHUNK_ROWS rows: memory stays bounded at any length."""
    from helpers.modeling.files import load_saved_models

    source, out = resolve(args.csv), resolve(args.out) if args.out else None
    check_level(args.level)
    if out is not None:
        check_output_path(out, [source], force=args.force, analysis=folder)
    with csv_stream(out) if out is not None else nullcontext(CsvStream(sys.stdout)) as writer:  # unwritable: fails here
        chunks = iter_user_csv(source, CHUNK_ROWS, with_target=False)
        first = next(chunks)  # a problem with the whole file shows before the models load
        saved = load_saved_models(folder, args.models)
        tally = _predict_chunks(itertools.chain([first], chunks), saved, args.level, source, writer)
        if tally["predicted"] == 0:
            raise PredictionError(f"{source}: no row can be predicted")  # the output file is not written
    print(f"note: {learned_from(saved, args.models)}", file=sys.stderr)  # once the predictions are out
    if out is not None:
        print(f"{writer.rows} rows written to {out}", file=sys.stderr)
    if tally["clipped"]:
        print(
            f"note: an interval bound was cut to the physical range 0 to {BS_MAX_TESLA:g} T in "
            f"{tally['clipped']} row(s) (column interval_clipped)",
            file=sys.stderr,
        )
    if tally["refused"]:
        return EXIT_REFUSED
    return EXIT_BAD_ROWS if tally["excluded"] else 0


def _predict_chunks(chunks, saved, level: float, source: Path, writer) -> dict[str, int]:
    """Predict and write every chunk; report bad and refused rows as they come; counts of what happened."""
    from tqdm import tqdm  # the text bar (tqdm.auto warns when ipywidgets is absent)

    total = count_data_lines(source)
    quiet = total < PROGRESS_MIN_ROWS or os.environ.get("TQDM_DISABLE", "").lower() in ("1", "true", "yes")
    tally = dict.fromkeys(("predicted", "refused", "excluded", "clipped"), 0)
    with tqdm(total=total, unit="rows", desc="predicting", file=sys.stderr, disable=quiet) as bar:

        def say(line: str) -> None:  # on standard error, above the bar
            bar.write(line, file=sys.stderr)

        for ds in chunks:
            for note in ds.notes:  # how the file was read: its sheet, its columns (renamed, converted, not used)
                say(f"note: {source}: {note}")
            for bad in ds.report.itertuples():
                say(f"{bad.action}: {source}, row {bad.source_row}: {bad.column} = {bad.value!r}: {bad.reason}")
            tally["excluded"] += int((ds.report["action"] == "excluded").sum())
            if not ds.table.empty:
                if tally["predicted"] == 0 and (note := ignored_annealing_note(ds.table, saved.spec.feature_set)):
                    say(note)
                result = predict_table(ds.table, saved=saved, level=level, cache_dir=None).round(ROUNDED)
                for row in result[result["status"] != "ok"].itertuples():
                    say(f"{source}, row {row.source_row}: {row.composition}: {row.status}")
                writer.write(result)
                tally["predicted"] += len(result)
                tally["refused"] += int((result["status"] != "ok").sum())
                tally["clipped"] += int(result["interval_clipped"].isin(["lower", "upper", "both"]).sum())
            bar.update(ds.rows_read)
    return tally


if __name__ == "__main__":
    sys.exit(main())
