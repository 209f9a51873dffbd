"""The smrt-keras command, driven as a subprocess."""

import subprocess
import sys

import pytest


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "smrt_keras.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def test_help_lists_demo():
    out = run("--help")
    assert out.returncode == 0
    assert "demo" in out.stdout
    demo_help = run("demo", "--help")
    assert demo_help.returncode == 0 and "example:" in demo_help.stdout


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path):
    out = run("demo", "--epochs", "3", "--out", str(tmp_path / "figs"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Fitted 3 generators" in text
    for row in ("none", "SMRT", "SMOTE"):
        assert f"\n  {row} " in text
    assert "digit 7:" in text and "digit 9:" in text
    png = tmp_path / "figs" / "digits_real_vs_smrt.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(png) in text


def test_bad_option_value_is_a_short_error():
    out = run("demo", "--epochs", "zero")
    assert out.returncode == 2
    assert "expected a positive integer" in out.stderr
    assert "Traceback" not in out.stderr
