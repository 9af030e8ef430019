"""Shared test set-up: hypothesis profiles.

``ci`` (used when CI=true or HYPOTHESIS_PROFILE=ci) is deterministic: a fixed seed
(derandomize) and no deadline, so a CI run is reproducible and never flaky on a slow machine.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=60, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE",
                                     "ci" if os.environ.get("CI") == "true" else "dev"))
