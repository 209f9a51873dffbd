"""Build docs/benchmarks.md's comparison tables from the committed results
files: ``python benchmarks/_readme.py [--write]`` prints them (``--write`` puts
them between the page's ``<!-- begin: NAME -->`` and ``<!-- end: NAME -->``
markers); ``tests/test_benchmarks.py`` checks the page holds exactly these
lines. Cells are mean ± std over seeds (or folds); verdicts follow
``_common.verdict``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import numpy as np  # noqa: E402
import tabular  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
IMAGE_COLUMNS = ("none", "ROS", "ROS+aug", "SMOTE", "SMRT")
HEADER = ["benchmark", "measure", *IMAGE_COLUMNS, "SMRT vs SMOTE"]


def _load(name: str) -> dict:
    return json.loads((RESULTS / name).read_text())


def _cell(runs: list | None, key: str, scale: float, digits: int) -> str:
    if not runs:
        return "—"
    if len(runs) == 1:  # one seed: no spread to show
        return f"{runs[0][key] * scale:.{digits}f}"
    return common.mean_std([r[key] for r in runs], scale, digits)


#: The MNIST zeros rows: key, measure, scale, digits, higher is better.
ZEROS = (
    ("recognisability", "recognisable %", 100, 1, True),
    ("fid", "FID (lower is better)", 1, 1, False),
    ("precision", "k-NN precision", 1, 3, True),
    ("recall", "k-NN recall", 1, 3, True),
    ("dcr", "DCR ratio (0 = copies, 1 = as far as real data)", 1, 2, None),
)
DEEPSMOTE = (("acsa", "ACSA %", 100, 2, True), ("f1", "macro F1 %", 100, 2, True))


def _seeds(n: int) -> str:
    return f"{n} seed{'s' if n != 1 else ''}"


def image_rows(label: str, runs: dict, measures) -> list[list[str]]:
    """One row per measure: each sampler's cell and SMRT's verdict against
    SMOTE (``label`` and the seed count on the first row)."""
    label += f" ({_seeds(len(runs['SMRT']))})"
    rows = []
    for i, (key, measure, scale, digits, better) in enumerate(measures):
        verdict = "—"
        if better is not None:
            ours, theirs = ([r[key] for r in runs[s]] for s in ("SMRT", "SMOTE"))
            verdict = common.verdict(ours, theirs, better)
        cells = [_cell(runs.get(c), key, scale, digits) for c in IMAGE_COLUMNS]
        rows.append([label if i == 0 else "", measure, *cells, verdict])
    return rows


def zeros_rows() -> list[list[str]]:
    res = _load("mnist_zeros.json")["results"]  # SMRT: the default, kde-away
    runs = {k: res[k] for k in ("ROS+aug", "SMOTE")} | {"SMRT": res["SMRT-kde-away"]}
    return image_rows("MNIST zeros: 1000 made from 67", runs, ZEROS)


def deepsmote_rows(tag: str, label: str) -> list[list[str]]:
    return image_rows(label, _load(f"deepsmote_mnist{tag}.json")["results"], DEEPSMOTE)


SUITE_TITLES = {
    "all": "All {n} sets (SMOTE is SMOTENC, or SMOTEN when every column is "
    "categorical, on the mixed sets)",
    "numeric": "{n} numeric sets",
    "mixed": "{n} mixed-type sets",
}


def tabular_lines() -> list[str]:
    """Average ranks (1 = best) over each suite's cells, SMRT against SMOTE
    (SMOTENC on mixed sets) and the no-resampling anchors, and the fidelity of
    the synthetic rows: the tabular suite's own renderers over its JSON."""
    data = _load("tabular.json")
    scores, lines = data["scores"], []
    for key in sorted(data["suites"], key=list(SUITE_TITLES).index):
        suite = data["suites"][key]
        names, samplers = suite["datasets"], suite["samplers"]
        ranks = {m: np.asarray(r) for m, r in suite["ranks"].items()}
        title = SUITE_TITLES[key].format(n=len(names))
        table = tabular.rank_table(samplers, ranks, None, data["fidelity"], names)
        lines += [f"{title}:", "", *table, ""]
        if key == "all":
            continue
        cells = [(d, c) for d in names for c in scores[d]]
        rival = "SMOTE" if key == "numeric" else "SMOTENC"
        fidelity = tabular.fidelity_lines(data["fidelity"], names, samplers)
        lines += [*tabular.verdict_lines(scores, cells, samplers, rival), "",
                  "Fidelity of the synthetic minority rows (mean over folds and "
                  "datasets):", "", *fidelity, ""]  # fmt: skip
    return lines[:-1]


def comparison_table() -> list[str]:
    rows = zeros_rows() + deepsmote_rows("", "MNIST 100:1, DeepSMOTE protocol")
    rows += deepsmote_rows("_ir400", "MNIST 400:1, same protocol")
    return common.table(HEADER, rows)


def write(page: Path) -> None:
    """Replace each marked block of ``page`` with its freshly built table."""
    text = page.read_text()
    for name, lines in (("images", comparison_table()), ("tabular", tabular_lines())):
        begin, end = f"<!-- begin: {name} -->\n", f"<!-- end: {name} -->"
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + begin + "\n".join(lines) + "\n" + end + tail
    page.write_text(text)


def main() -> None:
    if "--write" in sys.argv[1:]:
        write(Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md")
    print("\n".join(comparison_table()))
    print()
    print("\n".join(tabular_lines()))


if __name__ == "__main__":
    main()
