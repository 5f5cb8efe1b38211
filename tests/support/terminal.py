"""Run a process on a real terminal (a pseudo-terminal from ``pty``), as a person at a shell does:
its stdout and stderr are a tty because they are one, not because ``isatty`` was patched."""

import os
import pty
import re
import select
import subprocess
import time
from collections.abc import Mapping, Sequence

from tests.support.paths import ROOT

#: ANSI colour and style sequences, which a terminal shows as colour
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run_on_a_terminal(
    argv: Sequence[str], env: Mapping[str, str], timeout: float = 60
) -> tuple[int, str]:
    """``(exit code, what it printed)``, with ``\\r\\n`` as ``\\n`` (colours left in: see
    :data:`ANSI`)."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        list(argv), stdin=child, stdout=child, stderr=child, env=dict(env), cwd=ROOT
    )
    os.close(child)
    out = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{argv} still running after {timeout} s:\n{out.decode()}")
            ready, _, _ = select.select([main], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: every process holding the terminal has closed it
                break
            if not chunk:
                break
            out += chunk
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)
    return code, out.decode(errors="replace").replace("\r\n", "\n")
