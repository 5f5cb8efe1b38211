"""Words an operator teaches the parser in settings, on top of the built-in vocabulary.

When a platform renames a label ("Vessel" for "Boat") or words a kind in a new way, the email
dead-letters with the label-like lines it did not know; the operator adds the word under
``[parsing]`` (or ``CHARTERHAND_PARSING__LABELS__BOAT='["vessel"]'``) and replays the dead letters.
Labels are compared whole, normalised as ``parsers.labels.normalise_label`` does; phrases are
found anywhere in a subject or headline, ignoring case.
"""

import re
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field

from bookings import Kind
from parsers.labels import FIELD_LABELS, fields_labelled, is_known_label, normalise_label


class Vocabulary(BaseModel):
    """Extra label words per field, and extra phrases per kind or per not-a-booking rule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    labels: dict[str, list[str]] = Field(
        default_factory=dict,
        description='field → extra label words (`boat = ["Vessel name"]`; '
        "`CHARTERHAND_PARSING__LABELS__BOAT='[\"Vessel name\"]'`); fields: "
        + ", ".join(FIELD_LABELS),
    )
    kinds: dict[Kind, list[str]] = Field(
        default_factory=dict,
        description="kind → extra phrases that announce it in a subject or headline "
        '(`confirmed = ["all aboard"]`); kinds: request, confirmed, modified, cancelled',
    )
    not_bookings: dict[str, list[str]] = Field(
        default_factory=dict,
        description="rule name → extra phrases that make platform mail not a booking, ignored "
        "under that rule's name",
    )

    def model_post_init(self, __context: object) -> None:
        unknown = set(self.labels) - set(FIELD_LABELS)
        if unknown:
            raise ValueError(f"unknown fields in [parsing.labels]: {', '.join(sorted(unknown))}")
        # a blank phrase would be found in every subject: every email one kind, or ignored
        for part, taught in (("labels", self.labels), ("kinds", self.kinds)):
            for key, words in taught.items():
                if any(not word.strip() for word in words):
                    raise ValueError(f"a blank word in [parsing.{part}] {key}")
        for rule, phrases in self.not_bookings.items():
            if not rule.strip() or any(not phrase.strip() for phrase in phrases):
                raise ValueError(f"a blank rule name or phrase in [parsing.not_bookings] {rule!r}")

    @cached_property
    def _extra_labels(self) -> dict[str, frozenset[str]]:
        by_label: dict[str, set[str]] = {}
        for field_name, words in self.labels.items():
            for word in words:
                by_label.setdefault(normalise_label(word), set()).add(field_name)
        return {label: frozenset(fields) for label, fields in by_label.items()}

    def fields(self, label: str) -> frozenset[str]:
        """Every field a normalised label may name, built-in and taught."""
        found = fields_labelled(label)
        extra = self._extra_labels
        return found | extra[label] if label in extra else found

    def known(self, label: str) -> bool:
        return is_known_label(label) or label in self._extra_labels

    @cached_property
    def _kind_patterns(self) -> list[tuple[Kind, re.Pattern[str]]]:
        return [(kind, _phrases(words)) for kind, words in self.kinds.items() if words]

    @cached_property
    def _rule_patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        return [(rule, _phrases(words)) for rule, words in self.not_bookings.items() if words]

    def kind_of(self, text: str) -> Kind | None:
        if not self.kinds:  # nothing taught (asked of every subject and headline)
            return None
        return next((kind for kind, p in self._kind_patterns if p.search(text)), None)

    def not_a_booking(self, text: str) -> str | None:
        if not self.not_bookings:
            return None
        return next((rule for rule, p in self._rule_patterns if p.search(text)), None)


def _phrases(words: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(" ".join(w.split())) for w in words if w.strip())
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


#: the built-in vocabulary alone
BUILT_IN = Vocabulary()
