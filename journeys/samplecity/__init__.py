"""The bundled fictional city (サンプル市) and the seeded generator that makes data/sample/.

The generator reads the study file itself and plays the process of docs/study-format.md with
its own small event-driven queue model — it never imports the simulator, so comparing the
simulator's as-is run with this "observed" log is a genuine check. Entry point:
:func:`generate_sample`.
"""

from __future__ import annotations

from journeys.samplecity.generate import (
    DEFAULT_SEED,
    GENERATED_FILES,
    MANIFEST_NAME,
    file_sha256,
    generate_sample,
    read_manifest,
)

__all__ = [
    "DEFAULT_SEED",
    "GENERATED_FILES",
    "MANIFEST_NAME",
    "file_sha256",
    "generate_sample",
    "read_manifest",
]
