"""Seconds per training run: one Keras model.fit after another vs. all runs in one vectorized computation.

    python benchmarks/bench_training.py --runs 100 [--folds 5] [--sequential-runs K] [--skip-sequential]

Both ways train the same network (notebook 03's defaults) on the same default data, grouped split, early-stopping
carves, initial weights, maximum epochs and early stopping. The last line printed is `speedup: X`, the ratio of
seconds per run. With --sequential-runs K < N, only the first K runs are trained the sequential way (it is slow),
and its seconds per run are measured on those K; the script says so. With --skip-sequential the Keras loop is not
run at all (the last line is then `gflops_ratio: X`).

How fast the vectorized trainer uses the machine. Its useful work is counted as

    GFLOP = 6 * n_weights * sum over runs of (epochs_trained * n_fit_rows) / 1e9

with n_weights the number of weights of the matrix products (159*128 + 128*64 + 64*1 for the default network):
per fitting row and epoch, the forward pass is 2 * n_weights FLOP and the backward pass about twice that. The
count ignores biases, activations, dropout, Adam and the per-epoch early-stopping pass, so it is a lower bound on the
work done. Its GFLOP/s (that count over the trainer's seconds) is compared with a large float32 matrix product
(tf.matmul of two 2048 x 2048 matrices, 2 * 2048^3 FLOP) timed in the same process: `gflops_ratio: X` is the
trainer's GFLOP/s over the sgemm's. It is printed twice: for the --runs runs on the training rows, and for
--folds x --runs runs trained together as notebook 06 trains them (grouped outer folds, each fold's runs on its
fitting rows, a row mask): the 500-run figure of the default. CPU seconds are printed beside wall seconds (on a
loaded machine the GFLOP per CPU second says more). `gflops_ratio: X` (the last line with --skip-sequential) is
the last figure printed. For what limits it, the script also times one batched product of the trainer's first
layer (every run's 32-row batch times its own 159 x 128 weights) and, below the target, says so in a note.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from helpers import data, features, split  # noqa: E402
from helpers.modeling import trainer  # noqa: E402
from helpers.modeling.network import RunResult, Scaler, TrainConfig, run_seed  # noqa: E402

TARGET_RATIO = 0.35  # the trainer's GFLOP/s over a large sgemm's, with 500 runs (06's case)


def useful_gflop(results: list[RunResult], carves, n_in: int, hidden: tuple[int, ...]) -> float:
    """6 * weights * (epochs_trained * fitting rows), summed over runs, in GFLOP (see the module docstring)."""
    sizes = [n_in, *hidden, 1]
    n_weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    rows_epochs = sum(r.epochs_trained * len(fit) for r, (fit, _) in zip(results, carves, strict=True))
    return 6.0 * n_weights * rows_epochs / 1e9


def sgemm_gflops(n: int = 2048, repeats: int = 10) -> tuple[float, float]:
    """GFLOP/s of a large float32 matrix product (tf.matmul, n x n times n x n) per wall and per CPU second, best of a
    few timings."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    a = tf.constant(rng.normal(size=(n, n)).astype(np.float32))
    b = tf.constant(rng.normal(size=(n, n)).astype(np.float32))
    tf.matmul(a, b).numpy()  # warm-up
    best_wall = best_cpu = np.inf
    for _ in range(repeats):
        _, wall, cpu = timed(lambda: tf.matmul(a, b).numpy())
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    return 2.0 * n**3 / best_wall / 1e9, 2.0 * n**3 / best_cpu / 1e9


