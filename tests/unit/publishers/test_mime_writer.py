"""The directly written email (``publishers.transport.mime``) reads back as the ``email``
package's own for the same input: the same headers, parts, names, transfer encodings and
content; and header injection is refused as before."""

from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from publishers.transport import mime
from publishers.transport.mail import Attachment, _with_email_package, compose

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nSUMMARY:Sea Ray\r\nEND:VCALENDAR\r\n"
CASES: list[dict[str, Any]] = [
    {  # a crew email: accents in the name, a dash in the subject, an .ics
        "sender": "Charterhand <crew@example.com>",
        "to": "Jörg Müller <jorg@example.org>",
        "subject": "Crew: 12 März — Sea Ray 320",
        "text": "Hello Jörg,\nsee you at 09:00.\n",
        "html": "<p>Hello J&ouml;rg</p>\n<p>see you</p>",
        "reply_to": "manager@example.com",
        "attachments": [Attachment("Sea Ray-abc.ics", ICS, "text/calendar", {"method": "CANCEL"})],
        "headers": {"X-Charterhand-Booking": "boatsetter:abc", "X-Charterhand-Kind": "new"},
    },
    {  # plain ASCII, long lines (quoted-printable / base64), a long subject, quoted names
        "sender": "crew@example.com",
        "to": '"Smith, Anne" <anne@example.org>',
        "subject": "A summary of the charter " + "and more words " * 10,
        "text": "x" * 200 + "\n" + "short\n" * 3,
        "html": "<div>" + "é" * 300 + "</div>",
        "reply_to": None,
        "attachments": [],
        "headers": {},
    },
    {  # what the direct writer leaves to the email package: a quote in the attachment's name
        "sender": "Charterhand <crew@example.com>",
        "to": "anne@example.org",
        "subject": "Hello",
        "text": "hi",
        "html": "<p>hi</p>",
        "reply_to": None,
        "attachments": [Attachment('Sea "Ray".ics', ICS, "text/calendar", {"method": "REQUEST"})],
        "headers": {},
    },
]


def _parts(message: EmailMessage) -> list[tuple[object, ...]]:
    return [
        (
            part.get_content_type(),
            part.get_param("method"),
            part.get_filename(),
            None if part.is_multipart() else part.get_content(),
            part["Content-Transfer-Encoding"],
        )
        for part in message.walk()
    ]


@pytest.mark.parametrize("case", CASES)
def test_the_direct_email_reads_as_the_email_packages(case: dict[str, Any]) -> None:
    ours = message_from_bytes(compose(**case).as_bytes(), policy=policy.default)
    theirs = message_from_bytes(
        _with_email_package(**case, message_id="<1@example.com>").as_bytes(),
        policy=policy.default,
    )
    assert isinstance(ours, EmailMessage)
    assert isinstance(theirs, EmailMessage)
    for name in ("From", "To", "Reply-To", "Subject", "X-Charterhand-Booking", "MIME-Version"):
        assert str(ours[name]) == str(theirs[name])
    assert str(ours["Message-ID"]).endswith("@example.com>")
    assert _parts(ours) == _parts(theirs)
    assert not ours.defects
    assert not any(part.defects for part in ours.walk())


def test_the_common_shape_is_written_directly() -> None:
    case = dict(CASES[0])
    case.pop("reply_to")
    raw = mime.multipart_email(
        sender=str(case["sender"]),
        to=str(case["to"]),
        reply_to="manager@example.com",
        subject=str(case["subject"]),
        message_id="<1@example.com>",
        headers={"X-Charterhand-Booking": "boatsetter:abc"},
        text=str(case["text"]),
        html=str(case["html"]),
        attachments=[("a.ics", ICS, "text/calendar", {"method": "REQUEST"})],
    )
    assert raw is not None
    assert raw.count(b"Content-Transfer-Encoding") == 3


@pytest.mark.parametrize("field", ["to", "subject", "sender"])
def test_a_line_break_in_a_header_is_refused(field: str) -> None:
    case = {**CASES[0], field: "Anne <anne@example.org>\r\nBcc: evil@example.net"}
    with pytest.raises(ValueError, match="linefeed"):
        compose(**case)


def test_a_line_break_in_an_extra_header_is_refused() -> None:
    case = {**CASES[0], "headers": {"X-Charterhand-Kind": "new\nBcc: evil@example.net"}}
    with pytest.raises(ValueError, match="linefeed"):
        compose(**case)
