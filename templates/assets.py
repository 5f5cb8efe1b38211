"""What every page shares: inline CSS and JS, and a Content-Security-Policy that allows them.

Pages are self-contained (no third-party fonts or scripts). The policy allows exactly the inline
style and script we wrote, by hash, so even if escaping ever failed, an injected script won't run.
"""

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from markupsafe import Markup

from templates import environment

STYLE = "page.css"


def origin_of(url: str) -> str:
    """``https://host:port`` of a URL: what CORS and Content-Security-Policy speak of."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class PageAssets:
    """Inline style and script of one page, and the policy that lets exactly them run."""

    style: Markup
    script: Markup | None
    csp: str


@cache
def _inline(name: str) -> tuple[Markup, str]:
    """A static asset rendered and hashed once per process (it takes no variables)."""
    text = environment().get_template(name).render()
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return Markup(text), f"'sha256-{digest}'"  # noqa: S704 - our own asset file, not input


def page_assets(
    *,
    script: str | None = None,
    connect_to: Iterable[str] = (),
    forms_post_to: Iterable[str] = (),
    images_from: Iterable[str] = (),
) -> PageAssets:
    """A page's inline assets and CSP; ``connect_to``: the origins its script may call;
    ``forms_post_to``: where its forms may go (CSP sources such as ``'self'``; none by default);
    ``images_from``: origins its images may come from besides its own (the photos bucket's)."""
    style, style_hash = _inline(STYLE)
    form_action = " ".join(sorted(set(forms_post_to))) or "'none'"
    images = " ".join(["'self'", "data:", *sorted(set(images_from))])
    directives = [
        "default-src 'none'",
        f"style-src {style_hash}",
        f"img-src {images}",
        "base-uri 'none'",
        f"form-action {form_action}",
    ]
    inline_script: Markup | None = None
    if script is not None:
        inline_script, script_hash = _inline(script)
        directives.append(f"script-src {script_hash}")
        origins = sorted(set(connect_to))
        if origins:
            directives.append("connect-src " + " ".join(origins))
    return PageAssets(style=style, script=inline_script, csp="; ".join(directives))