def batched_gflops(runs: int, rows: int, n_in: int, n_out: int, repeats: int = 20) -> float:
    """GFLOP/s of the trainer's largest product: one (rows x n_in) @ (n_in x n_out) per run, batched over runs."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    a = tf.constant(rng.normal(size=(runs, rows, n_in)).astype(np.float32))
    b = tf.constant(rng.normal(size=(runs, n_in, n_out)).astype(np.float32))
    tf.matmul(a, b).numpy()
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        tf.matmul(a, b).numpy()
        best = min(best, time.perf_counter() - start)
    return 2.0 * runs * rows * n_in * n_out / best / 1e9


def timed(train) -> tuple[object, float, float]:
    """The result of train() with its wall and CPU seconds (CPU of every thread of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = train()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def folds_together(table, X, n_folds: int, n_runs: int, config: TrainConfig) -> tuple[list, list, float, float]:
    """n_folds x n_runs runs trained together as notebook 06 trains them: results, carves, wall and CPU seconds."""
    from helpers import evaluation

    folds = split.grouped_folds(table, n_folds, 0)
    plans = [evaluation.plan_fold(table, tr, te, 0.2, k) for k, (tr, te) in enumerate(folds)]
    mask = np.repeat([table.index.isin(p.fit_ids) for p in plans], n_runs, axis=0)  # as evaluation.train_folds
    run_ids = list(range(n_runs)) * n_folds
    groups = table["composition"].to_numpy()
    carves = trainer.early_stopping_carves(groups, config.stopping_fraction, [run_seed(0, r) for r in run_ids], mask)
    y = table["bs_tesla"].to_numpy()
    results, wall, cpu = timed(lambda: trainer.fit_networks(X, y, groups, config, run_ids, 0, row_mask=mask))
    return results, carves, wall, cpu


def report(label: str, results, carves, wall: float, cpu: float, n_in: int, config: TrainConfig, sgemm) -> float:
    """Print the useful GFLOP/s of one training (per wall and per CPU second) against sgemm's; return the ratio."""
    gflop = useful_gflop(results, carves, n_in, config.hidden)
    ratio = gflop / wall / sgemm[0]
    print(
        f"{label}: {len(results)} runs, {wall:.1f} s wall, {cpu:.1f} CPU s, {gflop:.0f} GFLOP: "
        f"{gflop / wall:.1f} GFLOP/s ({gflop / cpu:.1f} per CPU s); sgemm {sgemm[0]:.1f} GFLOP/s "
        f"({sgemm[1]:.1f} per CPU s): ratio {ratio:.2f} wall, {gflop / cpu / sgemm[1]:.2f} per CPU s",
        flush=True,
    )
    return ratio


def print_verdict(ratio: float) -> None:
    """Below the target, what limits the trainer; then `gflops_ratio: X`."""
    if ratio < TARGET_RATIO:
        print(
            f"note: below the {TARGET_RATIO} target. The work is small products, one per run and 32-row batch "
            "(the forward one at the batched rate above; the backward ones slower), each step Adam reads and "
            "writes every weight and both moments (memory-bound), and runs stop between about 60 and 500 epochs: "
            "the tail of epochs with a few runs alive costs a few ms of fixed per-operation overhead per epoch "
            "whatever its size (see helpers/modeling/trainer.py)."
        )
    print(f"gflops_ratio: {ratio:.2f}", flush=True)


def main() -> None:
    """Time both trainers and print seconds per run, the trainer's GFLOP/s, its ratio to sgemm and the speedup."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--sequential-runs", type=int, default=None, help="train only this many the slow way")
    parser.add_argument("--skip-sequential", action="store_true", help="do not train the slow way at all")
    parser.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    parser.add_argument("--folds", type=int, default=5, help="also train folds x runs together as 06 does (1: no)")
    args = parser.parse_args()

    table = data.load_dataset("default").table
    X, _, _ = features.build_features(table, progress=False)
    side = split.split_rows(table)
    train = side == "train"
    scaler = Scaler.fit(X[train], table.loc[train, "bs_tesla"].to_numpy())
    X_fit, y_fit = scaler.x(X[train]), scaler.y(table.loc[train, "bs_tesla"].to_numpy())
    groups = table.loc[train, "composition"].to_numpy()
    config = TrainConfig(epochs=args.epochs)
    run_ids = list(range(args.runs))
    carves = trainer.early_stopping_carves(groups, config.stopping_fraction, [run_seed(0, r) for r in run_ids])
    n_seq = min(args.sequential_runs or args.runs, args.runs)
    print(f"data: {int(train.sum())} training rows x {X.shape[1]} features; network {config}")

    trainer.train_vectorized(X_fit, y_fit, carves[:2], run_ids[:2], 0, TrainConfig(epochs=2))  # warm-up
    fast, fast_seconds, fast_cpu = timed(lambda: trainer.train_vectorized(X_fit, y_fit, carves, run_ids, 0, config))
    fast_per_run = fast_seconds / len(run_ids)
    print(
        f"vectorized: {len(run_ids)} runs, {fast_per_run:.3f} s per run, {fast_seconds:.1f} s in all "
        f"(mean {np.mean([r.epochs_trained for r in fast]):.0f} epochs per run, "
        f"mean {np.mean([len(fit) for fit, _ in carves]):.0f} fitting rows)",
        flush=True,
    )
    sgemm = sgemm_gflops()
    ratio = report(f"{len(run_ids)} runs", fast, carves, fast_seconds, fast_cpu, X_fit.shape[1], config, sgemm)
    if args.folds > 1:
        together = folds_together(table, X, args.folds, args.runs, config)
        ratio = report(f"{args.folds} folds x {args.runs} runs together (06)", *together, X.shape[1], config, sgemm)
    batched = batched_gflops(len(run_ids), config.batch_size, X_fit.shape[1], config.hidden[0])
    print(
        f"batched product of one batch ({len(run_ids)} runs x {config.batch_size} rows x {X_fit.shape[1]} -> "
        f"{config.hidden[0]}): {batched:.1f} GFLOP/s, {batched / sgemm[0]:.2f} of sgemm"
    )
    print_verdict(ratio)
    if args.skip_sequential:
        return

    start = time.perf_counter()
    slow = trainer.train_sequential(X_fit, y_fit, carves[:n_seq], run_ids[:n_seq], 0, config)
    slow_per_run = (time.perf_counter() - start) / n_seq
    measured_on = f"measured on the first {n_seq} of {len(run_ids)} runs" if n_seq < len(run_ids) else f"{n_seq} runs"
    print(
        f"sequential: {measured_on}, {slow_per_run:.3f} s per run "
        f"(mean {np.mean([r.epochs_trained for r in slow]):.0f} epochs per run)"
    )
    print(f"speedup: {slow_per_run / fast_per_run:.1f}")


if __name__ == "__main__":
    main()
