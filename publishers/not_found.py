"""The site's own "page not found": what a wrong or expired link shows instead of an error document.

CloudFront answers every missing object (S3 says 403: the distribution may not list the bucket;
or 404) with this object and a 404 (``custom_error_response`` in infra/terraform/site.tf), and the
guest-path function sends a malformed ``/g/`` path to a key nobody writes, so it ends here too.
It is a page in the guest page's style, self-contained like every page (inline CSS, no script),
and says what a guest can do: ask for a fresh link in the booking platform's chat. The worker
writes it (:class:`publishers.guest_page.GuestPagePublisher`, once per process), so a deployment
has it from its first guest page on, in the templates that process runs.
"""

from publishers.transport.site import SiteObject
from templates import environment
from templates.assets import page_assets

#: the key CloudFront's custom error response serves (``response_page_path = "/404.html"``)
NOT_FOUND_KEY = "404.html"
#: short: a fix to the page reaches the edge within minutes
NOT_FOUND_CACHE_CONTROL = "public, max-age=300"


def not_found_page() -> SiteObject:
    """The 404 page as the site bucket holds it."""
    html = environment().get_template("not_found.html").render(page=page_assets())
    return SiteObject(
        key=NOT_FOUND_KEY,
        body=html.encode("utf-8"),
        content_type="text/html; charset=utf-8",
        cache_control=NOT_FOUND_CACHE_CONTROL,
    )
