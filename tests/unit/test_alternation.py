"""The trie-shaped patterns (``parsers.alternation``) match exactly as the plain alternations they
replace: the same spans, in the same order, wherever they are searched."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import forward_words
from parsers.alternation import Node, alternation, trie

#: header_inside() as it was written before it was shaped for speed
PLAIN_INSIDE = re.compile(
    r"(?<=\s)[*_]*(?:"
    + "|".join(re.escape(form) for form in sorted(forward_words._WRITTEN, key=len, reverse=True))
    + r")[*_]*\s?[:：]|(?<=\S)(?:"
    + "|".join(re.escape(form) for form in sorted(forward_words._GLUED, key=len, reverse=True))
    + r"):(?=\s)"
)
LABELS = sorted(forward_words._WRITTEN | forward_words._GLUED)
#: pieces a header line is made of: labels (whole and cut short), glue, values
PIECES = st.one_of(
    st.sampled_from(LABELS),
    st.sampled_from(LABELS).map(lambda label: label[: max(1, len(label) // 2)]),
    st.sampled_from([" ", "  ", "\t", "*", "**", "_", ":", "：", " :", "<a@b.c>", "9:14", "AM"]),
    st.text(alphabet="aZ:* _é差", max_size=4),
)
LINES = st.lists(PIECES, max_size=14).map("".join)


def spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


@settings(max_examples=1500, deadline=None)
@given(LINES)
def test_header_inside_finds_what_the_plain_alternation_finds(line):
    assert spans(forward_words.header_inside(), line) == spans(PLAIN_INSIDE, line)


def test_header_inside_on_written_forward_blocks():
    lines = [
        "Boatsetter <no-reply@boatsetter.com> Sent: Tuesday, March 2, 2027 9:14 AM To: Dana",
        "<a@b.com>Sent: Tue, Mar 2, 2027 at 9:14 AMTo: dana@sailjada.comSubject: Booking",
        "Boatsetter **Envoyé :** mardi 2 mars 2027 09:14 **À :** Dana **Objet :** Réservation",
        "Boatsetter 送信日時: 2027年3月2日 9:14 宛先: Dana 件名: 予約",
        "no colon here at all",
    ]
    for line in lines:
        assert spans(forward_words.header_inside(), line) == spans(PLAIN_INSIDE, line)
    assert spans(forward_words.header_inside(), lines[1])  # the glued labels are found


WORDS = st.lists(st.text(alphabet="abAB", min_size=1, max_size=4), min_size=1, max_size=12)


@settings(max_examples=500, deadline=None)
@given(WORDS, st.text(alphabet="abAB :", max_size=30))
def test_an_alternation_prefers_the_longest_word_as_sorting_does(words, text):
    plain = re.compile(
        "(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + "):?"
    )
    trie = re.compile(alternation(words) + ":?")
    assert spans(trie, text) == spans(plain, text)


#: HEADER_LINE as it was written before its labels became a trie
PLAIN_LINE = re.compile(
    r"^[*_\s]*(?P<name>"
    + "|".join(re.escape(label) for label in sorted(forward_words.HEADER_LABELS, key=len)[::-1])
    + r")[*_\s]*[:：][*_]*\s*(?P<value>.*)$",
    re.IGNORECASE,
)


def test_no_two_sibling_letters_of_the_header_labels_fold_together():
    # under re.IGNORECASE the trie matches as the sorted alternation only while, at each node,
    # one letter at most can match a character (Turkish "ı" and "i" do fold together)
    def clashes(node: Node, prefix: str) -> list[str]:
        letters = [char for char in node if char]
        found = [
            prefix + a + b
            for i, a in enumerate(letters)
            for b in letters[i + 1 :]
            if re.fullmatch(re.escape(a), b, re.IGNORECASE)
        ]
        return found + [c for char in letters for c in clashes(node[char], prefix + char)]

    assert clashes(trie(forward_words.HEADER_LABELS), "") == []


CASED = st.sampled_from(sorted(forward_words.HEADER_LABELS)).map(
    lambda label: label.upper() if len(label) % 2 else label.title()
)


HEADER_LINES = st.one_of(
    st.lists(st.one_of(PIECES, CASED), max_size=10).map("".join),
    st.tuples(
        st.sampled_from(["", " ", "**", "_ "]),
        CASED,
        st.sampled_from([":", " :", "：", "**:", ":**", "", " "]),
        LINES,
    ).map("".join),
)


@settings(max_examples=1500, deadline=None)
@given(HEADER_LINES)
def test_header_line_reads_what_the_plain_alternation_reads(line):
    def read(pattern: re.Pattern[str]) -> dict[str, str] | None:
        match = pattern.match(line)
        return match.groupdict() if match else None

    assert read(forward_words.HEADER_LINE) == read(PLAIN_LINE)
    assert forward_words.header_line(line) is None or read(PLAIN_LINE) is not None
