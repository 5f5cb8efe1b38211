"""HTML bodies render to the lines a person sees, the same way every time (``parsers.html``)."""

from parsers.html import render_html


def test_a_heading_after_a_label_keeps_its_paragraph_break_every_time():
    # the walk once remembered label elements by id(): a later element given a freed label's id
    # ended as a label cell instead of a paragraph, so lines depended on memory addresses
    html = "".join(
        f"<div><b>Guests</b> {i}</div><div><h1>Head {i}</h1><p>line {i}</p></div>"
        for i in range(20)
    )
    expected: list[str] = []
    for i in range(20):
        expected += [f"Guests\t{i}", f"Head {i}", "", f"line {i}", ""]
    assert render_html(html).lines == expected


def test_hidden_and_struck_text_is_not_read_but_the_text_after_it_is():
    html = (
        "<div style='display: none'>Preview text</div><p>Time <s>10 AM</s> 2 PM "
        "<span style='text-decoration: line-through'>old</span>now</p>"
        "<script>var x = 1;</script><p>after</p>"
    )
    assert render_html(html).lines == ["Time 2 PM now", "", "after", ""]


def test_labels_rows_breaks_comments_and_links():
    html = (
        "<table><tr><td>Booking ID</td><td><b>xhqgmdh</b></td></tr>"
        "<tr><th>Boat</th><td>JADA</td></tr></table>"
        "<p><strong>Guests</strong> 6<br>Notes<!-- a comment --> here</p>"
        "<span class='field-label'>Total</span> $1,260.00"
        "<p><a href=' https://boatsetter.com/b/1 '>Open</a><a href=' '>x</a></p>"
    )
    rendered = render_html(html)
    assert rendered.lines == [
        "Booking ID\txhqgmdh",
        "Boat\tJADA",
        "",
        "Guests\t6",
        "Notes here",
        "",
        "Total\t$1,260.00",
        "Openx",
        "",
    ]
    assert rendered.links == ["https://boatsetter.com/b/1"]


def test_deep_nesting_renders_without_exhausting_the_stack():
    assert render_html("<div>" * 200 + "deep" + "</div>" * 200).lines == ["deep"]
    render_html("<div>" * 5000 + "deep" + "</div>" * 5000)  # libxml2 stops at its own limit


def test_nothing_to_render():
    assert render_html("").lines == []
    assert render_html("<!-- only a comment -->").lines == []
