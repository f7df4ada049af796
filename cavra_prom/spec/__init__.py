"""The versioned user spec (``cavra/v1``): model, built-in default and loader."""

from cavra_prom.spec.loader import (
    SpecValidation,
    default_spec,
    default_spec_text,
    load_spec,
    load_spec_text,
    validate_spec_text,
)
from cavra_prom.spec.model import (
    DrillSpec,
    EventBusRequirements,
    GatePolicy,
    HaDrSpec,
    SloSpec,
    Spec,
    SuiteSpec,
    TargetSpec,
    WorkloadSpec,
)

__all__ = [
    "DrillSpec",
    "EventBusRequirements",
    "GatePolicy",
    "HaDrSpec",
    "SloSpec",
    "Spec",
    "SpecValidation",
    "SuiteSpec",
    "TargetSpec",
    "WorkloadSpec",
    "default_spec",
    "default_spec_text",
    "load_spec",
    "load_spec_text",
    "validate_spec_text",
]
