"""Adam for every run of a group at once, with Keras' update rule and constants.

Why Adam is written out: the runs must step and stop independently. A shared Keras optimizer updates every
variable it holds on every step and keeps one step counter, so it cannot freeze one run at its early-stopping
point while the others go on, nor skip the empty last batch of a run with fewer rows.
"""

from __future__ import annotations

from helpers.modeling.backend import tensorflow

ADAM_BETA_1, ADAM_BETA_2, ADAM_EPSILON = 0.9, 0.999, 1e-7  # Keras' defaults


def adam_step(params, m, v, grads, t, learning_rate) -> None:
    """One Adam update, in place, of every slot: Keras' rule and constants, step ``t`` (1 for the first step).

    TensorFlow's fused ApplyAdam kernel: one pass over each weight tensor and its moments. Its scalar step count
    is shared by the slots of a group, which is why runs are grouped by how many steps an epoch takes them.
    """
    tf = tensorflow()

    t = tf.cast(t, tf.float32)
    beta_1_power, beta_2_power = ADAM_BETA_1**t, ADAM_BETA_2**t
    for p, g, mi, vi in zip(params, grads, m, v, strict=True):
        tf.raw_ops.ResourceApplyAdam(
            var=p.handle,
            m=mi.handle,
            v=vi.handle,
            beta1_power=beta_1_power,
            beta2_power=beta_2_power,
            lr=learning_rate,
            beta1=ADAM_BETA_1,
            beta2=ADAM_BETA_2,
            epsilon=ADAM_EPSILON,
            grad=g,
        )
