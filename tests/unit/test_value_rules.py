"""Values are what they claim, whatever a template writes around them (issue 17, point 3).

Hypothesis draws a true value (a renter's name, a renter's note, the gross) and surrounds it with
the prose and sections real booking emails put around it: greetings and "Unfortunately, …" before
a name, payment tables, footers, links and "Reply" buttons after a note, previous values and
colon-less rows beside an amount; in text, in HTML, or both. The true value must come back
exactly. The rules themselves live in ``parsers.value_rules``.
"""

from decimal import Decimal
from html import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings import default_fleet
from parsers import parse_email
from parsers.value_rules import current_value, label_version, labelled_name, name_in_prose
from tests.support.emailkit import CONFIRMED_ROWS, GETMYBOAT, message

FLEET = default_fleet()
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FIRST = ["Marcus", "Maya", "Zoë", "José", "Siobhán", "Keisha", "Ngozi", "Björn", "Łukasz",
         "Anne-Marie", "D'Arcy", "Mei", "Omar"]  # fmt: skip
LAST = ["Oyelaran", "Thompson", "O'Neil-Bø", "Ångström-Núñez", "de la Cruz", "van der Berg",
        "Smith", "Nakamura", "S.", "MacLeod", "Ó Súilleabháin"]  # fmt: skip
#: sentences GetMyBoat-style templates open with; {name} is the renter
LEADS = [
    "Unfortunately, {name} has cancelled your booking.",
    "Good news! {name} just booked your listing.",
    "Great news, {name} has confirmed payment for your listing.",
    "Hi Dana, {name} requested to book your boat.",
    "Heads up: {name} changed their trip.",
    "{name} has just cancelled the reservation.",
    "Sadly {name} cancelled your booking.",
    "Your renter {name} has updated the booking.",
    "Hello Dana! Your guest {name} just confirmed payment for the trip.",
]
GMB_ROWS = [
    ("Reservation #", "4817263"),
    ("Listing", "JADA - Classic 50ft Sailing Yacht"),
    ("Depart", "4 Sep 2027 - 2:00 PM"),
    ("Duration", "3 hours"),
]


@st.composite
def names(draw: st.DrawFn) -> str:
    first = draw(st.sampled_from(FIRST))
    middle = draw(st.sampled_from(["", "", "Jo ", "Ray "]))
    return f"{first} {middle}{draw(st.sampled_from(LAST))}"


def gmb_email(lead: str, body: str) -> bytes:
    rows = "".join(f"{k}: {v}\n" for k, v in GMB_ROWS)
    text = f"Booking update\n\n{lead}\n\n{rows}"
    cells = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in GMB_ROWS)
    html = f"<html><body><h1>Booking update</h1><p>{escape(lead)}</p><table>{cells}</table></body>"
    return message(
        sender=GETMYBOAT,
        subject="Your booking",
        text=text if body != "html" else None,
        html=html if body != "text" else None,
    ).as_bytes()


@SLOW
@given(name=names(), lead=st.sampled_from(LEADS), body=st.sampled_from(["text", "html", "both"]))
def test_a_name_in_any_sentence_comes_back_exactly(name, lead, body):
    raw = gmb_email(lead.format(name=name), body)
    assert parse_email(raw, FLEET).renter_name == name


MARKUP = st.sampled_from(["<b>", "</b>", "<script>", "&amp;", '"', "<3", "🙂", "(Mo)"])


@SLOW
@given(name=names(), mark=MARKUP, body=st.sampled_from(["text", "html", "both"]))
def test_a_labelled_name_with_markup_comes_back_as_written(name, mark, body):
    written = f"{name} {mark}"
    rows = [(k, v) for k, v in CONFIRMED_ROWS if k != "Renter"] + [("Renter", written)]
    text = "Your boat is booked!\n\n" + "".join(f"{k}: {v}\n" for k, v in rows)
    cells = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
    html = f"<html><body><h1>Your boat is booked!</h1><table>{cells}</table></body></html>"
    raw = message(
        text=text if body != "html" else None, html=html if body != "text" else None
    ).as_bytes()
    assert parse_email(raw, FLEET).renter_name == written


# --- notes ------------------------------------------------------------------------------------

OPENERS = ["Please", "We", "Our", "Could", "Thanks", "Looking", "It's", "My", "Celebrating"]
WORDS = ["bring", "ice", "a", "cake", "for", "six", "of", "us", "sunset", "if", "possible",
         "anniversary", "kids", "grandma", "early", "board", "no", "host", "crew", "the", "dog",
         "allergic", "to", "nuts", "and", "snacks", "ages", "6", "9", "15", "minutes", "café",
         "s’il", "vous", "plaît", "-", "/", "&", "(two)", "“quiet”"]  # fmt: skip
HEADINGS = ["Message from Maya", "Notes", "Special requests", "Renter's message", "Message"]
#: what templates write after the note; {} is where an amount or a link goes
AFTER = [
    ["Payment summary", "Booking total: $840.75", "Boatsetter fee: -$168.15"],
    ["Total paid by renter | $840.75"],
    ["Reply"],
    ["Reply to Maya"],
    ["View booking"],
    ["View booking: https://www.boatsetter.com/bookings/xhqgmdh"],
    ["Boatsetter, Inc."],
    ["© 2027 Boatsetter, Inc. All rights reserved."],
    ["Trip details", "Passengers: 6"],
    ["Need help?", "Contact support"],
    ["Unsubscribe"],
    ["Booking total: $840.75"],
]


