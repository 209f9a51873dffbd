"""What a process of ours printed beyond what bare Keras prints in the same place.

The backend's own lines depend on the machine, not on us: TensorFlow prints a
oneDNN line where its CPU build enables oneDNN (or ``TF_ENABLE_ONEDNN_OPTS=1``),
CUDA lines where a driver is missing or present, JAX a CPU-fallback warning
where a GPU has no CUDA jaxlib. A list of such strings seen on one machine fails
on the next one, so the tests of what we print run, in the same environment and
interpreter, a baseline process that uses Keras bare (``import keras``, then a
first op, a gradient step and a prediction), and subtract its lines. What is
left is ours: our prints, the warnings our code causes (``tf.function``
retracing, pfor's loop fallback), and any start-up line we promise to hide.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
from collections.abc import Mapping

#: A user's bare Keras use. With ``hide``, the start-up (the import and
#: TensorFlow's device discovery) runs with descriptor 2 sent to /dev/null and
#: TF_CPP_MIN_LOG_LEVEL=2: what smrt-keras promises to do, done here without
#: its code, so that a start-up line it fails to hide is left over as ours.
BARE_KERAS = """
import os, sys
hide = sys.argv[1] == "hide"
if hide:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
import keras
if keras.backend.backend() == "tensorflow":
    import tensorflow as tf
    tf.config.list_physical_devices()
if hide:
    os.dup2(saved, 2)
import numpy as np
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
model.compile("adam", "mse")
model.fit(np.ones((8, 3)), np.ones((8, 2)), epochs=1, verbose=0)
model.predict(np.ones((2, 3)), verbose=0)
"""

#: Parts of a log line that change from run to run: absl's timestamps and
#: thread ids, addresses (``0x55d0...``), durations and other numbers. Every
#: number goes; the words around it still tell lines apart.
_VOLATILE = re.compile(r"0x[0-9a-fA-F]+|\d+(?:\.\d+)?")


def _key(line: str) -> str:
    return _VOLATILE.sub("#", line).rstrip()


def user_set_log_level(env: Mapping[str, str]) -> bool:
    """Whether ``env`` carries a TF_CPP_MIN_LOG_LEVEL of the user's (not one
    smrt-keras set in a parent, which marks it): then nothing is hidden, as
    the README promises, and the baseline hides nothing either."""
    return "TF_CPP_MIN_LOG_LEVEL" in env and (
        "SMRT_KERAS_SET_TF_CPP_MIN_LOG_LEVEL" not in env
    )


@functools.cache
def _baseline(items: tuple[tuple[str, str], ...], hide: bool) -> tuple[frozenset, ...]:
    out = subprocess.run(
        [sys.executable, "-c", BARE_KERAS, "hide" if hide else "show"],
        capture_output=True, text=True, env=dict(items), timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    return tuple(
        frozenset(map(_key, text.splitlines())) for text in (out.stdout, out.stderr)
    )


def ours(
    out: subprocess.CompletedProcess,
    env: Mapping[str, str] | None = None,
    *,
    keras_first: bool = False,
) -> tuple[list[str], list[str]]:
    """``(stdout, stderr)`` lines of ``out`` that bare Keras does not print
    when run with the same ``env`` (``os.environ`` when None).

    ``keras_first``: the user imported Keras before smrt-keras started it, so
    the backend's start-up lines are the user's and the baseline shows them.
    Otherwise the baseline hides the start-up (unless the user set the log
    level), so any start-up line in ``out`` is left over, as the library's."""
    env = dict(os.environ if env is None else env)
    hide = not (keras_first or user_set_log_level(env))
    known = _baseline(tuple(sorted(env.items())), hide)
    return tuple(
        [line for line in text.splitlines() if _key(line) not in seen]
        for text, seen in zip((out.stdout, out.stderr), known, strict=True)
    )
