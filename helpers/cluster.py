"""A local Dask cluster of one-thread worker processes, opened and closed quietly: the screen's and the simulation's.

Work that splits into independent parts (a screen's chunks, a simulation's campaigns) runs on n processes of one
thread each: n processes on n cores scale, where one process leaves cores idle (Python between TensorFlow calls) and
threads of several processes on the same cores get in each other's way. ``kernel_cores`` is how many cores this
process may use: every core, or the share ``./run_all.sh`` gives a notebook's kernel when notebooks run side by side.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings


def quiet_dask_logs() -> None:
    """Keep distributed's (and the dashboard's) info and warning lines off the notebook."""
    for name in ("distributed", "tornado", "bokeh", "asyncio"):
        logging.getLogger(name).setLevel(logging.ERROR)


def local_client(n_workers: int):
    """A Dask client of a new LocalCluster of n_workers processes with one thread each."""
    from distributed import Client, LocalCluster

    quiet_dask_logs()
    cluster = LocalCluster(
        n_workers=int(n_workers),
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    return Client(cluster)


def close_client(client) -> None:
    """Close a client and, when it started one, its LocalCluster, quietly (also after an interrupt: the workers'
    closing connections are no news)."""
    quiet_dask_logs()
    cluster = getattr(client, "cluster", None)
    for closing in (client, cluster):
        if closing is not None:
            with contextlib.suppress(Exception):  # a connection already gone while closing
                closing.close()


def in_dask_worker() -> bool:
    """Whether this process is a Dask worker."""
    try:
        from distributed import get_worker

        get_worker()
        return True
    except (ImportError, ValueError):
        return False


def one_thread_here() -> None:
    """In a worker process: TensorFlow on one thread, and joblib's and scikit-learn's notes that they run one job in a
    daemon process (they should) off."""
    from helpers.modeling.network import tensorflow

    warnings.filterwarnings("ignore", message=".*(Loky-backed|daemon=True|daemonic).*")
    tf = tensorflow()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow already started in this process
        pass


def kernel_cores() -> int:
    """The cores this process may use: the share run_all.sh gave its kernel (OMP_NUM_THREADS), else every core."""
    share = os.environ.get("OMP_NUM_THREADS", "")
    return int(share) if share.isdigit() and int(share) > 0 else os.cpu_count() or 1
