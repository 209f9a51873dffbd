"""One big class across devices: the loss curve on two devices against one.

For each installed backend that splits a class over devices (JAX:
``keras.distribution.DataParallel``; TensorFlow: ``MirroredStrategy``), a
fresh process fits one class of ``--rows`` rows x 30 features (``--epochs``
epochs, early stopping off) three times after a warm-up fit: on one device
(``distributed.DATA_PARALLEL_ROWS`` above the class), split over all devices
(the threshold below it), and on one device with another seed (the
seed-to-seed spread that a difference is judged against). On a machine
without accelerators the process gets two virtual CPU devices (XLA's
``--xla_force_host_platform_device_count=2``, TensorFlow's logical
devices): they share the same cores, so the seconds say nothing about
speed-up there, only the curves count. Where GPUs are present, the child
uses them and the seconds are the GPU figure.

    python benchmarks/data_parallel.py [--rows 20000] [--epochs 10] [--smoke]

Writes ``data_parallel.md``, ``data_parallel.json`` and ``data_parallel.png``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

CHILD = r"""
import json, os, sys, time
rows, epochs = int(sys.argv[1]), int(sys.argv[2])
backend = os.environ["KERAS_BACKEND"]
if backend == "tensorflow":
    import tensorflow as tf
    if not tf.config.list_physical_devices("GPU"):
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import numpy as np
import keras
from smrt_keras import Reconstructor
from smrt_keras.models import distributed
rng = np.random.default_rng(0)
X = np.r_[rng.normal(size=(100, 30)), rng.gamma(2.0, size=(rows, 30))]
y = np.r_[np.zeros(100), np.ones(rows)].astype(int)
def fit(threshold, seed=0):
    distributed.DATA_PARALLEL_ROWS = threshold
    start = time.perf_counter()
    smrt = Reconstructor(epochs=epochs, patience=None, random_state=seed,
                         sampling_strategy={1: rows + 100}).fit(X, y)
    return smrt.generators_[1].history["loss"], time.perf_counter() - start
fit(10**12)  # warm-up: imports, compiling
fit(0)
one, one_s = fit(10**12)
split, split_s = fit(0)
other, _ = fit(10**12, seed=1)
print("RESULT " + json.dumps(dict(
    backend=backend, devices=keras.distribution.list_devices(), rows=rows,
    one=one, split=split, other_seed=other, one_s=one_s, split_s=split_s)))
"""


def measure(rows: int, epochs: int, backends) -> list[dict]:
    import os

    os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=2")
    out = []
    for backend in backends:
        r = common.run_child(CHILD, rows, epochs, backend=backend)
        for key in ("split", "other_seed"):
            r[f"{key}_gap"] = _relative_gaps(r["one"], r[key])
        out.append(r)
        print({k: v for k, v in r.items() if k not in ("one", "split", "other_seed")})
    return out


def _relative_gaps(a, b) -> dict:
    import numpy as np

    gap = np.abs(np.asarray(b) - np.asarray(a)) / np.abs(np.asarray(a))
    return {"max": float(gap.max()), "mean": float(gap.mean())}


def report(results: list[dict], epochs: int) -> list[str]:
    rows = [
        [
            r["backend"],
            ", ".join(r["devices"]),
            f"{r['split_gap']['max']:.1e} / {r['split_gap']['mean']:.1e}",
            f"{r['other_seed_gap']['max']:.1e} / {r['other_seed_gap']['mean']:.1e}",
            f"{r['one'][-1]:.4f}",
            f"{r['split'][-1]:.4f}",
            f"{r['one_s']:.1f}",
            f"{r['split_s']:.1f}",
        ]
        for r in results
    ]
    return [
        "# One big class across devices: loss curve, split against one device",
        "",
        f"One class of {results[0]['rows']:,} rows x 30 features, {epochs} epochs, "
        "early stopping off, warm. Relative gap per epoch between the split fit's "
        "mean training loss and the one-device fit's (max / mean over epochs), "
        "next to the gap between two seeds on one device. JAX splits the same "
        "computation; TensorFlow's replicas share one noise stream, so its curve "
        "can only match in distribution.",
        "",
        f"Machine: {common.machine()}.",
        "",
        *common.table(
            [
                "backend",
                "devices",
                "split vs one device",
                "seed 1 vs seed 0",
                "final loss, one",
                "final loss, split",
                "one device s",
                "split s",
            ],
            rows,
        ),  # fmt: skip
        "",
        "Virtual CPU devices share this machine's cores: their seconds are not a "
        "speed-up figure.",
    ]


def main(argv=None) -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args(argv)
    installed = [b for b in common.installed_backends() if b in ("jax", "tensorflow")]
    rows, epochs = (1_200, 3) if args.smoke else (args.rows, args.epochs)
    # The smoke run checks the code path on one backend (each is a process).
    results = measure(rows, epochs, installed[-1:] if args.smoke else installed)
    common.write_report(
        args.out, "data_parallel.md", report(results, epochs), args.smoke
    )
    common.write_json(args.out, "data_parallel.json", results)
    plt = common.pyplot()
    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 3.5))
    panels = list(axes) if len(results) > 1 else [axes]
    for ax, r in zip(panels, results, strict=True):
        for key, label in (("one", "one device"), ("split", "split"),
                           ("other_seed", "one device, seed 1")):  # fmt: skip
            ax.plot(range(1, len(r[key]) + 1), r[key], "-o", ms=3, label=label)
        ax.set_title(r["backend"])
        ax.set_xlabel("epoch")
        ax.set_ylabel("mean training loss")
        ax.legend()
    common.save_figure(fig, args.out, "data_parallel.png")


if __name__ == "__main__":
    main()
