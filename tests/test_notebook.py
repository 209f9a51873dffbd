"""The MNIST walkthrough executes headless at the reduced (CI) budget."""

import os
import subprocess
from pathlib import Path

import pytest
from _output import ours

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "mnist_walkthrough.ipynb"


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("SMRT_MNIST_PATH"), reason="no local MNIST")
def test_walkthrough_executes(tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("SMRT_NOTEBOOK_BUDGET", "ci")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    text = "\n".join(
        out.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )
    assert "budget=ci" in text
    # Quiet by default: nothing on any cell's stderr beyond what bare Keras
    # prints in this environment (the kernel inherits it), whatever this
    # machine's backend prints at start-up.
    stderr = "".join(
        out.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("name") == "stderr"
    )
    run = subprocess.CompletedProcess([], 0, stdout="", stderr=stderr)
    assert ours(run)[1] == [], stderr
    assert "SMOTE" in text and "SMRT" in text and "zero recall" in text
    images = sum(
        "image/png" in out.get("data", {})
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )
    assert images == 4


def test_committed_notebook_has_full_run_outputs():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("outputs") for c in code_cells)
    # The committed run printed nothing on stderr: no backend line of the
    # machine that ran it, and nothing of ours.
    stderr = [o for c in code_cells for o in c.outputs if o.get("name") == "stderr"]
    assert stderr == []
    assert any(
        "budget=full" in o.get("text", "") for c in code_cells for o in c.outputs
    )
