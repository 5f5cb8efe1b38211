"""``parsers.mime_feed`` decodes every email into the very tree the standard library's own parser
builds, without compiling a pattern per boundary (issue 17, point 6: first sight is fast)."""

import email
import email.feedparser
import re
from email.message import Message

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.mime import decode_message
from parsers.mime_feed import _TAIL, BoundaryFeedParser, _Boundary, _Re

#: boundary characters RFC 2046 allows, and then some a sender may write anyway
BOUNDARY_CHARS = st.sampled_from(list("abcXYZ019'()+_,-./:=? \\*[]{}^$|\t"))
SEPARATORS = st.text(BOUNDARY_CHARS, min_size=1, max_size=12).map(lambda s: "--" + s)
LINE_ENDS = st.sampled_from(["", "\n", "\r", "\r\n", "\n\n", "\r\r", "\r\n\n", "x\n", "\n\r"])


def tree(msg: Message) -> object:
    """Everything the parser decides: headers, payloads, preamble, epilogue, defects."""
    payload = msg.get_payload()
    if isinstance(payload, list):
        payload = [tree(p) if isinstance(p, Message) else p for p in payload]
    return (
        msg.get_unixfrom(),
        msg.items(),
        msg.preamble,
        msg.epilogue,
        [type(d).__name__ for d in msg.defects],
        [tree(p) if isinstance(p, Message) else p for p in payload]
        if isinstance(payload, list)
        else payload,
    )


def library_pattern(separator: str) -> str:
    return "(?P<sep>" + re.escape(separator) + _TAIL


def test_this_pythons_parser_builds_the_boundary_pattern_this_module_replaces():
    # else every boundary silently goes back to being compiled (correct, but slow again)
    parsegen = getattr(email.feedparser.FeedParser, "_parsegen")  # noqa: B009
    assert _TAIL in parsegen.__code__.co_consts
    assert isinstance(_Re.compile(library_pattern("--b=_x(1)")), _Boundary)


def test_other_patterns_are_compiled_as_usual():
    assert isinstance(_Re.compile(r"(?P<sep>--a)b$"), re.Pattern)
    assert isinstance(_Re.compile(library_pattern("--a"), re.IGNORECASE), re.Pattern)
    assert isinstance(_Re.compile(library_pattern("--a").replace(r"\-", "-")), re.Pattern)


@settings(max_examples=600)
@given(
    SEPARATORS,
    st.sampled_from(["", "--", "-", "---", "x"]),
    st.text(st.sampled_from(" \t"), max_size=2),
    LINE_ENDS,
    st.sampled_from(["", "-", "z", "--a"]),
)
def test_a_boundary_line_matches_as_the_compiled_pattern_does(separator, end, ws, ending, cut):
    line = separator[: len(separator) - len(cut)] + cut + end + ws + ending
    compiled = re.compile(library_pattern(separator)).match(line)
    fast = _Re.compile(library_pattern(separator)).match(line)
    assert (fast is None) == (compiled is None)
    if fast and compiled:
        assert fast.group("end", "ws", "linesep") == compiled.group("end", "ws", "linesep")
        assert fast.end() == compiled.end()


def multipart(boundary: str, parts: list[str], preamble: str, epilogue: str, nl: str) -> str:
    head = f'Content-Type: multipart/mixed; boundary="{boundary}"{nl}Subject: x{nl}{nl}'
    body = preamble
    for part in parts:
        body += f"--{boundary}{nl}Content-Type: text/plain{nl}{nl}{part}{nl}"
    return head + body + f"--{boundary}--{epilogue}"


PART_LINES = st.lists(
    st.sampled_from(["text", "--", "--b", "--b--", "--b-- ", "--b \t", "--bb", "-- sig", ""]),
    max_size=4,
)


@settings(max_examples=400)
@given(
    st.sampled_from(["b", "=_a(1)+", "x.y/z:?", "b b", "=====123=="]),
    st.lists(PART_LINES, max_size=3),
    st.sampled_from(["", "pre\n", "pre\r\n\r\n", "--b\n"]),
    st.sampled_from(["", "\n", "\r\nafter\r\n", " \n", "--\n", "\n--b\n"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_a_message_decodes_into_the_librarys_own_tree(boundary, parts, preamble, epilogue, nl):
    text = multipart(boundary, [nl.join(lines) for lines in parts], preamble, epilogue, nl)
    raw = text.encode()
    assert tree(decode_message(raw)) == tree(email.message_from_bytes(raw))


def test_nested_multiparts_each_with_its_own_boundary_decode_alike():
    inner = multipart("in", ["one", "--out", "two"], "", "\n", "\n")
    raw = (
        'Content-Type: multipart/mixed; boundary="out"\n\n--out\n'
        + inner
        + "\n--out\nContent-Type: text/html\n\n<p>x</p>\n--out--\nbye\n"
    ).encode()
    parser = BoundaryFeedParser()
    parser.feed(raw)
    assert tree(parser.close()) == tree(email.message_from_bytes(raw))
