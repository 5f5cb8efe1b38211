"""Builds booking emails with the standard library, the way platforms and mail clients shape them.

Tests describe an email by its fields and layout; these helpers produce the raw bytes, so each
variant (a forward style, a charset, a label) is one argument away from the plain case.
"""

import base64
import quopri
from collections.abc import Sequence
from datetime import datetime
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime
from html import escape
from zoneinfo import ZoneInfo

LA = ZoneInfo("America/Los_Angeles")
Rows = Sequence[tuple[str, str]]

BOATSETTER = "Boatsetter <no-reply@boatsetter.com>"
GETMYBOAT = "GetMyBoat <no-reply@getmyboat.com>"
SENT = datetime(2027, 3, 2, 9, 14, tzinfo=LA)

#: the fields of a confirmed Boatsetter booking, as its template labels them
CONFIRMED_ROWS: list[tuple[str, str]] = [
    ("Booking ID", "xhqgmdh"),
    ("Boat", "JADA - 50' Classic Sailing Yacht"),
    ("Renter", "Maya Thompson"),
    ("Date", "Sunday, May 30, 2027"),
    ("Time", "10:00 AM - 1:00 PM (3 hours)"),
    ("Passengers", "6"),
    ("Booking total", "$840.75"),
]
#: when that booking's charter starts and ends
START = datetime(2027, 5, 30, 10, 0, tzinfo=LA)
END = datetime(2027, 5, 30, 13, 0, tzinfo=LA)


def text_body(rows: Rows, heading: str = "Your boat is booked!", notes: str | None = None) -> str:
    lines = [heading, "", "Hi Dana,", ""]
    lines += [f"{label}: {value}" for label, value in rows]
    if notes:
        lines += ["", "Message from Maya:", f'"{notes}"']
    lines += ["", "Boatsetter, Inc."]
    return "\n".join(lines) + "\n"


def html_table(rows: Rows, heading: str = "Your boat is booked!", notes: str | None = None) -> str:
    cells = "".join(
        f'<tr><td style="color:#6b7280">{escape(label)}</td><td><b>{escape(value)}</b></td></tr>'
        for label, value in rows
    )
    extra = f"<h2>Message from Maya</h2><p>&ldquo;{escape(notes)}&rdquo;</p>" if notes else ""
    return (
        "<html><body><div style='display:none'>Preview text: Booking ID zzzzzzz</div>"
        f"<table><tr><td><h1>{escape(heading)}</h1><p>Hi Dana,</p></td></tr>"
        f"<tr><td><table>{cells}</table></td></tr><tr><td>{extra}</td></tr></table>"
        "<p><a href='https://click.boatsetter.com/ls/click?upn=dW5zdWI'>Settings</a></p>"
        "</body></html>"
    )


def html_paragraphs(rows: Rows, heading: str = "Your boat is booked!") -> str:
    paragraphs = "".join(f"<p><strong>{escape(k)}:</strong> {escape(v)}</p>" for k, v in rows)
    return f"<html><body><h1>{escape(heading)}</h1>{paragraphs}</body></html>"


def part(body: str, subtype: str, charset: str = "utf-8", cte: str = "base64") -> MIMEBase:
    """One text part, encoded exactly as asked (charset and transfer encoding)."""
    result = MIMENonMultipart("text", subtype, charset=charset)
    raw = body.encode(charset)
    if cte == "base64":
        payload = base64.encodebytes(raw).decode("ascii")
    elif cte == "quoted-printable":
        payload = quopri.encodestring(raw).decode("ascii")
    else:
        raise ValueError(cte)
    result.set_payload(payload)
    result["Content-Transfer-Encoding"] = cte
    return result


