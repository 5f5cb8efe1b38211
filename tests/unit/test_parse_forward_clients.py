"""Forwards from every common mail client, in the languages each ships, read as the original.

The same confirmed booking wrapped by each client of ``tests.support.forwardkit`` (11 shapes: Gmail,
Outlook desktop/web, Outlook "Original Message", Outlook mobile's one-line block, Apple Mail,
Thunderbird, Yahoo, reply-style "On ... wrote:", Proton/Fastmail, Samsung, as attachment) in
22 languages: fields, the original's moment (its quoted date, read in that language) and the hop.
"""

from dataclasses import replace
from datetime import datetime

import pytest

from bookings import default_fleet
from parsers import parse_email, read_envelope
from tests.support.emailkit import (
    CONFIRMED_ROWS,
    FORWARDED_AT,
    FORWARDER,
    INBOX,
    LA,
    html_table,
    message,
    text_body,
)
from tests.support.forwardkit import (
    CLIENTS,
    LANGUAGES,
    SUBJECT,
    Language,
    dated,
    datetime_of_written,
    forward,
)

FLEET = default_fleet()
TEXT = text_body(CONFIRMED_ROWS, notes="Please bring ice")
HTML = html_table(CONFIRMED_ROWS, notes="Please bring ice")


@pytest.mark.parametrize("lang", LANGUAGES, ids=[lang.code for lang in LANGUAGES])
@pytest.mark.parametrize("client", list(CLIENTS))
def test_forward_reads_as_the_original(client, lang):
    raw = CLIENTS[client](lang, TEXT, HTML).as_bytes()
    event = parse_email(raw, FLEET)
    assert (event.source, event.kind, event.booking_id) == ("boatsetter", "confirmed", "xhqgmdh")
    assert (event.renter_name, event.party_size, str(event.gross)) == ("Maya Thompson", 6, "840.75")
    assert event.start == datetime(2027, 5, 30, 10, tzinfo=LA)
    assert event.as_of == datetime_of_written()
    envelope = read_envelope(raw, LA)
    assert envelope.original_sender == "no-reply@boatsetter.com"
    assert [hop.address for hop in envelope.hops] == ["dana@sailjada.com"]


#: Outlook 2019's reply-style intros, as its locales write them (email-forward-parser's table)
OUTLOOK_2019_INTROS = {
    "cs": "Dne 2. 3. 2027 9:14, Boatsetter <no-reply@boatsetter.com> napsal(a):",
    "da": 'D. 2. mar. 2027 kl. 09.14 skrev "Boatsetter" <no-reply@boatsetter.com>:',
    "de": 'Am 02.03.2027 um 09:14 schrieb "Boatsetter" <no-reply@boatsetter.com>:',
    "en": 'On 3/2/2027 9:14 AM, "Boatsetter" <no-reply@boatsetter.com> wrote:',
    "es": 'El 02/03/2027 9:14, "Boatsetter" <no-reply@boatsetter.com> escribió:',
    "fr": "Le 02/03/2027 à 09:14, « Boatsetter » <no-reply@boatsetter.com> a écrit :",
    "fi": "Boatsetter <no-reply@boatsetter.com> kirjoitti 2.3.2027 kello 9.14:",
    "hu": "2027. 03. 02. 9:14 időpontban Boatsetter (no-reply@boatsetter.com) ezt írta:",
    "it": 'Il giorno 02/03/2027 09:14, "Boatsetter" <no-reply@boatsetter.com> ha scritto:',
    "nl": "Op 02-03-2027 09:14 heeft Boatsetter <no-reply@boatsetter.com> geschreven:",
    "no": "Boatsetter <no-reply@boatsetter.com> skrev følgende den 02.03.2027 09:14:",
    "pl": "Dnia 2.03.2027 o godz. 09:14 „Boatsetter” <no-reply@boatsetter.com> napisał:",
    "pt": 'Em 02/03/2027 09:14, "Boatsetter" <no-reply@boatsetter.com> escreveu:',
    "ru": '02.03.2027 9:14 пользователь "Boatsetter" <no-reply@boatsetter.com> написал:',
    "sk": "2. 3. 2027 o 9:14 používateľ Boatsetter (<no-reply@boatsetter.com>) napísal:",
    "sv": 'Den 2027-03-02 09:14 skrev "Boatsetter" <no-reply@boatsetter.com> följande:',
    "tr": '"Boatsetter" <no-reply@boatsetter.com>, 2.03.2027 09:14 tarihinde şunu yazdı:',
}


@pytest.mark.parametrize("code", list(OUTLOOK_2019_INTROS))
def test_outlook_2019_intros_in_every_locale(code):
    quoted = "".join(f"> {line}\n" for line in TEXT.splitlines())
    raw = message(
        sender=FORWARDER,
        subject=f"FW: {SUBJECT}",
        text=f"See below.\n\n{OUTLOOK_2019_INTROS[code]}\n{quoted}",
        date=FORWARDED_AT,
        to=INBOX,
    ).as_bytes()
    event = parse_email(raw, FLEET)
    assert (event.kind, event.booking_id) == ("confirmed", "xhqgmdh")
    assert event.as_of == datetime_of_written()


# --- issue 17: the date shapes that failed loudly ------------------------------------------------

