"""A text part's charset is read as the standard library reads it, whatever the header says
(``parsers.mime`` reads the common ``text/plain; charset="utf-8"`` shape directly: issue 17,
point 6, first sight is fast)."""

import email
from collections.abc import Callable
from email.message import Message

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.mime import _charset_of, part_text

#: pieces of Content-Type values: the common shape, and what breaks it (RFC 2231, quoting,
#: unbalanced quotes, letters that fold to ASCII, folding, other parameters, several charsets)
PIECES = st.sampled_from(
    [
        *("text/plain", "text/html", "TEXT/HTML", "text/x-foo.bar+baz", "text", "/", ""),
        *(";", "; ", ";\t", " ;", ";;", "\n ", "\r\n\t", " ", "\t"),
        *("charset", "CharSet", "CHARSET", "charſet", "\u212aharset", "charset*", "charset*0*"),
        *("=", " = ", "=\t", "*="),
        *('"', "'", "\\", '\\"', "utf-8", "UTF-8", "us-ascii", "iso-8859-1", "x.y:z_1"),
        *("utf-8''%41", "utf-8'en'", "ü", "\udcff", "format=flowed", 'name="a;b"'),
    ]
)
VALUES = st.lists(PIECES, max_size=10).map("".join)
COMMON = st.builds(
    "{}{};{}{}{}={}{}{}{}".format,
    st.sampled_from(["", " ", "\t"]),
    st.sampled_from(["text/plain", "text/html", "Text/HTML", "text/x-a.b+c"]),
    st.sampled_from(["", " ", "\t", "  "]),
    st.sampled_from(["charset", "CHARSET", "charſet", "\u212aharset", "charset*", "format"]),
    st.sampled_from(["", " "]),
    st.sampled_from(["", " "]),
    st.sampled_from(['"', ""]),
    st.sampled_from(["utf-8", "UTF-8", "us-ascii", "windows-1252", "x.y:z_1", "ü", "a b", ""]),
    st.sampled_from(['"', "", " "]),
)


def parts_with(content_type: str) -> list[Message]:
    """Parsed from bytes, as mail arrives (a stray byte becomes a surrogate), and from text
    (non-ASCII letters stay letters) when it has no stray byte."""
    header = content_type.encode("utf-8", "surrogateescape")
    parts = [email.message_from_bytes(b"Content-Type: " + header + b"\n\nbody\n")]
    if not any("\udc80" <= c <= "\udcff" for c in content_type):
        parts.append(email.message_from_string(f"Content-Type: {content_type}\n\nbody\n"))
    return parts


def charset_or_error(read: Callable[[], str | None]) -> str | None:
    try:
        return read()
    except (ValueError, LookupError, UnicodeError) as exc:
        return type(exc).__name__


@settings(max_examples=1500)
@given(st.one_of(VALUES, COMMON))
def test_the_charset_is_the_one_the_library_reads(content_type: str) -> None:
    for part in parts_with(content_type):
        expected = charset_or_error(part.get_content_charset)
        assert charset_or_error(lambda: _charset_of(part)) == expected  # noqa: B023


def test_a_part_without_a_content_type_has_no_charset() -> None:
    part = email.message_from_string("Subject: x\n\nbody\n")
    assert _charset_of(part) is None
    assert part_text(part) == "body\n"


def test_a_common_header_is_honoured() -> None:
    part = email.message_from_bytes(
        b'Content-Type: text/plain; CHARSET="ISO-8859-1"\n\n\x93quoted\x94\n'
    )
    assert _charset_of(part) == "iso-8859-1"
    assert part_text(part) == "\u201cquoted\u201d\n"  # Latin-1 labels are read as Windows-1252