@st.composite
def note_lines(draw: st.DrawFn) -> list[str]:
    count = draw(st.integers(1, 3))
    lines = []
    for _ in range(count):
        words = draw(st.lists(st.sampled_from(WORDS), min_size=2, max_size=10))
        end = draw(st.sampled_from([".", "!", "?", ""]))
        lines.append(" ".join([draw(st.sampled_from(OPENERS)), *words]) + end)
    return lines


def rows_text() -> str:
    return "".join(f"{k}: {v}\n" for k, v in CONFIRMED_ROWS if k != "Booking total")


@SLOW
@given(
    lines=note_lines(),
    heading=st.sampled_from(HEADINGS),
    after=st.sampled_from(AFTER),
    gap=st.booleans(),
)
def test_a_note_in_text_ends_where_the_template_resumes(lines, heading, after, gap):
    text = (
        "Your boat is booked!\n\nHi Dana,\n\n" + rows_text() + f"\n{heading}:\n"
        + "\n".join(lines) + ("\n\n" if gap else "\n") + "\n".join(after) + "\n"
    )  # fmt: skip
    event = parse_email(message(text=text).as_bytes(), FLEET)
    assert event.notes == " ".join(lines)


@SLOW
@given(
    lines=note_lines(),
    heading=st.sampled_from(HEADINGS),
    after=st.sampled_from(AFTER),
    block=st.sampled_from(["div", "p", "td"]),
)
def test_a_note_in_html_ends_where_the_template_resumes(lines, heading, after, block):
    rows = "".join(
        f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>"
        for k, v in CONFIRMED_ROWS
        if k != "Booking total"
    )
    if block == "div":
        note = "".join(f"<div>{escape(line)}</div>" for line in lines)
    else:  # one paragraph (or block), its lines broken by <br>
        note = f"<{block}>" + "<br>".join(escape(line) for line in lines) + f"</{block}>"
    tail = "".join(f"<div>{escape(line)}</div>" for line in after)
    html = (
        "<html><body><h1>Your boat is booked!</h1><p>Hi Dana,</p>"
        f"<table>{rows}</table><h2>{escape(heading)}</h2>{note}{tail}</body></html>"
    )
    assert parse_email(message(html=html).as_bytes(), FLEET).notes == " ".join(lines)


# --- the gross: colon-less rows, previous values ------------------------------------------------

AMOUNTS = st.decimals(min_value=Decimal("50"), max_value=Decimal("9999.99"), places=2)
GROSS_LABELS = ["Booking total", "Trip total", "Total paid by renter", "Total", "Total (USD)",
                "Renter payments", "Total trip cost", "Grand total", "Amount paid"]  # fmt: skip
PREVIOUS = ["{new}", "{new} (was {old})", "{new} (previously {old})", "{old} → {new}",
            "was {old}, now {new}", "{new} (previously: {old})"]  # fmt: skip


def dollars(amount: Decimal) -> str:
    return f"${amount:,.2f}"


@SLOW
@given(
    new=AMOUNTS,
    old=AMOUNTS,
    label=st.sampled_from(GROSS_LABELS),
    shape=st.sampled_from(PREVIOUS),
    layout=st.sampled_from(["colon", "pipe", "table", "card", "led"]),
)
def test_the_new_gross_comes_back_in_any_row(new, old, label, shape, layout):
    value = shape.format(new=dollars(new), old=dollars(old))
    rows = [(k, v) for k, v in CONFIRMED_ROWS if k != "Booking total"]
    head = "".join(f"{k}: {v}\n" for k, v in rows)
    if layout in {"colon", "pipe", "led"}:
        sep = {"colon": ": ", "pipe": " | ", "led": " "}[layout]
        msg = message(
            subject="Booking updated", text=f"Booking updated\n\n{head}{label}{sep}{value}\n"
        )
    else:
        cells = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
        if layout == "table":
            extra = f"<tr><td>{escape(label)}</td><td>{escape(value)}</td></tr>"
            body = f"<table>{cells}{extra}</table>"
        else:
            card = f"<div><div>{escape(label)}</div><div>{escape(value)}</div></div>"
            body = f"<table>{cells}</table>{card}"
        msg = message(
            subject="Booking updated",
            html=f"<html><body><h1>Booking updated</h1>{body}</body></html>",
        )
    assert parse_email(msg.as_bytes(), FLEET).gross == new


# --- the rules, one by one ------------------------------------------------------------------


def test_rules_at_a_glance():
    assert name_in_prose("Unfortunately, Marcus Oyelaran has") == "Marcus Oyelaran"
    assert name_in_prose("Good news! Omar S.") == "Omar S."
    assert name_in_prose("the renter") is None
    assert labelled_name("Maya <b>Thompson</b>") == "Maya <b>Thompson</b>"
    assert labelled_name("6 adults") is None
    assert labelled_name("maya@example.com") is None
    assert current_value("$840.75 → $1,260.00") == "$1,260.00"
    assert current_value("Harbor Island West Marina, before the bridge") == (
        "Harbor Island West Marina, before the bridge"
    )
    assert label_version("original time") == ("time", "old")
    assert label_version("new time") == ("time", "new")
    assert label_version("time") == ("time", None)
