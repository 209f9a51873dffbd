"""Scaling: time and memory as rows, classes, workers and saves grow.

One part per run, each writing ``results/PART.md``, ``.json`` and ``.png``:

    python benchmarks/scaling.py [--epochs 10] [--max-rows 100000]
    python benchmarks/scaling.py --part scale_out [--repeats 3]
    python benchmarks/scaling.py --part simulate [--costs FILE]
    python benchmarks/scaling.py --part memory [--max-exp 7] [--fits 100]
    python benchmarks/scaling.py --part memory_fit [--fit-rows ...]

Each part's function below says what it measures. Measurements that need a
fresh process are functions of ``_children.py``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import numpy as np  # noqa: E402

from smrt_keras.models.parallel import split  # noqa: E402

run_child, table, machine = common.run_child, common.table, common.machine


def _fmt(spec: str, r: dict) -> list[str]:
    """Table cells from ``"{a:.2f}|{b:,}"``-style fields of row ``r``."""
    return [field.format(**r) for field in spec.split("|")]


# --- scaling: rows, features and classes ------------------------------------


def scaling(args) -> None:
    """``fit_resample`` seconds and peak memory of SMRT and SMOTE at 1k, 10k and
    100k rows x 20 and 784 features; 10% minority (Gaussian classes with shifted
    means) balanced to 1:1, each in a fresh process whose ``ru_maxrss`` is its
    own (peak, and growth over the footprint just before ``fit_resample``).
    SMRT trains a fixed number of epochs, early stopping off. Then 1, 10, 60
    and 100 minority classes of 5 rows (20 features) against a 200-row
    majority, ``Reconstructor()`` defaults: first and second ``fit_resample``
    in a fresh process, SMOTE (k=4), and the classes split across two joblib
    processes. The plot is log-log, with the fitted slope against rows."""
    row_grid = [r for r in (1_000, 10_000, 100_000) if r <= args.max_rows]
    feature_grid, epochs, class_grid = (20, 784), args.epochs, (1, 10, 60, 100)
    if args.smoke:
        row_grid, feature_grid, epochs, class_grid = [200, 400], (20,), 1, (3,)
    # joblib's workers each import Keras: too slow for the suite's smoke run.
    by_classes = class_counts(class_grid, 0 if args.smoke else 2, args.smoke)
    results = []
    for features in feature_grid:  # one fresh process per (features, sampler, rows)
        for sampler in ("SMOTE", "SMRT"):
            for rows in row_grid:
                a = ("scaling_fit", sampler, rows, features, epochs)
                r = run_child(*a, in_process=args.smoke)
                results.append({**r, "sampler": sampler, "rows": rows,
                                "features": features})  # fmt: skip
                print(sampler, rows, features, r, flush=True)
    slopes = {}
    for features in feature_grid:
        for sampler in ("SMOTE", "SMRT"):
            sel = _selected(results, sampler, features)
            x = np.log10([r["rows"] for r in sel])
            t = np.log10([r["seconds"] for r in sel])
            slopes[(sampler, features)] = float(np.polyfit(x, t, 1)[0])
    lines = scaling_lines(results, slopes, epochs) + class_lines(by_classes)
    data = {"rows": results, "classes": by_classes}
    common.publish(args, "scaling", lines, data, scaling_plot(results, slopes))


def class_counts(grid, workers: int, in_process: bool = False) -> list[dict]:
    """``fit_resample`` seconds against the number of 5-row minority classes,
    vectorised in one process and split across ``workers`` joblib processes."""
    rows = []
    for n in grid:
        r = run_child("scaling_classes", n, workers, in_process=in_process)
        rows.append(r := {"classes": n, **r})
        print(f"{n:>3} classes: first {r['first']:.2f} s, second {r['second']:.2f} "
              f"s, SMOTE {r['smote']:.3f} s", flush=True)  # fmt: skip
    return rows


def class_lines(rows: list[dict]) -> list[str]:
    def joblib(r, key):
        return f"{r[key]:.2f}" if key in r else "n/a"

    cells = [
        [r["classes"], f"{r['first']:.2f}", f"{r['second']:.2f}",
         f"{r['second'] / r['classes']:.3f}", joblib(r, "joblib_first"),
         joblib(r, "joblib_second"), f"{r['smote']:.3f}"]
        for r in rows
    ]  # fmt: skip
    workers = next((r["workers"] for r in rows if "workers" in r), 0)
    header = "classes|first s|second s|second s per class|joblib first s|"
    header += "joblib second s|SMOTE s"
    return [
        "",
        "## Class count: 5-row minority classes against a 200-row majority",
        "",
        "`Reconstructor()` with default settings; first fit in a fresh process "
        "(Keras import and compiling included), then a second in the same "
        "process. `joblib` splits the classes across "
        f"{workers} loky worker processes instead (each fits "
        "`Reconstructor()` on the majority and its share of the classes): a "
        "first call, then a second on the same workers.",
        "",
        *table(header.split("|"), cells),
    ]


def _selected(results, sampler, features) -> list[dict]:
    return [r for r in results if r["sampler"] == sampler and r["features"] == features]


def scaling_lines(results, slopes, epochs) -> list[str]:
    rows = [
        [r["sampler"], r["features"], f"{r['rows']:,}", f"{r['seconds']:.2f}",
         f"{r['peak_kib'] / 1024:.0f}",
         f"{(r['peak_kib'] - r['before_kib']) / 1024:.0f}"]
        for r in results
    ]  # fmt: skip
    slope_rows = [[s, f, f"{v:.2f}"] for (s, f), v in slopes.items()]
    header = "sampler|features|rows|seconds|peak MiB|growth MiB".split("|")
    return [
        *common.head(
            "fit_resample scaling: SMRT vs SMOTE",
            f"10% minority balanced to 1:1; SMOTE k=5; SMRT `Reconstructor(epochs="
            f"{epochs}, patience=None)` (defaults otherwise). One fresh process per "
            "row; memory is the process's peak RSS, and its growth during "
            "`fit_resample`.",
        ),
        *table(header, rows),
        "",
        "Fitted slope of log10(seconds) against log10(rows) (1 = linear):",
        "",
        *table(["sampler", "features", "slope"], slope_rows),
    ]


def scaling_plot(results, slopes):
    fig, axes = common.subplots(1, 2, figsize=(11, 4))
    for (sampler, features), slope in slopes.items():
        sel = _selected(results, sampler, features)
        style = "-o" if sampler == "SMRT" else "--s"
        label = f"{sampler}, {features} features"
        rows = [r["rows"] for r in sel]
        axes[0].loglog(rows, [r["seconds"] for r in sel], style,
                       label=f"{label} (slope {slope:.2f})")  # fmt: skip
        axes[1].loglog(rows, [r["peak_kib"] / 1024 for r in sel], style, label=label)
    axes[0].set_ylabel("fit_resample seconds")
    axes[1].set_ylabel("peak RSS (MiB)")
    for ax in axes:
        ax.set_xlabel("rows")
        ax.legend(fontsize=8)
    return fig


# --- scale_out: classes across workers, per-class costs ----------------------


def scale_out(args) -> None:
    """Ten classes of 2,000 rows x 30 features (``classes="all"``, 20 epochs,
    early stopping off) fitted in this process (``n_jobs=1``), on loky with
    ``n_jobs=2`` and on a ``dask.distributed.LocalCluster`` of 2
    single-threaded worker processes with ``n_jobs=2``: a first fit starts the
    workers, then the median of ``--repeats`` fits with the same seed. Dask
    and loky must be bit-identical (chunks depend only on ``n_jobs``).
    Per-class cost: one class of n rows x 30 features, default settings, warm,
    n = 100 ... 100,000; and the warm cost per class of 60 stacked 5-row
    classes (the costs that docs/scaling.md and ``--part simulate`` use)."""
    sizes, rows, epochs, repeats = (
        [100, 1_000, 10_000, 100_000],
        2_000,
        20,
        args.repeats,
    )
    if args.smoke:
        sizes, rows, epochs, repeats = [20], 40, 2, 1
    res = {"machine": machine(), "smoke": args.smoke}
    res["workers"] = workers(rows, epochs, repeats, parallel=not args.smoke)
    res["per_class"] = per_class_costs(sizes)
    res["tiny"] = tiny_classes(4 if args.smoke else 60)
    common.publish(args, "scale_out", scale_out_lines(res), res, scale_out_plot(res))


def _classes(classes: int, rows: int, features: int, mod: int, spread: float):
    """``classes`` Gaussian classes of ``rows`` rows, means ``(y % mod) * spread``."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(classes), rows)
    X = rng.standard_normal((len(y), features)) + (y[:, None] % mod) * spread
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

    X, y = _classes(10, rows, 30, 5, 0.7)

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
    cluster = dict(n_workers=2, threads_per_worker=1, processes=True,
                   dashboard_address=None)  # fmt: skip
    with LocalCluster(**cluster) as c, Client(c), parallel_config(backend="dask"):
        out["dask"] = timed_fits(make(2), X, y, repeats)
    out["dask_equals_loky"] = bool(np.array_equal(out["dask"][2], out["loky"][2]))
    diff = np.abs(out["dask"][2] - out["local"][2]).max()
    out["dask_vs_local_max_diff"] = float(diff)
    for key in ("local", "loky", "dask"):
        out[key] = dict(zip(("first_s", "warm_s"), out[key][:2], strict=True))
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


