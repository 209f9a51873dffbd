"""The trainer: fits a list of per-class jobs, with seeded shuffling, early
stopping and progress hooks.

It knows nothing about labels, columns or files: a job is a VAE configuration,
scaled arrays and a training budget. Each job runs through the compiled engine
(``engine.py``, ``runner.py``); jobs of the same architecture and padded batch
share one compiled program. The jobs and listeners themselves are in
``jobs.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

from smrt_keras.models.jobs import JobListener, TrainingJob
from smrt_keras.models.parallel import chunk_count, train_parallel
from smrt_keras.models.runner import fit_jobs
from smrt_keras.models.trained import TrainedVAE

#: The names the layers above import from here.
__all__ = ["JobListener", "TrainingJob", "train_jobs"]


def train_jobs(
    jobs: Sequence[TrainingJob],
    listener: JobListener | None = None,
    n_jobs: int | None = None,
) -> list[tuple[TrainedVAE, dict[str, list[float]]]]:
    """Fit every job, in order; return ``(trained, history)`` per job.

    With ``n_jobs`` (or a ``joblib.parallel_config``) above 1, the jobs train
    in that many chunks on joblib workers (:mod:`smrt_keras.models.parallel`).

    ``trained`` is a :class:`~smrt_keras.models.trained.TrainedVAE`: the
    weights, able to encode and decode, which builds its Keras model on
    demand.

    Nothing is returned until all jobs have trained, so a failure (or Ctrl-C)
    in any job leaves the caller's state untouched.
    """
    listener = listener or JobListener()
    if len(jobs) > 1 and chunk_count(n_jobs, len(jobs)) > 1:
        return train_parallel(jobs, n_jobs, listener)
    return fit_jobs(jobs, listener)
