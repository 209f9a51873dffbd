"""Per-class training jobs across joblib workers.

The jobs are split into one chunk per worker and each chunk trains as the
local trainer would train it (:func:`~smrt_keras.models.runner.fit_jobs`:
jobs of one architecture stacked). joblib runs the chunks on whatever
backend is configured: loky processes or threads locally, Dask
(``dask.distributed``) or Ray on a cluster, through
``joblib.parallel_config``.

The split depends only on the jobs and the number of chunks, never on the
backend, so a given ``n_jobs`` gives identical results on loky, threads or
Dask. A different ``n_jobs`` stacks different classes together, which moves
the weights by float32 rounding (about 1e-7), as any change of batching does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs

from smrt_keras.models.jobs import Recorder
from smrt_keras.models.runner import fit_jobs


def chunk_count(n_jobs: int | None, n_tasks: int) -> int:
    """How many chunks ``n_jobs`` workers get for ``n_tasks`` jobs (joblib's
    reading of ``n_jobs``: ``None`` is 1 unless a ``parallel_config`` says
    otherwise, -1 is every worker)."""
    return max(1, min(int(effective_n_jobs(n_jobs)), n_tasks))


def split(costs: Sequence[float], k: int) -> list[list[int]]:
    """Job indices in ``k`` chunks of similar total cost (longest first, each
    to the chunk with the least so far: the LPT rule), each chunk in job order."""
    chunks: list[list[int]] = [[] for _ in range(k)]
    loads = np.zeros(k)
    for i in sorted(range(len(costs)), key=lambda i: (-costs[i], i)):
        target = int(np.argmin(loads))
        chunks[target].append(i)
        loads[target] += costs[i]
    return [sorted(c) for c in chunks if c]


def job_cost(job) -> float:
    """A job's relative cost: optimizer steps times the batch's size."""
    rows = len(job.x_train)
    return float(
        job.epochs * max(rows, job.batch_size) * np.prod(job.x_train.shape[1:])
    )


def _train_chunk(jobs: list) -> list[tuple]:
    """Runs in a worker: ``(trained, history, seconds)`` per job of the chunk."""
    recorder = Recorder()
    results = fit_jobs(jobs, recorder)
    return [(t, h, recorder.seconds.get(i, 0.0)) for i, (t, h) in enumerate(results)]


def train_parallel(jobs: Sequence, n_jobs: int | None, listener) -> list[tuple]:
    """``(trained, history)`` per job, the chunks trained by joblib workers.

    ``listener`` hears each job's start and end when its chunk returns (the
    workers' epochs are not relayed).
    """
    k = chunk_count(n_jobs, len(jobs))
    chunks = split([job_cost(j) for j in jobs], k)
    outputs = Parallel(n_jobs=n_jobs)(
        delayed(_train_chunk)([jobs[i] for i in chunk]) for chunk in chunks
    )
    results: list = [None] * len(jobs)
    for chunk, output in zip(chunks, outputs, strict=True):
        for i, (trained, history, seconds) in zip(chunk, output, strict=True):
            listener.start_job(i)
            listener.end_job(i, history, seconds)  # as timed in the worker
            results[i] = (trained, history)
    return results
