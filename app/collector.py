"""Start-up without the cyclic garbage collector, then what start-up built frozen.

Start-up allocates hundreds of thousands of objects that live as long as the process (modules,
classes, pydantic's validators, botocore's service models) and makes almost no cyclic garbage;
the collector's passes over them while they pile up (about 270 of them, two full, from launch to
the AWS clients made) cost 0.1–0.15 s of a 1 s launch (issue 21). So the collector is off while
a command starts; after, everything then alive is frozen (``gc.freeze``: moved where no later
collection scans it again, so the first messages pay no full pass over start-up's objects
either) and the collector is back on. What start-up left as cyclic garbage (a few thousand
objects) stays frozen with the rest.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off within; on leaving, what is alive frozen and the collector back on.
    Left off if it was off already (by the caller, or an enclosing ``paused``)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.freeze()
            gc.enable()
