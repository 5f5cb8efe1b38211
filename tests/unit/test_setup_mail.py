"""Gmail's forwarding confirmation, recognised and read in any language (issue 10, point 6)."""

from email.message import Message
from email.mime.text import MIMEText
from email.parser import BytesHeaderParser
from email.policy import compat32

from tests.support.gmail import CODE, ENGLISH, GERMAN, LINK, OWNER, confirmation_mail
from trust import setup_mail
from trust.authresults import parse

GOOGLE = parse(
    "amazonses.com; spf=pass; dkim=pass header.i=@google.com; dmarc=pass header.from=google.com"
)
FORGER = parse(
    "amazonses.com; spf=pass; dkim=pass header.i=@evil.example; dmarc=none header.from=google.com"
)


def headers(raw: bytes) -> Message:
    return BytesHeaderParser(policy=compat32).parsebytes(raw)


def test_english_and_localized_confirmations_read_the_same():
    for language in (ENGLISH, GERMAN):
        raw = confirmation_mail(language)
        assert setup_mail.authenticated(headers(raw), GOOGLE)
        assert setup_mail.read(raw) == setup_mail.Confirmation("Gmail", OWNER, CODE, LINK)


def test_the_confirm_link_is_taken_never_the_cancel_link():
    confirmation = setup_mail.read(confirmation_mail())
    assert confirmation is not None
    assert "/mail/vf-" in confirmation.link


def test_an_html_only_confirmation_is_read_from_its_link():
    html = MIMEText(f'<p>Code {CODE}</p><a href="{LINK}&amp;x=1">confirm</a>', "html")
    html["From"] = setup_mail.SENDER
    html["To"] = "bookings@in.sailjada.com"
    html["Subject"] = f"(#{CODE}) Gmail Forwarding Confirmation - Receive Mail from {OWNER}"
    confirmation = setup_mail.read(html.as_bytes())
    assert confirmation is not None
    assert confirmation.link == LINK + "&x=1"


def test_a_confirmation_without_a_link_is_not_one_we_can_use():
    raw = confirmation_mail(("(#{hash}1) Gmail", "no link here"))
    assert setup_mail.read(raw) is None


def test_only_googles_own_sender_proven_by_ses_authenticates():
    raw = confirmation_mail()
    assert setup_mail.authenticated(headers(raw), GOOGLE)
    assert not setup_mail.authenticated(headers(raw), FORGER)
    assert not setup_mail.authenticated(headers(raw), None)
    look_alike = confirmation_mail(sender="forwarding-noreply@google.com.evil.example")
    assert not setup_mail.authenticated(headers(look_alike), GOOGLE)


def test_a_subject_shaped_like_one_does_not_make_a_confirmation():
    """Issue 18, point 8: only Google's own sender, proven, is one (never a subject)."""
    raw = (
        b"From: <no-reply@boatsetter.com>\r\n"
        b"Subject: Booking confirmed (#1234567) Gmail Forwarding Confirmation\r\n\r\nx"
    )
    boatsetter = parse(
        "amazonses.com; spf=pass; dkim=pass header.i=@boatsetter.com; "
        "dmarc=pass header.from=boatsetter.com"
    )
    assert not setup_mail.authenticated(headers(raw), boatsetter)
