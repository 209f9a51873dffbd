"""Classes across workers, measured: local fit against a Dask cluster and loky,
and the per-class costs that docs/scaling.md and ``simulate.py`` build on.

Workers: ten classes of 2,000 rows x 30 features (``classes="all"``, 20 epochs,
early stopping off) fitted in this process (``n_jobs=1``), on loky with
``n_jobs=2``, and on a ``dask.distributed.LocalCluster`` of 2 single-threaded
worker processes with ``n_jobs=2``. Each is timed warm: a first fit starts the
workers (imports, compiling), then the median of ``--repeats`` fits with the
same seed is reported. The Dask and loky results must be bit-identical
(the split into chunks depends only on ``n_jobs``).

Per-class cost: one class of n rows x 30 features fitted with the default
settings (200 epochs at most, early stopping) against a majority of the same
size, warm, for n = 100 ... 100,000; plus the warm cost per class when 60
five-row classes train stacked in one process.

    python benchmarks/scale_out.py [--repeats 3] [--smoke]

Writes ``scale_out.md`` and ``scale_out.json``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import numpy as np  # noqa: E402


def ten_classes(rows: int, features: int = 30):
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(10), rows)
    X = rng.standard_normal((len(y), features)) + (y[:, None] % 5) * 0.7
    return X.astype("float32"), y


def timed_fits(make, X, y, repeats: int) -> tuple[float, float, np.ndarray]:
    """First fit's seconds, the median of ``repeats`` more, and their draws."""
    t = time.perf_counter()
    make().fit(X, y)
    first = time.perf_counter() - t
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        smrt = make().fit(X, y)
        times.append(time.perf_counter() - t)
    return first, float(np.median(times)), smrt.generate(5, random_state=1)[0]


def workers(rows: int, epochs: int, repeats: int, parallel: bool = True) -> dict:
    from joblib import parallel_config

    from smrt_keras import Reconstructor

    X, y = ten_classes(rows)

    def make(n_jobs):
        return lambda: Reconstructor(
            epochs=epochs, patience=None, classes="all", random_state=0, n_jobs=n_jobs
        )

    out = {"rows_per_class": rows, "classes": 10, "epochs": epochs}
    out["local"] = timed_fits(make(1), X, y, repeats)
    if not parallel:  # smoke: worker start-up alone would take 20 s
        out["local"] = dict(zip(("first_s", "warm_s"), out["local"][:2], strict=True))
        return out
    from distributed import Client, LocalCluster

    out["loky"] = timed_fits(make(2), X, y, repeats)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster),
        parallel_config(backend="dask"),
    ):
        out["dask"] = timed_fits(make(2), X, y, repeats)
    out["dask_equals_loky"] = bool(np.array_equal(out["dask"][2], out["loky"][2]))
    out["dask_vs_local_max_diff"] = float(
        np.abs(out["dask"][2] - out["local"][2]).max()
    )
    for key in ("local", "loky", "dask"):
        first, warm, _ = out[key]
        out[key] = {"first_s": first, "warm_s": warm}
    return out


def per_class_costs(sizes, features: int = 30) -> list[dict]:
    from smrt_keras import Reconstructor

    rng = np.random.default_rng(1)
    rows = []
    for n in sizes:
        y = np.r_[np.zeros(n, int), np.ones(n, int)]
        X = rng.standard_normal((2 * n, features)) + y[:, None] * 0.5
        # Warm: the same recipe for one epoch compiles the same programs.
        Reconstructor(random_state=0, classes=[1], epochs=1).fit(X, y)
        t = time.perf_counter()
        smrt = Reconstructor(random_state=0, classes=[1]).fit(X, y)
        seconds = time.perf_counter() - t
        epochs = len(smrt.history_[1]["loss"])
        rows.append({"rows": n, "seconds": seconds, "epochs_run": epochs})
        print(f"class of {n:,} rows: {seconds:.2f} s ({epochs} epochs)")
    return rows


