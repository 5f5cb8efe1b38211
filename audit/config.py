"""Which feeds to read: the operator's JSON of export URLs per boat and platform, checked.

The value (a secret: a URL opens the boat's calendar to whoever has it) is
``{"<boat>": {"boatsetter": "https://...", "getmyboat": "https://..."}}``, boats named as in the
fleet. A boat the fleet does not know, a platform we do not read, or a value that is no http(s)
URL is a problem said in words that name the boat and platform, never the URL.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from bookings import Fleet

#: the platforms whose exports the audit reads, and how a person names them
PLATFORMS: Mapping[str, str] = {"boatsetter": "Boatsetter", "getmyboat": "GetMyBoat"}


@dataclass(frozen=True)
class FeedSource:
    """One boat's export on one platform."""

    boat: str
    platform: str
    url: str

    def __repr__(self) -> str:  # the URL is a secret
        return f"FeedSource(boat={self.boat!r}, platform={self.platform!r}, url='***')"


@dataclass(frozen=True)
class FeedProblem:
    """A configured feed the audit cannot use, said for a person."""

    boat: str
    platform: str
    sentence: str


def feed_sources(text: str | None, fleet: Fleet) -> tuple[list[FeedSource], list[FeedProblem]]:
    """The feeds to read and the problems of the rest (``text`` None or empty: no feeds)."""
    if not text or not text.strip():
        return [], []
    try:
        doc = json.loads(text)
    except ValueError:
        return [], [FeedProblem("", "", "the audit's feed URLs are not JSON")]
    if not isinstance(doc, dict):
        return [], [FeedProblem("", "", "the audit's feed URLs are not a JSON object per boat")]
    known = {boat.name for boat in fleet.boats}
    sources: list[FeedSource] = []
    problems: list[FeedProblem] = []
    for boat, platforms in sorted(doc.items()):
        if boat not in known:
            problems.append(
                FeedProblem(boat, "", f"feed URLs are set for {boat}, which is not in the fleet")
            )
            continue
        if not isinstance(platforms, dict):
            problems.append(FeedProblem(boat, "", f"{boat}'s feed URLs are not a JSON object"))
            continue
        for platform, url in sorted(platforms.items()):
            if platform not in PLATFORMS:
                sentence = f"{boat}: {platform!s:.20} is not a platform whose feed we read"
                problems.append(FeedProblem(boat, str(platform), sentence))
            elif not _is_url(url):
                sentence = f"{boat}'s {PLATFORMS[platform]} feed URL is not an http(s) URL"
                problems.append(FeedProblem(boat, platform, sentence))
            else:
                sources.append(FeedSource(boat, platform, url))
    return sources, problems


def _is_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
