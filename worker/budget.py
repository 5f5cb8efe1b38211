"""How much raw email a worker process holds at once: a byte budget derived from its task's memory.

SES accepts emails of up to 40 MB, and a worker works several messages at once; four 40 MB emails
read at the same time once took a 512 MiB task to 768 MB. Each email in work costs about
``COST_FACTOR`` times its size at its peak: the raw bytes, botocore's read of them, the MIME
parser's lines and the decoded text part (bench/RESULTS.md, "Memory"). What the task's memory
leaves after the process's own footprint (``RESERVED_MIB``), divided by that factor, is the
budget: a thread takes an email's size (S3's ``ContentLength``) from it before reading the body,
and gives it back once the email is parsed. A thread that finds the budget spent waits (its
message's visibility is extended like any other in work); an email larger than the whole budget
can never be read within the task's memory and is dead-lettered saying so.
"""

import threading

MIB = 1024 * 1024
#: the worker's own footprint: an idle worker is ~90 MiB, plus step threads, clients and pages
RESERVED_MIB = 160
#: peak memory of one email in work, as a multiple of its raw size, measured with bench/memory.py:
#: about 4 for a booking with a 40 MB attachment, 5.8 for one 40 MB text body, 7 for each of two
#: 21.5 MB text bodies read at once (the allocator keeps what the first freed); rounded up
COST_FACTOR = 8


def email_budget_bytes(task_memory_mib: int) -> int:
    """Bytes of raw email a task with ``task_memory_mib`` may hold at once.

    512 MiB (the default task) gives 44 MiB: one 40 MB email at a time, beside small ones.
    """
    return max(0, (task_memory_mib - RESERVED_MIB) * MIB // COST_FACTOR)


class BudgetClosed(Exception):
    """The worker is stopping: a thread still waiting for bytes gives up."""


class ByteBudget:
    """A semaphore over bytes, shared by a process's message threads."""

    def __init__(self, total_bytes: int) -> None:
        self.total = total_bytes
        self._free = total_bytes
        self._closed = False
        self._changed = threading.Condition()

    @property
    def free(self) -> int:
        with self._changed:
            return self._free

    def fits(self, size: int) -> bool:
        """Whether ``size`` bytes could ever be held (the whole budget is at least that)."""
        return size <= self.total

    def try_take(self, size: int) -> bool:
        """Take ``size`` bytes if they are free now; never waits."""
        self._check(size)
        with self._changed:
            if self._closed or self._free < size:
                return False
            self._free -= size
            return True

    def take(self, size: int) -> None:
        """Take ``size`` bytes, waiting until they are free; ``BudgetClosed`` once closed."""
        self._check(size)
        with self._changed:
            self._changed.wait_for(lambda: self._closed or self._free >= size)
            if self._closed:
                raise BudgetClosed
            self._free -= size

    def give_back(self, size: int) -> None:
        """Return ``size`` bytes taken before, waking the threads waiting for them."""
        with self._changed:
            self._free = min(self.total, self._free + size)
            self._changed.notify_all()

    def close(self) -> None:
        """Wake every waiting thread with ``BudgetClosed`` (the worker is stopping)."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def _check(self, size: int) -> None:
        if size < 0 or not self.fits(size):
            raise ValueError(f"{size} bytes can never fit a budget of {self.total}")
