"""Peak memory of generation as n grows: ``generate`` vs ``iter_generate``.

    python benchmarks/memory.py [--max-exp 7]

Fits one small dense generator (breast_cancer, 30 features, 10:1), saves it,
then for each n = 10^4 ... 10^max_exp starts a fresh process that loads it and
either calls ``generate(n)`` (the whole float64 array is returned) or consumes
``iter_generate(n)`` batch by batch. Peak RSS is the process's ``ru_maxrss``;
the baseline is the RSS after loading, before generating. Writes
``memory.md``, ``memory.json`` and ``memory.png``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

CHILD = r"""
import json, resource, sys, time
import numpy as np
from smrt_keras import Reconstructor
path, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
r = Reconstructor.load(path)
r.generate(10, random_state=0)  # warm up the decoder
def rss_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
base = rss_mb()
start = time.perf_counter()
if mode == "generate":
    X, y = r.generate(n, random_state=0)
    rows, finite = len(X), bool(np.isfinite(X).all())
else:
    rows, finite = 0, True
    for X, y in r.iter_generate(n, random_state=0):
        rows += len(X)
        finite &= bool(np.isfinite(X).all())
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT " + json.dumps(dict(mode=mode, n=n, rows=rows, finite=finite,
                                 base_mb=base, peak_mb=peak, seconds=seconds)))
"""


def main(argv=None) -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--max-exp", type=int, default=7)
    args = parser.parse_args(argv)
    first, last = (3, 3) if args.smoke else (4, args.max_exp)

    from sklearn.datasets import load_breast_cancer

    from smrt_keras import Reconstructor
    from smrt_keras.datasets import make_imbalanced

    X, y = load_breast_cancer(return_X_y=True)
    X, y = make_imbalanced(X, y, {1: 357, 0: 36}, random_state=0)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gen"
        Reconstructor(epochs=5, random_state=0).fit(X, y).save(path)
        for exp in range(first, last + 1):
            for mode in ("iter_generate", "generate"):
                row = common.run_child(CHILD, path, mode, 10**exp)
                rows.append(row)
                print(row, flush=True)

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
    common.write_report(args.out, "memory.md", lines, args.smoke)
    common.write_json(args.out, "memory.json", rows)
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
