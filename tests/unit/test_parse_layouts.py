"""Layouts never seen: the same booking rendered into many structures, label words, date and time
formats and kind wordings reads the same.

Structures (9): "Label: value" text, label line then value line, bullets, "Label value" runs led
by a known label, an HTML table, a table with header cells, a definition list, bold labels in
paragraphs, adjacent label and value elements with no colon. Each structure × kind is a case;
hypothesis draws the label synonyms, date and time formats and subject wording inside it.
"""

from html import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings import default_fleet
from parsers import parse_email
from tests.support.emailkit import END, START, message

FLEET = default_fleet()

LABELS = {
    "booking_id": ["Booking ID", "Reservation #", "Confirmation number", "Booking reference",
                   "Trip ID", "Reservation code"],
    "boat": ["Boat", "Listing", "Vessel", "Your boat", "Yacht"],
    "renter": ["Renter", "Guest name", "Booked by", "Customer", "Lead guest"],
    "date": ["Date", "Trip date", "Charter date", "Departure date", "Day"],
    "time": ["Time", "Trip time", "Charter time", "Hours", "Schedule"],
    "party": ["Passengers", "Guests", "Group size", "Number of guests", "Party size"],
    "gross": ["Booking total", "Total", "Total price", "Renter paid", "Trip total"],
}  # fmt: skip
DATES = ["Sunday, May 30, 2027", "May 30, 2027", "30 May 2027", "2027-05-30", "5/30/2027",
         "Sun, May 30, 2027", "Sunday 30th May 2027"]  # fmt: skip
TIMES = ["10:00 AM - 1:00 PM", "10am to 1pm", "10:00–13:00", "10:00 - 13:00 (3 hours)",
         "10 AM – 1 PM"]  # fmt: skip
SUBJECTS = {
    "confirmed": ["Booking confirmed: Maya T. on Sun, May 30", "Your boat is booked!",
                  "You have a new booking", "Reservation confirmation for JADA",
                  "It's a go: Maya T. booked JADA"],
    "request": ["New booking request from Maya T.", "Maya T. wants to book JADA",
                "Can Maya T. book JADA on May 30?", "Booking request pending your approval",
                "Action required: respond to Maya T.'s booking"],
    "modified": ["Booking updated: Maya T. on Sun, May 30", "Your booking has been rescheduled",
                 "Trip extension: Maya T.", "Changes to your reservation",
                 "Booking modification approved"],
    "cancelled": ["Booking cancelled: Maya T.", "Booking canceled", "Cancellation: Maya T.",
                  "Reservation cancelled by renter", "Your trip has been cancelled"],
}  # fmt: skip
STRUCTURES = ["colon", "next-line", "bullets", "led", "table", "th-table", "dl", "bold", "adjacent"]


def render(structure: str, rows: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """(text body, HTML body) of the rows in one structure; led runs keep a colon for free text."""
    if structure == "colon":
        return "Hi Dana,\n\n" + "".join(f"{k}: {v}\n" for k, v in rows), None
    if structure == "next-line":
        return "Hi Dana,\n\n" + "".join(f"{k}\n{v}\n\n" for k, v in rows), None
    if structure == "bullets":
        return "Hi Dana,\n\n" + "".join(f"• {k}: {v}\n" for k, v in rows), None
    if structure == "led":
        free = {label for field in ("boat", "renter") for label in LABELS[field]}
        lines = (f"{k}: {v}" if k in free else f"{k} {v}" for k, v in rows)
        return "Hi Dana,\n\n" + "\n".join(lines) + "\n", None
    cells = [(escape(k), escape(v)) for k, v in rows]
    if structure == "table":
        body = "<table>" + "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in cells)
    elif structure == "th-table":
        body = "<table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in cells)
    elif structure == "dl":
        body = "<dl>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in cells) + "</dl>"
    elif structure == "bold":
        body = "".join(f"<p><strong>{k}:</strong> {v}</p>" for k, v in cells)
    else:  # adjacent elements, no colon
        body = "".join(
            f"<div><span class='label'>{k}</span><span class='value'>{v}</span></div>"
            for k, v in cells
        )
    return None, f"<html><body><h1>Booking details</h1><p>Hi Dana,</p>{body}</body></html>"


@st.composite
def bookings(draw: st.DrawFn, kind: str) -> tuple[str, list[tuple[str, str]]]:
    label = {field: draw(st.sampled_from(words)) for field, words in LABELS.items()}
    rows = [
        (label["booking_id"], "xhqgmdh"),
        (label["boat"], "JADA - 50' Classic Sailing Yacht"),
        (label["renter"], "Maya Thompson"),
        (label["date"], draw(st.sampled_from(DATES))),
        (label["time"], draw(st.sampled_from(TIMES))),
        (label["party"], "6"),
    ]
    if kind != "cancelled":
        rows.append((label["gross"], "$840.75"))
    return draw(st.sampled_from(SUBJECTS[kind])), draw(st.permutations(rows))


@pytest.mark.parametrize("kind", list(SUBJECTS))
@pytest.mark.parametrize("structure", STRUCTURES)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_every_layout_reads_the_same_booking(structure, kind, data):
    subject, rows = data.draw(bookings(kind))
    text, html = render(structure, rows)
    event = parse_email(message(subject=subject, text=text, html=html).as_bytes(), FLEET)
    assert (event.kind, event.booking_id, event.boat) == (kind, "xhqgmdh", "JADA")
    assert (event.renter_name, event.party_size) == ("Maya Thompson", 6)
    assert (event.start, event.end) == (START, END)
    if kind != "cancelled":
        assert str(event.gross) == "840.75"
