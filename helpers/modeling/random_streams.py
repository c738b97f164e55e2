"""Hash-based random numbers: each run's dropout masks, from its seed alone (a counter-based stream).

Nothing is drawn for runs that do not train, and a run's masks do not depend on the runs beside it, so a resumed
training reproduces the runs an uninterrupted one would have made.
"""

from __future__ import annotations

import math

import numpy as np

from helpers.modeling.backend import tensorflow

_U32 = 0xFFFFFFFF
_GOLDEN = 0x9E3779B9
_MIX_1, _MIX_2 = 0x7FEB352D, 0x846CA68B  # lowbias32 (Chris Wellons' integer hash)


def _mix_int(x: int) -> int:
    """lowbias32 of a Python int (the same hash as ``_mix`` on tensors)."""
    x &= _U32
    x ^= x >> 16
    x = (x * _MIX_1) & _U32
    x ^= x >> 15
    x = (x * _MIX_2) & _U32
    return x ^ (x >> 16)


def run_key(seed: int) -> int:
    """The 32-bit key of a run's dropout stream, from its seed."""
    return _mix_int(_mix_int(seed) + _GOLDEN * (((seed >> 32) & _U32) + 1))


def _mix(x):
    """lowbias32 of a uint32 tensor."""
    tf = tensorflow()

    def shift(a, n):
        return tf.bitwise.right_shift(a, tf.constant(n, tf.uint32))

    x = tf.bitwise.bitwise_xor(x, shift(x, 16)) * tf.constant(_MIX_1, tf.uint32)
    x = tf.bitwise.bitwise_xor(x, shift(x, 15)) * tf.constant(_MIX_2, tf.uint32)
    return tf.bitwise.bitwise_xor(x, shift(x, 16))


def dropout_masks(keys, epoch, steps, batch: int, widths: tuple[int, ...], rate: float):
    """Dropout masks (slots x steps x batch x width per hidden layer, scaled by 1 / keep probability).

    Element (row, unit) of run k's mask at (epoch, step, layer) is ``mix((position + c) ^ key_k) >= rate``
    with c a hash of (epoch, step, layer): a counter-based stream that depends only on the run's seed. ``steps``
    (a vector of step numbers in the epoch) gives the masks of several steps at once; a scalar gives one step's.
    """
    tf = tensorflow()

    u32 = tf.uint32
    c0 = _mix(_mix(tf.cast(epoch, u32) + tf.constant(_GOLDEN, u32)) + tf.cast(steps, u32))
    key_shape = tf.concat([[-1], tf.ones([tf.rank(c0) + 2], tf.int32)], 0)
    key = tf.reshape(keys, key_shape)
    threshold = _keep_threshold(rate)  # one integer comparison instead of shift, float conversion and comparison
    scale, zero = tf.constant(1.0 / (1.0 - rate), tf.float32), tf.constant(0.0, tf.float32)
    masks = []
    for layer, width in enumerate(widths):
        c = _mix(c0 + tf.constant(layer, u32))
        pos = tf.reshape(tf.cast(tf.range(batch * width), u32), [batch, width])
        bits = _mix(tf.bitwise.bitwise_xor(c[..., None, None] + pos, key))
        kept = bits >= tf.constant(threshold, u32) if threshold <= _U32 else tf.zeros_like(bits, tf.bool)
        masks.append(tf.where(kept, scale, zero))
    return masks


def _keep_threshold(rate: float) -> int:
    """The smallest 32-bit hash kept: ``(bits >> 8) * 2**-24 >= float32(rate)`` is ``bits >= this``, exactly."""
    return int(math.ceil(float(np.float32(rate)) * 2**24)) << 8
