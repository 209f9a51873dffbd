"""Project-level checks: CI runs the README's command, lint is clean, imports are
lazy and the console script is declared."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from _output import ours

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
        if line.strip()
        and not line.startswith(("#", "set ", "cd ", "export ", "command -v chromium"))
    ]
    # The README's command runs last, so that its status is the run's; every
    # earlier step is wrapped as "( STEP ) || exit 1" (set -e does not stop at a
    # failure inside an && list) and given in the README too.
    assert ci_lines[-1] == readme_commands()[1].strip()
    readme = (ROOT / "README.md").read_text()
    for extra in ci_lines[:-1]:
        assert extra.startswith("( ") and extra.endswith(" ) || exit 1"), extra
        assert f"`{extra[2 : -len(' ) || exit 1')]}`" in readme, extra


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


def _quiet_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_CPP", "SMRT"))}
    return {**env, **extra}


def test_import_and_a_fit_print_nothing(tmp_path):
    """No backend log lines, retracing warnings or progress unless asked for.
    The backend's start-up is hidden, so what is left beyond a bare Keras use
    whose start-up was hidden (``_output``) is ours, and must be nothing."""
    quiet = subprocess.run(
        [sys.executable, "-c", "import smrt_keras"],
        capture_output=True, text=True, env=_quiet_env(), cwd=tmp_path,
    )  # fmt: skip
    # Importing smrt_keras loads no backend (test_import_is_lazy), so no line
    # of any machine's backend can appear: the output is empty.
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    code = (
        "import numpy as np\n"
        "from smrt_keras import Reconstructor\n"
        "y = np.r_[[0] * 60, [1] * 20]\n"
        "for d in range(2, 9):  # new shapes each time: retracing territory\n"
        "    X = np.random.default_rng(d).normal(size=(80, d))\n"
        "    Reconstructor(epochs=2, random_state=0).fit_resample(X, y)\n"
        "y = np.repeat([0, 1, 2, 3, 4], 20)  # five classes train stacked\n"
        "X = np.random.default_rng(0).normal(size=(100, 3))\n"
        "Reconstructor(epochs=2, random_state=0, classes='all').fit(X, y)\n"
    )
    fit = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, env=_quiet_env(), cwd=tmp_path,
    )  # fmt: skip
    assert fit.returncode == 0, fit.stderr
    assert ours(fit, _quiet_env()) == ([], [])


@pytest.mark.parametrize("case", ["jax-save", "keras-first"])
def test_other_backends_and_keras_first_print_nothing(tmp_path, case):
    """Under JAX, saving imports TensorFlow (Keras's file utilities); with
    Keras imported by the user first, our own retracing warnings are still
    ours to silence (JAX sets TF_CPP_MIN_LOG_LEVEL=1 on import, not the user)."""
    fit = (
        "import numpy as np\n"
        "from smrt_keras import Reconstructor\n"
        "y = np.repeat([0, 1, 2, 3, 4], 20)\n"
        "X = np.random.default_rng(0).normal(size=(100, 3))\n"
        "smrt = Reconstructor(epochs=2, random_state=0, classes='all').fit(X, y)\n"
    )
    if case == "jax-save":
        env = _quiet_env(KERAS_BACKEND="jax")
        code = fit + "Reconstructor.load(smrt.save('gens')).generate(3)\n"
    else:
        env = _quiet_env(KERAS_BACKEND="tensorflow")
        code = (
            "import keras\n"
            + fit
            + (
                "for d in range(2, 9):\n"
                "    Xd = np.random.default_rng(d).normal(size=(80, d))\n"
                "    Reconstructor(epochs=2, random_state=0).fit(Xd, y[:80])\n"
            )
        )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    # With Keras imported first, the user's `import keras` prints the backend's
    # start-up, whatever this machine's is; nothing else may follow. Under JAX
    # the TensorFlow that saving starts is ours to hide: a bare JAX Keras use
    # never starts it, so any line of its start-up is left over here.
    assert ours(out, env, keras_first=case == "keras-first") == ([], [])


def test_a_log_level_the_user_set_is_kept(monkeypatch):
    """A level the user set: nothing redirected, the variable untouched (the
    subprocess tests above cover the unset case end to end)."""
    import smrt_keras
    from smrt_keras.models import quiet

    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")
    monkeypatch.delenv("SMRT_KERAS_SET_TF_CPP_MIN_LOG_LEVEL", raising=False)
    monkeypatch.setattr(smrt_keras, "_USER_TF_LOG_LEVEL", True)
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    before = os.fstat(2)
    with quiet.silenced():
        during = os.fstat(2)
    assert (during.st_ino, during.st_dev) == (before.st_ino, before.st_dev)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "1"


def test_keras_modules_start_the_backend_quietly():
    # Each models/ module that imports Keras imports models.quiet before it.
    first = "import smrt_keras.models.quiet  # noqa: F401"
    for path in (ROOT / "smrt_keras/models").glob("*.py"):
        text = path.read_text()
        keras_at = re.search(r"^(import|from) keras\b", text, re.M)
        if keras_at:
            assert first in text[: keras_at.start()], path.name


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
    # models/quiet.py imports TensorFlow (when it is the backend) only to
    # start it with its log lines silenced.
    assert sorted(offenders) == [
        "smrt_keras/models/backends.py",
        "smrt_keras/models/quiet.py",
    ]
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


def test_readme_leads_with_quickstart_and_usage_not_tables():
    # A new user reads what it is, the two commands and a short example first;
    # the comparison tables live in docs/benchmarks.md (the README links it).
    text = (ROOT / "README.md").read_text()
    lines = text.splitlines()
    quickstart = lines.index("## Quickstart")
    usage = lines.index("## Usage")
    assert quickstart < 20 and usage < quickstart + 25
    example = text.split("## Usage", 1)[1].split("```python\n", 1)[1].split("```")[0]
    assert len(example.strip().splitlines()) <= 15
    # No comparison tables: they are on the benchmarks page.
    assert "<!-- begin:" not in text and "| sampler | ROC AUC" not in text
    assert "docs/benchmarks.md" in text
    assert "<!-- begin: images -->" in (ROOT / "docs" / "benchmarks.md").read_text()
