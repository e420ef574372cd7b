"""What a long-running step needs: progress lines on standard error, and replacing an
output directory so that a failed or interrupted run leaves the previous one in place."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path


def say(message: str) -> None:
    print(f"[analysis] {message}", file=sys.stderr, flush=True)


def swap_in(new: Path, target: Path) -> None:
    """Replace `target` (a directory or file, may be absent) by `new`: the old one is moved
    aside first and removed only after the new one is in place."""
    new, target = Path(new), Path(target)
    old = target.with_name(target.name + ".old")
    remove(old)
    if target.exists() or target.is_symlink():
        target.rename(old)
    new.rename(target)
    remove(old)


def remove(path: Path) -> None:
    """Remove a file or a directory tree if it exists."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
