"""Scaling: time and memory as classes, workers and rows grow; one part per
run (``--part``), each writing ``results/PART.md``, ``.json`` and ``.png``;
what each measures: benchmarks/README.md."""

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

run_child, records = common.run_child, common.records


def loglog(ax, rows: list[dict], x: str, y, label: str, style: str = "-o") -> None:
    """``ax.loglog`` of ``rows``' ``x`` against ``y`` (a key or a function)."""
    ys = [r[y] if isinstance(y, str) else y(r) for r in rows]
    ax.loglog([r[x] for r in rows], ys, style, label=label)


# --- scaling: the number of classes -----------------------------------------


def scaling(args) -> None:
    """``fit_resample`` seconds against the number of 5-row minority classes:
    a first and a second fit in a fresh process, and SMOTE's."""
    rows = []
    for n in (3,) if args.smoke else (1, 10, 60, 100):
        rows.append({"classes": n, **run_child("scaling_classes", n,
                                               in_process=args.smoke)})  # fmt: skip
        rows[-1]["per_class"] = rows[-1]["second"] / n
        print(rows[-1], flush=True)
    lines = common.head(
        "fit_resample scaling: SMRT vs SMOTE",
        "## Class count: 5-row minority classes against a 200-row majority",
        "`Reconstructor()` with default settings; first fit in a fresh process "
        "(Keras import and compiling included), then a second in the same "
        "process. Classes across workers: `--part scale_out`.",
    ) + records(rows, "classes={classes}|first s={first:.2f}|second s={second:.2f}|"
                "second s per class={per_class:.3f}|SMOTE s={smote:.3f}")  # fmt: skip
    fig, ax = common.subplots(figsize=(6, 4))
    for key, label in (("first", "SMRT, first fit"), ("second", "SMRT, second fit"),
                       ("smote", "SMOTE")):  # fmt: skip
        loglog(ax, rows, "classes", key, label)
    ax.set(xlabel="5-row minority classes", ylabel="fit_resample seconds")
    ax.legend()
    common.publish(args, "scaling", lines, {"classes": rows}, fig)


# --- scale_out: classes across workers, per-class costs ----------------------


def scale_out(args) -> None:
    """Ten classes fitted in this process, on loky and on a Dask LocalCluster
    (first fit, then the median of ``--repeats`` warm ones; Dask and loky must
    be bit-identical); the warm cost of one class of 100 ... 100,000 rows; and
    the warm cost per class of 60 stacked 5-row classes (the costs
    docs/scaling.md and ``--part simulate`` use)."""
    sizes, rows, epochs, repeats = (
        [100, 1_000, 10_000, 100_000],
        2_000,
        20,
        args.repeats,
    )
    if args.smoke:
        sizes, rows, epochs, repeats = [20], 40, 2, 1
    res = {"machine": common.machine(), "smoke": args.smoke}
    res["workers"] = workers(rows, epochs, repeats, parallel=not args.smoke)
    res["per_class"] = per_class_costs(sizes)
    res["tiny"] = tiny_classes(4 if args.smoke else 60)
    common.publish(args, "scale_out", scale_out_lines(res), res, scale_out_plot(res))


def timed_fits(make, X, y, repeats: int) -> dict:
    """First fit's seconds, the median of ``repeats`` more, and their draws."""
    t = time.perf_counter()
    make().fit(X, y)
    first, times = time.perf_counter() - t, []
    for _ in range(repeats):
        t = time.perf_counter()
        smrt = make().fit(X, y)
        times.append(time.perf_counter() - t)
    draws = smrt.generate(5, random_state=1)[0]
    return {"first_s": first, "warm_s": float(np.median(times)), "draws": draws}


