"""The words mail clients write around a forwarded message, in the languages they ship.

One list, so a client or language we have not seen is one line here. Gathered from the clients
themselves and from the tables of the ``email-forward-parser`` project (Apache-2.0), widened with
the East Asian, Greek, Hebrew, Arabic and South-East Asian clients it lacks.

- ``SEPARATORS``: the line above a quoted header block ("---------- Forwarded message ---------",
  "Message transféré", "Weitergeleitete Nachricht", ...), compared without dashes, underscores,
  asterisks, a trailing colon or case.
- ``HEADER_LABELS``: each header label → (the header it names, the languages that write it).
- ``WROTE``: the verb of "On <date>, <sender> wrote:" intros, and ``INTRO_LEADS`` the words
  that open them, so what remains is the date.
"""

import re
from functools import lru_cache

from parsers.alternation import alternation, pattern, trie


def fold(text: str) -> str:
    """Lowercase, without the dot that lowercasing Turkish "İ" leaves behind."""
    return text.lower().replace("\u0307", "")


SEPARATORS: frozenset[str] = frozenset(
    fold(s)
    for s in (
        # en
        "forwarded message",
        "original message",
        "begin forwarded message",
        "forwarded email",
        "forwarded mail",
        "forwarded e-mail",
        "message forwarded",
        # fr
        "message transféré",
        "message transmis",
        "début du message réexpédié",
        "début du message transféré",
        "message d'origine",
        "message original",
        "courriel transféré",
        # de
        "weitergeleitete nachricht",
        "anfang der weitergeleiteten nachricht",
        "ursprüngliche nachricht",
        "originalnachricht",
        "weitergeleitete e-mail",
        # es / ca
        "mensaje reenviado",
        "inicio del mensaje reenviado",
        "mensaje original",
        "correo reenviado",
        "missatge reenviat",
        "missatge original",
        # it
        "messaggio inoltrato",
        "inizio messaggio inoltrato",
        "messaggio originale",
        # pt
        "mensagem encaminhada",
        "mensagem reencaminhada",
        "início da mensagem encaminhada",
        "início da mensagem reencaminhada",
        "mensagem original",
        # nl
        "doorgestuurd bericht",
        "begin doorgestuurd bericht",
        "oorspronkelijk bericht",
        "origineel bericht",
        # sv / da / no
        "vidarebefordrat meddelande",
        "vidarebefordrat mejl",
        "ursprungligt meddelande",
        "originalmeddelande",
        "videresendt meddelelse",
        "videresendt besked",
        "start på videresendt besked",
        "oprindelig meddelelse",
        "videresendt melding",
        "opprinnelig melding",
        "original melding",
        # fi / et
        "välitetty viesti",
        "välitetty viesti alkaa",
        "välitetty viesti / fwd.msg",
        "alkuperäinen viesti",
        "edelleenlähetetty viesti",
        "edastatud kiri",
        "algne kiri",
        # pl / cs / sk / hr / sl
        "przekazana wiadomość",
        "początek przekazywanej wiadomości",
        "wiadomość przekazana dalej",
        "wiadomość przesłana dalej",
        "oryginalna wiadomość",
        "treść przekazanej wiadomości",
        "přeposlaná zpráva",
        "začátek přeposílané zprávy",
        "původní zpráva",
        "preposlaná správa",
        "začiatok preposlanej správy",
        "pôvodná správa",
        "preposlaná správa --- forwarded message",
        "proslijeđena poruka",
        "započni proslijeđenu poruku",
        "izvorna poruka",
        "posredovano sporočilo",
        "izvirno sporočilo",
        # hu / ro
        "továbbított üzenet",
        "továbbított levél kezdete",
        "eredeti üzenet",
        "mesaj redirecționat",
        "începe mesajul redirecționat",
        "mesaj original",
        "mesaj transmis",
        # ru / uk / bg
        "пересылаемое сообщение",
        "перенаправленное сообщение",
        "пересланное сообщение",
        "начало переадресованного сообщения",
        "исходное сообщение",
        "переслане повідомлення",
        "перенаправлене повідомлення",
        "початок листа, що пересилається",
        "оригінальне повідомлення",
        "препратено съобщение",
        "оригинално съобщение",
        # tr / el
        "iletilmiş mesaj",
        "iletilen ileti",
        "iletilen mesaj",
        "ileti başlangıcı",
        "özgün ileti",
        "orijinal mesaj",
        "προωθημένο μήνυμα",
        "αρχικό μήνυμα",
        # ja / zh / ko
        "転送されたメッセージ",
        "メッセージを転送",
        "転送メッセージ",
        "元のメッセージ",
        "転送済みメッセージ",
        "转发的邮件",
        "转发邮件",
        "原始邮件",
        "轉寄的郵件",
        "轉寄郵件",
        "原始郵件",
        "전달된 메시지",
        "전달된 메일",
        "원본 메시지",
        "원본 메일",
        # he / ar / vi / id / th
        "הודעה שהועברה",
        "הודעה מקורית",
        "رسالة معاد توجيهها",
        "الرسالة الأصلية",
        "thư đã chuyển tiếp",
        "thư chuyển tiếp",
        "thư gốc",
        "pesan terusan",
        "pesan yang diteruskan",
        "pesan asli",
        "ข้อความที่ส่งต่อ",
    )
)

