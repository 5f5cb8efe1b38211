"""Gmail's "Forwarding Confirmation" mail, shaped as Gmail sends it (English, and localized)."""

from email.header import Header
from email.mime.text import MIMEText

INBOX = "bookings@in.sailjada.com"
OWNER = "owner.jada@gmail.com"
CODE = "482913756"
LINK = (
    "https://mail-settings.google.com/mail/vf-%5BANGjdJ9xQm4vF2kq7LhC0aXr%5D-"
    "Rk3bYt9PzWq1mNs8vU2cE5hGjL0"
)
CANCEL = "https://mail-settings.google.com/mail/uf-%5BANGjdJ9xQm4vF2kq7LhC0aXr%5D-Zx7"

ENGLISH = (
    f"({{hash}}{CODE}) Gmail Forwarding Confirmation - Receive Mail from {OWNER}",
    f"""{OWNER} has requested to automatically forward mail to your email
address {INBOX}.
Confirmation code: {CODE}

To allow {OWNER} to automatically forward mail to your address,
please click the link below to confirm the request:

{LINK}

If you click the link and it appears to be broken, please copy and paste it
into a new browser window. If you aren't able to access the link, you can
send the confirmation code {CODE} to {OWNER}.

Thanks for using Gmail!

Sincerely,

The Gmail Team

If you do not approve of this request, no further action is required.
{OWNER} cannot automatically forward messages to your email address
unless you confirm the request by clicking the link above. If you
accidentally clicked the link, but you do not want to allow {OWNER}
to automatically forward messages to your address, click this link to
cancel this verification:
{CANCEL}
""",
)

GERMAN = (
    f"({{hash}}{CODE}) Gmail-Weiterleitungsbestätigung – E-Mails von {OWNER} empfangen",
    f"""{OWNER} hat angefordert, E-Mails automatisch an Ihre E-Mail-Adresse
{INBOX} weiterzuleiten.
Bestätigungscode: {CODE}

Klicken Sie auf den folgenden Link, um die Anfrage zu bestätigen und
{OWNER} zu erlauben, E-Mails automatisch an Ihre Adresse weiterzuleiten:

{LINK}

Vielen Dank, dass Sie Gmail verwenden!

Ihr Gmail-Team

Falls Sie diese Anfrage nicht genehmigen, müssen Sie nichts weiter tun.
Klicken Sie auf diesen Link, um diese Bestätigung abzubrechen:
{CANCEL}
""",
)


def confirmation_mail(
    language: tuple[str, str] = ENGLISH, *, sender: str = "forwarding-noreply@google.com"
) -> bytes:
    """The confirmation as it reaches the inbox (text, quoted-printable UTF-8, encoded subject)."""
    subject, body = language
    message = MIMEText(body, "plain", "utf-8")
    message["From"] = f"Gmail Team <{sender}>"
    message["To"] = INBOX
    message["Subject"] = Header(subject.format(hash="#"), "utf-8").encode()
    message["Date"] = "Sun, 29 Nov 2026 14:02:11 -0800"
    message["Message-ID"] = "<0000000000004a1b2c05f9@google.com>"
    return message.as_bytes()