def scale_out_lines(res: dict) -> list[str]:
    w, t = res["workers"], res["tiny"]
    local = w["local"]["warm_s"]
    rows = [
        [name, f"{w[key]['first_s']:.2f}", f"{w[key]['warm_s']:.2f}",
         f"{local / w[key]['warm_s']:.2f}x"]
        for name, key in (("this process (n_jobs=1)", "local"),
                          ("loky, n_jobs=2", "loky"),
                          ("Dask LocalCluster, 2 workers, n_jobs=2", "dask"))
        if key in w
    ]  # fmt: skip
    dask = (
        []
        if "dask" not in w
        else [
            "",
            f"Dask and loky results bit-identical: {w['dask_equals_loky']}. Largest "
            f"difference from the one-process fit: {w['dask_vs_local_max_diff']:.1e} "
            "(classes stacked differently: float32 rounding).",
        ]
    )
    costs = [_fmt("{rows:,}|{seconds:.2f}|{epochs_run}", r) for r in res["per_class"]]
    return [
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
        *table(["where", "first fit s", "warm fit s", "speed-up"], rows),
        *dask,
        "",
        "## Per-class cost (default settings, warm, one process)",
        "",
        *table(["class rows", "seconds", "epochs run"], costs),
        "",
        f"{t['classes']} classes of {t['rows']} rows stacked in one fit: "
        f"{t['seconds']:.2f} s, {t['per_class_s']:.3f} s per class.",
    ]


