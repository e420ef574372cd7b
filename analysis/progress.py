"""Progress lines on standard error (what a long step is doing)."""
from __future__ import annotations

import sys


def say(message: str) -> None:
    print(f"[analysis] {message}", file=sys.stderr, flush=True)

