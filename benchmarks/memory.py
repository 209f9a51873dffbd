"""Memory: generation's peak as n grows (``generate`` vs ``iter_generate``),
and resident memory over many fits in one process (leaks).

    python benchmarks/memory.py [--max-exp 7] [--fits 100]

Leaks: for each installed backend, a fresh process runs ``fits`` small
``fit_resample`` calls (breast_cancer at 10:1, 3 epochs, a new seed each) and
records its RSS after each; the growth per fit is the least-squares slope over
fits 11 onwards (the first ones warm caches and compile).

Fits one small dense generator (breast_cancer, 30 features, 10:1), saves it,
then for each n = 10^4 ... 10^max_exp starts a fresh process that loads it and
either calls ``generate(n)`` (the whole float64 array is returned) or consumes
``iter_generate(n)`` batch by batch. Peak RSS is the process's ``ru_maxrss``;
the baseline is the RSS after loading, before generating. Writes
``memory.md``, ``memory.json`` and ``memory.png``.

Fit (``--fit-only`` runs just this part): peak RSS during ``fit`` against the
size of the class (``--fit-rows``, default 100k, 1M and 5M rows of 30 float32
features; #18). A fresh process per row warms up (imports, one tiny fit),
resets its peak (``/proc/self/clear_refs``), then fits one epoch of a
generator for the big class, given either as a read-only ``np.load(...,
mmap_mode="r")`` memmap (whose pages count once read) or as an in-memory
float32 array made before the baseline. Target: peak minus baseline at most
1.5x the class's float32 size plus a constant. Writes ``memory_fit.md``,
``memory_fit.json`` and ``memory_fit.png``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

#: Rows of the other class beside the big one (fit is refused on one class).
FIT_OTHER_ROWS = 1000


def write_class(path: Path, n: int, features: int = 30) -> None:
    """A float32 ``.npy`` of ``n + FIT_OTHER_ROWS`` normal rows, written in
    chunks (the parent never holds it whole)."""
    import numpy as np

    rows = n + FIT_OTHER_ROWS
    X = np.lib.format.open_memmap(path, "w+", "float32", (rows, features))
    rng = np.random.default_rng(1)
    for start in range(0, rows, 500_000):
        stop = min(start + 500_000, rows)
        X[start:stop] = rng.normal(size=(stop - start, features))
    X.flush()
    del X


def fit_memory(sizes, modes=("memmap", "array"), in_process=False) -> list[dict]:
    """Peak RSS during ``fit`` per class size (memmap and array input)."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"x{n}.npy"
            write_class(path, n)
            for mode in modes:
                row = common.run_child(
                    "fit_memory", path, mode, FIT_OTHER_ROWS, in_process=in_process
                )
                row["ratio"] = (row["peak_mb"] - row["base_mb"]) / row["class_f32_mb"]
                out.append(row)
                print(row, flush=True)
            path.unlink()
    return out


def fit_lines(rows: list[dict]) -> tuple[list[str], dict]:
    """The fit section's markdown and its least-squares line per input mode."""
    import numpy as np

    fits = {}
    for mode in ("memmap", "array"):
        sel = [r for r in rows if r["mode"] == mode and r["validation"] == "capped"]
        if len(sel) > 1:
            size = np.array([r["class_f32_mb"] for r in sel])
            grown = np.array([r["peak_mb"] - r["base_mb"] for r in sel])
            slope, constant = np.polyfit(size, grown, 1)
            fits[mode] = {"slope": float(slope), "constant_mb": float(constant)}
    lines = [
        "# Peak memory of fit against class size (30 float32 features)",
        "",
        "Fresh process per row, one epoch, TensorFlow; MiB. 'Grown' is peak RSS "
        "during `fit` minus RSS before it; for `memmap` input it includes the "
        "class's pages as they are read, for `array` input the array was already "
        "resident before the baseline. Validation: the held-out split as shipped "
        "(at most 10,000 rows).",
        "",
        f"Machine: {common.machine()}.",
        "",
        *common.table(
            "rows|input|validation|class float32|baseline|peak|grown|grown / class|"
            "seconds".split("|"),
            [
                [
                    f"{r['n']:,}",
                    r["mode"],
                    r["validation"],
                    f"{r['class_f32_mb']:.0f}",
                    f"{r['base_mb']:.0f}",
                    f"{r['peak_mb']:.0f}",
                    f"{r['peak_mb'] - r['base_mb']:.0f}",
                    f"{r['ratio']:.2f}",
                    f"{r['seconds']:.1f}",
                ]
                for r in rows
            ],
        ),  # fmt: skip
        "",
        "Least-squares line through the capped rows, grown = slope x class + "
        "constant (target: slope at most 1.5):",
        "",
        *common.table(
            ["input", "slope", "constant (MiB)"],
            [
                [m, f"{f['slope']:.2f}", f"{f['constant_mb']:.0f}"]
                for m, f in fits.items()
            ],
        ),
    ]
    return lines, fits


def fit_report(args) -> None:
    if args.smoke:  # in this process: the suite's time is short
        rows = fit_memory([2_000], modes=("memmap",), in_process=True)
    else:
        rows = fit_memory(args.fit_rows)
    lines, fits = fit_lines(rows)
    common.write_report(args.out, "memory_fit.md", lines, args.smoke)
    common.write_json(args.out, "memory_fit.json", {"fit": rows, "lines": fits})
    plt = common.pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for mode in ("memmap", "array"):
        sel = [r for r in rows if r["mode"] == mode and r["validation"] == "capped"]
        ax.loglog([r["n"] for r in sel], [r["peak_mb"] - r["base_mb"] for r in sel],
                  "-o", label=f"{mode} input")  # fmt: skip
    ax.loglog([r["n"] for r in sel], [1.5 * r["class_f32_mb"] for r in sel], "k--",
              label="1.5 x class float32")  # fmt: skip
    ax.set_xlabel("rows in the class (30 features)")
    ax.set_ylabel("peak RSS during fit minus before (MiB)")
    ax.legend()
    common.save_figure(fig, args.out, "memory_fit.png")


