"""Optional tools some tests need: skipped where a developer lacks them, but
a failure under CI (``CI=true``), where ``.ci/run`` installs every one of
them, so that no promise goes unchecked in a green run."""

import os

import pytest


def require(
    available: bool,
    what: str,
    how: str,
    module_level: bool = False,
    must: bool | None = None,
) -> None:
    """Skip (or, where ``must``, fail) unless ``available``; ``what`` is
    missing and ``how`` installs it. ``must`` defaults to running under CI."""
    if available:
        return
    if os.environ.get("CI") == "true" if must is None else must:
        pytest.fail(
            f"{what} is not installed, but CI must run this test ({how}; "
            ".ci/run installs it).",
            pytrace=False,
        )
    pytest.skip(f"{what} is not installed ({how})", allow_module_level=module_level)
