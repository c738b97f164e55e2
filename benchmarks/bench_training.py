"""Seconds per training run: one Keras model.fit after another vs. all runs in one vectorized computation.

    python benchmarks/bench_training.py --runs 100 [--sequential-runs K]

Both ways train the same network (notebook 03's defaults) on the same default data, grouped split, validation
carves, initial weights, maximum epochs and early stopping. The last line printed is `speedup: X`, the ratio of
seconds per run. With --sequential-runs K < N, only the first K runs are trained the sequential way (it is slow),
and its seconds per run are measured on those K; the script says so.
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from helpers import data, features, model, split  # noqa: E402


def main() -> None:
    """Time both trainers and print seconds per run and the speedup."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--sequential-runs", type=int, default=None, help="train only this many the slow way")
    parser.add_argument("--epochs", type=int, default=model.TrainConfig.epochs)
    args = parser.parse_args()

    table = data.load_dataset("default").table
    X, _, _ = features.build_features(table, progress=False)
    side = split.split_rows(table)
    train = side == "train"
    scaler = model.Scaler.fit(X[train], table.loc[train, "bs_tesla"].to_numpy())
    X_fit, y_fit = scaler.x(X[train]), scaler.y(table.loc[train, "bs_tesla"].to_numpy())
    groups = table.loc[train, "composition"].to_numpy()
    config = model.TrainConfig(epochs=args.epochs)
    runs = list(range(args.runs))
    carves = [split.validation_carve(groups, config.val_fraction, model.run_seed(0, r)) for r in runs]
    n_seq = min(args.sequential_runs or args.runs, args.runs)
    print(f"data: {int(train.sum())} training rows x {X.shape[1]} features; network {config}")

    model.train_vectorized(X_fit, y_fit, carves[:2], runs[:2], 0, model.TrainConfig(epochs=2))  # warm-up trace
    start = time.perf_counter()
    fast = model.train_vectorized(X_fit, y_fit, carves, runs, 0, config)
    fast_per_run = (time.perf_counter() - start) / len(runs)
    print(f"vectorized: {len(runs)} runs, {fast_per_run:.3f} s per run "
          f"(mean {np.mean([r.epochs_trained for r in fast]):.0f} epochs per run)", flush=True)

    start = time.perf_counter()
    slow = model.train_sequential(X_fit, y_fit, carves[:n_seq], runs[:n_seq], 0, config)
    slow_per_run = (time.perf_counter() - start) / n_seq
    measured_on = f"measured on the first {n_seq} of {len(runs)} runs" if n_seq < len(runs) else f"{n_seq} runs"
    print(f"sequential: {measured_on}, {slow_per_run:.3f} s per run "
          f"(mean {np.mean([r.epochs_trained for r in slow]):.0f} epochs per run)")
    print(f"speedup: {slow_per_run / fast_per_run:.1f}")


if __name__ == "__main__":
    main()