#: Outlook 2019's intros as its locales really write them (numeric, slashes, a comma or a word
#: between the date and the sender), for 2 March 2027 09:14
OUTLOOK_NUMERIC_INTROS = {
    "cs": "Dne 02/03/2027 9:14, Boatsetter <no-reply@boatsetter.com> napsal(a):",
    "da": 'D. 02/03/2027 09.14 skrev "Boatsetter" <no-reply@boatsetter.com>:',
    "de": 'Am 02/03/2027, 09:14 schrieb "Boatsetter" <no-reply@boatsetter.com>:',
    "es": 'El 02/03/2027 9:14, "Boatsetter" <no-reply@boatsetter.com> escribió:',
    "it": 'Il giorno 02/03/2027, 09:14 "Boatsetter" <no-reply@boatsetter.com> ha scritto:',
    "nl": "Op 02/03/2027 09:14 heeft Boatsetter <no-reply@boatsetter.com> geschreven:",
    "pl": "Dnia 02/03/2027, 09:14 użytkownik „Boatsetter” <no-reply@boatsetter.com> napisał:",
}


@pytest.mark.parametrize("code", list(OUTLOOK_NUMERIC_INTROS))
def test_outlook_numeric_dates_in_non_english_locales(code):
    quoted = "".join(f"    {line}\n" for line in TEXT.splitlines())
    raw = message(
        sender=FORWARDER,
        subject=f"FW: {SUBJECT}",
        text=f"See below.\n\n{OUTLOOK_NUMERIC_INTROS[code]}\n\n{quoted}",
        date=FORWARDED_AT,
        to=INBOX,
    ).as_bytes()
    assert parse_email(raw, FLEET).as_of == datetime_of_written()


#: Outlook's header block with the locale's numeric date ("Sent: 2. 3. 2027 9:14"), and
#: the reply-style intro with the same date
OUTLOOK_NUMERIC_SENT = {
    "cs": ["2. 3. 2027 9:14", "út 2. 3. 2027 9:14"],
    "da": ["02-03-2027 09:14", "2. 3. 2027 09.14", "02.03.2027 09.14"],
    "de": ["02.03.2027 09:14", "Di 02.03.2027 09:14"],
    "es": ["02/03/2027 9:14", "2/3/2027 9:14 a. m."],
    "it": ["02/03/2027 09:14", "2/3/2027, 09:14"],
    "nl": ["2-3-2027 09:14", "di 2-3-2027 09:14"],
    "pl": ["02.03.2027 09:14", "2027-03-02 09:14", "wt. 02.03.2027, 09:14"],
}


@pytest.mark.parametrize(
    ("code", "sent"),
    [(code, sent) for code, sents in OUTLOOK_NUMERIC_SENT.items() for sent in sents],
)
@pytest.mark.parametrize("client", ["outlook", "reply-style"])
def test_outlook_numeric_sent_rows_in_non_english_locales(client, code, sent):
    lang = replace(next(lang for lang in LANGUAGES if lang.code == code), numeric=sent, when=sent)
    raw = CLIENTS[client](lang, TEXT, HTML).as_bytes()
    assert parse_email(raw, FLEET).as_of == datetime_of_written()


#: Apple Mail's time words and seconds (da "kl.", fi "klo", hr "u"), Gmail pt's "à(s)"
TIME_WORDS = [
    ("apple", "da", "2. marts 2027 kl. 09.14.00 PST"),
    ("apple", "fi", "2. maaliskuuta 2027 klo 9.14.00 UTC-8"),
    ("apple", "hr", "2. ožujka 2027. u 09:14:00 PST"),
    ("gmail", "pt", "terça, 02/03/2027 à(s) 09:14"),
]


@pytest.mark.parametrize(("client", "code", "when"), TIME_WORDS)
def test_time_words_of_apple_mail_and_gmail(client, code, when):
    base = next((lang for lang in LANGUAGES if lang.code == code), None) or _croatian()
    raw = CLIENTS[client](replace(base, when=when), TEXT, HTML).as_bytes()
    assert parse_email(raw, FLEET).as_of == datetime_of_written()


def _croatian() -> Language:
    """Apple Mail in Croatian (not in forwardkit's table)."""
    return Language("hr", "Proslijeđena poruka", "Izvorna poruka", "Započni proslijeđenu poruku:",
                    "Šalje", "Datum", "Poslano", "Prima", "Predmet", "{date}, {sender} je napisao:",
                    "", "")  # fmt: skip


def test_date_templates_write_each_languages_dates_as_the_table_does():
    for lang in LANGUAGES:
        assert dated(lang, datetime(2027, 3, 2, 9, 14)) == lang, lang.code


@pytest.mark.parametrize("lang", LANGUAGES, ids=[lang.code for lang in LANGUAGES])
def test_other_moments_read_right_in_every_client(lang):
    written = datetime(2027, 3, 23, 7, 5)
    forwarded_at = datetime(2027, 3, 24, 8, 30, tzinfo=LA)
    for name, client in CLIENTS.items():
        raw = forward(client, lang, TEXT, HTML, written, forwarded_at).as_bytes()
        assert parse_email(raw, FLEET).as_of == written.replace(tzinfo=LA), name
