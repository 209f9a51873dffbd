"""fit_resample wall time and peak memory of SMRT and SMOTE as rows grow.

Rows 1k, 10k, 100k at 20 and 784 features; 10% minority (Gaussian classes
with shifted means), balanced to 1:1. Each (sampler, rows, features) runs in a
fresh Python process so its peak resident memory (``ru_maxrss``) is its own;
the table gives the peak and the growth over the process's footprint just
before ``fit_resample`` (imports and data already loaded). SMRT trains a fixed
number of epochs with early stopping off, so time reflects work per epoch
rather than when training happened to stop.

    python benchmarks/scaling.py [--epochs 10] [--max-rows 100000]

Class count: 1, 10, 60 and 100 minority classes of 5 rows each (20 features)
against a 200-row majority, balanced by ``Reconstructor()`` with its default
settings, in a fresh process: the first ``fit_resample`` (compiling included)
and a second one in the same process (a new seed), beside SMOTE (k=4, as 5-row
classes allow), and the same classes split across two joblib processes.

Writes ``scaling.md``, ``scaling.json`` and ``scaling.png`` (log-log, with the
fitted slope of time against rows).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import numpy as np  # noqa: E402


def class_counts(grid, workers: int, in_process: bool = False) -> list[dict]:
    """``fit_resample`` seconds against the number of 5-row minority classes,
    vectorised in one process and split across ``workers`` joblib processes."""
    rows = []
    for n in grid:
        r = common.run_child("scaling_classes", n, workers, in_process=in_process)
        rows.append(r := {"classes": n, **r})
        print(
            f"{n:>3} classes: first {r['first']:.2f} s, second {r['second']:.2f} s, "
            f"joblib {r.get('joblib_first', float('nan')):.2f} / "
            f"{r.get('joblib_second', float('nan')):.2f} s, SMOTE {r['smote']:.3f} s",
            flush=True,
        )
    return rows


def class_lines(rows: list[dict]) -> list[str]:
    def joblib(r, key):
        return f"{r[key]:.2f}" if key in r else "n/a"

    table = [
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
        *common.table(header.split("|"), table),
    ]


def rows_and_features(row_grid, feature_grid, epochs, in_process) -> list[dict]:
    """One fresh process per (features, sampler, rows)."""
    results = []
    for features in feature_grid:
        for sampler in ("SMOTE", "SMRT"):
            for rows in row_grid:
                args = ("scaling_fit", sampler, rows, features, epochs)
                r = common.run_child(*args, in_process=in_process)
                r.update(sampler=sampler, rows=rows, features=features)
                results.append(r)
                print(
                    f"{sampler:<5} {rows:>7} x {features:<3}: {r['seconds']:8.2f} s, "
                    f"peak {r['peak_kib'] / 1024:7.0f} MiB "
                    f"(+{(r['peak_kib'] - r['before_kib']) / 1024:.0f})",
                    flush=True,
                )
    return results


def _selected(results, sampler, features) -> list[dict]:
    return [r for r in results if r["sampler"] == sampler and r["features"] == features]


def main(argv=None) -> None:
    p = common.parser(__doc__)
    p.add_argument("--epochs", type=int, default=10, help="SMRT epochs (fixed)")
    p.add_argument("--max-rows", type=int, default=100_000)
    args = p.parse_args(argv)
    row_grid = [r for r in (1_000, 10_000, 100_000) if r <= args.max_rows]
    feature_grid, epochs, class_grid = (20, 784), args.epochs, (1, 10, 60, 100)
    if args.smoke:
        row_grid, feature_grid, epochs = [200, 400], (20,), 1
        class_grid = (3,)
    # joblib's workers each import Keras: too slow for the suite's smoke run.
    by_classes = class_counts(class_grid, 0 if args.smoke else 2, args.smoke)
    results = rows_and_features(row_grid, feature_grid, epochs, args.smoke)
    slopes = {}
    for features in feature_grid:
        for sampler in ("SMOTE", "SMRT"):
            sel = _selected(results, sampler, features)
            x = np.log10([r["rows"] for r in sel])
            t = np.log10([r["seconds"] for r in sel])
            slopes[(sampler, features)] = float(np.polyfit(x, t, 1)[0])
    lines = report(results, slopes, epochs) + class_lines(by_classes)
    common.write_report(args.out, "scaling.md", lines, args.smoke)
    common.write_json(
        args.out, "scaling.json", {"rows": results, "classes": by_classes}
    )
    plot(results, slopes, args.out)


def report(results, slopes, epochs) -> list[str]:
    rows = [
        [r["sampler"], r["features"], f"{r['rows']:,}", f"{r['seconds']:.2f}",
         f"{r['peak_kib'] / 1024:.0f}",
         f"{(r['peak_kib'] - r['before_kib']) / 1024:.0f}"]
        for r in results
    ]  # fmt: skip
    slope_rows = [[s, f, f"{v:.2f}"] for (s, f), v in slopes.items()]
    header = "sampler|features|rows|seconds|peak MiB|growth MiB".split("|")
    return [
        "# fit_resample scaling: SMRT vs SMOTE",
        "",
        f"10% minority balanced to 1:1; SMOTE k=5; SMRT `Reconstructor(epochs="
        f"{epochs}, patience=None)` (defaults otherwise). One fresh process per "
        "row; memory is the process's peak RSS, and its growth during "
        "`fit_resample`.",
        "",
        f"Machine: {common.machine()}.",
        "",
        *common.table(header, rows),
        "",
        "Fitted slope of log10(seconds) against log10(rows) (1 = linear):",
        "",
        *common.table(["sampler", "features", "slope"], slope_rows),
    ]


def plot(results, slopes, out) -> None:
    plt = common.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
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
    common.save_figure(fig, out, "scaling.png")


if __name__ == "__main__":
    main()