def workers(rows: int, epochs: int, repeats: int, parallel: bool = True) -> dict:
    from joblib import parallel_config

    from smrt_keras import Reconstructor

    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(10), rows)
    X = (rng.standard_normal((len(y), 30)) + (y[:, None] % 5) * 0.7).astype("float32")

    def make(n_jobs):
        return lambda: Reconstructor(epochs=epochs, patience=None, classes="all",
                                     random_state=0, n_jobs=n_jobs)  # fmt: skip

    out = {"rows_per_class": rows, "classes": 10, "epochs": epochs}
    out["local"] = timed_fits(make(1), X, y, repeats)
    if parallel:  # not in smoke runs: worker start-up alone would take 20 s
        from distributed import Client, LocalCluster

        out["loky"] = timed_fits(make(2), X, y, repeats)
        cluster = dict(n_workers=2, threads_per_worker=1, processes=True,
                       dashboard_address=None)  # fmt: skip
        with LocalCluster(**cluster) as c, Client(c), parallel_config(backend="dask"):
            out["dask"] = timed_fits(make(2), X, y, repeats)
        dask, loky, local = (out[k]["draws"] for k in ("dask", "loky", "local"))
        out["dask_equals_loky"] = bool(np.array_equal(dask, loky))
        out["dask_vs_local_max_diff"] = float(np.abs(dask - local).max())
    for key in ("local", "loky", "dask"):
        out.get(key, {}).pop("draws", None)
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
        with common.Timer() as t:
            smrt = Reconstructor(random_state=0, classes=[1]).fit(X, y)
        epochs = len(smrt.history_[1]["loss"])
        rows.append({"rows": n, "seconds": t.seconds, "epochs_run": epochs})
        print(f"class of {n:,} rows: {t.seconds:.2f} s ({epochs} epochs)")
    return rows


def tiny_classes(n_classes: int = 60) -> dict:
    from smrt_keras import Reconstructor

    rng = np.random.default_rng(2)
    y = np.r_[np.zeros(200, int), np.repeat(np.arange(1, n_classes + 1), 5)]
    X = rng.standard_normal((len(y), 30)) + (y[:, None] % 7)
    Reconstructor(random_state=0).fit(X, y)  # warm
    with common.Timer() as t:
        Reconstructor(random_state=1).fit(X, y)
    return {"classes": n_classes, "rows": 5, "seconds": t.seconds,
            "per_class_s": t.seconds / n_classes}  # fmt: skip


def scale_out_lines(res: dict) -> list[str]:
    w, t = res["workers"], res["tiny"]
    names = {"local": "this process (n_jobs=1)", "loky": "loky, n_jobs=2",
             "dask": "Dask LocalCluster, 2 workers, n_jobs=2"}  # fmt: skip
    rows = [{**w[k], "where": names[k], "x": w["local"]["warm_s"] / w[k]["warm_s"]}
            for k in names if k in w]  # fmt: skip
    dask = ["", f"Dask and loky results bit-identical: {w['dask_equals_loky']}. "
            f"Largest difference from the one-process fit: "
            f"{w['dask_vs_local_max_diff']:.1e} (classes stacked differently: float32 "
            "rounding)."] if "dask" in w else []  # fmt: skip
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
        *records(rows, "where={where}|first fit s={first_s:.2f}|"
                 "warm fit s={warm_s:.2f}|speed-up={x:.2f}x"),
        *dask,
        "",
        "## Per-class cost (default settings, warm, one process)",
        "",
        *records(res["per_class"], "class rows={rows:,}|seconds={seconds:.2f}|"
                 "epochs run={epochs_run}"),
        "",
        f"{t['classes']} classes of {t['rows']} rows stacked in one fit: "
        f"{t['seconds']:.2f} s, {t['per_class_s']:.3f} s per class.",
    ]  # fmt: skip


def scale_out_plot(res: dict):
    fig, (left, right) = common.subplots(1, 2, figsize=(9, 3.5))
    w = res["workers"]
    keys = [k for k in ("local", "loky", "dask") if k in w]
    left.bar(
        keys, [w[k]["warm_s"] for k in keys], color=["grey", "C0", "C1"][: len(keys)]
    )
    left.set(
        ylabel="warm fit, seconds",
        title=f"{w['classes']} classes x {w['rows_per_class']:,} rows",
    )
    loglog(right, res["per_class"], "rows", "seconds", "one class")
    right.set(
        xlabel="rows in the class",
        ylabel="seconds (default settings)",
        title="one class, warm",
    )
    return fig  # fmt: skip


# --- simulate: the measured costs scheduled over N workers -------------------

WORKERS = [1, 2, 4, 8, 16, 32, 64]


