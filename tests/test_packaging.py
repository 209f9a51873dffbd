"""Project-level checks: CI runs the README's command, lint is clean, imports are
lazy and the console script is declared."""

import re
import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def readme_commands():
    text = (ROOT / "README.md").read_text()
    quickstart = text[text.index("## Quickstart") : text.index("## Usage")]
    return re.findall(r"```bash\n(.+?)\n\s*```", quickstart)


def test_readme_has_exactly_two_quickstart_commands():
    commands = readme_commands()
    assert len(commands) == 2
    assert "smrt-keras demo" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_exactly_the_readme_test_command():
    ci_lines = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith(("#", "set ", "cd ", "export "))
    ]
    assert ci_lines == [readme_commands()[1].strip()]


def test_console_script_and_version():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["name"] == "smrt-keras"
    assert meta["project"]["version"] == "0.1.0"
    assert meta["project"]["scripts"]["smrt-keras"] == "smrt_keras.cli:main"
    import smrt_keras

    assert smrt_keras.__version__ == "0.1.0"


def test_import_is_lazy():
    code = "import sys, smrt_keras; print('keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_keras_is_imported_only_in_models():
    offenders = []
    for path in (ROOT / "smrt_keras").rglob("*.py"):
        if "models" in path.parts:
            continue
        text = path.read_text()
        if re.search(r"^\s*(import|from) (keras|tensorflow|jax|torch)\b", text, re.M):
            offenders.append(path.name)
    # datasets.load_mnist falls back to keras.datasets for users with internet.
    assert offenders in ([], ["datasets.py"])


def test_backend_libraries_are_imported_only_by_models_backends():
    # The engine's compiled block needs each backend's gradient and compiler
    # (Keras 3 has no neutral ones); models/backends.py holds those few
    # lines, and imports only the library Keras runs on, when it runs.
    pattern = r"^\s*(import|from) (tensorflow|jax|torch)\b"
    offenders = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "smrt_keras").rglob("*.py")
        if re.search(pattern, path.read_text(), re.M)
    ]
    assert offenders == ["smrt_keras/models/backends.py"]
    text = (ROOT / "smrt_keras/models/backends.py").read_text()
    assert not re.search(r"^(import|from) (tensorflow|jax|torch)\b", text, re.M)


def test_ruff_clean():
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--output-format",
            "concise",
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
