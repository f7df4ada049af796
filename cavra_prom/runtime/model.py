"""Value types shared by the reference runtime's components."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Effect = Literal["allow", "deny", "review"]
EFFECTS: Final[tuple[Effect, ...]] = ("allow", "deny", "review")

# The request attributes a policy may match on, by type.
STRING_FIELDS: Final = frozenset({"principal", "role", "tenant", "action", "resource"})
INT_FIELDS: Final = frozenset({"risk"})


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """An agent or user asking to perform ``action`` on ``resource``."""

    request_id: str
    principal: str
    role: str
    tenant: str
    action: str
    resource: str
    risk: int
