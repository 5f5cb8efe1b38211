"""Forwards as mail clients write them, in the languages they ship: a generator for tests.

Each client is a function that wraps the platform's text and HTML bodies the way that client
does (its separator, its header labels and order, its date format, text and/or HTML), in one of
``LANGUAGES``. The words are the clients' own (Gmail, Outlook, Apple Mail, Thunderbird, Yahoo in
each locale); the date of the original is always 2 March 2027 09:14 in the forwarder's zone.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.utils import format_datetime
from html import escape

from tests.support.emailkit import FORWARDED_AT, FORWARDER, INBOX, message, part

PLATFORM = "Boatsetter <no-reply@boatsetter.com>"
OWNER = "Dana Reyes <dana@sailjada.com>"
SUBJECT = "Booking confirmed: Maya T. on Sun, May 30"
#: the original's moment: every language's date below names it, in the forwarder's zone
WRITTEN = datetime(2027, 3, 2, 9, 14)


@dataclass(frozen=True)
class Language:
    code: str
    forwarded: str  # Gmail / Thunderbird / Yahoo separator
    original: str  # Outlook's "Original Message"
    begin: str  # Apple Mail's "Begin forwarded message:"
    from_: str
    date: str
    sent: str
    to: str
    subject: str
    wrote: str  # "On {date}, {sender} wrote:" with {date} and {sender}
    when: str  # 2 March 2027 09:14 as that language's clients write it
    numeric: str  # the same, written with numbers only, as Outlook does


LANGUAGES: list[Language] = [
    Language("en", "Forwarded message", "Original Message", "Begin forwarded message:", "From",
             "Date", "Sent", "To", "Subject", "On {date}, {sender} wrote:",
             "Tue, Mar 2, 2027 at 9:14 AM", "3/2/2027 9:14 AM"),
    Language("fr", "Message transféré", "Message d'origine", "Début du message réexpédié :", "De",
             "Date", "Envoyé", "À", "Objet", "Le {date}, {sender} a écrit :",
             "mar. 2 mars 2027 à 09:14", "02/03/2027 09:14"),
    Language("de", "Weitergeleitete Nachricht", "Ursprüngliche Nachricht",
             "Anfang der weitergeleiteten Nachricht:", "Von", "Datum", "Gesendet", "An", "Betreff",
             "Am {date} schrieb {sender}:", "Di., 2. März 2027 um 09:14", "02.03.2027 09:14"),
    Language("es", "Mensaje reenviado", "Mensaje original", "Inicio del mensaje reenviado:", "De",
             "Fecha", "Enviado", "Para", "Asunto", "El {date}, {sender} escribió:",
             "martes, 2 de marzo de 2027 9:14", "02/03/2027 9:14"),
    Language("it", "Messaggio inoltrato", "Messaggio originale", "Inizio messaggio inoltrato:",
             "Da", "Data", "Inviato", "A", "Oggetto", "Il giorno {date} {sender} ha scritto:",
             "mar 2 mar 2027 alle ore 09:14", "02/03/2027 09:14"),
    Language("pt", "Mensagem encaminhada", "Mensagem original",
             "Início da mensagem encaminhada:", "De", "Data", "Enviado", "Para", "Assunto",
             "Em {date}, {sender} escreveu:", "terça-feira, 2 de março de 2027 09:14",
             "02/03/2027 09:14"),
    Language("nl", "Doorgestuurd bericht", "Oorspronkelijk bericht", "Begin doorgestuurd bericht:",
             "Van", "Datum", "Verzonden", "Aan", "Onderwerp", "Op {date} schreef {sender}:",
             "di 2 mrt 2027 om 09:14", "2-3-2027 09:14"),
    Language("sv", "Vidarebefordrat meddelande", "Ursprungligt meddelande",
             "Vidarebefordrat mejl:", "Från", "Datum", "Skickat", "Till", "Ämne",
             "Den {date} skrev {sender}:", "tis 2 mars 2027 kl. 09:14", "2027-03-02 09:14"),
    Language("da", "Videresendt meddelelse", "Oprindelig meddelelse",
             "Start på videresendt besked:", "Fra", "Dato", "Sendt", "Til", "Emne",
             "Den {date} skrev {sender}:", "2. marts 2027 09.14", "02-03-2027 09:14"),
    Language("no", "Videresendt melding", "Opprinnelig melding", "Videresendt melding:", "Fra",
             "Dato", "Sendt", "Til", "Emne", "{date} skrev {sender}:", "2. mars 2027 kl. 09:14",
             "02.03.2027 09:14"),
    Language("fi", "Välitetty viesti", "Alkuperäinen viesti", "Välitetty viesti alkaa:",
             "Lähettäjä", "Päivämäärä", "Lähetetty", "Vastaanottaja", "Aihe",
             "{sender} kirjoitti {date}:", "2. maaliskuuta 2027 klo 9.14", "2.3.2027 9.14"),
    Language("pl", "Przekazana wiadomość", "Oryginalna wiadomość",
             "Początek przekazywanej wiadomości:", "Od", "Data", "Wysłano", "Do", "Temat",
             "W dniu {date} {sender} napisał:", "wt., 2 mar 2027 o 09:14", "02.03.2027 09:14"),
    Language("cs", "Přeposlaná zpráva", "Původní zpráva", "Začátek přeposílané zprávy:", "Od",
             "Datum", "Odesláno", "Komu", "Předmět", "Dne {date} {sender} napsal(a):",
             "út 2. 3. 2027 v 9:14", "02.03.2027 9:14"),
    Language("ru", "Пересылаемое сообщение", "Исходное сообщение",
             "Начало переадресованного сообщения:", "От", "Дата", "Отправлено", "Кому", "Тема",
             "{date}, {sender} пишет:", "вт, 2 мар. 2027 г. в 09:14", "02.03.2027 9:14"),
    Language("uk", "Переслане повідомлення", "Оригінальне повідомлення",
             "Початок листа, що пересилається:", "Від", "Дата", "Відправлено", "Кому", "Тема",
             "{date} {sender} пише:", "2 березня 2027 09:14", "02.03.2027 9:14"),
    Language("tr", "İletilmiş Mesaj", "Orijinal Mesaj", "İleti başlangıcı:", "Kimden", "Tarih",
             "Gönderilen", "Kime", "Konu", "{sender}, {date} tarihinde şunu yazdı:",
             "2 Mart 2027 Salı 09:14", "2.03.2027 09:14"),
    Language("ja", "転送されたメッセージ", "元のメッセージ", "転送されたメッセージ:", "差出人",
             "日付", "送信日時", "宛先", "件名", "{date} {sender}:", "2027年3月2日(火) 9:14",
             "2027/03/02 9:14"),
    Language("zh", "转发的邮件", "原始邮件", "转发的邮件:", "发件人", "日期", "发送时间",
             "收件人", "主题", "{sender} 于{date}写道：", "2027年3月2日周二 上午9:14",
             "2027/3/2 9:14"),
    Language("ko", "전달된 메시지", "원본 메시지", "전달된 메시지:", "보낸 사람", "날짜",
             "보낸 날짜", "받는 사람", "제목", "{date}, {sender}님이 작성:",
             "2027년 3월 2일 (화) 오전 9:14", "2027-03-02 오전 9:14"),
    Language("hu", "Továbbított üzenet", "Eredeti üzenet", "Továbbított levél kezdete:", "Feladó",
             "Dátum", "Elküldve", "Címzett", "Tárgy", "{date} időpontban {sender} ezt írta:",
             "2027. márc. 2., K, 9:14", "2027. 03. 02. 9:14"),
    Language("ro", "Mesaj redirecționat", "Mesaj original", "Începe mesajul redirecționat:",
             "De la", "Dată", "Trimis", "Către", "Subiect", "{sender} a scris pe {date}:",
             "2 martie 2027 09:14", "02.03.2027 09:14"),
    Language("el", "Προωθημένο μήνυμα", "Αρχικό μήνυμα", "Προωθημένο μήνυμα:", "Από",
             "Ημερομηνία", "Στάλθηκε", "Προς", "Θέμα", "Στις {date}, ο χρήστης {sender} έγραψε:",
             "Τρίτη, 2 Μαρτίου 2027 9:14 π.μ.", "2/3/2027 9:14 π.μ."),
]  # fmt: skip


def _outer(
    subject: str, text: str | None, html: str | None, *, sender: str = FORWARDER
) -> MIMEBase:
    return message(
        sender=sender, subject=subject, text=text, html=html, date=FORWARDED_AT, to=INBOX
    )


def _block(lang: Language, rows: list[tuple[str, str]]) -> tuple[str, str]:
    text = "".join(f"{label}: {value}\n" for label, value in rows)
    html = "".join(f"<b>{escape(label)}:</b> {escape(value)}<br>" for label, value in rows)
    return text, html


Client = Callable[[Language, str, str], MIMEBase]


def gmail(lang: Language, text: str, html: str) -> MIMEBase:
    rows = [(lang.from_, PLATFORM), (lang.date, lang.when), (lang.subject, SUBJECT),
            (lang.to, f"<{OWNER.split('<')[1]}")]  # fmt: skip
    head, html_head = _block(lang, rows)
    sep = f"---------- {lang.forwarded} ---------"
    return _outer(
        f"Fwd: {SUBJECT}",
        f"FYI\n\n{sep}\n{head}\n\n{text}",
        f'<div dir="ltr">FYI<br><div class="gmail_quote">{sep}<br>{html_head}<br>{html}</div>',
    )


def outlook(lang: Language, text: str, html: str) -> MIMEBase:
    """Outlook desktop and web: a rule, then From / Sent / To / Subject, numeric date."""
    sender = "Boatsetter <no-reply@boatsetter.com<mailto:no-reply@boatsetter.com>>"
    rows = [(lang.from_, sender), (lang.sent, lang.numeric), (lang.to, OWNER),
            (lang.subject, SUBJECT)]  # fmt: skip
    head, html_head = _block(lang, rows)
    return _outer(
        f"FW: {SUBJECT}",
        f"Please add.\n\n________________________________\n{head}\n{text}",
        f"<div>Please add.</div><hr><div id='divRplyFwdMsg'>{html_head}</div>{html}",
    )


def outlook_original_message(lang: Language, text: str, html: str) -> MIMEBase:
    """Older Outlook and IONOS: "-----Original Message-----", Outlook's long date."""
    rows = [(lang.from_, "Boatsetter [mailto:no-reply@boatsetter.com]"), (lang.sent, lang.when),
            (lang.to, OWNER), (lang.subject, SUBJECT)]  # fmt: skip
    head, _ = _block(lang, rows)
    return _outer(f"FW: {SUBJECT}", f"-----{lang.original}-----\n{head}\n{text}", None)


