"""The chapter worker's kernel (analysis.build.worker.Kernel): a kernel that dies at start
because another process took one of its ports (jupyter_client picks ports by binding and
releasing them, a race between workers starting together) is started again on fresh ports.
The suite once lost a build to it: 'the chapter worker died', ZMQError: Address already in
use."""
from __future__ import annotations

import socket

from jupyter_client.manager import AsyncKernelManager

from analysis.build import worker


def test_a_kernel_whose_port_is_taken_is_started_again(monkeypatch):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    starts = []
    original = worker._start_kernel

    def start():
        starts.append(1)
        if len(starts) == 1:   # the first kernel is given a port another process holds
            km = AsyncKernelManager(kernel_name=worker.KERNEL)
            km.cache_ports = False   # else the provisioner picks all ports afresh
            km.shell_port = port
            return original(km)
        return original()

    monkeypatch.setattr(worker, "_start_kernel", start)
    kernel = worker.Kernel()
    try:
        assert kernel.alive()
        assert len(starts) == 2
    finally:
        kernel.shutdown()
        taken.close()
