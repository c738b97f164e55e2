"""Keras' EarlyStopping (monitor val_loss, min_delta 0, restore_best_weights) for every run of a group at once."""

from __future__ import annotations

from helpers.modeling.backend import tensorflow


def early_stopping(val_loss, params, best, best_loss, best_epoch, wait, epoch, patience: int):
    """Per slot: keep the weights of the best validation loss so far, count epochs without improvement.

    Returns the new (best weights, best loss, best epoch, wait) and which slots stop after this epoch.
    """
    tf = tensorflow()

    improved = val_loss < best_loss
    best = [
        tf.where(tf.reshape(improved, [-1] + [1] * (b.shape.rank - 1)), p, b) for p, b in zip(params, best, strict=True)
    ]
    best_loss = tf.where(improved, val_loss, best_loss)
    best_epoch = tf.where(improved, epoch, best_epoch)
    wait = tf.where(improved, 0, wait + 1)
    return best, best_loss, best_epoch, wait, wait >= patience
