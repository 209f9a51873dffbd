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
        r = {
            "classes": n,
            **common.run_child("scaling_classes", n, workers, in_process=in_process),
        }
        rows.append(r)
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
        [
            r["classes"],
            f"{r['first']:.2f}",
            f"{r['second']:.2f}",
            f"{r['second'] / r['classes']:.3f}",
            joblib(r, "joblib_first"),
            joblib(r, "joblib_second"),
            f"{r['smote']:.3f}",
        ]
        for r in rows
    ]
    workers = next((r["workers"] for r in rows if "workers" in r), 0)
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
        *common.table(
            [
                "classes",
                "first s",
                "second s",
                "second s per class",
                "joblib first s",
                "joblib second s",
                "SMOTE s",
            ],
            table,
        ),
    ]


def main(argv=None) -> None:
    p = common.parser(__doc__)
    p.add_argument("--epochs", type=int, default=10, help="SMRT epochs (fixed)")
    p.add_argument("--max-rows", type=int, default=100_000)
    args = p.parse_args(argv)
    row_grid = [r for r in (1_000, 10_000, 100_000) if r <= args.max_rows]
    feature_grid = (20, 784)
    epochs = args.epochs
    class_grid = (1, 10, 60, 100)
    if args.smoke:
        row_grid, feature_grid, epochs = [200, 400], (20,), 1
        class_grid = (3,)
    # joblib's workers each import Keras: too slow for the suite's smoke run.
    by_classes = class_counts(class_grid, 0 if args.smoke else 2, args.smoke)

    results = []
    for features in feature_grid:
        for sampler in ("SMOTE", "SMRT"):
            for rows in row_grid:
                args_ = ("scaling_fit", sampler, rows, features, epochs)
                r = common.run_child(*args_, in_process=args.smoke)
                r.update(sampler=sampler, rows=rows, features=features)
                results.append(r)
                print(
                    f"{sampler:<5} {rows:>7} x {features:<3}: {r['seconds']:8.2f} s, "
                    f"peak {r['peak_kib'] / 1024:7.0f} MiB "
                    f"(+{(r['peak_kib'] - r['before_kib']) / 1024:.0f})",
                    flush=True,
                )

    slopes = {}
    for features in feature_grid:
        for sampler in ("SMOTE", "SMRT"):
            pts = [
                (r["rows"], r["seconds"])
                for r in results
                if r["sampler"] == sampler and r["features"] == features
            ]
            x, t = np.log10([p[0] for p in pts]), np.log10([p[1] for p in pts])
            slopes[(sampler, features)] = float(np.polyfit(x, t, 1)[0])

    rows = [
        [
            r["sampler"],
            r["features"],
            f"{r['rows']:,}",
            f"{r['seconds']:.2f}",
            f"{r['peak_kib'] / 1024:.0f}",
            f"{(r['peak_kib'] - r['before_kib']) / 1024:.0f}",
        ]
        for r in results
    ]
    slope_rows = [[s, f, f"{v:.2f}"] for (s, f), v in slopes.items()]
    lines = [
        "# fit_resample scaling: SMRT vs SMOTE",
        "",
        f"10% minority balanced to 1:1; SMOTE k=5; SMRT `Reconstructor(epochs="
        f"{epochs}, patience=None)` (defaults otherwise). One fresh process per "
        "row; memory is the process's peak RSS, and its growth during "
        "`fit_resample`.",
        "",
        f"Machine: {common.machine()}.",
        "",
        *common.table(
            ["sampler", "features", "rows", "seconds", "peak MiB", "growth MiB"],
            rows,
        ),
        "",
        "Fitted slope of log10(seconds) against log10(rows) (1 = linear):",
        "",
        *common.table(["sampler", "features", "slope"], slope_rows),
        *class_lines(by_classes),
    ]
    common.write_report(args.out, "scaling.md", lines, args.smoke)
    common.write_json(
        args.out, "scaling.json", {"rows": results, "classes": by_classes}
    )

    plt = common.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for (sampler, features), slope in slopes.items():
        sel = [
            r for r in results if r["sampler"] == sampler and r["features"] == features
        ]
        style = "-o" if sampler == "SMRT" else "--s"
        label = f"{sampler}, {features} features"
        axes[0].loglog(
            [r["rows"] for r in sel],
            [r["seconds"] for r in sel],
            style,
            label=f"{label} (slope {slope:.2f})",
        )
        axes[1].loglog(
            [r["rows"] for r in sel],
            [r["peak_kib"] / 1024 for r in sel],
            style,
            label=label,
        )
    axes[0].set_ylabel("fit_resample seconds")
    axes[1].set_ylabel("peak RSS (MiB)")
    for ax in axes:
        ax.set_xlabel("rows")
        ax.legend(fontsize=8)
    common.save_figure(fig, args.out, "scaling.png")


if __name__ == "__main__":
    main()
