"""The links API over real HTTP: the local server turns requests into payload-v2 events for the
same handler the Lambda runs; DynamoDB and S3 are moto's server."""

import base64
import html
import json
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

import pytest
import urllib3

from api.app import ROUTES, LinksApi
from api.config import LinksApiConfig
from bookings import Fleet, Kind, default_fleet
from bookings.slugs import guest_slug
from sandbox.links_api import LinksApiServer
from state.crew_tokens import CrewTokens
from tests.support.bookings_factory import booking
from tests.support.pages import SIGNING_KEY, publish_booking, store_booking, stored_answer
from tests.support.post_policy import refusal

SITE = "http://127.0.0.1:8123"
NOW = datetime(2031, 6, 1, 12, 30, tzinfo=UTC)


def config(table: str, bucket: str, **changes: Any) -> LinksApiConfig:
    return LinksApiConfig(table_name=table, photos_bucket=bucket, site_base_url=SITE, **changes)


@pytest.fixture
def links(dynamodb, s3, state_table, photos_bucket):
    """Start the API with a given config (and clock); yields a function returning its base URL."""
    servers = []

    def start(clock=lambda: NOW, **changes):
        api = LinksApi.build(
            config(state_table, photos_bucket, **changes), dynamodb=dynamodb, s3=s3
        )
        api.clock = clock
        api.tokens = CrewTokens(table_name=state_table, dynamodb=dynamodb, clock=clock)
        server = LinksApiServer(api)
        context = server.running()
        context.__enter__()
        servers.append(context)
        return server.base_url

    yield start
    for context in servers:
        context.__exit__(None, None, None)


def call(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Message, str]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def refusal_of_raw(
    url: str, data: bytes, headers: dict[str, str] | None = None
) -> urllib.error.HTTPError:
    """POST ``data`` as it is (not JSON-encoded): the API must refuse it; its refusal."""
    request = urllib.request.Request(url, data=data, method="POST", headers=headers or {})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    return caught.value


#: the slug the worker publishes for boatsetter:xhqgmdh under the tests' link key
SLUG = guest_slug(SIGNING_KEY, "boatsetter:xhqgmdh")


def ask_for_photo(
    base: str, slug: str = SLUG, content_type: str = "image/jpeg", **extra: Any
) -> tuple[int, Message, str]:
    return call("POST", f"{base}/g/{slug}/photos", {"content_type": content_type, **extra})


def policy_of(grant: dict[str, Any]) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(base64.b64decode(grant["fields"]["policy"]))
    return policy


# --- photos ------------------------------------------------------------------------------------


def test_live_booking_gets_a_presigned_post(links, dynamodb):
    publish_booking(dynamodb, booking())
    status, headers, body = ask_for_photo(links())
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    grant = json.loads(body)
    assert grant["key"].startswith("photos/boatsetter:xhqgmdh/")
    assert grant["fields"]["key"] == grant["key"]
    assert grant["fields"]["Content-Type"] == "image/jpeg"


def test_policy_enforces_type_size_key_and_expiry(links, dynamodb):
    publish_booking(dynamodb, booking())
    grant = json.loads(ask_for_photo(links(photo_max_bytes=5_000_000), content_type="image/png")[2])
    policy = policy_of(grant)
    conditions = policy["conditions"]
    assert {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, 5_000_000] in conditions
    (key,) = [c["key"] for c in conditions if isinstance(c, dict) and "key" in c]
    assert key == grant["key"]
    assert key.startswith("photos/boatsetter:xhqgmdh/")
    assert key.endswith(".png")
    assert len(key.rsplit("/", 1)[1]) == 32 + len(".png")  # 128 random bits, hex
    assert {"bucket": "charterhand-photos"} in conditions
    expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert timedelta(minutes=14) < expiration - datetime.now(UTC) <= timedelta(minutes=15)


def test_each_grant_gets_a_new_random_key(links, dynamodb):
    publish_booking(dynamodb, booking())
    base = links()
    keys = {json.loads(ask_for_photo(base)[2])["key"] for _ in range(3)}
    assert len(keys) == 3