_LABELS: dict[str, dict[str, str]] = {
    "from": {
        "from": "en",
        "sender": "en",
        "de": "es fr pt ca",
        "de la": "ro",
        "von": "de",
        "absender": "de",
        "van": "nl",
        "afzender": "nl",
        "da": "it",
        "mittente": "it",
        "od": "pl cs sk hr sl",
        "nadawca": "pl",
        "odesílatel": "cs",
        "fra": "da no",
        "från": "sv",
        "lähettäjä": "fi",
        "saatja": "et",
        "feladó": "hu",
        "šalje": "hr",
        "expeditor": "ro",
        "expeditorul": "ro",
        "от": "ru bg",
        "отправитель": "ru",
        "від": "uk",
        "від кого": "uk",
        "kimden": "tr",
        "gönderen": "tr",
        "από": "el",
        "remitente": "es",
        "remetente": "pt",
        "expéditeur": "fr",
        "差出人": "ja",
        "送信者": "ja",
        "送信元": "ja",
        "发件人": "zh",
        "寄件者": "zh",
        "寄件人": "zh",
        "發件人": "zh",
        "보낸 사람": "ko",
        "보낸사람": "ko",
        "người gửi": "vi",
        "từ": "vi",
        "dari": "id",
        "pengirim": "id",
        "מאת": "he",
        "من": "ar",
        "จาก": "th",
    },
    "date": {
        "date": "en fr",
        "sent": "en",
        "sent at": "en",
        "datum": "de nl sv cs hr",
        "dato": "da no",
        "fecha": "es",
        "data": "it pl pt",
        "dată": "ro",
        "дата": "ru uk bg",
        "tarih": "tr",
        "päivämäärä": "fi",
        "päiväys": "fi",
        "dátum": "hu sk",
        "gesendet": "de",
        "envoyé": "fr",
        "enviado": "es pt",
        "enviada": "pt",
        "inviato": "it",
        "verzonden": "nl",
        "verstuurd": "nl",
        "wysłano": "pl",
        "wysłane": "pl",
        "skickat": "sv",
        "sendt": "da no",
        "отправлено": "ru",
        "відправлено": "uk",
        "gönderilen": "tr",
        "gönderildi": "tr",
        "lähetetty": "fi",
        "elküldve": "hu",
        "trimis": "ro",
        "odesláno": "cs",
        "odoslané": "sk",
        "poslano": "hr sl",
        "ημερομηνία": "el",
        "στάλθηκε": "el",
        "日付": "ja",
        "日時": "ja",
        "送信日時": "ja",
        "日期": "zh",
        "发送时间": "zh",
        "發送時間": "zh",
        "时间": "zh",
        "時間": "zh",
        "날짜": "ko",
        "보낸 날짜": "ko",
        "ngày": "vi",
        "ngày gửi": "vi",
        "tanggal": "id",
        "dikirim": "id",
        "תאריך": "he",
        "נשלח": "he",
        "التاريخ": "ar",
        "تاريخ": "ar",
        "วันที่": "th",
    },
    "to": {
        "to": "en",
        "an": "de",
        "aan": "nl",
        "à": "fr",
        "pour": "fr",
        "a": "it es",
        "para": "es pt",
        "per": "ca",
        "til": "da no",
        "till": "sv",
        "do": "pl",
        "adresat": "pl",
        "komu": "cs sk",
        "кому": "ru uk bg",
        "kime": "tr",
        "alıcı": "tr",
        "címzett": "hu",
        "vastaanottaja": "fi",
        "saaja": "et",
        "prima": "hr",
        "pre": "sk",
        "za": "sl",
        "destinatarul": "ro",
        "către": "ro",
        "destinatario": "es it",
        "destinataire": "fr",
        "empfänger": "de",
        "προς": "el",
        "宛先": "ja",
        "送信先": "ja",
        "收件人": "zh",
        "收件者": "zh",
        "받는 사람": "ko",
        "받는사람": "ko",
        "đến": "vi",
        "tới": "vi",
        "kepada": "id",
        "אל": "he",
        "إلى": "ar",
        "ถึง": "th",
    },
    "cc": {
        "cc": "en",
        "kopie": "de cs nl",
        "kopie (cc)": "de",
        "kopio": "fi",
        "másolat": "hu",
        "másolatot kap": "hu",
        "kopi": "da no",
        "kopia": "sv pl",
        "dw": "pl",
        "копия": "ru",
        "копія": "uk",
        "kópia": "sk",
        "bilgi": "tr",
        "copie à": "fr",
        "copia": "es it",
        "cópia": "pt",
        "κοιν": "el",
        "抄送": "zh",
        "副本": "zh",
        "참조": "ko",
        "bcc": "en",
    },
    "subject": {
        "subject": "en",
        "betreff": "de",
        "objet": "fr",
        "sujet": "fr",
        "asunto": "es",
        "assumpte": "ca",
        "oggetto": "it",
        "assunto": "pt",
        "onderwerp": "nl",
        "emne": "da no",
        "ämne": "sv",
        "aihe": "fi",
        "teema": "et",
        "temat": "pl",
        "předmět": "cs",
        "predmet": "sk hr",
        "naslov": "hr",
        "zadeva": "sl",
        "tárgy": "hu",
        "subiect": "ro",
        "subiectul": "ro",
        "тема": "ru uk bg",
        "konu": "tr",
        "θέμα": "el",
        "件名": "ja",
        "主题": "zh",
        "主旨": "zh",
        "標題": "zh",
        "제목": "ko",
        "chủ đề": "vi",
        "tiêu đề": "vi",
        "subjek": "id",
        "perihal": "id",
        "נושא": "he",
        "الموضوع": "ar",
        "เรื่อง": "th",
    },
    "reply-to": {
        "reply-to": "en",
        "reply to": "en",
        "antwort an": "de",
        "répondre à": "fr",
        "responder a": "es pt",
        "rispondi a": "it",
        "antwoord aan": "nl",
        "svar til": "da no",
        "svara till": "sv",
        "odgovori na": "hr",
        "odpověď na": "cs",
        "vastaus": "fi",
        "válaszcím": "hu",
        "odpowiedź-do": "pl",
        "răspuns către": "ro",
        "ответ-кому": "ru",
        "odpovedať-pre": "sk",
        "yanıt adresi": "tr",
        "кому відповісти": "uk",
    },
}

