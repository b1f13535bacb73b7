"""``[core] hostname_callable`` of the deployment tests: each process reports the component name the harness
gave it (``worker-1``, ``triggerer-2`` ...), so task instances and jobs say which process ran them."""

from __future__ import annotations

import os
import socket


def component() -> str:
    return os.environ.get("EVERY8D_COMPONENT") or socket.getfqdn()
