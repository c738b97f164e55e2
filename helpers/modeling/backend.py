"""TensorFlow and Keras, imported once and quietly: every module of the project gets them from here."""

from __future__ import annotations

import os
import sys


def tensorflow():
    """TensorFlow, imported once with its C++ start-up lines (oneDNN, CPU features) kept off the console.

    TensorFlow writes them to file descriptor 2 while it loads, whatever TF_CPP_MIN_LOG_LEVEL says; they are not
    for a reader. Every module imports TensorFlow (and Keras, which loads it) through here.
    """
    if "tensorflow" not in sys.modules:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        sys.stderr.flush()
        saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
            import tensorflow  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(devnull)
    return sys.modules["tensorflow"]


def keras_module():
    """Keras, after a quiet TensorFlow import."""
    tensorflow()
    import keras

    return keras
