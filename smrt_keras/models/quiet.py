"""Start Keras and its backend without their start-up log lines.

TensorFlow prints absl and CUDA lines straight to file descriptor 2 while it
loads and first looks for devices (``cudart_stub``, ``cpu_feature_guard``,
``cuInit``), before any Python logging setting can reach them. A library
should print nothing its user did not ask for, so :func:`start_quietly` loads
the backend with descriptor 2 sent to a buffer (shown again if loading fails).
Our fit and generate paths neither retrace a ``tf.function`` nor make pfor
fall back to a loop (each graph is traced once per signature, and stacked
jobs draw their noise outside the vectorised step: :mod:`.backends`,
``tests/test_engine.py`` checks it with the user's log level set); a logging
filter for those two warnings stays as a backstop. Every module of
:mod:`smrt_keras.models` that imports Keras imports this one first (its own
import section, ``pyproject.toml``).

Settings the user made are left alone: with ``TF_CPP_MIN_LOG_LEVEL`` set,
nothing is redirected or filtered and every line prints as the user set it.
Otherwise the variable is set to 2 in this process (children inherit it,
with a marker saying it was ours). Under JAX or torch, Keras's saving imports
TensorFlow where it is installed: :func:`silenced` covers those calls too.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import sys
import tempfile

#: The environment variable whose presence means "show me TensorFlow's logs
#: at the level I chose".
TF_LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"
_OURS = "SMRT_KERAS_SET_TF_CPP_MIN_LOG_LEVEL"
#: Without TensorFlow there is nothing to silence (a JAX- or torch-only
#: install): saves and loads then leave descriptor 2 alone.
_TF_INSTALLED = importlib.util.find_spec("tensorflow") is not None


#: TensorFlow warnings our code no longer triggers (retracing, pfor falling
#: back to a loop); filtered as a backstop, since they say nothing the user
#: can act on.
_EXPECTED_WARNINGS = (
    "triggered tf.function retracing",
    "Using a while_loop for converting",
)


class _NoExpectedWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(text in message for text in _EXPECTED_WARNINGS)


def _user_set_level() -> bool:
    """Whether ``TF_CPP_MIN_LOG_LEVEL`` was set by the user: set when
    smrt_keras was imported (JAX's own "1" aside), and not by us in this
    process or the parent that started it."""
    import smrt_keras

    return smrt_keras._USER_TF_LOG_LEVEL and _OURS not in os.environ


@contextlib.contextmanager
def silenced():
    """Send descriptor 2 to a buffer while TensorFlow may start inside (shown
    again if the block fails). A no-op once TensorFlow has started, or when
    the user set ``TF_CPP_MIN_LOG_LEVEL``: then its lines print as set."""
    if _user_set_level() or "tensorflow" in sys.modules or not _TF_INSTALLED:
        yield
        return
    # Level 2 keeps TensorFlow's later C++ errors; INFO and WARNING go. The
    # marker tells a child process (a joblib worker, say) that we set it.
    os.environ.setdefault(TF_LOG_LEVEL, "2")
    os.environ[_OURS] = "1"
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 to redirect
        yield
        return
    with tempfile.TemporaryFile() as buffer:
        os.dup2(buffer.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            buffer.seek(0)
            os.write(2, buffer.read())  # the lines may explain the failure
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def start_quietly() -> None:
    """Import Keras and start its backend without its start-up lines, and
    filter the warnings our own code triggers, unless the user set
    ``TF_CPP_MIN_LOG_LEVEL``."""
    with silenced():
        import keras

        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            tf.config.list_physical_devices()  # device discovery logs here, once
    if keras.backend.backend() == "tensorflow" and not _user_set_level():
        tf.get_logger().addFilter(_NoExpectedWarnings())


start_quietly()