def leaks(fits: int, backends=None, in_process: bool = False) -> dict:
    """RSS after each of ``fits`` fits, per backend (default: every installed
    one; fresh processes)."""
    import numpy as np

    out = {}
    for backend in backends or common.installed_backends():
        r = common.run_child("leak", fits, backend=backend, in_process=in_process)
        tail = np.arange(len(r["rss_mb"]))[10:]
        slope = (
            np.polyfit(tail, np.asarray(r["rss_mb"])[10:], 1)[0]
            if len(tail) > 1
            else float("nan")
        )
        r["mb_per_fit_after_10"] = float(slope)
        out[backend] = r
        print(
            f"leak {backend}: {r['start_mb']:.0f} -> {r['rss_mb'][-1]:.0f} "
            f"MiB over {fits} fits, {slope:.2f} MiB/fit after 10",
            flush=True,
        )
    return out


def leak_lines(result: dict, fits: int) -> list[str]:
    rows = [
        [
            b,
            f"{r['start_mb']:.0f}",
            f"{r['rss_mb'][9]:.0f}" if len(r["rss_mb"]) > 9 else "n/a",
            f"{r['rss_mb'][-1]:.0f}",
            f"{r['mb_per_fit_after_10']:.2f}",
        ]
        for b, r in result.items()
    ]
    return [
        "",
        f"## Resident memory over {fits} fits in one process",
        "",
        "`Reconstructor(epochs=3, random_state=seed).fit_resample` on breast_cancer "
        "at 10:1, a new seed each fit; RSS in MiB.",
        "",
        *common.table(
            [
                "backend",
                "before the first fit",
                "after 10 fits",
                f"after {fits}",
                "MiB per fit after 10 (slope)",
            ],
            rows,
        ),  # fmt: skip
    ]


def generation(path, first: int, last: int, in_process: bool) -> list[dict]:
    """Peak RSS of ``generate`` and ``iter_generate`` for n = 10^first ...
    10^last, each in a fresh process that loads the reconstructor at ``path``."""
    rows = []
    for exp in range(first, last + 1):
        for mode in ("iter_generate", "generate"):
            row = common.run_child(
                "generation_memory", path, mode, 10**exp, in_process=in_process
            )
            rows.append(row)
            print(row, flush=True)
    return rows


def generation_lines(rows: list[dict]) -> list[str]:
    lines = [
        "# Peak memory of generation (30 float64 features, one dense generator)",
        "",
        "Fresh process per row; RSS in MiB. 'Held at once' is the float64 data the "
        "call keeps alive: the whole n x 30 output for `generate`, one batch of "
        "10,000 rows for `iter_generate`. The process's peak before generating "
        "(import and load) sets a floor, so rows at that floor did not raise it.",
        "",
        f"Machine: {common.machine()}.",
        "",
        "| n | mode | RSS after load | peak RSS | held at once | seconds |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        held = r["n"] if r["mode"] == "generate" else min(r["n"], 10_000)
        out_mb = held * 30 * 8 / 2**20
        lines.append(
            f"| {r['n']:,} | {r['mode']} | {r['base_mb']:.0f} | {r['peak_mb']:.0f} | "
            f"{out_mb:.1f} | {r['seconds']:.1f} |"
        )
    return lines


def main(argv=None) -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--max-exp", type=int, default=7)
    parser.add_argument("--fits", type=int, default=100, help="fits in the leak test")
    parser.add_argument(
        "--fit-rows", type=int, nargs="+", default=[100_000, 1_000_000, 5_000_000]
    )
    parser.add_argument("--fit-only", action="store_true", help="only the fit part")
    args = parser.parse_args(argv)
    fit_report(args)
    if args.fit_only:
        return
    first, last = (3, 3) if args.smoke else (4, args.max_exp)
    fits = 12 if args.smoke else args.fits
    # The smoke run checks the code path on one backend (each is a process).
    leak = leaks(
        fits, common.installed_backends()[:1] if args.smoke else None, args.smoke
    )

    from sklearn.datasets import load_breast_cancer

    from smrt_keras import Reconstructor
    from smrt_keras.datasets import make_imbalanced

    X, y = load_breast_cancer(return_X_y=True)
    X, y = make_imbalanced(X, y, {1: 357, 0: 36}, random_state=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gen"
        Reconstructor(epochs=5, random_state=0).fit(X, y).save(path)
        rows = generation(path, first, last, args.smoke)
    lines = generation_lines(rows) + leak_lines(leak, fits)
    common.write_report(args.out, "memory.md", lines, args.smoke)
    common.write_json(args.out, "memory.json", {"generation": rows, "leak": leak})
    plt = common.pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for mode in ("generate", "iter_generate"):
        sel = [r for r in rows if r["mode"] == mode]
        ax.loglog([r["n"] for r in sel], [r["peak_mb"] for r in sel], "-o", label=mode)
    ax.set_xlabel("samples generated (30 features)")
    ax.set_ylabel("peak RSS (MiB)")
    ax.legend()
    common.save_figure(fig, args.out, "memory.png")


if __name__ == "__main__":
    main()