def message(
    *,
    sender: str = BOATSETTER,
    subject: str = "Booking confirmed: Maya T. on Sun, May 30",
    text: str | None = None,
    html: str | None = None,
    charset: str = "utf-8",
    cte: str = "base64",
    date: datetime | None = SENT,
    to: str = "dana@sailjada.com",
    headers: dict[str, str] | None = None,
) -> MIMEBase:
    """A platform's email: text, HTML or both (multipart/alternative)."""
    parts = [
        part(body, sub, charset, cte) for body, sub in ((text, "plain"), (html, "html")) if body
    ]
    if len(parts) == 1:
        msg: MIMEBase = parts[0]
    else:
        msg = MIMEMultipart("alternative")
        for each in parts:
            msg.attach(each)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    if date is not None:
        msg["Date"] = format_datetime(date)
    msg["Message-ID"] = "<test@mail.boatsetter.com>"
    for name, value in (headers or {}).items():
        msg[name] = value
    return msg


def confirmed(**overrides: object) -> MIMEBase:
    """The plain case: a confirmed Boatsetter booking with both alternatives."""
    rows = overrides.pop("rows", CONFIRMED_ROWS)
    notes = overrides.pop("notes", "No host/hostess, bare minimum crew requested")
    kwargs: dict[str, object] = {
        "text": text_body(rows, notes=notes),  # type: ignore[arg-type]
        "html": html_table(rows, notes=notes),  # type: ignore[arg-type]
    }
    kwargs.update(overrides)
    return message(**kwargs)  # type: ignore[arg-type]


# --- forwarding, as each mail client does it ------------------------------------------------

FORWARDER = "Dana Reyes <dana@sailjada.com>"
INBOX = "bookings@in.sailjada.com"
FORWARDED_AT = datetime(2027, 3, 2, 10, 1, tzinfo=LA)


def _outer(subject: str, text: str | None, html: str | None, date: datetime) -> MIMEBase:
    return message(sender=FORWARDER, subject=subject, text=text, html=html, date=date, to=INBOX)


def gmail_auto_forward(original: MIMEBase) -> MIMEBase:
    """A Gmail filter's forward: the original, unchanged, plus the headers Gmail adds."""
    original["X-Forwarded-To"] = INBOX
    original["X-Forwarded-For"] = f"dana@sailjada.com {INBOX}"
    original["Delivered-To"] = INBOX
    return original


def gmail_manual_forward(
    text: str,
    html: str,
    *,
    quoted_date: str = "Tue, Mar 2, 2027 at 9:14 AM",
    date: datetime = FORWARDED_AT,
    sender: str = "Boatsetter <no-reply@boatsetter.com>",
) -> MIMEBase:
    head = (
        "---------- Forwarded message ---------\n"
        f"From: {sender}\nDate: {quoted_date}\n"
        "Subject: Booking confirmed: Maya T. on Sun, May 30\nTo: <dana@sailjada.com>\n\n"
    )
    html_head = (
        '<div dir="ltr">FYI<br><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
        f"---------- Forwarded message ---------<br>From: {escape(sender)}<br>"
        f"Date: {quoted_date}<br>Subject: Booking confirmed: Maya T. on Sun, May 30<br>"
        "To: &lt;dana@sailjada.com&gt;<br></div><br><br>"
    )
    return _outer(
        "Fwd: Booking confirmed: Maya T. on Sun, May 30",
        "FYI\n\n" + head + text,
        html_head + html + "</div></div>",
        date,
    )


def outlook_forward(
    text: str | None,
    html: str | None,
    *,
    sent: str = "Tuesday, March 2, 2027 9:14 AM",
    sender: str = "Boatsetter <no-reply@boatsetter.com>",
) -> MIMEBase:
    """Outlook's "FW:": a rule, then From / Sent / To / Subject, in text and in HTML."""
    head = (
        "Please add this one.\n\n________________________________\n"
        f"From: {sender}\nSent: {sent}\n"
        "To: Dana Reyes <dana@sailjada.com>\nSubject: Booking confirmed: Maya T. on Sun, May 30\n\n"
    )
    html_head = (
        "<div>Please add this one.</div><hr style='display:inline-block;width:98%'>"
        "<div id='divRplyFwdMsg' dir='ltr'><font face='Calibri' style='font-size:11pt'>"
        f"<b>From:</b> {escape(sender)}<br>"
        f"<b>Sent:</b> {sent}<br><b>To:</b> Dana Reyes &lt;dana@sailjada.com&gt;<br>"
        "<b>Subject:</b> Booking confirmed: Maya T. on Sun, May 30</font><div>&nbsp;</div></div>"
    )
    return _outer(
        "FW: Booking confirmed: Maya T. on Sun, May 30",
        head + text if text else None,
        html_head + html if html else None,
        FORWARDED_AT,
    )


