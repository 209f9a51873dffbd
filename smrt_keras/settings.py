"""Every value a :class:`~smrt_keras.Reconstructor` setting accepts, defined once.

The parameter table, the recipe, the generators and the command line all read
these tuples, so a new generation mode or likelihood is added in one place.
This module imports nothing from smrt_keras: the command line reads it before
any backend starts.
"""

from __future__ import annotations

#: How ``generate`` draws latent codes (see ``Reconstructor(generation=...)``).
GENERATION_MODES = (
    "prior", "posterior", "interpolate", "kde", "kde-away", "kde-toward"
)  # fmt: skip

#: Modes that steer kde by each member's nearest other-class code.
DIRECTED_MODES = ("kde-away", "kde-toward")

#: ``Reconstructor(encoder=...)``.
ENCODERS = ("auto", "dense", "conv")

#: ``Reconstructor(likelihood=...)`` (``"mixed"`` is chosen for mixed-type
#: tables, never named by the user).
LIKELIHOODS = ("auto", "bernoulli", "continuous_bernoulli", "gaussian")

#: The parameters that decide how samples are drawn; they may change after fit.
GENERATION = ("generation", "temperature", "output_noise", "output_augment")
