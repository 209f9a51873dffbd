"""What the engine needs from each backend: a gradient and a compiled loop.

Keras 3 has no backend-neutral ``grad`` or ``jit``, so, like Keras's own
trainers, the engine's compiled block has one short version per backend. This
module is the only place in ``smrt_keras`` that imports a backend library
(``tensorflow``, ``jax`` or ``torch``), and only the one Keras is running on,
inside the function that needs it. It imports only the program's pure
functions (:mod:`.program`); the engine and the compiled inference passes
import it.

TensorFlow graphs are traced explicitly, once per input signature
(:func:`traced_once`), and called as concrete functions: a ``tf.function``
called with new shapes or a new architecture retraces (and warns about it
after a few), and the encoder and decoder passes of every architecture
share one Python function, so every new architecture counted as a retrace.
"""

from __future__ import annotations

from collections.abc import Callable

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines

import keras
import numpy as np
from keras import ops

from smrt_keras.models.program import (
    Program,
    State,
    as_tuple,
    from_tuple,
    stack_states,
    unstack_state,
)

#: Whether TensorFlow training blocks compile with XLA (read when a program is
#: built; the levers benchmark switches it).
TF_XLA = False


def value_and_grad(
    program: Program, state: State, x, weights, kl_weight, share=None, noise=None
):
    """``(loss, grads, updated non-trainable state)`` of one minibatch
    (``share`` and ``noise``: see :meth:`Program.loss`)."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        def fn(trainable):
            return program.loss(
                trainable, state.non_trainable, x, weights, kl_weight, True, share,
                noise,
            )  # fmt: skip

        (loss, new_nt), grads = jax.value_and_grad(fn, has_aux=True)(state.trainable)
        return loss, grads, new_nt
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(state.trainable)
            loss, new_nt = program.loss(
                state.trainable, state.non_trainable, x, weights, kl_weight, True,
                share, noise,
            )  # fmt: skip
        return loss, tape.gradient(loss, state.trainable), new_nt
    import torch

    trainable = [t.detach().requires_grad_(True) for t in state.trainable]
    loss, new_nt = program.loss(
        trainable, state.non_trainable, x, weights, kl_weight, True, share, noise
    )
    grads = torch.autograd.grad(loss, trainable)
    return loss.detach(), list(grads), [t.detach() for t in new_nt]


def train_step(
    program: Program, state: State, x, weights, lr, beta, warmup, noise=None
):
    """``(state, loss)`` after one Adam step on one (padded, masked)
    minibatch (``noise``: see :meth:`Program.loss`)."""
    kl_weight = program.step_kl_weight(state, beta, warmup)
    loss, grads, new_nt = value_and_grad(
        program, state, x, weights, kl_weight, noise=noise
    )
    return program.apply_adam(state, grads, new_nt, lr), loss


def _keep_where(active, new, old):
    """``new`` for the jobs whose ``active`` flag is set, else ``old``."""
    shape = (-1,) + (1,) * (len(old.shape) - 1)
    return ops.where(ops.reshape(active, shape), new, old)


def masked(active, new: tuple, old: tuple) -> tuple:
    flat_new, flat_old = _flatten(new), _flatten(old)
    kept = [_keep_where(active, n, o) for n, o in zip(flat_new, flat_old, strict=True)]
    return _unflatten(kept, old)


def _flatten(carry: tuple) -> list:
    trainable, non_trainable, m, v, t = carry
    return [*trainable, *non_trainable, *m, *v, t]


def _unflatten(flat: list, like: tuple) -> tuple:
    sizes = [len(like[0]), len(like[1]), len(like[2]), len(like[3])]
    out, start = [], 0
    for size in sizes:
        out.append(list(flat[start : start + size]))
        start += size
    return (*out, flat[start])


def one_step(program: Program):
    """A single job's step on tuple state, for the backends to vectorise."""

    def one(carry, x, weights, lr, beta, warmup, noise=None):
        state = from_tuple(carry)
        new, loss = train_step(program, state, x, weights, lr, beta, warmup, noise)
        return as_tuple(new), loss

    return one


def compile_program(program: Program) -> tuple[Callable, Callable]:
    """``(run_block, evaluate)``: ``program``'s compiled block
    (:func:`compile_block`) and evaluation (:func:`compile_eval`)."""
    return compile_block(program), compile_eval(program)


def compile_block(program: Program) -> Callable:
    """``block(state, batches, weights, counts, lr, beta, warmup)``.

    Everything is stacked over K jobs: ``batches`` is ``(K, steps, batch,
    ...)``, ``counts``, ``lr``, ``beta`` and ``warmup`` are ``(K,)``. Job ``k``
    runs the first ``counts[k]`` steps of the block (its last block is usually
    partly filled, and a stopped job runs none); the loop runs to the largest
    count. Returns the new stacked state and ``(K, steps)`` losses (zero past
    each count).
    """
    backend = keras.backend.backend()
    if backend == "jax":
        return _jax_block(program)
    if backend == "tensorflow":
        return _tf_block(program)
    return _eager_block(program)