def scale_out_plot(res: dict):
    fig, (left, right) = common.subplots(1, 2, figsize=(9, 3.5))
    w = res["workers"]
    keys = [k for k in ("local", "loky", "dask") if k in w]
    colors = ["grey", "C0", "C1"][: len(keys)]
    left.bar(keys, [w[k]["warm_s"] for k in keys], color=colors)
    left.set_ylabel("warm fit, seconds")
    left.set_title(f"{w['classes']} classes x {w['rows_per_class']:,} rows")
    rows = [r["rows"] for r in res["per_class"]]
    right.loglog(rows, [r["seconds"] for r in res["per_class"]], "o-")
    right.set_xlabel("rows in the class")
    right.set_ylabel("seconds (default settings)")
    right.set_title("one class, warm")
    return fig


# --- simulate: the measured costs scheduled over N workers -------------------

WORKERS = [1, 2, 4, 8, 16, 32, 64]


def simulate(args) -> None:
    """Schedules ``scale_out.json``'s per-class costs over N = 1 ... 64 workers:
    makespan and parallel efficiency (summed cost over N x makespan). Cost of a
    class of n rows: log-log interpolation between the measured sizes, linear
    in n beyond the largest (conservative), never below the measured cost per
    class of stacked 5-row classes; each worker pays the measured start-up once
    (first minus warm fit on the Dask cluster). Workloads (fixed seed):
    ``1k-classes``, 1,000 log-normal sizes (median 50 rows, sigma 1.5) clipped
    to 5 ... 100,000 rows; ``10k-classes-100M``, 10,000 Zipf sizes (exponent
    1.1) scaled to 100 million rows, at least 5 each."""
    costs = json.loads(args.costs.read_text())
    scale = 0.01 if args.smoke else 1.0
    seconds = cost_model(costs)
    dask = costs["workers"].get("dask")
    startup = dask["first_s"] - dask["warm_s"] if dask else 0.0
    res = {"startup_s": startup, "workloads": {}}
    for name, sizes in workloads(scale=scale).items():
        c = seconds(sizes)
        res["workloads"][name] = {
            "classes": len(sizes),
            "rows": int(sizes.sum()),
            "largest_class_rows": int(sizes.max()),
            "total_s": float(c.sum()),
            "runs": [schedule(c, n, startup) for n in WORKERS],
        }
    inside = args.costs.resolve().is_relative_to(common.ROOT)
    path = args.costs.resolve().relative_to(common.ROOT) if inside else args.costs
    res.update(costs_file=str(path), costs_machine=costs["machine"], smoke=args.smoke)
    fig, ax = common.subplots(figsize=(5, 3.5))
    for name, w in res["workloads"].items():
        ax.plot(WORKERS, [r["efficiency"] for r in w["runs"]], "o-", label=name)
    ax.axhline(0.8, color="grey", ls=":", label="0.8")
    ax.set(xlabel="workers", ylabel="parallel efficiency", ylim=(0, 1.05))
    ax.set_xscale("log", base=2)
    ax.legend()
    common.publish(args, "simulate", simulate_lines(res), res, fig)


