"""Predict Bs of new alloys with the models a run saved: R2 best, F1 best and the ensemble of all runs.

    python -m helpers.predict "Fe83.3Si4B8P4Cu0.7" [--anneal-temp K] [--anneal-time S] [--run outputs/default]
    python -m helpers.predict --csv alloys.csv [--out predictions.csv] [--run outputs/default]

Each prediction comes with the ensemble's standard deviation (the spread of all trained runs) and a domain flag
(see helpers/domain.py). Without an annealing temperature an alloy is taken as as-quenched.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data import DataValidationError, frame_to_dataset, read_user_csv
from helpers.paths import resolve

MODELS = {"R2 best": "r2_best", "F1 best": "f1_best"}
OUTPUT_COLUMNS = ["composition", "anneal_temp_K", "anneal_time_s", "bs_r2_best", "bs_f1_best", "bs_ensemble",
                  "ensemble_std", "in_domain", "domain_notes"]

ROUNDED = {"bs_r2_best": 4, "bs_f1_best": 4, "bs_ensemble": 4, "ensemble_std": 4}


class PredictionError(RuntimeError):
    """A run folder without the saved models, or an input that cannot be predicted."""


def load_run_models(run: str | Path):
    """The R2-best and F1-best networks, the ensemble and the domain saved by notebook 03 in run/models."""
    from helpers.domain import Domain
    from helpers.model import load_ensemble, load_network

    models_dir = resolve(run) / "models"
    needed = [models_dir / d / "weights.npz" for d in MODELS.values()] + [models_dir / "training.json",
                                                                          models_dir / "domain.json"]
    missing = [str(p) for p in needed if not p.is_file()]
    if missing:
        raise PredictionError(f"no trained models in {resolve(run)} (missing {missing[0]}); "
                              "run ./run_all.sh first, or pass --run with the output folder of a run")
    return ({name: load_network(models_dir / folder) for name, folder in MODELS.items()},
            load_ensemble(models_dir), Domain.load(models_dir))


def predict_table(table: pd.DataFrame, run: str | Path) -> pd.DataFrame:
    """Predictions, ensemble spread and domain flag for every row of a tidy table (no Bs needed)."""
    from helpers.features import build_features

    networks, ensemble, domain = load_run_models(run)
    X, _, _ = build_features(table, spec=ensemble.spec, progress=False)
    out = table[["composition", "anneal_temp_K", "anneal_time_s"]].copy()
    for name, net in networks.items():
        out[f"bs_{MODELS[name]}"] = net.predict_features(X)[0]
    per_run = ensemble.predict_features(X)
    out["bs_ensemble"], out["ensemble_std"] = per_run.mean(axis=0), per_run.std(axis=0)
    flags = domain.check(table, ensemble.scaler.x(X))
    out["in_domain"], out["domain_notes"] = flags["in_domain"], flags["domain_notes"]
    return out[OUTPUT_COLUMNS]


def _single(formula: str, temp: float | None, time: float | None) -> pd.DataFrame:
    frame = pd.DataFrame({"composition": [formula],
                          "anneal_temp_K": [np.nan if temp is None else temp],
                          "anneal_time_s": [np.nan if time is None else time]}, dtype=object)
    ds = frame_to_dataset(frame, Path("<command line>"), strict=True, with_target=False)
    return ds.table


def _show(result: pd.DataFrame, run: Path) -> str:
    row = result.iloc[0]
    treatment = ("as-quenched" if pd.isna(row["anneal_temp_K"]) else
                 f"annealed at {row['anneal_temp_K']:g} K for {row['anneal_time_s']:g} s")
    lines = [f"{row['composition']} ({treatment}); models from {run}",
             f"{'model':<10} {'Bs (T)':>8} {'ensemble std (T)':>17}  domain"]
    for label, col in (("R2 best", "bs_r2_best"), ("F1 best", "bs_f1_best"), ("ensemble", "bs_ensemble")):
        lines.append(f"{label:<10} {row[col]:8.3f} {row['ensemble_std']:17.3f}  "
                     f"{'inside' if row['in_domain'] else 'OUTSIDE'}")
    lines.append(f"domain: {row['domain_notes']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m helpers.predict", description=__doc__.splitlines()[0])
    parser.add_argument("formula", nargs="?", help="composition in at.%%, e.g. Fe83.3Si4B8P4Cu0.7")
    parser.add_argument("--anneal-temp", type=float, help="annealing temperature (K); omit for as-quenched")
    parser.add_argument("--anneal-time", type=float, help="annealing time (s)")
    parser.add_argument("--csv", help="CSV with composition[,anneal_temp_K,anneal_time_s] columns")
    parser.add_argument("--out", help="with --csv: write predictions here instead of standard output")
    parser.add_argument("--run", default="outputs/default", help="output folder of a run (default outputs/default)")
    args = parser.parse_args(argv)
    if bool(args.formula) == bool(args.csv):
        parser.error("give either a formula or --csv FILE")
    try:
        if args.csv:
            ds = read_user_csv(args.csv, with_target=False)
            for bad in ds.report.itertuples():
                print(f"{bad.action}: {args.csv}, row {bad.source_row}: {bad.column} = {bad.value!r}: {bad.reason}",
                      file=sys.stderr)
            if ds.table.empty:
                raise PredictionError(f"{args.csv}: no row can be predicted")
            result = predict_table(ds.table, args.run).round(ROUNDED)
            if args.out:
                result.to_csv(resolve(args.out), index=False)
                print(f"{len(result)} predictions written to {resolve(args.out)}", file=sys.stderr)
            else:
                result.to_csv(sys.stdout, index=False)
            return 1 if (ds.report["action"] == "excluded").any() else 0
        if args.anneal_time is not None and args.anneal_temp is None:
            raise PredictionError("--anneal-time needs --anneal-temp")
        if args.anneal_temp is not None and args.anneal_time is None:
            raise PredictionError("--anneal-temp needs --anneal-time")
        table = _single(args.formula, args.anneal_temp, args.anneal_time)
        print(_show(predict_table(table, args.run), resolve(args.run)))
        return 0
    except (DataValidationError, PredictionError) as exc:
        print(f"error: {str(exc).replace('<command line>, row 2: ', '')}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