def apple_forward(
    text: str, html: str, *, quoted_date: str = "March 2, 2027 at 9:14:00 AM PST"
) -> MIMEBase:
    head = (
        "\n\nBegin forwarded message:\n\n"
        "From: Boatsetter <no-reply@boatsetter.com>\n"
        "Subject: Booking confirmed: Maya T. on Sun, May 30\n"
        f"Date: {quoted_date}\nTo: Dana Reyes <dana@sailjada.com>\n\n"
    )
    html_head = (
        "<html><body><div><br><blockquote type='cite'><div>Begin forwarded message:</div><br>"
        "<div style='margin:0'><span><b>From: </b></span><span>Boatsetter &lt;"
        "<a href='mailto:no-reply@boatsetter.com'>no-reply@boatsetter.com</a>&gt;</span></div>"
        "<div style='margin:0'><span><b>Subject: </b></span><span><b>Booking confirmed: Maya T. "
        f"on Sun, May 30</b></span></div><div style='margin:0'><span><b>Date: </b></span>"
        f"<span>{quoted_date}</span></div><div style='margin:0'><span><b>To: </b></span>"
        "<span>Dana Reyes &lt;dana@sailjada.com&gt;</span></div><br>"
    )
    return _outer(
        "Fwd: Booking confirmed: Maya T. on Sun, May 30",
        head + text,
        html_head + html + "</blockquote></div></body></html>",
        FORWARDED_AT,
    )


def attachment_forward(original: MIMEBase) -> MIMEBase:
    """Forward as attachment: a note from the forwarder and the original as message/rfc822."""
    outer = MIMEMultipart("mixed")
    outer.attach(part("See attached.\n", "plain"))
    attached = MIMEBase("message", "rfc822")
    attached.set_payload([original])
    attached["Content-Disposition"] = 'attachment; filename="booking.eml"'
    outer.attach(attached)
    outer["From"] = FORWARDER
    outer["To"] = INBOX
    outer["Subject"] = "FW: Booking confirmed: Maya T. on Sun, May 30"
    outer["Date"] = format_datetime(FORWARDED_AT)
    return outer


def body_of(msg: MIMEBase, subtype: str) -> str:
    """The decoded text of one alternative of ``msg``."""
    for each in msg.walk():
        if each.get_content_type() == f"text/{subtype}":
            payload = each.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(each.get_content_charset() or "utf-8")
    raise LookupError(subtype)


def only(msg: MIMEBase, subtype: str) -> MIMEBase:
    """``msg`` with just one of its alternatives, as clients that send HTML only do."""
    single = message(
        sender=str(msg["From"]),
        subject=str(msg["Subject"]),
        to=str(msg["To"]),
        date=None,
        **{"text" if subtype == "plain" else "html": body_of(msg, subtype)},  # type: ignore[arg-type]
    )
    single["Date"] = str(msg["Date"])
    return single


def nested_multipart(depth: int) -> bytes:
    """A Boatsetter-looking email whose body is ``depth`` multiparts, one inside the other."""
    body = b"Content-Type: text/plain\r\n\r\nYour booking is confirmed.\r\n"
    for level in range(depth):
        boundary = f"b{level}".encode()
        body = (
            b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n--' + boundary
            + b"\r\n" + body + b"\r\n--" + boundary + b"--\r\n"
        )  # fmt: skip
    head = (
        b"From: Boatsetter <no-reply@boatsetter.com>\r\nTo: bookings@in.example.com\r\n"
        b"Subject: Booking confirmed\r\nDate: Tue, 02 Mar 2027 09:14:00 -0800\r\n"
        b"MIME-Version: 1.0\r\n"
    )
    return head + body
