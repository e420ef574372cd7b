"""A chapter worker: one Jupyter kernel that executes chapters one after another.

    python -m analysis.build.worker        (started by analysis.build.chapters)

Reads one job per line on standard input (JSON: entry, source, target, parameters) and
answers one line per job on standard output (JSON: entry, ok, seconds, error). The kernel
stays up between chapters, so imports and the opened bundle are paid once per worker, not
once per chapter; before each chapter its namespace is reset (`%reset -f`), so a chapter
cannot lean on another's variables. A kernel that died is started again for the next job.
SIGTERM or SIGINT shuts the kernel down and ends the worker.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import traceback

from jupyter_core.utils import run_sync

from analysis.editions import REPO

KERNEL = "python3"
START_ATTEMPTS = 3   # kernel starts before a worker gives up (see Kernel)


class Stop(Exception):
    pass


def _stop(signum, frame):
    raise Stop(signal.Signals(signum).name)


def _start_kernel(km=None):
    # an asynchronous kernel manager: nbclient then polls for replies without blocking, so
    # it notices a dead kernel (and a signal) within a second
    from jupyter_client.manager import AsyncKernelManager
    km = km or AsyncKernelManager(kernel_name=KERNEL)
    # the kernel's own stderr (warnings, debug chatter) goes to a log, not to the terminal
    log = open(os.environ.get("TPJ_KERNEL_LOG", os.devnull), "a")
    run_sync(km.start_kernel)(cwd=str(REPO), stderr=log, stdout=log)
    return km, log


def _alive(km) -> bool:
    return bool(run_sync(km.is_alive)())


def _shutdown(km) -> None:
    try:
        run_sync(km.shutdown_kernel)(now=True)
    except Exception:
        pass


class Kernel:
    """The worker's kernel and a client of its own for resetting the namespace between
    chapters (kept connected: a new client costs a third of a second per chapter)."""

    def __init__(self):
        from jupyter_client import BlockingKernelClient
        # jupyter_client picks the kernel's ports by binding and releasing them, so a kernel
        # started at the same moment by another worker can take one first: the new kernel
        # then dies at once ("Address already in use", jupyter_client's known port race,
        # nteract/papermill#511). A fresh manager picks fresh ports, so start again.
        for attempt in range(1, START_ATTEMPTS + 1):
            self.km, self.log = _start_kernel()
            # wait until the kernel answers, with the manager's own client (a client not made
            # by the manager judges the kernel by its heartbeat, which may not beat yet)
            ready = self.km.client()
            ready.start_channels()
            try:
                run_sync(ready.wait_for_ready)(timeout=120)
                break
            except RuntimeError:          # "Kernel died before replying to kernel_info"
                _shutdown(self.km)
                self.log.close()
                if attempt == START_ATTEMPTS:
                    raise
            finally:
                ready.stop_channels()
        # then a blocking client on its own sockets for the resets: the asynchronous ones
        # are bound to the event loop they were started on, and papermill runs each chapter
        # on its own
        self.client = BlockingKernelClient(parent=self.km)
        self.client.load_connection_info(self.km.get_connection_info())
        self.client.start_channels()

    def alive(self) -> bool:
        return _alive(self.km)

    def reset(self) -> None:
        """An empty namespace for the next chapter (imported modules stay loaded)."""
        self.client.execute_interactive("%reset -f", timeout=60, silent=True, store_history=False)

    def shutdown(self) -> None:
        try:
            self.client.stop_channels()
        finally:
            _shutdown(self.km)
            self.log.close()


def _watch_parent() -> None:
    """End the worker (and so its kernel, whose parent poller sees it go) when the build
    that started it is gone, even mid-chapter."""
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(1)
            if os.getppid() != parent:
                os._exit(1)
    threading.Thread(target=watch, daemon=True).start()


def cell_timeout() -> int:
    """Seconds a chapter cell may run: TPJ_CELL_TIMEOUT, default 300 (the longest cell of
    either edition takes about 10 s)."""
    value = os.environ.get("TPJ_CELL_TIMEOUT", "300")
    try:
        return max(1, int(value))
    except ValueError:
        raise SystemExit(f"TPJ_CELL_TIMEOUT={value!r} is not a number of seconds") from None


def run(job: dict, kernel: Kernel) -> dict:
    """Execute one chapter (MyST markdown read with jupytext) into job['target']."""
    import jupytext
    import nbformat
    import papermill

    start = time.perf_counter()
    notebook = jupytext.read(job["source"])
    kernel.reset()
    executed = papermill.execute_notebook(notebook, job["target"], parameters=job["parameters"],
                                          kernel_name=KERNEL, km=kernel.km, cwd=str(REPO), progress_bar=False,
                                          log_output=False, execution_timeout=cell_timeout())
    for cell in executed.cells:   # the cell papermill adds must not show in the book
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    nbformat.write(executed, job["target"])
    return {"seconds": time.perf_counter() - start}


def describe(err: BaseException) -> str:
    """The error as the build reports it: papermill's cell and error, or the exception."""
    ename = getattr(err, "ename", type(err).__name__)
    evalue = getattr(err, "evalue", str(err))
    if ename == "CellTimeoutError" or "timed out" in str(evalue):
        evalue = (f"a cell ran longer than {cell_timeout()} s and was stopped (TPJ_CELL_TIMEOUT sets the "
                  "limit): a loop that does not end, or work that belongs in the compute stage")
    cell = getattr(err, "exec_count", None)
    return (f"cell [{cell}]: " if cell is not None else "") + f"{ename}: {evalue}".strip()


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    _watch_parent()
    kernel = None
    out = sys.stdout
    sys.stdout = sys.stderr   # nothing but answers on the answer channel
    try:
        kernel = Kernel()
        for line in sys.stdin:
            job = json.loads(line)
            answer = {"entry": job["entry"]}
            try:
                if not kernel.alive():
                    kernel.shutdown()
                    kernel = Kernel()
                answer.update(run(job, kernel), ok=True)
            except Stop:
                raise
            except Exception as err:   # the chapter failed; the worker goes on
                answer.update(ok=False, error=describe(err),
                              detail="".join(traceback.format_exception_only(type(err), err))[-2000:])
                # a fresh kernel for the next chapter: this one may still be running the
                # cell that timed out, or hold whatever state the failure left
                kernel.shutdown()
                kernel = Kernel()
            out.write(json.dumps(answer) + "\n")
            out.flush()
    except Stop:
        return 130
    finally:
        if kernel is not None:
            kernel.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
