"""``parsers.once``: a value computed on first access and kept per instance, as
``functools.cached_property`` keeps it (without its lock)."""

from parsers.once import once


class Counted:
    calls = 0

    def __init__(self, base: int) -> None:
        self.base = base

    @once
    def doubled(self) -> int:
        """Twice the base."""
        Counted.calls += 1
        return self.base * 2


def test_a_value_is_computed_once_per_instance_and_kept() -> None:
    Counted.calls = 0
    first, second = Counted(2), Counted(5)
    assert (first.doubled, first.doubled, second.doubled) == (4, 4, 10)
    assert Counted.calls == 2
    assert first.__dict__["doubled"] == 4


def test_the_class_attribute_is_the_descriptor_with_its_doc() -> None:
    assert isinstance(Counted.doubled, once)
    assert Counted.doubled.__doc__ == "Twice the base."
