"""What ``--demo`` starts: the demo account's sandbox, seeded (the estate lives in ``seed``)."""

from layer_tui.sandbox.seed import (
    DEMO_DISABLED_REGION,
    DEMO_NOW,
    DEMO_REGIONS,
    SeedSummary,
    demo_sandbox,
    seed_demo,
    start_demo,
)

__all__ = [
    "DEMO_DISABLED_REGION",
    "DEMO_NOW",
    "DEMO_REGIONS",
    "SeedSummary",
    "demo_sandbox",
    "seed_demo",
    "start_demo",
]