def test_upload_with_the_grant_lands_in_the_photos_bucket(links, dynamodb, s3, photos_bucket):
    publish_booking(dynamodb, booking())
    grant = json.loads(ask_for_photo(links())[2])
    fields = {**grant["fields"], "file": ("boat.jpg", b"\xff\xd8\xff\xe0 not really a jpeg")}
    body, content_type = urllib3.encode_multipart_formdata(list(fields.items()))
    request = urllib.request.Request(
        grant["url"], data=body, method="POST", headers={"Content-Type": content_type}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
    stored = s3.get_object(Bucket=photos_bucket, Key=grant["key"])
    assert stored["ContentType"] == "image/jpeg"


@pytest.mark.parametrize("sent_as", ["image/svg+xml", "image/png", "image/jpeg; x=1", "text/html"])
def test_a_grant_for_a_jpeg_takes_only_a_jpeg(links, dynamodb, sent_as):
    """The guest asks for a JPEG grant, then edits the form's Content-Type: S3 refuses it."""
    publish_booking(dynamodb, booking())
    grant = json.loads(ask_for_photo(links(), content_type="image/jpeg")[2])
    fields = dict(grant["fields"])
    assert refusal(policy_of(grant), fields, size=1000) is None  # the form as granted goes up
    fields["Content-Type"] = sent_as
    assert refusal(policy_of(grant), fields, size=1000) is not None


@pytest.mark.parametrize(
    ("content_type", "status", "message"),
    [
        ("application/pdf", 415, "Only photos can be uploaded here"),
        ("image/svg+xml", 415, "SVG images cannot be uploaded"),
        ("", 415, "Only photos"),
        ("image/<script>", 415, "Only photos"),
        ("image/x+xml", 415, "Only photos"),  # stored as given, a browser renders it as XML
        ("image/vnd.example+xml", 415, "Only photos"),
        ("image/x-icon", 415, "Only photos"),
    ],
)
def test_non_images_are_refused_with_a_message(links, dynamodb, content_type, status, message):
    publish_booking(dynamodb, booking())
    got, _, body = ask_for_photo(links(), content_type=content_type)
    assert got == status
    assert message in json.loads(body)["message"]


@pytest.mark.parametrize(
    "content_type",
    ["image/jpeg", "image/png", "image/heic", "image/heif", "image/webp", "image/gif", "IMAGE/PNG"],
)
def test_the_photo_types_phones_take_are_granted(links, dynamodb, content_type):
    publish_booking(dynamodb, booking())
    status, _, body = ask_for_photo(links(), content_type=content_type)
    assert status == 200
    assert policy_of(json.loads(body))["conditions"][0] == {"Content-Type": content_type.lower()}


def test_too_large_a_photo_is_refused_before_presigning(links, dynamodb):
    publish_booking(dynamodb, booking())
    status, _, body = ask_for_photo(links(photo_max_bytes=1_048_576), size=2_000_000)
    assert status == 413
    assert (
        json.loads(body)["message"] == "That photo is larger than 1 MB. Please pick a smaller one."
    )


def test_cancelled_booking_gets_no_upload(links, dynamodb):
    publish_booking(dynamodb, booking(kind=Kind.CANCELLED))
    status, _, body = ask_for_photo(links())
    assert status == 409
    assert "cancelled" in json.loads(body)["message"]


def test_unknown_booking_gets_no_upload(links):
    status, _, body = ask_for_photo(links(), slug="zzzzzzz")
    assert status == 404
    assert json.loads(body)["message"] == "We could not find this charter."


def test_uploads_close_some_days_after_the_charter(links, dynamodb):
    publish_booking(dynamodb, booking())  # ends 2031-06-14
    status, _, body = ask_for_photo(links(clock=lambda: datetime(2031, 7, 20, tzinfo=UTC)))
    assert status == 410
    assert "closed" in json.loads(body)["message"]


def test_malformed_request_body_gets_a_clear_400(links, dynamodb):
    publish_booking(dynamodb, booking())
    refused = refusal_of_raw(f"{links()}/g/{SLUG}/photos", b"{not json")
    assert refused.code == 400
    assert json.loads(refused.read())["message"] == "The upload request was not understood."


def test_a_body_nested_a_hundred_thousand_deep_gets_a_clear_400(links, dynamodb):
    publish_booking(dynamodb, booking())
    deep = b"[" * 100_000 + b"]" * 100_000
    refused = refusal_of_raw(
        f"{links()}/g/{SLUG}/photos", deep, headers={"Content-Type": "application/json"}
    )
    assert refused.code == 400
    assert json.loads(refused.read())["message"] == "The upload request was not understood."


def test_rate_limit_per_booking_per_hour(links, dynamodb):
    publish_booking(dynamodb, booking())
    publish_booking(dynamodb, booking(booking_id="abcdefg"))
    base = links(photo_uploads_per_hour=2)
    assert [ask_for_photo(base)[0] for _ in range(2)] == [200, 200]
    status, headers, body = ask_for_photo(base)
    assert status == 429
    assert headers["Retry-After"] == str(30 * 60)  # NOW is half past the hour
    assert "try again" in json.loads(body)["message"]
    assert (
        ask_for_photo(base, slug=guest_slug(SIGNING_KEY, "boatsetter:abcdefg"))[0] == 200
    )  # another booking has its own quota


def test_rate_limit_window_reopens_next_hour(links, dynamodb):
    publish_booking(dynamodb, booking())
    now = [NOW]
    base = links(photo_uploads_per_hour=1, clock=lambda: now[0])
    assert ask_for_photo(base)[0] == 200
    assert ask_for_photo(base)[0] == 429
    now[0] = NOW + timedelta(hours=1)
    assert ask_for_photo(base)[0] == 200


def test_cors_preflight_allows_only_the_site_origin(links):
    base = links()
    headers = {"Origin": SITE, "Access-Control-Request-Method": "POST"}
    status, allowed, _ = call("OPTIONS", f"{base}/g/xhqgmdh/photos", headers=headers)
    assert status == 204
    assert allowed["access-control-allow-origin"] == SITE
    assert "content-type" in allowed["access-control-allow-headers"]
    _, other, _ = call(
        "OPTIONS", f"{base}/g/xhqgmdh/photos", headers={**headers, "Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in {k.lower() for k in other}


def test_post_from_another_origin_is_refused(links, dynamodb):
    publish_booking(dynamodb, booking())
    status, _, body = call(
        "POST",
        f"{links()}/g/{SLUG}/photos",
        {"content_type": "image/jpeg"},
        headers={"Origin": "https://evil.example"},
    )
    assert status == 403
    assert "only accepted from the guest page" in json.loads(body)["message"]


# --- only a published slug grants uploads -------------------------------------------------------


@pytest.mark.parametrize(
    "slug",
    [
        "xhqgmdh",  # the bare id: counted
        "xhqgmdh-abcdefghijklmnop",  # the id with a made-up code
        SLUG[:-1] + ("a" if SLUG[-1] != "a" else "b"),  # one character off
        guest_slug(b"someone-elses-link-key-012345678", "boatsetter:xhqgmdh"),
    ],
    ids=["bare id", "made-up code", "one off", "another key"],
)
def test_a_counted_or_forged_slug_gets_no_upload(links, dynamodb, slug):
    publish_booking(dynamodb, booking())
    status, _, body = ask_for_photo(links(), slug=slug)
    assert status == 404
    assert json.loads(body)["message"] == "We could not find this charter."
    assert ask_for_photo(links(), slug=SLUG)[0] == 200  # the published one does


def test_every_getmyboat_number_counted_finds_nothing(links, dynamodb):
    publish_booking(dynamodb, booking(source="getmyboat", booking_id="1234567"))
    base = links()
    assert [ask_for_photo(base, slug=str(n))[0] for n in range(1234565, 1234570)] == [404] * 5


def test_the_old_bare_id_link_works_until_the_charter_ends(links, dynamodb):
    """A booking published before slugs carried an HMAC: its guest holds ``/g/<id>``."""
    legacy = {"key": f"g/{SLUG}.html", "legacy_key": "g/xhqgmdh.html"}
    store_booking(dynamodb, booking(), guest_page=legacy)
    end = booking().end
    now = [end - timedelta(minutes=1)]
    base = links(clock=lambda: now[0])
    assert ask_for_photo(base, slug="xhqgmdh")[0] == 200

    now[0] = end
    status, _, body = ask_for_photo(base, slug="xhqgmdh")

    assert status == 404
    assert json.loads(body)["message"] == "We could not find this charter."
    assert ask_for_photo(base, slug=SLUG)[0] == 200  # its new link keeps its grace days


def test_a_booking_the_old_code_published_keeps_its_bare_id_link(links, dynamodb):
    store_booking(dynamodb, booking(), guest_page={"key": "g/xhqgmdh.html", "url": "x"})
    assert ask_for_photo(links(), slug="xhqgmdh")[0] == 200


# --- crew answers ------------------------------------------------------------------------------

#: what Chromium sends when the button on our own no-referrer page is pressed
FROM_OUR_PAGE = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
#: what link scanners and prefetchers send when they open a link in an email
SCANNERS = [
    {"User-Agent": "Mozilla/5.0 (compatible; Microsoft Office SafeLinks)"},
    {"Sec-Purpose": "prefetch", "Purpose": "prefetch"},
    {"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124 Safari/537.36"},
]


def issue(
    dynamodb: Any,
    table: str,
    crew_id: str = "alex",
    expires_at: datetime = NOW + timedelta(days=30),
) -> str:
    return CrewTokens(table_name=table, dynamodb=dynamodb).issue(
        "boatsetter:xhqgmdh", crew_id, expires_at
    )


def press(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, str]:
    """Submit the page's form as a browser does: an empty urlencoded POST to the same URL."""
    request = urllib.request.Request(
        url,
        data=b"",
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            **(FROM_OUR_PAGE if headers is None else headers),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.fixture
def alex(links, dynamodb, state_table) -> str:
    """Alex's crew link on the stored booking, without its verb: ``{base}/crew/{token}``."""
    store_booking(dynamodb, booking())
    return f"{links()}/crew/{issue(dynamodb, state_table)}"


def alex_answer(dynamodb: Any) -> dict[str, str]:
    return stored_answer(dynamodb, "boatsetter:xhqgmdh", "alex")


def test_confirm_link_asks_with_one_button_and_records_nothing(alex, dynamodb):
    status, headers, page = call("GET", f"{alex}/confirm")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>Confirm you&#39;ll crew this charter</h1>" in page
    assert "Crew: Alex Chen" in page
    assert "JADA · <time" in page
    assert "Saturday, June 14, 2031" in page
    assert "10:00 AM – 1:00 PM PDT" in page
    assert page.count("<button") == 1
    assert '<form method="post" action="confirm">' in page
    assert "Yes, I&#39;ll be there</button>" in page
    assert alex_answer(dynamodb) == {}


def test_decline_link_asks_with_the_decline_button_and_records_nothing(alex, dynamodb):
    status, _, page = call("GET", f"{alex}/decline")
    assert status == 200
    assert '<form method="post" action="decline">' in page
    assert "I can&#39;t make it</button>" in page
    assert alex_answer(dynamodb) == {}


def test_link_pages_keep_the_token_private_and_uncached(alex, dynamodb):
    for status, headers, _ in (
        call("GET", f"{alex}/confirm"),
        press(f"{alex}/confirm"),
    ):
        assert status == 200
        assert headers["Cache-Control"] == "no-store"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Robots-Tag"] == "noindex, nofollow"


def test_the_asking_page_may_post_only_to_itself(alex, dynamodb):
    _, _, page = call("GET", f"{alex}/confirm")
    (csp,) = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    csp = html.unescape(csp)
    assert "form-action 'self'" in csp
    assert "script-src" not in csp  # works without JavaScript


@pytest.mark.parametrize("headers", SCANNERS, ids=["safe-links", "prefetch", "gateway"])
def test_scanners_opening_the_links_answer_nothing(alex, dynamodb, headers):
    for verb in ("confirm", "decline"):
        for method in ("HEAD", "GET"):
            status, _, _ = call(method, f"{alex}/{verb}", headers=headers)
            assert status == 200
    assert alex_answer(dynamodb) == {}


def test_pressing_confirm_records_the_answer_and_says_thanks(alex, dynamodb):
    status, _, page = press(f"{alex}/confirm")
    assert status == 200
    assert "Thanks Alex, you&#39;re confirmed" in page
    assert "10:00 AM – 1:00 PM PDT" in page
    assert "<button" not in page
    answer = alex_answer(dynamodb)
    assert answer["answer"] == "confirmed"
    assert answer["answered_at"] == NOW.isoformat()
    assert answer["token_id"] == alex.rsplit("/", 1)[1].split(".")[0]


def test_pressing_decline_after_confirm_replaces_the_answer(alex, dynamodb):
    press(f"{alex}/confirm")
    status, _, page = press(f"{alex}/decline")
    assert status == 200
    assert "you&#39;ve declined" in page
    assert alex_answer(dynamodb)["answer"] == "declined"


def test_the_link_says_when_the_same_answer_was_already_given(alex, dynamodb):
    press(f"{alex}/confirm")
    _, _, page = call("GET", f"{alex}/confirm")
    assert "You already confirmed on Sun, Jun 1 at 5:30 AM PDT." in page  # NOW, at the boat
    assert "Yes, I&#39;ll be there</button>" in page


def test_the_other_link_offers_to_change_the_answer(alex, dynamodb):
    press(f"{alex}/confirm")
    _, _, page = call("GET", f"{alex}/decline")
    assert "You confirmed on Sun, Jun 1 at 5:30 AM PDT. The button below changes your answer." in (
        page
    )
    assert "I can&#39;t make it</button>" in page
    assert alex_answer(dynamodb)["answer"] == "confirmed"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
    ids=["foreign-origin", "foreign-origin-cross-site", "null-origin-cross-site", "same-site"],
)
def test_a_post_from_another_site_is_refused(alex, dynamodb, headers):
    status, _, page = press(f"{alex}/confirm", headers)
    assert status == 403
    assert "<h1>This answer was not recorded</h1>" in page
    assert alex_answer(dynamodb) == {}


@pytest.mark.parametrize(
    "headers",
    [{}, "own-origin"],
    ids=["no-browser-headers", "own-origin"],
)
def test_a_post_from_our_page_or_a_plain_client_is_recorded(alex, dynamodb, headers):
    own = alex.split("/crew/")[0]
    sent = {"Origin": own, "Sec-Fetch-Site": "same-origin"} if headers == "own-origin" else {}
    status, _, _ = press(f"{alex}/confirm", sent)
    assert status == 200
    assert alex_answer(dynamodb)["answer"] == "confirmed"


TAMPERINGS = {
    "secret": lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
    "token-id": lambda t: ("0" if t[0] != "0" else "1") + t[1:],
    "no-secret": lambda t: t.split(".")[0],
    "garbage": lambda t: "not-a-token",
}


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("tamper", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_tampered_token_gets_link_not_valid_and_records_nothing(alex, dynamodb, tamper, method):
    base, token = alex.rsplit("/", 1)
    url = f"{base}/{tamper(token)}/confirm"
    status, _, page = press(url) if method == "POST" else call("GET", url)
    assert status == 404
    assert "This link is not valid" in page
    assert "<button" not in page
    assert "Traceback" not in page
    assert alex_answer(dynamodb) == {}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_expired_token_says_so(links, dynamodb, state_table, method):
    store_booking(dynamodb, booking())
    token = issue(dynamodb, state_table, expires_at=NOW - timedelta(seconds=1))
    url = f"{links()}/crew/{token}/confirm"
    status, _, page = press(url) if method == "POST" else call("GET", url)
    assert status == 410
    assert "This link is not valid" in page
    assert "This link has expired." in page
    assert alex_answer(dynamodb) == {}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_answer_for_a_cancelled_charter_is_not_recorded(links, dynamodb, state_table, method):
    store_booking(dynamodb, booking(kind=Kind.CANCELLED))
    url = f"{links()}/crew/{issue(dynamodb, state_table)}/confirm"
    status, _, page = press(url) if method == "POST" else call("GET", url)
    assert status == 409
    assert "This charter was cancelled" in page
    assert "<button" not in page
    assert alex_answer(dynamodb) == {}


def test_a_broken_table_gets_a_clear_page_not_a_stack_trace(dynamodb, s3, photos_bucket):
    api = LinksApi.build(
        config("charterhand-no-such-table", photos_bucket), dynamodb=dynamodb, s3=s3
    )
    token = "0123456789abcdef." + "A" * 43
    with LinksApiServer(api).running() as server:
        status, _, page = press(f"{server.base_url}/crew/{token}/confirm")
    assert status in (500, 503)
    assert "Traceback" not in page
    assert "<h1>Something went wrong on our side</h1>" in page


def test_unknown_path_gets_a_not_found_page(links):
    status, _, page = call("GET", f"{links()}/admin")
    assert status == 404
    assert "Page not found" in page


def test_crew_links_answer_only_get_head_and_post(alex, dynamodb):
    status, headers, _ = call("PUT", f"{alex}/confirm", {})
    assert status == 405
    assert headers["allow"] == "GET, HEAD, POST"
    assert alex_answer(dynamodb) == {}


@pytest.mark.parametrize("route", ROUTES)
def test_every_route_terraform_is_given_reaches_its_handler(links, route):
    method, path = route.split(" ")
    url = links() + path.format(
        slug="xhqgmdh", token="0123456789abcdef." + "A" * 43, gallery="xhqgmdh-" + "0" * 32
    )
    status, _, body = call(method, url, {} if method == "POST" else None)
    assert status != 405
    assert "Page not found" not in body


# --- one member's links answer only for that member, while on the crew -------------------------


def fleet_without_alex() -> Fleet:
    """The default fleet after the manager took Alex off JADA's crew."""
    fleet = default_fleet()
    (jada,) = fleet.boats
    return Fleet(boats=[jada.model_copy(update={"crew": []})], people=fleet.people)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_member_taken_off_the_crew_cannot_answer(links, dynamodb, state_table, method):
    store_booking(dynamodb, booking())
    url = f"{links(fleet=fleet_without_alex())}/crew/{issue(dynamodb, state_table)}/decline"
    status, _, page = press(url) if method == "POST" else call("GET", url)
    assert status == 404
    assert "This link is not valid" in page
    assert "<button" not in page
    assert alex_answer(dynamodb) == {}


def test_a_revoked_link_answers_nothing(links, dynamodb, state_table):
    store_booking(dynamodb, booking())
    token = issue(dynamodb, state_table)
    CrewTokens(table_name=state_table, dynamodb=dynamodb).revoke("boatsetter:xhqgmdh", "alex")
    status, _, page = press(f"{links()}/crew/{token}/decline")
    assert status == 404
    assert "This link is not valid" in page
    assert alex_answer(dynamodb) == {}


def sheet(url: str, origin: str = SITE) -> tuple[int, Message, Any]:
    status, headers, body = call("GET", url, headers={"Origin": origin})
    return status, headers, json.loads(body)


def test_the_sheet_learns_whose_link_it_is_and_everyones_answers(links, dynamodb, state_table):
    store_booking(dynamodb, booking())
    base = links()
    sam = issue(dynamodb, state_table, crew_id="sam")
    assert press(f"{base}/crew/{sam}/decline")[0] == 200
    alex = issue(dynamodb, state_table)

    status, headers, answers = sheet(f"{base}/crew/{alex}/answers")

    assert status == 200
    assert answers == {"member": "alex", "answers": {"sam": "declined"}}
    assert headers["access-control-allow-origin"] == SITE
    assert headers["cache-control"] == "no-store"
    assert alex_answer(dynamodb) == {}  # reading answers records none


def test_the_sheet_shows_no_answer_of_a_member_off_the_crew(links, dynamodb, state_table):
    store_booking(dynamodb, booking())
    alex = issue(dynamodb, state_table)
    assert press(f"{links()}/crew/{alex}/confirm")[0] == 200
    base = links(fleet=fleet_without_alex())
    sam = issue(dynamodb, state_table, crew_id="sam")

    assert sheet(f"{base}/crew/{sam}/answers")[2] == {"member": "sam", "answers": {}}
    status, _, body = sheet(f"{base}/crew/{alex}/answers")
    assert status == 404
    assert body == {"message": "This link is not valid."}


@pytest.mark.parametrize("tamper", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_the_sheet_gets_nothing_for_a_bad_token(alex, tamper):
    base, token = alex.rsplit("/", 1)
    status, _, body = sheet(f"{base}/{tamper(token)}/answers")
    assert status == 404
    assert body == {"message": "This link is not valid."}


def test_the_sheet_of_a_cancelled_charter_says_so(links, dynamodb, state_table):
    store_booking(dynamodb, booking(kind=Kind.CANCELLED))
    status, _, body = sheet(f"{links()}/crew/{issue(dynamodb, state_table)}/answers")
    assert status == 409
    assert "cancelled" in body["message"]
