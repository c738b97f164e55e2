"""One epoch of a group of runs as one TensorFlow graph call: batches in, Adam steps, validation, early stopping."""

from __future__ import annotations

import functools

from helpers.modeling.adam import adam_step
from helpers.modeling.backend import tensorflow
from helpers.modeling.early_stopping import early_stopping
from helpers.modeling.network import activation, forward
from helpers.modeling.random_streams import dropout_masks


@functools.lru_cache(maxsize=16)
def epoch_function(
    batch: int, widths: tuple[int, ...], activation_name: str, rate: float, patience: int, masks_per_step: bool = False
):
    """One epoch of a group of slots (its steps, the validation pass, early stopping) as a TensorFlow function.

    Cached, so a second training of the same network does not trace it again; slots, rows and steps may vary
    without retracing (``reduce_retracing``). The dropout masks are the same either way: drawn for the whole epoch
    at once (fewer operations: best for a few slots), or step by step (``masks_per_step``: smaller tensors that stay
    in the cache: best for many slots).
    """
    tf = tensorflow()

    act = activation(activation_name)

    @tf.function(reduce_retracing=True)
    def epoch_fn(
        X, y, params, m, v, t0, best, best_loss, best_epoch, wait, keys, idx, wts, vidx, vw, epoch, learning_rate
    ):
        n_steps = tf.shape(idx)[1]
        if rate > 0 and not masks_per_step:
            epoch_masks = dropout_masks(keys, epoch, tf.range(n_steps), batch, widths, rate)
        for s in tf.range(n_steps):
            xb = tf.gather(X, idx[:, s])
            yb = tf.gather(y, idx[:, s])
            wb = wts[:, s]
            masks = None
            if rate > 0:
                masks = (
                    dropout_masks(keys, epoch, s, batch, widths, rate)
                    if masks_per_step
                    else [mk[:, s] for mk in epoch_masks]
                )
            with tf.GradientTape() as tape:
                err = tf.square(forward(params, xb, act, masks) - yb) * wb
                loss = tf.reduce_sum(tf.reduce_sum(err, axis=1) / tf.reduce_sum(wb, axis=1))
            adam_step(params, m, v, tape.gradient(loss, params), t0 + s + 1, learning_rate)
        pred = forward(params, tf.gather(X, vidx), act)
        val_loss = tf.reduce_sum(vw * tf.square(pred - tf.gather(y, vidx)), axis=1) / tf.maximum(
            tf.reduce_sum(vw, axis=1), 1.0
        )
        return early_stopping(
            val_loss, [tf.identity(p) for p in params], best, best_loss, best_epoch, wait, epoch, patience
        )

    return epoch_fn
