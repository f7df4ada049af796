"""The reference runtime: a small, real, seeded model of a governed decision platform.

The three R6.1 suites measure its operations and the four drills break it on purpose. Every
operation does real work (policy evaluation, hash-chained audit writes, event publishing,
detector passes, bundle compilation) so the numbers mean something about the code path, and
its safety switch (``RuntimeConfig.fail_closed``) lets tests prove the drills catch an unsafe
runtime.
"""

from cavra_prom.runtime.config import RuntimeConfig
from cavra_prom.runtime.faults import FAULTS, FaultSwitchboard
from cavra_prom.runtime.runtime import REFERENCE_OPERATIONS, Operation, ReferenceRuntime

__all__ = [
    "FAULTS",
    "REFERENCE_OPERATIONS",
    "FaultSwitchboard",
    "Operation",
    "ReferenceRuntime",
    "RuntimeConfig",
]