#: normalised label → (header, languages)
HEADER_LABELS: dict[str, tuple[str, frozenset[str]]] = {
    fold(label): (header, frozenset(languages.split()))
    for header, labels in _LABELS.items()
    for label, languages in labels.items()
}

#: "From: value", "**De :** value", "差出人：value" (a label, a colon of any width, the value);
#: the labels as a trie (``parsers.alternation``: no two sibling letters fold together under
#: ``re.IGNORECASE``, tests/unit/test_alternation.py holds it so)
HEADER_LINE = re.compile(
    rf"^[*_\s]*(?P<name>{alternation(HEADER_LABELS)})[*_\s]*[:：][*_]*\s*(?P<value>.*)$",
    re.IGNORECASE,
)


def header_line(line: str) -> re.Match[str] | None:
    """``HEADER_LINE``'s match of ``line``; a line without a colon (most) is not tried."""
    if ":" not in line and "：" not in line:
        return None
    return HEADER_LINE.match(line)


#: a further header inside one line ("From: A <a@x> Sent: ... To: ... Subject: ..."): a label
#: written as a client writes it (capitalised, or in a script without case) after a space; or,
#: as Yahoo's block reads once its line breaks are lost, glued to the value before it
#: ("<a@b>Sent: ...AMTo: ...comSubject: ..."): a capitalised label of two letters or more
#: straight before its colon
_WRITTEN = {
    form for label in HEADER_LABELS for form in (label[:1].upper() + label[1:], label.upper())
}
_GLUED = {
    form
    for label in HEADER_LABELS
    if len(label) >= 2 and label[:1].isalpha() and label[:1].upper() != label[:1]
    for form in (label[:1].upper() + label[1:],)
}