def cost_model(costs: dict):
    """Seconds to fit a class of ``n`` rows, from the measured points."""
    rows = np.array([r["rows"] for r in costs["per_class"]], float)
    secs = np.array([r["seconds"] for r in costs["per_class"]], float)
    floor = costs["tiny"]["per_class_s"]

    def seconds(n):
        n = np.asarray(n, float)
        inside = np.exp(np.interp(np.log(n), np.log(rows), np.log(secs)))
        beyond = secs[-1] * n / rows[-1]  # linear past the largest measured
        return np.maximum(np.where(n > rows[-1], beyond, inside), floor)

    return seconds


def workloads(seed: int = 0, scale: float = 1.0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    k1 = int(1000 * scale)
    small = np.clip(np.round(rng.lognormal(np.log(50), 1.5, k1)), 5, 100_000)
    k2 = int(10_000 * scale)
    zipf = 1.0 / np.arange(1, k2 + 1) ** 1.1
    big = np.maximum(np.round(zipf / zipf.sum() * 100e6 * scale), 5)
    return {"1k-classes": small, "10k-classes-100M": big}


def schedule(costs: np.ndarray, n_workers: int, startup: float) -> dict:
    loads = [float(costs[c].sum()) + startup for c in split(list(costs), n_workers)]
    makespan = max(loads)
    return {
        "workers": n_workers,
        "makespan_s": makespan,
        "efficiency": float(costs.sum()) / (n_workers * makespan),
        "largest_class_s": float(costs.max()),
    }


def simulate_lines(res: dict) -> list[str]:
    lines = [
        "# Simulated scale-out: measured per-class costs over N workers",
        "",
        f"Costs from `{res['costs_file']}` (measured on: {res['costs_machine']}); "
        f"worker start-up {res['startup_s']:.1f} s, paid once per worker.",
        "",
    ]
    for name, w in res["workloads"].items():
        rows = [[r["workers"], _duration(r["makespan_s"]), f"{r['efficiency']:.2f}",
                 _duration(r["largest_class_s"])] for r in w["runs"]]  # fmt: skip
        lines += [
            f"## {name}: {w['classes']:,} classes, {w['rows']:,} rows "
            f"(largest class {w['largest_class_rows']:,})",
            "",
            f"Sum of per-class costs: {w['total_s'] / 3600:.2f} h.",
            "",
            *table(["workers", "makespan", "efficiency", "largest class"], rows),
            "",
        ]
    return lines


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.2f} h"
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.1f} s"


# --- memory: generation's peak, leaks, and fit against class size ------------

#: Rows of the other class beside the big one (fit is refused on one class).
FIT_OTHER_ROWS = 1000


def memory(args) -> None:
    """Generation: one small dense generator (breast_cancer, 30 features, 10:1)
    is saved, then a fresh process per n = 10^4 ... 10^max_exp loads it and
    calls ``generate(n)`` (the whole float64 array) or consumes
    ``iter_generate(n)``; peak RSS is ``ru_maxrss``, the baseline the RSS after
    loading. Leaks: per installed backend, a fresh process runs ``--fits``
    small ``fit_resample`` calls (breast_cancer at 10:1, 3 epochs, a new seed
    each); the growth per fit is the slope over fits 11 onwards. Also runs
    ``memory_fit`` first (as ``--part memory_fit`` alone)."""
    from sklearn.datasets import load_breast_cancer

    from smrt_keras import Reconstructor
    from smrt_keras.datasets import make_imbalanced

    memory_fit(args)
    first, last = (3, 3) if args.smoke else (4, args.max_exp)
    fits = 12 if args.smoke else args.fits
    # The smoke run checks the code path on one backend (each is a process).
    leak = leaks(fits, common.installed_backends()[:1] if args.smoke else None,
                 args.smoke)  # fmt: skip
    X, y = load_breast_cancer(return_X_y=True)
    X, y = make_imbalanced(X, y, {1: 357, 0: 36}, random_state=0)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gen"
        Reconstructor(epochs=5, random_state=0).fit(X, y).save(path)
        for exp in range(first, last + 1):
            for mode in ("iter_generate", "generate"):
                a = ("generation_memory", path, mode, 10**exp)
                rows.append(row := run_child(*a, in_process=args.smoke))
                print(row, flush=True)
    fig, ax = common.subplots(figsize=(6, 4))
    for mode in ("generate", "iter_generate"):
        sel = [r for r in rows if r["mode"] == mode]
        ax.loglog([r["n"] for r in sel], [r["peak_mb"] for r in sel], "-o", label=mode)
    ax.set(xlabel="samples generated (30 features)", ylabel="peak RSS (MiB)")
    ax.legend()
    lines = generation_lines(rows) + leak_lines(leak, fits)
    common.publish(args, "memory", lines, {"generation": rows, "leak": leak}, fig)


