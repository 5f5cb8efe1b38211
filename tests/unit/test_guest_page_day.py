"""The guest page shows the party size and, from the fleet settings, the boat's photo and the
number to call or WhatsApp on the day (issue 19, point 6), rendered without any AWS."""

import html as markup
import re
from typing import TYPE_CHECKING, Any, cast

import pytest
from pydantic import ValidationError

from bookings import Boat, Fleet, default_fleet
from publishers.guest_page import GuestPagePublisher
from publishers.transport.site import SiteBucket
from tests.support.bookings_factory import booking

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

NO_S3 = cast("S3Client", None)
PHOTO = "https://images.jada.example/boats/jada.jpg"


def fleet(**boat: Any) -> Fleet:
    base = default_fleet()
    (jada,) = base.boats
    return Fleet(boats=[jada.model_copy(update=boat)], people=base.people)


def render(the_fleet: Fleet | None = None, **changes: Any) -> str:
    publisher = GuestPagePublisher(
        site=SiteBucket(s3=NO_S3, bucket="site", base_url="https://jada.example"),
        fleet=the_fleet or default_fleet(),
        signing_key=b"k" * 32,
        links_api_base_url="https://links.jada.example",
        photos_upload_origin="https://charterhand-photos.s3.amazonaws.com",
    )
    return publisher.render(publisher.input_of(booking(**changes)))


def csp(page: str) -> dict[str, str]:
    (policy,) = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    return {d.split(" ", 1)[0]: d for d in markup.unescape(policy).split("; ")}


def test_shows_the_party_size():
    assert "Party of 6" in render()
    assert "Party of" not in render(party_size=None)


def test_shows_the_boats_photo_and_lets_only_its_origin_in():
    page = render(fleet(photo_url=PHOTO))
    assert f'<img class="boat" src="{PHOTO}" alt="JADA"' in page
    assert "https://images.jada.example" in csp(page)["img-src"]


def test_a_photo_on_the_site_itself_needs_no_other_origin():
    page = render(fleet(photo_url="/boats/jada.jpg"))
    assert '<img class="boat" src="/boats/jada.jpg"' in page
    assert csp(page)["img-src"] == (
        "img-src 'self' data: https://charterhand-photos.s3.amazonaws.com"
    )


def test_without_a_photo_there_is_no_image():
    assert '<img class="boat"' not in render()


def test_shows_the_number_for_the_day_to_call_and_to_whatsapp():
    page = render(fleet(day_phone="+1 (619) 555-0134", whatsapp="+1 619 555 0134"))
    assert 'href="tel:+16195550134"' in page
    assert "+1 (619) 555-0134" in page
    assert 'href="https://wa.me/16195550134"' in page


def test_without_numbers_there_is_no_contact_card():
    assert "On the day" not in render()


@pytest.mark.parametrize(
    "boat",
    [
        {"photo_url": "javascript:alert(1)"},
        {"photo_url": "http://insecure.example/a.jpg"},
        {"photo_url": "//evil.example/a.jpg"},
        {"day_phone": "call me maybe"},
        {"whatsapp": "+1 619 555 0134 ext 2"},
    ],
)
def test_fleet_settings_that_would_make_a_bad_link_are_refused(boat):
    with pytest.raises(ValidationError):
        Boat(name="JADA", **boat)