def _inside() -> str:
    r"""``(?<=\s)[*_]*(?:WRITTEN)[*_]*\s?[:：]|(?<=\S)(?:GLUED):(?=\s)``, the same matches
    written for speed (``parsers.alternation``): one branch per first character, each a literal
    (so ``re`` skips other positions in C), the lookbehind checked after it (``(?<=\s.)``)."""
    written, glued = trie(_WRITTEN), trie(_GLUED)
    stars = r"(?<=\s.)[*_]*" + pattern(written) + r"[*_]*\s?[:：]"
    branches = [f"{re.escape(char)}{stars}" for char in "*_"]
    for char in sorted((written.keys() | glued.keys()) - {""}):
        after = []
        if char in written:
            after.append(r"(?<=\s.)" + pattern(written[char]) + r"[*_]*\s?[:：]")
        if char in glued:
            after.append(r"(?<=\S.)" + pattern(glued[char]) + r":(?=\s)")
        branches.append(re.escape(char) + "(?:" + "|".join(after) + ")")
    return "|".join(branches)


@lru_cache(maxsize=1)
def header_inside() -> re.Pattern[str]:
    """The pattern of a further header inside one line, compiled on first use: 17 ms of start-up
    that a direct booking email never needs (only a forward's quoted header block is read with
    it); the parsers' warm-up compiles it for the first forward."""
    return re.compile(_inside())


#: "wrote" in the intros of reply-style forwards → the languages that write it
WROTE: dict[str, str] = {
    "wrote": "en",
    "writes": "en",
    "schrieb": "de",
    "a écrit": "fr",
    "escribió": "es",
    "ha scritto": "it",
    "scrisse": "it",
    "escreveu": "pt",
    "schreef": "nl",
    "geschreven": "nl",
    "skrev": "sv da no",
    "napisał": "pl",
    "napisała": "pl",
    "napisał(a)": "pl",
    "napsal": "cs",
    "napsal(a)": "cs",
    "napísal": "sk",
    "kirjoitti": "fi",
    "ezt írta": "hu",
    "írta": "hu",
    "a scris": "ro",
    "yazdı": "tr",
    "şunu yazdı": "tr",
    "tarihinde şunu yazdı": "tr",
    "έγραψε": "el",
    "пишет": "ru",
    "написал": "ru",
    "написала": "ru",
    "написал(а)": "ru",
    "написав": "uk",
    "пише": "uk",
    "писа": "bg",
    "写道": "zh",
    "寫道": "zh",
    "のメッセージ": "ja",
    "が書きました": "ja",
    "님이 작성": "ko",
    "đã viết": "vi",
    "menulis": "id",
    "כתב": "he",
    "كتب": "ar",
    "va escriure": "ca",
}
_WROTE = re.compile(
    r"(?:" + "|".join(re.escape(w) for w in sorted(WROTE, key=len, reverse=True)) + r")"
    r"(?:\s+(?:følgende|följande|the following|pe|on|le|am|den|el))?",
    re.IGNORECASE,
)
INTRO_LEADS = re.compile(
    r"^(?:on|am|le|el|il giorno|il|em|no dia|op|den|d\.|w dniu|dnia|dne|в|у|στις|於|en|于)\s+"
    r"|^(?:于|於)",
    re.IGNORECASE,
)
#: words around an intro's date that are not the date ("..., tarihinde", "időpontban")
_INTRO_FILLERS = re.compile(
    r"\s*(?:tarihinde|időpontban|ο χρήστης|пользователь|používateľ|um|o)\s*$", re.IGNORECASE
)
_ENDS_WITH_COLON = re.compile(r"[:：]\s*$")
_ENDS_WITH_MAILBOX = re.compile(r"[>\]]\s*[:：]\s*$")
#: an email address as it stands in running text (forward header lines, notices)
ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


