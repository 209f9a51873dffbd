"""The training engine's levers, each measured against its alternatives (#14).

    python benchmarks/engine_levers.py [--repeats 3]

Every cell runs in a fresh process, on each installed backend unless it says:

1. **Block size** (``engine.BLOCK_STEPS``: optimizer steps per compiled call,
   and how often early stopping and divergence are checked): 32, 128 (the
   default) and 512, on one 35 x 30 class (breast_cancer's first 35 malignant
   rows, 200 epochs fixed, SMRT's default architecture and batch): the first
   fit (compiling included; Keras already imported) and the median of
   ``repeats`` later fits.
2. **XLA on TensorFlow** (``backends.TF_XLA``), the same dense class; and a
   conv VAE on 512 MNIST 3s (28 x 28, batch 64, 2 epochs): first and second
   fit.
3. **Vectorising classes**: ten 35 x 30 classes (resampled rows, one seed
   each) trained stacked in one program, against one at a time through the
   same engine (``engine.vectorises`` off): first and second ``train_jobs``.

Writes ``engine_levers.md``, ``engine_levers.json`` and ``engine_levers.png``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import numpy as np  # noqa: E402

CHILD = r"""
import json, sys, time
import numpy as np
lever, value = sys.argv[1], sys.argv[2]
repeats, epochs = int(sys.argv[3]), int(sys.argv[4])
from smrt_keras.models.io import warm_up_backend
warm_up_backend()
from smrt_keras.models import backends, engine
from smrt_keras.models.training import TrainingJob, train_jobs
if lever == "block":
    engine.BLOCK_STEPS = int(value)
if lever == "xla":
    backends.TF_XLA = value == "on"
if lever == "stacked" and value == "off":
    engine.vectorises = lambda config: False
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler
X, y = load_breast_cancer(return_X_y=True)
x = StandardScaler().fit_transform(X[y == 0][:35]).astype("float32")
dense = {"input_shape": [30], "encoder": "dense", "hidden_units": [60, 30],
         "latent_dim": 7, "likelihood": "gaussian", "beta": 1.0}
def job(config, data, seed, batch=8, n_epochs=epochs):
    return TrainingJob(config, data, None, seed, n_epochs, batch, 1e-3, None)
def timed(jobs):
    t = time.perf_counter()
    train_jobs(jobs)
    return time.perf_counter() - t
out = {}
if lever == "conv":
    npz = np.load(sys.argv[5])
    imgs = (npz["x_train"][npz["y_train"] == 3][:512] / 255.0).astype("float32")
    conv = {"input_shape": [28, 28], "encoder": "conv", "hidden_units": [128],
            "latent_dim": 8, "filters": [32, 64], "likelihood": "bernoulli"}
    backends.TF_XLA = value == "on"
    out["first"] = timed([job(conv, imgs, 0, 64, 2)])
    out["warm"] = [timed([job(conv, imgs, 1, 64, 2)])]
elif lever == "stacked":
    rng = np.random.default_rng(0)
    make = lambda s: [job(dense, x[rng.integers(0, 35, 35)], s) for s in range(10)]
    out["first"] = timed(make(0))
    out["warm"] = [timed(make(r)) for r in range(1, repeats + 1)]
else:
    out["first"] = timed([job(dense, x, 0)])
    out["warm"] = [timed([job(dense, x, r)]) for r in range(1, repeats + 1)]
import keras
out.update(backend=keras.backend.backend(), warm_median=float(np.median(out["warm"])))
print("RESULT " + json.dumps(out))
"""

LEVERS = (
    ("block", ("32", "128", "512")),
    ("xla", ("off", "on")),
    ("conv", ("off", "on")),
    ("stacked", ("on", "off")),
)
TF_ONLY = ("xla", "conv")


def measure(repeats: int, epochs: int, smoke: bool) -> list[dict]:
    import os

    mnist = os.environ.get("SMRT_MNIST_PATH", "")
    rows = []
    # Smoke: one backend and two cells, since every cell starts a process.
    backends = common.installed_backends()[:1] if smoke else common.installed_backends()
    for backend in backends:
        for lever, values in LEVERS:
            if lever in TF_ONLY and backend != "tensorflow":
                continue
            if lever == "conv" and (smoke or not mnist):
                continue  # needs MNIST and minutes of XLA compiling
            if smoke and lever == "xla":
                continue
            for value in values[:1] if smoke else values:
                args = (lever, value, repeats, epochs, mnist)
                r = common.run_child(CHILD, *args, backend=backend)
                r.update(lever=lever, value=value)
                rows.append(r)
                print(
                    f"{backend:<10} {lever:<7} {value:>4}: first {r['first']:.2f} s, "
                    f"warm {r['warm_median']:.3f} s",
                    flush=True,
                )
    return rows


def report(args, rows: list[dict], epochs: int) -> None:
    names = {
        "block": "steps per compiled block",
        "xla": "XLA (TF), dense 35 x 30",
        "conv": "XLA (TF), conv 512 x 28 x 28",
        "stacked": "10 classes stacked in one program",
    }
    table = [
        [
            r["backend"],
            names[r["lever"]],
            r["value"],
            f"{r['first']:.2f}",
            f"{r['warm_median']:.3f}",
        ]
        for r in rows
    ]
    lines = [
        "# Engine levers (#14)",
        "",
        f"Dense cells: one 35 x 30 class (or ten), {epochs} epochs fixed, batch 8, "
        "SMRT's default architecture for it (hidden 60, 30; latent 7). Conv: 512 "
        "MNIST 3s, batch 64, 2 epochs. `first` is the first fit in a fresh "
        "process (Keras imported beforehand, so compiling and training only); "
        f"`warm` the median of {args.repeats} later fits (one for conv). Defaults: "
        "128 steps per block, XLA off, classes stacked.",
        "",
        f"Machine: {common.machine()}.",
        "",
        *common.table(["backend", "lever", "value", "first s", "warm s"], table),
    ]
    common.write_report(args.out, "engine_levers.md", lines, args.smoke)
    common.write_json(args.out, "engine_levers.json", {"epochs": epochs, "rows": rows})

    plt = common.pyplot()
    fig, ax = plt.subplots(figsize=(9, 4))
    labels = [f"{r['backend'][:2]} {r['lever']} {r['value']}" for r in rows]
    pos = np.arange(len(rows))
    ax.bar(pos - 0.2, [r["first"] for r in rows], 0.4, label="first fit")
    ax.bar(pos + 0.2, [r["warm_median"] for r in rows], 0.4, label="warm fit")
    ax.set_xticks(pos, labels, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("seconds")
    ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    common.save_figure(fig, args.out, "engine_levers.png")


def main(argv=None) -> None:
    p = common.parser(__doc__)
    p.add_argument("--repeats", type=int, default=3, help="warm fits per cell")
    args = p.parse_args(argv)
    epochs = 200
    if args.smoke:
        args.repeats, epochs = 1, 3
    rows = measure(args.repeats, epochs, args.smoke)
    report(args, rows, epochs)


if __name__ == "__main__":
    main()
