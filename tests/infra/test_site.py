"""The site: a private bucket behind CloudFront (OAC, HTTPS only), the guest-path function on
/g/*, and the photos bucket open to the site's origin only."""

from typing import Any

from tests.infra.module import TERRAFORM_DIR, Module, ref


def _distribution(tf: Module) -> dict[str, Any]:
    return tf.resource("aws_cloudfront_distribution", "site")


def _behaviours(tf: Module) -> list[dict[str, Any]]:
    distribution = _distribution(tf)
    return [
        *distribution["default_cache_behavior"],
        *distribution.get("ordered_cache_behavior", []),
    ]


def test_the_guest_path_function_runs_on_viewer_requests_of_the_g_behaviour(tf: Module):
    (guest,) = [b for b in _behaviours(tf) if b.get("path_pattern") == "/g/*"]
    (association,) = guest["function_association"]
    assert association["event_type"] == "viewer-request"
    assert ref(association["function_arn"]) == "aws_cloudfront_function.guest_path_rewrite.arn"


def test_no_other_behaviour_rewrites_paths(tf: Module):
    others = [b for b in _behaviours(tf) if b.get("path_pattern") != "/g/*"]
    assert others
    assert all("function_association" not in b for b in others)


def test_the_function_is_the_js_file_beside_the_module(tf: Module):
    function = tf.resource("aws_cloudfront_function", "guest_path_rewrite")
    assert function["runtime"] == "cloudfront-js-2.0"
    assert function["publish"] is True
    assert function["code"] == '${file("${path.module}/functions/guest-path-rewrite.js")}'
    assert (
        "function handler(event)" in (TERRAFORM_DIR / "functions/guest-path-rewrite.js").read_text()
    )


def test_every_behaviour_is_https_only(tf: Module):
    assert {b["viewer_protocol_policy"] for b in _behaviours(tf)} == {"https-only"}
    certificate = _distribution(tf)["viewer_certificate"][0]
    assert certificate["minimum_protocol_version"] == "TLSv1.2_2021"
    assert certificate["acm_certificate_arn"] == "${var.site_certificate_arn}"


def test_the_site_bucket_is_read_by_this_distribution_only_through_origin_access_control(
    tf: Module,
):
    (origin,) = _distribution(tf)["origin"]
    assert ref(origin["domain_name"]) == "aws_s3_bucket.site.bucket_regional_domain_name"
    assert ref(origin["origin_access_control_id"]) == "aws_cloudfront_origin_access_control.site.id"
    assert "s3_origin_config" not in origin  # no legacy OAI
    oac = tf.resource("aws_cloudfront_origin_access_control", "site")
    assert (oac["signing_behavior"], oac["signing_protocol"]) == ("always", "sigv4")

    grants = [s for s in tf.policy_document("site_bucket") if s.get("effect", "Allow") == "Allow"]
    (grant,) = grants
    assert grant["principals"] == [{"type": "Service", "identifiers": ["cloudfront.amazonaws.com"]}]
    assert grant["actions"] == ["s3:GetObject"]
    (condition,) = grant["condition"]
    assert (condition["variable"], condition["values"]) == (
        "aws:SourceArn",
        ["${aws_cloudfront_distribution.site.arn}"],
    )


def test_crew_pages_are_never_cached_nor_indexed(tf: Module):
    (crew,) = [b for b in _behaviours(tf) if b.get("path_pattern") == "/crew/*"]
    assert ref(crew["cache_policy_id"]) == "data.aws_cloudfront_cache_policy.caching_disabled.id"
    assert crew["response_headers_policy_id"] == (
        '${aws_cloudfront_response_headers_policy.pages["crew"].id}'
    )
    headers = tf.locals["page_headers"]["crew"]
    assert headers["noindex"] is True
    assert headers["referrer_policy"] == "no-referrer"
    policy = tf.resource("aws_cloudfront_response_headers_policy", "pages")
    (noindex,) = policy["dynamic"]
    assert (
        noindex["custom_headers_config"]["for_each"] == '${each.value.noindex ? ["noindex"] : []}'
    )
    (item,) = noindex["custom_headers_config"]["content"][0]["items"]
    assert (item["header"], item["value"]) == ("X-Robots-Tag", "noindex, nofollow")


def test_guest_pages_carry_security_headers_and_stay_indexable(tf: Module):
    others = [b for b in _behaviours(tf) if b.get("path_pattern") != "/crew/*"]
    assert {b["response_headers_policy_id"] for b in others} == {
        '${aws_cloudfront_response_headers_policy.pages["pages"].id}'
    }
    assert tf.locals["page_headers"]["pages"]["noindex"] is False
    policy = tf.resource("aws_cloudfront_response_headers_policy", "pages")
    hsts = policy["security_headers_config"][0]["strict_transport_security"][0]
    assert hsts["access_control_max_age_sec"] >= 31536000


def test_photos_accept_cross_origin_uploads_from_the_site_origin_only(tf: Module):
    (rule,) = tf.resource("aws_s3_bucket_cors_configuration", "photos")["cors_rule"]
    assert rule["allowed_origins"] == ["${local.site_origin}"]
    assert rule["allowed_methods"] == ["POST"]
    assert "*" not in rule.get("allowed_headers", [])
    assert tf.locals["site_origin"] == "https://${var.site_domain}"
    assert tf.locals["worker_settings"]["site_base_url"] == "${local.site_origin}"


def test_photos_and_raw_mail_expire(tf: Module):
    photos = tf.resource("aws_s3_bucket_lifecycle_configuration", "photos")["rule"]
    expiring = [r for r in photos if "expiration" in r]
    assert expiring[0]["filter"][0]["prefix"] == "photos/"
    assert expiring[0]["expiration"][0]["days"] == "${var.photos_retention_days}"

    inbound = tf.resource("aws_s3_bucket_lifecycle_configuration", "inbound")["rule"]
    raw = [r for r in inbound if r.get("filter", [{}])[0].get("prefix")]
    assert ref(raw[0]["filter"][0]["prefix"]) == "local.inbound_prefix"
    assert raw[0]["expiration"][0]["days"] == "${var.raw_mail_retention_days}"


def test_a_missing_page_is_answered_with_the_sites_own_friendly_404(tf: Module):
    """S3 answers a missing object with 403 (CloudFront may not list the bucket), or 404; both
    become the site's own 404.html (published by the worker) with a 404, never S3's error XML."""
    answers = {e["error_code"]: e for e in _distribution(tf)["custom_error_response"]}
    assert set(answers) == {403, 404}
    for answer in answers.values():
        assert answer["response_code"] == 404
        assert answer["response_page_path"] == "/404.html"
        assert answer["error_caching_min_ttl"] == 10


def test_the_404_page_path_is_the_key_the_worker_publishes():
    from publishers.not_found import NOT_FOUND_KEY

    assert NOT_FOUND_KEY == "404.html"
