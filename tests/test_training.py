"""The vectorized trainer: same maths as Keras, statistically the same results, reproducible, resumable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu

from helpers.features import FeatureSpec
from helpers.metrics import scores
from helpers.modeling import ensemble, files, network, repeated, trainer
from helpers.modeling.network import TrainConfig, run_seed
from helpers.outputs import OutputDir
from helpers.split import early_stopping_carve


def _problem(n: int = 240, n_features: int = 8, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features)).astype(np.float32)
    y = (np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.5 * X[:, 3] + 0.1 * rng.normal(size=n)).astype(np.float32)
    return X, y


def _carves(n: int, runs: list[int], base_seed: int, fraction: float = 0.2):
    return [early_stopping_carve(np.arange(n), fraction, run_seed(base_seed, r)) for r in runs]


def test_without_dropout_and_with_full_batches_it_reproduces_keras_exactly():
    X, y = _problem(160)
    runs = [0, 1, 2]
    config = TrainConfig(hidden=(16, 8), dropout=0.0, epochs=50, batch_size=512, patience=8, learning_rate=1e-2)
    fast = trainer.train_vectorized(X, y, _carves(160, runs, 3), runs, 3, config)
    slow = trainer.train_sequential(X, y, _carves(160, runs, 3), runs, 3, config)
    for a, b in zip(fast, slow, strict=True):
        assert a.epochs_trained == b.epochs_trained and a.best_epoch == b.best_epoch
        assert a.best_stopping_loss == pytest.approx(b.best_stopping_loss, rel=1e-4)
        for wa, wb in zip(a.weights, b.weights, strict=True):
            np.testing.assert_allclose(wa, wb, atol=1e-4)


@pytest.mark.slow
def test_with_dropout_and_minibatches_its_test_scores_match_one_by_one_training():
    X, y = _problem(300, seed=1)
    X_test, y_test = X[240:], y[240:]
    X, y = X[:240], y[:240]
    runs = list(range(12))
    config = TrainConfig(hidden=(32, 16), dropout=0.2, epochs=60, batch_size=32, patience=10)
    fast = trainer.train_vectorized(X, y, _carves(240, runs, 11), runs, 11, config)
    slow = trainer.train_sequential(X, y, _carves(240, runs, 11), runs, 11, config)

    def r2s(results):
        preds = ensemble.predict_scaled(ensemble.stack_weights([r.weights for r in results]), X_test, "relu")
        return np.array([scores(y_test, p)["r2"] for p in preds])

    r2_fast, r2_slow = r2s(fast), r2s(slow)
    assert mannwhitneyu(r2_fast, r2_slow).pvalue > 0.01
    assert abs(np.median(r2_fast) - np.median(r2_slow)) < 0.1
    assert r2_fast.min() > 0.5  # and both actually learn the function


def test_runs_are_independent_networks_with_their_own_start_and_stop():
    X, y = _problem(160)
    runs = [0, 1, 2, 3]
    # a learning rate at which every run stops early, so the stops compare (at 1e-3 most runs use all 80 epochs)
    config = TrainConfig(hidden=(16,), dropout=0.1, epochs=80, batch_size=32, patience=5, learning_rate=1e-2)
    results = trainer.train_vectorized(X, y, _carves(160, runs, 0), runs, 0, config)
    firsts = [r.weights[0] for r in results]
    assert all(not np.allclose(firsts[0], w) for w in firsts[1:])
    assert len({r.epochs_trained for r in results}) > 1


def test_a_run_does_not_depend_on_which_other_runs_train_beside_it():
    X, y = _problem(160)
    config = TrainConfig(hidden=(16, 8), dropout=0.2, epochs=40, batch_size=32, patience=5)
    together = trainer.train_vectorized(X, y, _carves(160, [0, 1, 2, 3], 5), [0, 1, 2, 3], 5, config)
    alone = trainer.train_vectorized(X, y, _carves(160, [2], 5), [2], 5, config)
    assert alone[0].epochs_trained == together[2].epochs_trained
    for wa, wb in zip(alone[0].weights, together[2].weights, strict=True):
        np.testing.assert_allclose(wa, wb, rtol=1e-4, atol=1e-5)


def test_masks_drawn_step_by_step_train_the_same_runs_as_masks_drawn_per_epoch(monkeypatch):
    X, y = _problem(160)
    config = TrainConfig(hidden=(16, 8), dropout=0.2, epochs=30, batch_size=32, patience=5)
    carves = _carves(160, [0, 1, 2], 5)
    monkeypatch.setattr(trainer, "MASKS_PER_STEP_FROM", 10**6)
    per_epoch = trainer.train_vectorized(X, y, carves, [0, 1, 2], 5, config)
    monkeypatch.setattr(trainer, "MASKS_PER_STEP_FROM", 1)
    per_step = trainer.train_vectorized(X, y, carves, [0, 1, 2], 5, config)
    for a, b in zip(per_epoch, per_step, strict=True):
        assert a.epochs_trained == b.epochs_trained and a.best_epoch == b.best_epoch
        for wa, wb in zip(a.weights, b.weights, strict=True):
            np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)


@pytest.fixture
def small_data():
    X, y = _problem(200, seed=2)
    cols = [f"f{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=cols)
    target = pd.Series(1.4 + 0.2 * y, name="bs_tesla")
    groups = np.repeat(np.arange(100), 2)
    train, test = frame.index < 160, frame.index >= 160
    return (
        frame[train],
        target[train],
        groups[:160],
        frame[test],
        target[test],
        FeatureSpec("composition", cols, float("nan")),
    )


def _train(small_data, folder, n_runs=5, base_seed=7):
    X_tr, y_tr, groups, X_te, y_te, spec = small_data
    config = TrainConfig(hidden=(16, 8), epochs=30, patience=5)
    trained = repeated.repeated_training(
        X_tr,
        y_tr,
        groups,
        X_te,
        y_te,
        spec,
        config,
        n_runs,
        base_seed,
        1.4,
        OutputDir(folder),
        progress=False,
    )
    return trained.runs


def test_the_same_base_seed_gives_the_same_runs_csv_twice(small_data, tmp_path):
    a = _train(small_data, tmp_path / "a")
    b = _train(small_data, tmp_path / "b")
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns[:8]) == ["run", "seed", "r2", "rmse", "mae", "f1", "precision", "recall"]
    assert "epochs_trained" in a.columns and len(a) == 5
    c = _train(small_data, tmp_path / "c", base_seed=8)
    assert not np.allclose(a["r2"], c["r2"])


def test_an_interrupted_training_resumes_from_its_finished_runs(small_data, tmp_path, capsys):
    full = _train(small_data, tmp_path)
    runs_csv = tmp_path / "tables" / "runs.csv"
    partial = full[full["run"].isin([0, 3])]  # as if only runs 0 and 3 had finished
    partial.to_csv(runs_csv, index=False)
    for r in (1, 2, 4):
        (tmp_path / "models" / "runs" / f"run_{r:03d}.npz").unlink()
    capsys.readouterr()
    resumed = _train(small_data, tmp_path)
    assert "2 of 5 runs already finished" in capsys.readouterr().out
    pd.testing.assert_frame_equal(resumed, full, rtol=1e-4)
    preds = pd.read_csv(tmp_path / "tables" / "test_predictions.csv")
    assert sorted(preds["run"].unique()) == [0, 1, 2, 3, 4] and len(preds) == 5 * 40


def test_a_saved_network_loads_on_its_own_and_predicts_the_same(small_data, tmp_path):
    import keras

    X_tr, y_tr, _, X_te, _, spec = small_data
    _train(small_data, tmp_path, n_runs=2)
    run_paths = sorted((tmp_path / "models" / "runs").glob("run_*.npz"))
    ensemble_ = ensemble.Ensemble(
        [files.read_weights(p) for p in run_paths],
        network.Scaler.from_json(tmp_path / "models" / "scaler.json"),
        spec,
        TrainConfig(hidden=(16, 8), epochs=30, patience=5),
        {},
    )
    weights, config = ensemble_.weights[1], ensemble_.config
    folder = files.save_network(tmp_path / "best", weights, ensemble_.scaler, spec, config, {"run": 1})
    net = files.load_network(folder)
    ours = net.predict_features(X_te)
    np.testing.assert_allclose(ours, ensemble_.per_network(X_te)[1], rtol=1e-6)
    with_keras = keras.models.load_model(folder / "model.keras").predict(net.scaler.x(X_te), verbose=0)[:, 0]
    np.testing.assert_allclose(net.scaler.y_back(with_keras), ours, rtol=1e-4)
    assert net.meta["run"] == 1 and net.spec.columns == spec.columns


def _masked_problem():
    X, y = _problem(200, seed=3)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    groups = np.repeat(np.arange(100), 2)  # two rows per alloy
    mask = np.zeros((3, 200), bool)
    mask[0, :120], mask[1, 80:], mask[2, ::2] = True, True, True
    return frame, 1.4 + 0.2 * y, groups, mask


MASK_CONFIG = TrainConfig(hidden=(16, 8), dropout=0.2, epochs=30, batch_size=32, patience=5)


def test_a_masked_run_never_sees_the_rows_outside_its_mask():
    X, y, groups, mask = _masked_problem()
    before = trainer.fit_networks(X, y, groups, MASK_CONFIG, [0, 1, 2], 4, row_mask=mask)
    changed_X, changed_y = X.copy(), y.copy()
    outside = ~mask[0]  # rows 120 to 199: in run 1's mask (and half of them in run 2's), never in run 0's
    changed_y[outside] = 3.0 - changed_y[outside]
    changed_X.loc[outside, "f0"] += 5.0
    after = trainer.fit_networks(changed_X, changed_y, groups, MASK_CONFIG, [0, 1, 2], 4, row_mask=mask)
    assert after[0].epochs_trained == before[0].epochs_trained
    for wa, wb in zip(after[0].weights, before[0].weights, strict=True):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)
    for stat in ("x_mean", "x_scale", "y_mean", "y_scale"):  # its scaler saw its rows only (to rounding)
        np.testing.assert_allclose(getattr(after[0].scaler, stat), getattr(before[0].scaler, stat), rtol=1e-12)
    for run in (1, 2):  # the runs that see those rows do change
        assert not np.allclose(after[run].weights[0], before[run].weights[0], atol=1e-3)


def test_a_masked_run_is_that_run_trained_on_its_rows_alone():
    X, y, groups, mask = _masked_problem()
    # run 0 on two different sets of rows (as run r of two folds): the same seed, two networks
    together = trainer.fit_networks(X, y, groups, MASK_CONFIG, [0, 0, 5], 4, row_mask=mask)
    for position, run in enumerate([0, 0, 5]):
        rows = mask[position]
        alone = trainer.fit_networks(X[rows], y[rows], groups[rows], MASK_CONFIG, [run], 4)[0]
        masked = together[position]
        assert (masked.run, masked.position, masked.epochs_trained) == (run, position, alone.epochs_trained)
        np.testing.assert_allclose(masked.scaler.x_mean, alone.scaler.x_mean)
        assert masked.scaler.y_scale == pytest.approx(alone.scaler.y_scale)
        for wa, wb in zip(masked.weights, alone.weights, strict=True):
            np.testing.assert_allclose(wa, wb, rtol=1e-4, atol=1e-5)
    assert not np.allclose(together[0].weights[0], together[1].weights[0])


def test_a_bad_row_mask_is_refused_in_one_line():
    X, y, groups, mask = _masked_problem()
    with pytest.raises(ValueError, match="boolean array of 3 runs x 200 rows"):
        trainer.fit_networks(X, y, groups, MASK_CONFIG, [0, 1, 2], 4, row_mask=mask[:, :10])
    mask[1] = False
    with pytest.raises(ValueError, match="position 1 has 0 training rows"):
        trainer.fit_networks(X, y, groups, MASK_CONFIG, [0, 1, 2], 4, row_mask=mask)


def test_tensorflows_retracing_warning_is_kept_from_the_reader_and_other_warnings_are_not(caplog):
    """The trainer's epoch function is traced a few times while its shapes generalize: TensorFlow's warning about
    that would show in 10's output; any other TensorFlow warning still does."""
    logger = network.tensorflow().get_logger()
    with caplog.at_level("WARNING", logger=logger.name):
        logger.warning("5 out of the last 6 calls to <function f> triggered tf.function retracing. Tracing is slow")
        logger.warning("a warning a reader should see")
    assert [r.getMessage() for r in caplog.records] == ["a warning a reader should see"]


def test_each_epoch_function_is_traced_once_whatever_the_slots_rows_epochs_and_steps():
    from helpers.modeling.epoch import epoch_function

    config = TrainConfig(hidden=(7,), dropout=0.0, epochs=30, batch_size=16, patience=4)  # its own cached functions
    network_key = (16, (7,), "relu", 0.0, 4, "linear")
    for n_rows, runs in ((60, [0, 1]), (150, [0, 1, 2, 3, 4]), (300, list(range(40)))):
        X, y = _problem(n_rows)
        trainer.train_vectorized(X, y, _carves(n_rows, runs, 1), runs, 1, config)
    few, many = epoch_function(*network_key), epoch_function(*network_key, masks_per_step=True)
    assert few.experimental_get_tracing_count() == 1  # 2 and 5 slots, 3 to 15 steps, 30 epochs or fewer
    assert many.experimental_get_tracing_count() == 1  # 40 slots (masks drawn step by step)