def _eager_block(program: Program) -> Callable:
    # torch: the same stateless step, run eagerly job by job.
    def block(state: State, batches, weights, counts, lr, beta, warmup):
        counts = ops.convert_to_numpy(counts)
        # numpy blocks would meet tensors that require grad: convert them once.
        batches, weights = (
            ops.convert_to_tensor(batches),
            ops.convert_to_tensor(weights),
        )
        losses = np.zeros((len(counts), program.steps), "float32")
        jobs = []
        for k, count in enumerate(counts):
            job = unstack_state(state, k)
            for i in range(int(count)):
                job, loss = train_step(
                    program, job, batches[k][i], weights[k][i], lr[k], beta[k],
                    warmup[k],
                )  # fmt: skip
                losses[k, i] = float(ops.convert_to_numpy(loss))
            jobs.append(job)
        return stack_states(jobs), ops.convert_to_tensor(losses)

    return block


def _jax_block(program: Program) -> Callable:
    import jax
    import jax.numpy as jnp

    one = jax.vmap(one_step(program))

    def run(carry, batches, weights, counts, lr, beta, warmup):
        def body(i, value):
            carry, losses = value
            new, loss = one(carry, batches[:, i], weights[:, i], lr, beta, warmup)
            active = i < counts
            carry = masked(active, new, carry)
            return carry, losses.at[:, i].set(jnp.where(active, loss, 0.0))

        losses = jnp.zeros((batches.shape[0], program.steps), "float32")
        return jax.lax.fori_loop(0, jnp.max(counts), body, (carry, losses))

    return _on_states(jax.jit(run))


def _tf_block(program: Program) -> Callable:
    import tensorflow as tf

    one = one_step(program)

    def run(carry, batches, weights, counts, lr, beta, warmup):
        if batches.shape[0] == 1:
            return run_one(carry, batches, weights, counts, lr, beta, warmup)
        losses = tf.TensorArray(tf.float32, size=program.steps)

        def loop(i, carry, losses):
            noise = _jobs_noise(program, carry[1], program.batch)
            args = (carry, batches[:, i], weights[:, i], lr, beta, warmup, noise)
            new, loss = tf.vectorized_map(lambda a: one(*a), args)
            active = i < counts
            carry = masked(active, new, carry)
            return i + 1, carry, losses.write(i, tf.where(active, loss, 0.0))

        _, carry, losses = tf.while_loop(
            lambda i, *_: i < tf.reduce_max(counts),
            loop,
            (tf.constant(0), carry, losses),
        )
        return carry, tf.transpose(losses.stack())

    # One job: unstacked once around the loop, not on every step, and no
    # masking, since the loop stops at the job's own count. This halves the
    # graph's per-step op count (#14).
    run_one = _one_job_loop(program, one)

    # Graph mode without XLA by default: XLA's trade (faster dense steps,
    # longer compiles, slower CPU convolutions) is measured in
    # benchmarks/results/engine_levers.md.
    return _on_states(traced_once(run, jit_compile=TF_XLA))


def _jobs_noise(program: Program, non_trainable: list, rows: int):
    """``(K, rows, latent_dim)``: each stacked job's next sampling noise,
    drawn job by job from its own generator state (TensorFlow)."""
    seeds = non_trainable[program.seed_index]
    return ops.stack([program.noise(seeds[k], rows) for k in range(seeds.shape[0])])


def traced_once(fn: Callable, jit_compile: bool = False, free_rows=()) -> Callable:
    """``fn`` as TensorFlow graphs, each traced once per input signature.

    The signature is read from the arguments (converted to tensors); the
    arguments at positions ``free_rows`` get an unknown leading dimension,
    so one graph serves every row count. Calls go to the traced concrete
    function: never a retrace, and no ``tf.function`` dispatch per call.
    """
    import tensorflow as tf

    function = tf.function(fn, jit_compile=jit_compile, autograph=False)
    graphs: dict = {}

    def spec(t, free: bool):
        shape = [None, *t.shape[1:]] if free else t.shape
        return tf.TensorSpec(shape, t.dtype)

    def call(*args):
        args = tf.nest.map_structure(tf.convert_to_tensor, args)
        specs = tuple(
            tf.nest.map_structure(lambda t, i=i: spec(t, i in free_rows), a)
            for i, a in enumerate(args)
        )
        key = repr(specs)  # the structure, shapes and dtypes
        if key not in graphs:
            graphs[key] = function.get_concrete_function(*specs)
        return graphs[key](*args)

    return call