def outlook_mobile(lang: Language, text: str, html: str) -> MIMEBase:
    """Outlook for iOS and Android in plain text: the header block written on one line."""
    line = (
        f"{lang.from_}: {PLATFORM} {lang.sent}: {lang.when} {lang.to}: {OWNER} "
        f"{lang.subject}: {SUBJECT}"
    )
    return _outer(f"Fwd: {SUBJECT}", f"Sent from Outlook\n\n{line}\n\n{text}", None)


def apple(lang: Language, text: str, html: str) -> MIMEBase:
    rows = [(lang.from_, PLATFORM), (lang.subject, SUBJECT), (lang.date, lang.when),
            (lang.to, OWNER)]  # fmt: skip
    head, html_head = _block(lang, rows)
    return _outer(
        f"Fwd: {SUBJECT}",
        f"\n\n{lang.begin}\n\n{head}\n{text}",
        f"<div><br><blockquote type='cite'><div>{lang.begin}</div><br>{html_head}<br>{html}"
        "</blockquote></div>",
    )


def thunderbird(lang: Language, text: str, html: str) -> MIMEBase:
    rows = [(lang.subject, SUBJECT), (lang.date, lang.when), (lang.from_, PLATFORM),
            (lang.to, OWNER)]  # fmt: skip
    head = "".join(f"{label}: \t{value}\n" for label, value in rows)
    table = "".join(
        f"<tr><th>{escape(label)}: </th><td>{escape(value)}</td></tr>" for label, value in rows
    )
    sep = f"-------- {lang.forwarded} --------"
    return _outer(
        f"Fwd: {SUBJECT}",
        f"\n\n{sep}\n{head}\n\n{text}",
        f"<p><br></p><div class='moz-forward-container'>{sep}<table>{table}</table><br>"
        f"{html}</div>",
    )