def leaks(fits: int, backends=None, in_process: bool = False) -> dict:
    """RSS after each of ``fits`` fits, per backend (default: every installed
    one; fresh processes)."""
    out = {}
    for backend in backends or common.installed_backends():
        r = run_child("leak", fits, backend=backend, in_process=in_process)
        tail = np.arange(len(r["rss_mb"]))[10:]
        slope = float("nan")
        if len(tail) > 1:
            slope = np.polyfit(tail, np.asarray(r["rss_mb"])[10:], 1)[0]
        r["mb_per_fit_after_10"] = float(slope)
        out[backend] = r
        print(f"leak {backend}: {slope:.2f} MiB/fit after 10", flush=True)
    return out


def leak_lines(result: dict, fits: int) -> list[str]:
    rows = [
        [b, f"{r['start_mb']:.0f}",
         f"{r['rss_mb'][9]:.0f}" if len(r["rss_mb"]) > 9 else "n/a",
         f"{r['rss_mb'][-1]:.0f}", f"{r['mb_per_fit_after_10']:.2f}"]
        for b, r in result.items()
    ]  # fmt: skip
    header = ["backend", "before the first fit", "after 10 fits", f"after {fits}",
              "MiB per fit after 10 (slope)"]  # fmt: skip
    return [
        "",
        f"## Resident memory over {fits} fits in one process",
        "",
        "`Reconstructor(epochs=3, random_state=seed).fit_resample` on breast_cancer "
        "at 10:1, a new seed each fit; RSS in MiB.",
        "",
        *table(header, rows),
    ]


def generation_lines(rows: list[dict]) -> list[str]:
    def held_mb(r):  # the float64 data the call keeps alive at once
        return (
            (r["n"] if r["mode"] == "generate" else min(r["n"], 10_000)) * 240 / 2**20
        )

    spec = "{n:,}|{mode}|{base_mb:.0f}|{peak_mb:.0f}|{held:.1f}|{seconds:.1f}"
    return [
        *common.head(
            "Peak memory of generation (30 float64 features, one dense generator)",
            "Fresh process per row; RSS in MiB. 'Held at once' is the float64 data the "
            "call keeps alive: the whole n x 30 output for `generate`, one batch of "
            "10,000 rows for `iter_generate`. The process's peak before generating "
            "(import and load) sets a floor, so rows at that floor did not raise it.",
        ),
        *table(
            "n|mode|RSS after load|peak RSS|held at once|seconds".split("|"),
            [_fmt(spec, {**r, "held": held_mb(r)}) for r in rows],
        ),  # fmt: skip
    ]


def memory_fit(args) -> None:
    """Peak RSS during ``fit`` against the size of the class (``--fit-rows``,
    default 100k, 1M and 5M rows of 30 float32 features; #18). A fresh process
    per row warms up (imports, one tiny fit), resets its peak
    (``/proc/self/clear_refs``), then fits one epoch of a generator for the big
    class, given as a read-only ``np.load(..., mmap_mode="r")`` memmap (whose
    pages count once read) or as an in-memory float32 array made before the
    baseline. Target: peak minus baseline at most 1.5x the class's float32
    size plus a constant."""
    sizes, modes = args.fit_rows, ("memmap", "array")
    if args.smoke:  # in this process: the suite's time is short
        sizes, modes = [2_000], ("memmap",)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            write_class(path := Path(tmp) / f"x{n}.npy", n)
            for mode in modes:
                row = run_child("fit_memory", path, mode, FIT_OTHER_ROWS,
                                in_process=args.smoke)  # fmt: skip
                row["ratio"] = (row["peak_mb"] - row["base_mb"]) / row["class_f32_mb"]
                rows.append(row)
                print(row, flush=True)
            path.unlink()
    fits = {}
    for mode in ("memmap", "array"):
        sel = [r for r in rows if r["mode"] == mode and r["validation"] == "capped"]
        if len(sel) > 1:
            size = np.array([r["class_f32_mb"] for r in sel])
            grown = np.array([r["peak_mb"] - r["base_mb"] for r in sel])
            slope, constant = np.polyfit(size, grown, 1)
            fits[mode] = {"slope": float(slope), "constant_mb": float(constant)}
    data = {"fit": rows, "lines": fits}
    common.publish(args, "memory_fit", fit_lines(rows, fits), data, fit_plot(rows))