def tf_strategy(devices: tuple):
    """The ``tf.distribute`` strategy to split a big class over: the one the
    user entered (``with strategy.scope():``) if it mirrors, else a cached
    ``MirroredStrategy`` over ``devices`` (Keras names such as ``"cpu:0"``)."""
    import tensorflow as tf

    if tf.distribute.has_strategy():
        strategy = tf.distribute.get_strategy()
        return (
            strategy if isinstance(strategy, tf.distribute.MirroredStrategy) else None
        )
    if len(devices) < 2:
        return None
    if devices not in _STRATEGIES:
        _STRATEGIES[devices] = tf.distribute.MirroredStrategy(
            [f"/{d}" for d in devices]
        )
    return _STRATEGIES[devices]


_STRATEGIES: dict = {}


def mirrored_block(program: Program, strategy) -> Callable:
    """``block`` as :func:`compile_block`, for one job (K = 1) whose every
    minibatch is split over ``strategy``'s replicas (TensorFlow).

    Each replica takes its slice of the minibatch, computes its share of the
    loss (:meth:`Program.loss`'s ``share``) and gradients; the replicas'
    gradients are summed (all-reduce) and every replica applies the same
    Adam step. The replicas draw the VAE's sampling noise from the same seed
    state (part of the replicated state).
    """
    import tensorflow as tf

    replicas = strategy.num_replicas_in_sync
    rows = program.batch // replicas

    def replica_step(carry, x, weights, lr, beta, warmup):
        context = tf.distribute.get_replica_context()
        state, mine = from_tuple(carry), context.replica_id_in_sync_group * rows
        share = (tf.reduce_sum(weights), float(replicas))
        loss, grads, new_nt = value_and_grad(
            program, state, x[mine : mine + rows], weights[mine : mine + rows],
            program.step_kl_weight(state, beta, warmup), share,
        )  # fmt: skip
        summed = context.all_reduce(tf.distribute.ReduceOp.SUM, [loss, *grads])
        return as_tuple(program.apply_adam(state, summed[1:], new_nt, lr)), summed[0]

    def mirrored_step(*args):
        out = strategy.run(replica_step, args=args)
        return tf.nest.map_structure(
            lambda v: strategy.experimental_local_results(v)[0], out
        )

    run = _one_job_loop(program, mirrored_step)
    return _on_states(traced_once(run))


def _one_job_loop(program: Program, step: Callable) -> Callable:
    """A TensorFlow block for one job (K = 1): ``step(carry, x, weights, lr,
    beta, warmup) -> (carry, loss)`` on each of its first ``counts[0]``
    minibatches, the job unstacked once around the loop."""
    import tensorflow as tf

    def run(carry, batches, weights, counts, lr, beta, warmup):
        first = lambda t: t[0]  # noqa: E731
        carry, batches, weights, lr, beta, warmup = tf.nest.map_structure(
            first, (carry, batches, weights, lr, beta, warmup)
        )
        losses = tf.TensorArray(tf.float32, size=program.steps)

        def loop(i, carry, losses):
            new, loss = step(carry, batches[i], weights[i], lr, beta, warmup)
            return i + 1, new, losses.write(i, loss)

        _, carry, losses = tf.while_loop(
            lambda i, *_: i < counts[0], loop, (tf.constant(0), carry, losses)
        )
        carry = tf.nest.map_structure(lambda t: t[None], carry)
        return carry, losses.stack()[None]

    return run


def _on_states(compiled: Callable) -> Callable:
    """Wrap a compiled block on tuples into one on :class:`State` objects."""

    def block(state: State, batches, weights, counts, lr, beta, warmup):
        carry, losses = compiled(
            as_tuple(state), batches, weights, counts, lr, beta, warmup
        )
        return from_tuple(carry), losses

    return block


def compile_function(fn: Callable, free_rows=()) -> Callable:
    """``fn`` compiled: ``jax.jit``, TensorFlow graphs traced once per
    signature (:func:`traced_once`, ``free_rows``: the arguments whose row
    count may vary), or as is (torch)."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return jax.jit(fn)
    if backend == "tensorflow":
        return traced_once(fn, free_rows=free_rows)
    return fn


def compile_eval(program: Program) -> Callable:
    """``evaluate(trainable, non_trainable, x, weights, beta, warmup)``:
    each stacked job's validation loss (:meth:`Program.one_evaluation`)."""
    one = program.one_evaluation
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return jax.jit(jax.vmap(one))
    if backend == "tensorflow":
        import tensorflow as tf

        def evaluate(trainable, non_trainable, x, weights, beta, warmup):
            noise = _jobs_noise(program, non_trainable, x.shape[1])
            args = (trainable, non_trainable, x, weights, beta, warmup, noise)
            return tf.vectorized_map(lambda a: one(*a), args)

        return traced_once(evaluate)

    import torch

    @torch.no_grad()
    def evaluate(trainable, non_trainable, x, weights, beta, warmup):
        x, weights = ops.convert_to_tensor(x), ops.convert_to_tensor(weights)
        return ops.stack(
            [
                one(
                    [t[k] for t in trainable],
                    [t[k] for t in non_trainable],
                    x[k],
                    weights[k],
                    beta[k],
                    warmup[k],
                )
                for k in range(len(x))
            ]
        )

    return evaluate
