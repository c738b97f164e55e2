"""Seconds of notebook 10's simulation (its default size and seed) and where they go, against its target.

    python benchmarks/bench_discovery.py [--analysis outputs/default] [--size small] [--seed 0] [--save FILE.npz]
                                         [--workers N]

Runs ``simulation.run_starts`` on the pool of an analysis folder (notebooks 01 and 02 must have run) exactly as
notebook 10 run alone does: its campaigns in parts on one process per core (``--workers``; the same alloys made). With
``--workers 1`` everything runs in this process, and the script times its parts: training (``trainer.fit_networks``,
every network of a round in one call), prediction (every network on every pool row) and the conformal intervals, the
rest being the campaign's own work (rules, picks). The useful GFLOP of the training are counted as
``bench_training`` counts them (6 x weights x epochs trained x fitting rows, summed over networks) and compared with a
large float32 matrix product timed in the same process. ``--save`` keeps the alloys every rule made (one array per
start and rule) to compare two versions of the code: the same seed must make the same alloys. The last line is
``simulation_s: X (target T)``.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from bench_training import sgemm_gflops, useful_gflop  # noqa: E402

from helpers.discovery import network, simulation  # noqa: E402
from helpers.modeling import trainer  # noqa: E402
from helpers.modeling.network import run_seed  # noqa: E402
from helpers.outputs import OutputDir  # noqa: E402
from helpers.paths import resolve  # noqa: E402

TARGET_S = 40.0  # the default simulation (size "small", seed 0), wall seconds on a quiet 2-core machine


class Clock:
    """Seconds and calls per part, and the training's useful GFLOP."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {"training": 0.0, "prediction": 0.0, "intervals": 0.0}
        self.gflop = 0.0
        self.networks = 0

    def wrap(self, part: str, function):
        """function, timed into part."""

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[part] += time.perf_counter() - t0

        return timed


def instrument(clock: Clock) -> None:
    """Time the simulation's training, prediction and intervals (module attributes it looks up when it runs)."""
    fit = trainer.fit_networks

    def counted_fit(X, y, groups, config, runs, base_seed, *args, row_mask=None, **kwargs):
        results = fit(X, y, groups, config, runs, base_seed, *args, row_mask=row_mask, **kwargs)
        seeds = [run_seed(base_seed, r) for r in runs]
        carves = trainer.early_stopping_carves(groups, config.stopping_fraction, seeds, row_mask)
        clock.gflop += useful_gflop(results, carves, X.shape[1], config.hidden)
        clock.networks += len(results)
        return results

    trainer.fit_networks = clock.wrap("training", counted_fit)
    network.predict_runs = clock.wrap("prediction", network.predict_runs)
    simulation.conformal_intervals = clock.wrap("intervals", simulation.conformal_intervals)


def print_parts(clock: Clock, wall: float, cpu: float) -> None:
    """Where the time of a simulation run in this process went, and the training's rate against sgemm."""
    sgemm = sgemm_gflops()
    rest = wall - sum(clock.seconds.values())
    parts = ", ".join(f"{part} {s:.1f} s" for part, s in clock.seconds.items())
    print(f"simulation: {wall:.1f} s wall, {cpu:.1f} CPU s; {parts}, the rest {rest:.1f} s")
    train_s = clock.seconds["training"]
    print(
        f"training: {clock.networks} networks, {clock.gflop:.0f} useful GFLOP, {clock.gflop / train_s:.1f} GFLOP/s; "
        f"sgemm {sgemm[0]:.1f} GFLOP/s: ratio {clock.gflop / train_s / sgemm[0]:.2f}"
    )


def main() -> None:
    """Run the simulation once, print where its time went and the last line against the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analysis", default="outputs/default")
    parser.add_argument("--size", default="small", choices=list(simulation.SIZES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", default=None, help="keep the alloys each rule made in this .npz file")
    parser.add_argument(
        "--workers", type=int, default=None, help="processes (default: every core, as notebook 10 run alone)"
    )
    args = parser.parse_args()

    out = OutputDir(resolve(args.analysis))
    pool, _ = simulation.public_pool(out)
    settings, starts = simulation.sized(args.size, args.seed)
    clock = Clock()
    instrument(clock)
    wall, cpu = time.perf_counter(), time.process_time()
    done, _ = simulation.run_starts(pool, settings, starts, workers=args.workers)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"pool: {pool.X.shape[0]} rows, {pool.n_alloys} alloys; size {args.size}: {settings}")
    if clock.networks:
        print_parts(clock, wall, cpu)
    else:
        print(f"simulation: {wall:.1f} s wall on worker processes (--workers 1 says where the time goes)")
    if args.save:
        made = {f"{start}/{rule}": m for start, c in done.items() for rule, m in c.made.items()}
        np.savez(args.save, **made)
    print(f"simulation_s: {wall:.1f} (target {TARGET_S:.0f})")


if __name__ == "__main__":
    main()