def tiny_classes(n_classes: int = 60) -> dict:
    from smrt_keras import Reconstructor

    rng = np.random.default_rng(2)
    y = np.r_[np.zeros(200, int), np.repeat(np.arange(1, n_classes + 1), 5)]
    X = rng.standard_normal((len(y), 30)) + (y[:, None] % 7)
    Reconstructor(random_state=0).fit(X, y)  # warm
    t = time.perf_counter()
    Reconstructor(random_state=1).fit(X, y)
    seconds = time.perf_counter() - t
    return {"classes": n_classes, "rows": 5, "seconds": seconds,
            "per_class_s": seconds / n_classes}  # fmt: skip


def report(res: dict) -> list[str]:
    w = res["workers"]
    lines = [
        "# Scaling out: classes across workers, and per-class costs",
        "",
        f"Machine: {res['machine']}.",
        "",
        f"## {w['classes']} classes of {w['rows_per_class']:,} rows x 30 features, "
        f"{w['epochs']} epochs (early stopping off)",
        "",
        "Warm: the median of repeated fits after a first one that started the "
        "workers (imports, compiling).",
        "",
    ]
    local = w["local"]["warm_s"]
    rows = [
        [name, f"{w[key]['first_s']:.2f}", f"{w[key]['warm_s']:.2f}",
         f"{local / w[key]['warm_s']:.2f}x"]
        for name, key in (("this process (n_jobs=1)", "local"),
                          ("loky, n_jobs=2", "loky"),
                          ("Dask LocalCluster, 2 workers, n_jobs=2", "dask"))
        if key in w
    ]  # fmt: skip
    lines += common.table(["where", "first fit s", "warm fit s", "speed-up"], rows)
    if "dask" in w:
        lines += [
            "",
            f"Dask and loky results bit-identical: {w['dask_equals_loky']}. Largest "
            f"difference from the one-process fit: {w['dask_vs_local_max_diff']:.1e} "
            "(classes stacked differently: float32 rounding).",
        ]
    lines += [
        "",
        "## Per-class cost (default settings, warm, one process)",
        "",
    ]
    lines += common.table(
        ["class rows", "seconds", "epochs run"],
        [[f"{r['rows']:,}", f"{r['seconds']:.2f}", r["epochs_run"]]
         for r in res["per_class"]],
    )  # fmt: skip
    t = res["tiny"]
    lines += [
        "",
        f"{t['classes']} classes of {t['rows']} rows stacked in one fit: "
        f"{t['seconds']:.2f} s, {t['per_class_s']:.3f} s per class.",
    ]
    return lines


def main(argv=None) -> int:
    p = common.parser(__doc__)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    if args.smoke:
        sizes, rows, epochs, repeats = [20], 40, 2, 1
    else:
        sizes, rows, epochs, repeats = (
            [100, 1_000, 10_000, 100_000],
            2_000,
            20,
            args.repeats,
        )
    res = {"machine": common.machine(), "smoke": args.smoke}
    res["workers"] = workers(rows, epochs, repeats, parallel=not args.smoke)
    res["per_class"] = per_class_costs(sizes)
    res["tiny"] = tiny_classes(4 if args.smoke else 60)
    common.write_json(args.out, "scale_out.json", res)
    plot(res, args.out)
    common.write_report(args.out, "scale_out.md", report(res), args.smoke)
    return 0


def plot(res: dict, out: Path) -> None:
    plt = common.pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    w = res["workers"]
    keys = [k for k in ("local", "loky", "dask") if k in w]
    left.bar(
        keys, [w[k]["warm_s"] for k in keys], color=["grey", "C0", "C1"][: len(keys)]
    )
    left.set_ylabel("warm fit, seconds")
    left.set_title(f"{w['classes']} classes x {w['rows_per_class']:,} rows")
    rows = [r["rows"] for r in res["per_class"]]
    right.loglog(rows, [r["seconds"] for r in res["per_class"]], "o-")
    right.set_xlabel("rows in the class")
    right.set_ylabel("seconds (default settings)")
    right.set_title("one class, warm")
    common.save_figure(fig, out, "scale_out.png")


if __name__ == "__main__":
    sys.exit(main())
