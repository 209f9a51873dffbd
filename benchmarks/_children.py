"""Measurements that run in a fresh process of their own (so that one's peak
memory, imports and compiling stay apart from the next): ``_common.run_child``
starts ``python benchmarks/_children.py NAME ARGS``, which prints NAME(*ARGS)'s
dict on one ``RESULT`` line (smoke runs call NAME in the parent). Only the
standard library is imported at the top: import timings start from a bare
interpreter."""

from __future__ import annotations

import json
import sys
import time


def _rss_mb(key: str = "VmRSS") -> float:
    """The process's ``key`` line of ``/proc/self/status`` in MiB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(key)


def _warm_up_backend() -> None:
    """One tiny op, so the backend's one-time start-up happens now."""
    import keras

    keras.ops.convert_to_numpy(keras.ops.ones((1,)))


def engine(epochs: str, repeats: str) -> dict:
    """One tiny class (35 x 30) fitted by SMRT (first, then warm), by Keras's
    ``fit`` and by SMOTE (``throughput.py``)."""
    epochs, repeats = int(epochs), int(repeats)
    t0 = time.perf_counter()
    import numpy as np
    from sklearn.datasets import load_breast_cancer

    from smrt_keras import Reconstructor

    imported = time.perf_counter() - t0
    # Keras and its backend load lazily on the first fit; load them here so
    # that the first fit measures compiling and training.
    t0 = time.perf_counter()
    _warm_up_backend()
    backend_imported = time.perf_counter() - t0
    X, y = load_breast_cancer(return_X_y=True)
    keep = np.r_[np.flatnonzero(y == 1), np.flatnonzero(y == 0)[:35]]
    X, y = X[keep], y[keep]

    def fit(seed):
        t = time.perf_counter()
        smrt = Reconstructor(epochs=epochs, patience=None, random_state=seed).fit(X, y)
        return time.perf_counter() - t, smrt

    first, smrt = fit(0)
    warm = [fit(seed)[0] for seed in range(1, repeats + 1)]
    return {
        "import_seconds": imported,
        "backend_import_seconds": backend_imported,
        "first_fit": first,
        "warm_fits": warm,
        "warm_median": float(np.median(warm)),
        **_keras_and_smote(smrt.generators_[0], X, y, epochs),
    }


def _keras_and_smote(gen, X, y, epochs: int) -> dict:
    """The same VAE trained by ``keras.Model.fit`` (the 0.1 trainer's path),
    SMOTE's warm ``fit_resample``, and what the reference loop needs."""
    import keras
    from imblearn.over_sampling import SMOTE

    from smrt_keras import VAE

    vae = VAE.from_config({**gen.vae.get_config(), "seed": 0})
    x = gen.scaler.transform(X[y == 0]).astype("float32")
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    t = time.perf_counter()
    vae.fit(x, epochs=epochs, batch_size=gen.recipe.batch_size, verbose=0)
    keras_fit = time.perf_counter() - t
    SMOTE(random_state=0).fit_resample(X, y)
    t = time.perf_counter()
    SMOTE(random_state=0).fit_resample(X, y)
    smote = time.perf_counter() - t
    config = {k: gen.vae.get_config()[k] for k in ("hidden_units", "latent_dim")}
    return {
        "backend": keras.backend.backend(),
        "keras_fit": keras_fit,
        "smote": smote,
        "steps": epochs * -(-35 // gen.recipe.batch_size),
        "batch": gen.recipe.batch_size,
        "config": config,
        "x": x.tolist(),
    }


def generation_memory(path: str, mode: str, n: str) -> dict:
    """Peak RSS of ``generate(n)`` or of consuming ``iter_generate(n)`` from a
    saved reconstructor (``scaling.py``)."""
    import resource

    import numpy as np

    from smrt_keras import Reconstructor

    n = int(n)
    r = Reconstructor.load(path)
    r.generate(10, random_state=0)  # warm up the decoder
    base = _rss_mb()
    start = time.perf_counter()
    if mode == "generate":
        X, _ = r.generate(n, random_state=0)
        rows, finite = len(X), bool(np.isfinite(X).all())
    else:
        rows, finite = 0, True
        for X, _ in r.iter_generate(n, random_state=0):
            rows += len(X)
            finite &= bool(np.isfinite(X).all())
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return dict(mode=mode, n=n, rows=rows, finite=finite, base_mb=base,
                peak_mb=peak, seconds=seconds)  # fmt: skip


def fit_memory(path: str, mode: str, n_other: str) -> dict:
    """Peak RSS during one epoch's ``fit`` of the big class in ``path``, as a
    read-only memmap or an array (``scaling.py``)."""
    import numpy as np

    from smrt_keras import Reconstructor

    n_other = int(n_other)
    rng = np.random.default_rng(0)
    Xw = rng.normal(size=(300, 30)).astype("float32")
    yw = np.r_[np.zeros(100), np.ones(200)].astype("int8")
    Reconstructor(epochs=1, random_state=0, sampling_strategy={1: 210}).fit(Xw, yw)
    X = np.load(path, mmap_mode="r")
    if mode == "array":
        X = np.array(X)
    n = len(X) - n_other
    y = np.ones(len(X), dtype="int8")
    y[:n_other] = 0
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # resets VmHWM, the peak RSS, to the current RSS
    base = _rss_mb()
    start = time.perf_counter()
    Reconstructor(epochs=1, random_state=0, sampling_strategy={1: n + 100}).fit(X, y)
    seconds = time.perf_counter() - start
    return dict(n=n, mode=mode, validation="capped", base_mb=base,
                peak_mb=_rss_mb("VmHWM"), seconds=seconds,
                class_f32_mb=n * X.shape[1] * 4 / 2**20)  # fmt: skip


def scaling_classes(n_classes: str) -> dict:
    """Seconds against the number of 5-row minority classes: a first and a
    second ``fit_resample`` in this process, and SMOTE's (``scaling.py``)."""
    import numpy as np
    from imblearn.over_sampling import SMOTE

    from smrt_keras import Reconstructor

    n_classes = int(n_classes)
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(200, int), np.repeat(np.arange(1, n_classes + 1), 5)]
    X = rng.standard_normal((len(y), 20)) + y[:, None] % 7
    out = {}
    makers = {
        "first": lambda: Reconstructor(random_state=0),
        "second": lambda: Reconstructor(random_state=1),
        "smote": lambda: SMOTE(k_neighbors=4, random_state=0),
    }
    for name, make in makers.items():
        t = time.perf_counter()
        _, yr = make().fit_resample(X, y)
        out[name] = time.perf_counter() - t
        assert len(yr) == 200 * (n_classes + 1), len(yr)
    return out


CHILDREN = {
    f.__name__: f for f in (engine, generation_memory, fit_memory, scaling_classes)
}


if __name__ == "__main__":
    print("RESULT " + json.dumps(CHILDREN[sys.argv[1]](*sys.argv[2:])))