@lru_cache(maxsize=1024)
def separator(line: str) -> bool:
    """A line that opens a forwarded message in some client and language."""
    if _underscore_rule(line):
        return True
    core = fold(line.strip().lstrip(">").strip(" -_*=~:\u2014\u2013\t"))
    return core in SEPARATORS


def _underscore_rule(line: str) -> bool:
    """Outlook's rule above a forward: a line of 8 or more underscores."""
    stripped = line.strip()
    return len(stripped) >= 8 and set(stripped) == {"_"}


def header_of(label: str) -> tuple[str, frozenset[str]] | None:
    """The header a label names and the languages that write it; None for another label."""
    return HEADER_LABELS.get(fold(" ".join(label.strip(" *_").split())))


def intro(text: str) -> tuple[str, str, frozenset[str]] | None:
    """(date text, sender text, languages) of an "On <date>, <sender> wrote:" line.

    It ends with a colon, names exactly one address (a forward names its sender) and says "wrote"
    in some language (or, as Gmail does in some, ends with the sender's ``<address>:``). The date
    is what is left once the opening word, the sender and the verb are removed, whichever order
    the language puts them in.
    """
    if len(text) > 400 or not _ENDS_WITH_COLON.search(text):
        return None
    addresses = {a.lower() for a in ADDRESS.findall(text)}
    if len(addresses) != 1:
        return None
    wrote = _WROTE.search(text)
    if wrote is None and not _ENDS_WITH_MAILBOX.search(text):
        return None
    found = ADDRESS.search(text)
    assert found is not None
    opening = max(text.rfind(mark, 0, found.start()) for mark in "<[(")
    address_start = opening if opening != -1 else found.start()
    closing = re.match(r"\s*[>\])]+", text[found.end() :])  # "<a@b>", "[a@b]", "(<a@b>)"
    address_end = found.end() + (closing.end() if closing else 0)
    verb_start = wrote.start() if wrote else len(text)
    if wrote is not None and wrote.end() <= address_start:  # "Am <date> schrieb <sender>:"
        date_text = text[: wrote.start()]
        sender = text[wrote.end() : address_end]
    else:
        name_start = _name_start(text, address_start)
        date_text = text[:name_start]
        sender = text[name_start:address_end]
        if not re.search(
            r"\d", date_text
        ):  # "<sender> 于<date>写道：", "<sender> wrote on <date>:"
            after = text[address_end:verb_start] if wrote else ""
            if wrote is not None and not re.search(r"\d", after):
                after = text[wrote.end() :]
            date_text = after
    date_text = _INTRO_FILLERS.sub("", date_text.strip(" ,>:：")).strip(" ,")
    date_text = INTRO_LEADS.sub("", date_text).strip(" ,")
    languages = frozenset(WROTE[_verb(wrote.group(0))].split()) if wrote else frozenset()
    return date_text, sender.strip(" ,").replace('"', ""), languages


def _verb(found: str) -> str:
    lowered = found.lower()
    return max((verb for verb in WROTE if lowered.startswith(verb)), key=len)


def _name_start(head: str, address_start: int) -> int:
    """Where the sender's display name starts: at its opening quote, else after the date's last
    comma or clock time; the name runs up to the address."""
    before = head[:address_start]
    quote = max(before.rfind('"'), before.rfind("«"), before.rfind("„"))
    if quote != -1:
        opening = max(before.rfind('"', 0, quote), before.rfind("«", 0, quote))
        opening = max(opening, before.rfind("„", 0, quote))
        return opening if opening != -1 else quote
    comma = before.rfind(",")
    clocks = re.finditer(r"\d{1,2}[:.]\d{2}(?:\s*(?:[ap]\.?m\.?|uhr|h)\b)?", before, re.I)
    clock = max((m.end() for m in clocks), default=-1)
    cut = max(comma + 1 if comma != -1 else -1, clock)
    return cut if cut > 0 else address_start