def yahoo(lang: Language, text: str, html: str) -> MIMEBase:
    """Yahoo Mail: HTML only, its own separator and header order."""
    rows = [(lang.from_, PLATFORM), (lang.to, OWNER), (lang.sent, lang.when),
            (lang.subject, SUBJECT)]  # fmt: skip
    _, html_head = _block(lang, rows)
    return _outer(
        f"Fwd: {SUBJECT}",
        None,
        f"<div class='yahoo-style-wrap'><div>----- {escape(lang.forwarded)} -----</div>"
        f"<div>{html_head}</div>{html}</div>",
    )


def reply_style(lang: Language, text: str, html: str) -> MIMEBase:
    """Gmail on phones, Spark, Missive and others: "On <date>, <sender> wrote:" and a quote."""
    intro = lang.wrote.format(date=lang.when, sender=PLATFORM)
    quoted = "".join(f"> {line}\n" for line in text.splitlines())
    return _outer(f"Fwd: {SUBJECT}", f"FYI\n\n{intro}\n\n{quoted}", None)


def proton(lang: Language, text: str, html: str) -> MIMEBase:
    """Proton and Fastmail: the separator with a few dashes, Date before Subject."""
    rows = [(lang.from_, PLATFORM), (lang.date, lang.when), (lang.subject, SUBJECT),
            (lang.to, OWNER)]  # fmt: skip
    head, html_head = _block(lang, rows)
    sep = f"------- {lang.forwarded} -------"
    return _outer(
        f"Fwd: {SUBJECT}",
        f"{sep}\n{head}\n{text}",
        f"<div class='protonmail_quote'>{sep}<br>{html_head}<br>{html}</div>",
    )