def simulate(args) -> None:
    """``scale_out.json``'s per-class costs scheduled over N = 1 ... 64 workers
    by the library's own split: makespan and parallel efficiency (summed cost
    over N x makespan). A class's cost: log-log interpolation between the
    measured sizes, linear beyond the largest, never below the stacked 5-row
    cost; each worker pays the measured start-up (Dask's first minus warm fit)
    once. Workloads (fixed seed): 1,000 log-normal sizes (median 50 rows,
    sigma 1.5, clipped to 5 ... 100,000); 10,000 Zipf sizes (exponent 1.1)
    scaled to 100 million rows, at least 5 each."""
    costs = json.loads(args.costs.read_text())
    seconds = cost_model(costs)
    dask = costs["workers"].get("dask")
    startup = dask["first_s"] - dask["warm_s"] if dask else 0.0
    res = {"startup_s": startup, "workloads": {}}
    for name, sizes in workloads(scale=0.01 if args.smoke else 1.0).items():
        c = seconds(sizes)
        res["workloads"][name] = {
            "classes": len(sizes), "rows": int(sizes.sum()),
            "largest_class_rows": int(sizes.max()), "total_s": float(c.sum()),
            "runs": [schedule(c, n, startup) for n in WORKERS],
        }  # fmt: skip
    path = args.costs.resolve()
    path = path.relative_to(common.ROOT) if path.is_relative_to(common.ROOT) else path
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
    rows, secs = np.array([[r["rows"], r["seconds"]] for r in costs["per_class"]]).T
    floor = costs["tiny"]["per_class_s"]

    def seconds(n):
        n = np.asarray(n, float)
        inside = np.exp(np.interp(np.log(n), np.log(rows), np.log(secs)))
        beyond = secs[-1] * n / rows[-1]  # linear past the largest measured
        return np.maximum(np.where(n > rows[-1], beyond, inside), floor)

    return seconds


def workloads(seed: int = 0, scale: float = 1.0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    small = rng.lognormal(np.log(50), 1.5, int(1000 * scale))
    zipf = 1.0 / np.arange(1, int(10_000 * scale) + 1) ** 1.1
    big = np.maximum(np.round(zipf / zipf.sum() * 100e6 * scale), 5)
    return {"1k-classes": np.clip(np.round(small), 5, 100_000),
            "10k-classes-100M": big}  # fmt: skip


def schedule(costs: np.ndarray, n_workers: int, startup: float) -> dict:
    loads = [float(costs[c].sum()) + startup for c in split(list(costs), n_workers)]
    return {"workers": n_workers, "makespan_s": max(loads),
            "efficiency": float(costs.sum()) / (n_workers * max(loads)),
            "largest_class_s": float(costs.max())}  # fmt: skip


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.2f} h"
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.1f} s"


def simulate_lines(res: dict) -> list[str]:
    lines = [
        "# Simulated scale-out: measured per-class costs over N workers",
        "",
        f"Costs from `{res['costs_file']}` (measured on: {res['costs_machine']}); "
        f"worker start-up {res['startup_s']:.1f} s, paid once per worker.",
        "",
    ]
    for name, w in res["workloads"].items():
        runs = [
            {"workers": r["workers"], "eff": r["efficiency"],
             "span": _duration(r["makespan_s"]), "big": _duration(r["largest_class_s"])}
            for r in w["runs"]
        ]  # fmt: skip
        lines += [
            f"## {name}: {w['classes']:,} classes, {w['rows']:,} rows "
            f"(largest class {w['largest_class_rows']:,})",
            "",
            f"Sum of per-class costs: {w['total_s'] / 3600:.2f} h.",
            "",
            *records(runs, "workers={workers}|makespan={span}|efficiency={eff:.2f}|"
                     "largest class={big}"),
            "",
        ]  # fmt: skip
    return lines


# --- memory: generation's peak, and fit against class size -------------------

#: Rows of the other class beside the big one (fit is refused on one class).
FIT_OTHER_ROWS = 1000


def memory(args) -> None:
    """Peak RSS of ``generate(n)`` against consuming ``iter_generate(n)`` from
    one saved dense generator (breast_cancer, 10:1), a fresh process per n.
    Runs ``memory_fit`` first."""
    from sklearn.datasets import load_breast_cancer

    from smrt_keras import Reconstructor
    from smrt_keras.datasets import make_imbalanced

    memory_fit(args)
    first, last = (3, 3) if args.smoke else (4, args.max_exp)
    X, y = make_imbalanced(*load_breast_cancer(return_X_y=True), {1: 357, 0: 36}, 0)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        Reconstructor(epochs=5, random_state=0).fit(X, y).save(path := Path(tmp) / "g")
        for exp in range(first, last + 1):
            for mode in ("iter_generate", "generate"):
                rows.append(run_child("generation_memory", path, mode, 10**exp,
                                      in_process=args.smoke))  # fmt: skip
                print(rows[-1], flush=True)
    fig, ax = common.subplots(figsize=(6, 4))
    for mode in ("generate", "iter_generate"):
        loglog(ax, [r for r in rows if r["mode"] == mode], "n", "peak_mb", mode)
    ax.set(xlabel="samples generated (30 features)", ylabel="peak RSS (MiB)")
    ax.legend()
    common.publish(args, "memory", generation_lines(rows), {"generation": rows}, fig)


