"""Progress reporting for ``Reconstructor.fit``.

In a terminal, ``verbose=1`` draws one bar across all classes and epochs (with
rich, which Keras already depends on). In CI logs and pipes it prints one plain
line per class instead of redrawing.
"""

from __future__ import annotations

import sys


class FitProgress:
    """Reports the fit of ``total`` classes of at most ``epochs`` epochs each.

    Parameters
    ----------
    total : int
        Number of classes that will be fitted or adopted.
    epochs : int
        Maximum epochs per class (early stopping may end a class sooner).
    verbose : int
        0 prints nothing; 1 and above report.
    stream : file, optional
        Where to report; default ``sys.stdout``.
    """

    def __init__(self, total: int, epochs: int, verbose: int, stream=None):
        self.total = total
        self.epochs = epochs
        self.verbose = verbose
        self.stream = stream or sys.stdout
        # verbose=2 prints a line per epoch instead of the bar.
        self.interactive = verbose == 1 and _isatty(self.stream)
        self._bar = None
        self._task = None
        self._done_epochs = 0
        self._class_epochs: dict = {}

    def __enter__(self) -> FitProgress:
        if self.interactive and self.total:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("\\[smrt] {task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} epochs"),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task("starting", total=self.total * self.epochs)
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()

    def note(self, text: str) -> None:
        """One ``[smrt]`` line about the whole fit (``verbose`` >= 1)."""
        if self._bar is not None:
            self._bar.console.print(f"[smrt] {text}", markup=False)
        elif self.verbose:
            print(f"[smrt] {text}", file=self.stream, flush=True)

    def start_class(self, k: int, label) -> None:
        """Class ``k`` of ``total`` (1-based) begins."""
        self._class_epochs[k] = 0
        if self._bar is not None:
            self._bar.update(
                self._task, description=f"class {k}/{self.total} label={label!r}"
            )

    def epoch(self, epoch: int, logs=None, k: int | None = None) -> None:
        """One epoch of class ``k`` (default: the last started) finished."""
        k = k if k is not None else next(reversed(self._class_epochs), None)
        self._class_epochs[k] = self._class_epochs.get(k, 0) + 1
        if self._bar is not None:
            self._bar.advance(self._task)
        elif self.verbose >= 2:
            loss = (logs or {}).get("loss")
            shown = "n/a" if loss is None else f"{loss:.4g}"
            print(
                f"[smrt]   class {k} epoch {epoch + 1}: loss {shown}", file=self.stream
            )

    def end_class(self, k: int, label, n: int, detail: str, seconds: float) -> None:
        """Class ``k`` finished: skip its unused epochs and print its summary."""
        if self._bar is not None:
            # Early stopping: count the epochs not run as done.
            self._bar.advance(self._task, self.epochs - self._class_epochs.get(k, 0))
            self._bar.console.print(
                _line(k, self.total, label, n, detail, seconds), markup=False
            )
        elif self.verbose:
            print(
                _line(k, self.total, label, n, detail, seconds),
                file=self.stream,
                flush=True,
            )


def _line(k, total, label, n, detail, seconds) -> str:
    return (
        f"[smrt] class {k}/{total} label={label!r}: {n} samples, {detail}, "
        f"{seconds:.1f}s"
    )


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def describe_history(history: dict) -> str:
    """Summary of one class's training for its progress line."""
    losses = history.get("loss", [])
    final = f"{losses[-1]:.4g}" if losses else "n/a"
    return f"{len(losses)} epochs, final loss {final}"


class JobReporter:
    """Reports the trainer's jobs as classes on a :class:`FitProgress`.

    The trainer numbers jobs 0, 1, ...; ``classes[i]`` is job ``i``'s
    ``(k, label, n_samples)`` in the progress's numbering.
    """

    def __init__(self, progress: FitProgress, classes: list[tuple]):
        self.progress = progress
        self.classes = classes

    def start_job(self, index: int) -> None:
        k, label, _ = self.classes[index]
        self.progress.start_class(k, label)

    def epoch(self, index: int, epoch: int, logs=None) -> None:
        self.progress.epoch(epoch, logs, k=self.classes[index][0])

    def end_job(self, index: int, history: dict, seconds: float) -> None:
        k, label, n = self.classes[index]
        detail = describe_history(history)
        self.progress.end_class(k, label, n, detail, seconds)


class StepProgress:
    """Reports the steps of a long task other than a fit (the quality
    report), one plain line per finished step.

    Parameters
    ----------
    task : str
        What the steps belong to, e.g. ``"report"``.
    total : int
        Number of steps announced.
    verbose : int
        0 prints nothing; 1 and above one line per step.
    stream : file, optional
        Where to report; default ``sys.stdout``.
    """

    def __init__(self, task: str, total: int, verbose: int, stream=None):
        self.task = task
        self.total = total
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.done = 0

    def step(self, description: str, seconds: float | None = None) -> None:
        """One step finished: ``[smrt] report 3/12: description, 1.2s``."""
        self.done += 1
        if not self.verbose:
            return
        took = "" if seconds is None else f", {seconds:.1f}s"
        print(
            f"[smrt] {self.task} {self.done}/{self.total}: {description}{took}",
            file=self.stream,
            flush=True,
        )