def samsung(lang: Language, text: str, html: str) -> MIMEBase:
    """Samsung Email and other Android clients: "-------- Original message --------"."""
    rows = [(lang.from_, PLATFORM), (lang.date, lang.numeric), (lang.to, OWNER),
            (lang.subject, SUBJECT)]  # fmt: skip
    head, _ = _block(lang, rows)
    sep = f"-------- {lang.original} --------"
    return _outer(f"Fwd: {SUBJECT}", f"\n\n{sep}\n{head}\n{text}", None)


def attached(lang: Language, text: str, html: str) -> MIMEBase:
    """Forward as attachment (Outlook, Thunderbird, Zoho): the original whole, headers intact."""
    original = message(text=text, html=html, date=datetime_of_written())
    outer = MIMEMultipart("mixed")
    outer.attach(part(f"{lang.begin}\n", "plain"))
    wrapper = MIMEBase("message", "rfc822")
    wrapper.set_payload([original])
    outer.attach(wrapper)
    outer["From"] = FORWARDER
    outer["To"] = INBOX
    outer["Subject"] = f"Fwd: {SUBJECT}"
    outer["Date"] = format_datetime(FORWARDED_AT)
    return outer


def datetime_of_written() -> datetime:
    return WRITTEN.replace(tzinfo=FORWARDED_AT.tzinfo)


CLIENTS: dict[str, Client] = {
    "gmail": gmail,
    "outlook": outlook,
    "outlook-original-message": outlook_original_message,
    "outlook-mobile": outlook_mobile,
    "apple": apple,
    "thunderbird": thunderbird,
    "yahoo": yahoo,
    "reply-style": reply_style,
    "proton": proton,
    "samsung": samsung,
    "attached": attached,
}


