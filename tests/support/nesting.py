"""Forwards of forwards in every nesting shape: a generator for the hop chain's tests.

``inline`` quotes a message's headers above its own text, as Gmail's "Forward" does, and carries
its attachments along (Gmail, Outlook and Apple Mail all attach the forwarded message's
attachments to the forward); ``attach`` forwards it whole as message/rfc822. ``chain`` wraps the
platform's email in any sequence of the two, from the inbox side inwards.
"""

from collections.abc import Sequence
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.utils import format_datetime

from tests.support.emailkit import FORWARDED_AT, INBOX, body_of, confirmed, part

OWNER = "Dana Reyes <dana@sailjada.com>"
OPS = "Ops Desk <ops@sailjada.com>"
OUTSIDER = "Pat Outside <pat.outside@gmail.com>"
ALLOWLIST = ["dana@sailjada.com", "ops@sailjada.com"]


def inline(inner: Message, sender: str) -> MIMEBase:
    """Gmail's inline forward of ``inner`` by ``sender``: its header block quoted above its own
    text, and its attached messages carried along as attachments of the forward."""
    quoted = (
        "FYI\n\n---------- Forwarded message ---------\n"
        f"From: {inner['From']}\nDate: {inner['Date']}\nSubject: {inner['Subject']}\n"
        f"To: {inner['To']}\n\n{body_of(inner, 'plain')}"  # type: ignore[arg-type]
    )
    carried = _attached(inner)
    outer: MIMEBase = part(quoted, "plain")
    if carried:
        outer = MIMEMultipart("mixed")
        outer.attach(part(quoted, "plain"))
        for each in carried:
            outer.attach(_rfc822(each))
    return _headed(outer, sender, f"Fwd: {inner['Subject']}")


def attach(inner: Message, sender: str) -> MIMEBase:
    """A forward as attachment of ``inner`` by ``sender``: a note, and ``inner`` whole."""
    outer = MIMEMultipart("mixed")
    outer.attach(part("See attached.\n", "plain"))
    outer.attach(_rfc822(inner))
    return _headed(outer, sender, f"FW: {inner['Subject']}")


WRAP = {"inline": inline, "attachment": attach}


def chain(steps: Sequence[tuple[str, str]]) -> bytes:
    """The platform's confirmation forwarded through ``steps`` ((sender, style), from the inbox
    side inwards): the last step forwarded the platform's own email."""
    msg: Message = confirmed()
    for sender, style in reversed(steps):
        msg = WRAP[style](msg, sender)
    return msg.as_bytes()


def _attached(msg: Message) -> list[Message]:
    """The messages attached to ``msg`` itself (not those inside them)."""
    found: list[Message] = []
    parts = msg.get_payload() if msg.is_multipart() else []
    for each in parts if isinstance(parts, list) else []:
        if isinstance(each, Message) and each.get_content_type() == "message/rfc822":
            payload = each.get_payload()
            found.extend(inner for inner in payload if isinstance(inner, Message))
    return found


def _rfc822(inner: Message) -> MIMEBase:
    wrapper = MIMEBase("message", "rfc822")
    wrapper.set_payload([inner])
    wrapper["Content-Disposition"] = 'attachment; filename="forwarded.eml"'
    return wrapper


def _headed(outer: MIMEBase, sender: str, subject: str) -> MIMEBase:
    outer["From"] = sender
    outer["To"] = INBOX
    outer["Subject"] = subject
    outer["Date"] = format_datetime(FORWARDED_AT)
    return outer