def write_class(path: Path, n: int, features: int = 30) -> None:
    """A float32 ``.npy`` of ``n + FIT_OTHER_ROWS`` normal rows, written in
    chunks (the parent never holds it whole)."""
    rows = n + FIT_OTHER_ROWS
    X = np.lib.format.open_memmap(path, "w+", "float32", (rows, features))
    rng = np.random.default_rng(1)
    for start in range(0, rows, 500_000):
        stop = min(start + 500_000, rows)
        X[start:stop] = rng.normal(size=(stop - start, features))
    X.flush()
    del X


def fit_lines(rows: list[dict], fits: dict) -> list[str]:
    spec = "{n:,}|{mode}|{validation}|{class_f32_mb:.0f}|{base_mb:.0f}|{peak_mb:.0f}|"
    spec += "{grown:.0f}|{ratio:.2f}|{seconds:.1f}"
    header = "rows|input|validation|class float32|baseline|peak|grown|grown / class|"
    cells = [_fmt(spec, {**r, "grown": r["peak_mb"] - r["base_mb"]}) for r in rows]
    lines_ = [
        [m, f"{f['slope']:.2f}", f"{f['constant_mb']:.0f}"] for m, f in fits.items()
    ]
    return [
        *common.head(
            "Peak memory of fit against class size (30 float32 features)",
            "Fresh process per row, one epoch, TensorFlow; MiB. 'Grown' is peak RSS "
            "during `fit` minus RSS before it; for `memmap` input it includes the "
            "class's pages as they are read, for `array` input the array was already "
            "resident before the baseline. Validation: the held-out split as shipped "
            "(at most 10,000 rows).",
        ),
        *table((header + "seconds").split("|"), cells),
        "",
        "Least-squares line through the capped rows, grown = slope x class + "
        "constant (target: slope at most 1.5):",
        "",
        *table(["input", "slope", "constant (MiB)"], lines_),
    ]


def fit_plot(rows: list[dict]):
    fig, ax = common.subplots(figsize=(6, 4))
    for mode in ("memmap", "array"):
        sel = [r for r in rows if r["mode"] == mode and r["validation"] == "capped"]
        ax.loglog([r["n"] for r in sel], [r["peak_mb"] - r["base_mb"] for r in sel],
                  "-o", label=f"{mode} input")  # fmt: skip
    ax.loglog([r["n"] for r in sel], [1.5 * r["class_f32_mb"] for r in sel], "k--",
              label="1.5 x class float32")  # fmt: skip
    ax.set(xlabel="rows in the class (30 features)",
           ylabel="peak RSS during fit minus before (MiB)")  # fmt: skip
    ax.legend()
    return fig


PARTS = {f.__name__: f for f in (scaling, scale_out, simulate, memory)}
PARTS["memory_fit"] = memory_fit


def main(argv=None) -> None:
    p = common.parser(__doc__, PARTS)
    add = p.add_argument
    add("--epochs", type=int, default=10, help="scaling: SMRT epochs (fixed)")
    add("--max-rows", type=int, default=100_000, help="scaling: largest row count")
    add("--repeats", type=int, default=3, help="scale_out: warm fits timed")
    add("--costs", type=Path, default=common.RESULTS / "scale_out.json")
    add("--max-exp", type=int, default=7, help="memory: largest n is 10**max_exp")
    add("--fits", type=int, default=100, help="memory: fits in the leak test")
    add("--fit-rows", type=int, nargs="+", default=[100_000, 1_000_000, 5_000_000])
    args = p.parse_args(argv)
    PARTS[args.part](args)


if __name__ == "__main__":
    main()