#: each language's two dates (``when``, ``numeric``) as templates, to write other moments of
#: March 2027 the same way: {d}/{dd} the day (a Tuesday: 2, 9, 16, 23 or 30, so the weekday
#: names stay true), {H}/{HH} a morning hour (1-11: the 12-hour clocks say AM), {MM} the minute
DATE_TEMPLATES: dict[str, tuple[str, str]] = {
    "en": ("Tue, Mar {d}, 2027 at {H}:{MM} AM", "3/{d}/2027 {H}:{MM} AM"),
    "fr": ("mar. {d} mars 2027 à {HH}:{MM}", "{dd}/03/2027 {HH}:{MM}"),
    "de": ("Di., {d}. März 2027 um {HH}:{MM}", "{dd}.03.2027 {HH}:{MM}"),
    "es": ("martes, {d} de marzo de 2027 {H}:{MM}", "{dd}/03/2027 {H}:{MM}"),
    "it": ("mar {d} mar 2027 alle ore {HH}:{MM}", "{dd}/03/2027 {HH}:{MM}"),
    "pt": ("terça-feira, {d} de março de 2027 {HH}:{MM}", "{dd}/03/2027 {HH}:{MM}"),
    "nl": ("di {d} mrt 2027 om {HH}:{MM}", "{d}-3-2027 {HH}:{MM}"),
    "sv": ("tis {d} mars 2027 kl. {HH}:{MM}", "2027-03-{dd} {HH}:{MM}"),
    "da": ("{d}. marts 2027 {HH}.{MM}", "{dd}-03-2027 {HH}:{MM}"),
    "no": ("{d}. mars 2027 kl. {HH}:{MM}", "{dd}.03.2027 {HH}:{MM}"),
    "fi": ("{d}. maaliskuuta 2027 klo {H}.{MM}", "{d}.3.2027 {H}.{MM}"),
    "pl": ("wt., {d} mar 2027 o {HH}:{MM}", "{dd}.03.2027 {HH}:{MM}"),
    "cs": ("út {d}. 3. 2027 v {H}:{MM}", "{dd}.03.2027 {H}:{MM}"),
    "ru": ("вт, {d} мар. 2027 г. в {HH}:{MM}", "{dd}.03.2027 {H}:{MM}"),
    "uk": ("{d} березня 2027 {HH}:{MM}", "{dd}.03.2027 {H}:{MM}"),
    "tr": ("{d} Mart 2027 Salı {HH}:{MM}", "{d}.03.2027 {HH}:{MM}"),
    "ja": ("2027年3月{d}日(火) {H}:{MM}", "2027/03/{dd} {H}:{MM}"),
    "zh": ("2027年3月{d}日周二 上午{H}:{MM}", "2027/3/{d} {H}:{MM}"),
    "ko": ("2027년 3월 {d}일 (화) 오전 {H}:{MM}", "2027-03-{dd} 오전 {H}:{MM}"),
    "hu": ("2027. márc. {d}., K, {H}:{MM}", "2027. 03. {dd}. {H}:{MM}"),
    "ro": ("{d} martie 2027 {HH}:{MM}", "{dd}.03.2027 {HH}:{MM}"),
    "el": ("Τρίτη, {d} Μαρτίου 2027 {H}:{MM} π.μ.", "{d}/3/2027 {H}:{MM} π.μ."),
}


def dated(lang: Language, written: datetime) -> Language:
    """``lang`` writing ``written`` (a Tuesday morning of March 2027) instead of ``WRITTEN``."""
    if (written.year, written.month, written.weekday()) != (
        2027,
        3,
        1,
    ) or not 1 <= written.hour <= 11:
        raise ValueError(f"{written} is not a Tuesday morning of March 2027")
    parts = {
        "d": str(written.day),
        "dd": f"{written.day:02d}",
        "H": str(written.hour),
        "HH": f"{written.hour:02d}",
        "MM": f"{written.minute:02d}",
    }
    when, numeric = DATE_TEMPLATES[lang.code]
    return replace(lang, when=when.format(**parts), numeric=numeric.format(**parts))


def forward(
    client: Client, lang: Language, text: str, html: str, written: datetime, forwarded_at: datetime
) -> MIMEBase:
    """``client``'s forward in ``lang`` of an original written at ``written`` (naive: the
    forwarder's wall clock), sent at ``forwarded_at``."""
    msg = client(dated(lang, written), text, html)
    msg.replace_header("Date", format_datetime(forwarded_at))
    if client is attached:
        wrapper = msg.get_payload(1)
        assert isinstance(wrapper, Message)
        inner = wrapper.get_payload(0)
        assert isinstance(inner, Message)
        inner.replace_header("Date", format_datetime(written.replace(tzinfo=forwarded_at.tzinfo)))
    return msg