def generation_lines(rows: list[dict]) -> list[str]:
    for r in rows:  # the float64 data the call keeps alive at once
        held = r["n"] if r["mode"] == "generate" else min(r["n"], 10_000)
        r["held"] = held * 240 / 2**20
    return [
        *common.head(
            "Peak memory of generation (30 float64 features, one dense generator)",
            "Fresh process per row; RSS in MiB. 'Held at once' is the float64 data the "
            "call keeps alive: the whole n x 30 output for `generate`, one batch of "
            "10,000 rows for `iter_generate`. The process's peak before generating "
            "(import and load) sets a floor, so rows at that floor did not raise it.",
        ),
        *records(rows, "n={n:,}|mode={mode}|RSS after load={base_mb:.0f}|peak RSS="
                 "{peak_mb:.0f}|held at once={held:.1f}|seconds={seconds:.1f}"),
    ]  # fmt: skip


def memory_fit(args) -> None:
    """Peak RSS during one epoch's ``fit`` of one big class (``--fit-rows``
    rows of 30 float32 features) given as a read-only memmap or as an array,
    a fresh process per row (target: grown at most 1.5x the class's size plus
    a constant)."""
    sizes, modes = args.fit_rows, ("memmap", "array")
    if args.smoke:  # in this process: the suite's time is short
        sizes, modes = [2_000], ("memmap",)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            write_class(path := Path(tmp) / f"x{n}.npy", n)
            for mode in modes:
                r = run_child("fit_memory", path, mode, FIT_OTHER_ROWS,
                              in_process=args.smoke)  # fmt: skip
                r["grown"] = r["peak_mb"] - r["base_mb"]
                rows.append({**r, "ratio": r["grown"] / r["class_f32_mb"]})
                print(rows[-1], flush=True)
            path.unlink()
    fits = {}
    for mode in ("memmap", "array"):
        sel = [r for r in rows if r["mode"] == mode and r["validation"] == "capped"]
        if len(sel) > 1:
            size, grown = np.array([[r["class_f32_mb"], r["grown"]] for r in sel]).T
            slope, constant = np.polyfit(size, grown, 1)
            fits[mode] = {"input": mode, "slope": slope, "constant_mb": constant}
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


def fit_lines(rows: list[dict], fits: dict) -> list[str]:
    return [
        *common.head(
            "Peak memory of fit against class size (30 float32 features)",
            "Fresh process per row, one epoch, TensorFlow; MiB. 'Grown' is peak RSS "
            "during `fit` minus RSS before it; for `memmap` input it includes the "
            "class's pages as they are read, for `array` input the array was already "
            "resident before the baseline. Validation: the held-out split as shipped "
            "(at most 10,000 rows).",
        ),
        *records(rows, "rows={n:,}|input={mode}|validation={validation}|class float32="
                 "{class_f32_mb:.0f}|baseline={base_mb:.0f}|peak={peak_mb:.0f}|grown="
                 "{grown:.0f}|grown / class={ratio:.2f}|seconds={seconds:.1f}"),
        "",
        "Least-squares line through the capped rows, grown = slope x class + "
        "constant (target: slope at most 1.5):",
        "",
        *records(list(fits.values()), "input={input}|slope={slope:.2f}|"
                 "constant (MiB)={constant_mb:.0f}"),
    ]  # fmt: skip


def fit_plot(rows: list[dict]):
    fig, ax = common.subplots(figsize=(6, 4))
    for mode in ("memmap", "array"):
        sel = [r for r in rows if r["mode"] == mode and r["validation"] == "capped"]
        loglog(ax, sel, "n", "grown", f"{mode} input")
    loglog(
        ax, sel, "n", lambda r: 1.5 * r["class_f32_mb"], "1.5 x class float32", "k--"
    )
    ax.set(
        xlabel="rows in the class (30 features)",
        ylabel="peak RSS during fit minus before (MiB)",
    )
    ax.legend()
    return fig  # fmt: skip


PARTS = {f.__name__: f for f in (scaling, scale_out, simulate, memory, memory_fit)}


def main(argv=None) -> None:
    p = common.parser(__doc__, PARTS)
    add = p.add_argument
    add("--repeats", type=int, default=3, help="scale_out: warm fits timed")
    add("--costs", type=Path, default=common.RESULTS / "scale_out.json")
    add("--max-exp", type=int, default=7, help="memory: largest n is 10**max_exp")
    add("--fit-rows", type=int, nargs="+", default=[100_000, 1_000_000, 5_000_000])
    args = p.parse_args(argv)
    PARTS[args.part](args)


if __name__ == "__main__":
    main()
