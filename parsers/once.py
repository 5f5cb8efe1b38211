"""``functools.cached_property`` without its lock: a value computed on first access, then kept.

Python 3.11's ``cached_property`` takes a lock shared by every instance on each first access (a
third of a microsecond; a parse makes a dozen such accesses, one object per body). The objects
here belong to one parse in one thread, and what they compute is pure: computed twice, it is the
same.
"""

from collections.abc import Callable
from typing import Any, Generic, Self, TypeVar, overload

T = TypeVar("T")


class once(Generic[T]):
    """A non-data descriptor: the first ``instance.name`` computes, the instance's dict keeps."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> "T | Self":
        if instance is None:
            return self
        value = self.func(instance)
        instance.__dict__[self.name] = value
        return value
