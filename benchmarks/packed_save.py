"""Saving many classes: per-class files against the packed save.

Fits one reconstructor with ``--classes`` classes of 20 rows x 10 features
(``classes="all"``, 20 epochs, early stopping off) and saves it both ways:
per class (a ``.keras`` model and a codes file per class, format 2) and
packed (``save(packed=True)``: one weights file and one codes file, format
3). Reports the files written, the bytes on disk, the seconds to save and to
load, and the seconds of a first ``generate`` after loading (a packed load
builds no Keras model until one is needed). Both loads must generate what
the fitted reconstructor generates.

    python benchmarks/packed_save.py [--classes 1000] [--smoke]

Writes ``packed_save.md`` and ``packed_save.json``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import numpy as np  # noqa: E402


def many_classes(classes: int, rows: int = 20, features: int = 10):
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(classes), rows)
    X = rng.standard_normal((len(y), features)) + (y[:, None] % 7) * 0.5
    return X.astype("float32"), y


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def measure(classes: int) -> dict:
    from smrt_keras import Reconstructor

    X, y = many_classes(classes)
    smrt, fit_s = timed(
        lambda: Reconstructor(
            epochs=20, patience=None, classes="all", random_state=0
        ).fit(X, y)
    )
    expected = smrt.generate(3 * classes, random_state=1)[0]
    out = {"classes": classes, "fit_s": fit_s}
    with tempfile.TemporaryDirectory() as tmp:
        for packed in (False, True):
            path = Path(tmp) / ("packed" if packed else "per_class")
            _, save_s = timed(lambda: smrt.save(path, packed=packed))  # noqa: B023
            files = list(path.iterdir())
            loaded, load_s = timed(lambda: Reconstructor.load(path))  # noqa: B023
            got, first_s = timed(
                lambda: loaded.generate(3 * classes, random_state=1)[0]  # noqa: B023
            )
            out["packed" if packed else "per_class"] = {
                "files": len(files),
                "bytes": sum(f.stat().st_size for f in files),
                "save_s": save_s,
                "load_s": load_s,
                "first_generate_s": first_s,
                "same_output": bool(np.array_equal(got, expected)),
            }
            print(out, flush=True)
    return out


def report(r: dict) -> list[str]:
    rows = [
        [
            name,
            f"{r[key]['files']:,}",
            f"{r[key]['bytes'] / 2**20:.1f}",
            f"{r[key]['save_s']:.2f}",
            f"{r[key]['load_s']:.2f}",
            f"{r[key]['first_generate_s']:.2f}",
            str(r[key]["same_output"]),
        ]
        for name, key in (
            ("per class (format 2)", "per_class"),
            ("packed (format 3)", "packed"),
        )  # fmt: skip
    ]
    return [
        f"# Saving {r['classes']:,} classes: per-class files against the packed save",
        "",
        f"One reconstructor of {r['classes']:,} classes of 20 rows x 10 features "
        f"(fitted in {r['fit_s']:.1f} s). 'First generate' is 3 samples per class "
        "right after loading; 'same output' compares it with the fitted "
        "reconstructor's.",
        "",
        f"Machine: {common.machine()}.",
        "",
        *common.table(
            [
                "save",
                "files",
                "MiB",
                "save s",
                "load s",
                "first generate s",
                "same output",
            ],
            rows,
        ),  # fmt: skip
    ]


def main(argv=None) -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--classes", type=int, default=1000)
    args = parser.parse_args(argv)
    result = measure(4 if args.smoke else args.classes)
    common.write_report(args.out, "packed_save.md", report(result), args.smoke)
    common.write_json(args.out, "packed_save.json", result)
    plt = common.pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    names = ["save s", "load s", "first generate s"]
    keys = ["save_s", "load_s", "first_generate_s"]
    x = np.arange(len(keys))
    for shift, key in ((-0.2, "per_class"), (0.2, "packed")):
        ax.bar(x + shift, [result[key][k] for k in keys], 0.4, label=key)
    ax.set_xticks(x, names)
    ax.set_ylabel("seconds")
    ax.set_title(f"{result['classes']:,} classes")
    ax.legend()
    common.save_figure(fig, args.out, "packed_save.png")


if __name__ == "__main__":
    main()
