// CloudFront Function (runtime cloudfront-js-2.0), viewer request, on the site distribution.
//
// Guests get links like https://<site>/g/<slug>; the page lives in S3 as g/<slug>.html, with its
// calendar file beside it as g/<slug>.ics. This function:
//   /g/<slug> and /g/<slug>/            -> /g/<slug>.html
//   /g/<slug>.html and /g/<slug>.ics    -> unchanged (the objects themselves)
//   anything else under /g/             -> /g/.missing (a slug is [a-z0-9-], 1 to 64 characters)
//   every other path                    -> unchanged
// /g/.missing is a key nobody writes: S3 answers it as missing, and the distribution's custom
// error response shows the site's own friendly 404.html with a 404, as for a slug nobody published
// (a response generated here would skip the custom error response and show no page). Every
// malformed path shares that one cache entry.
// sandbox/site.py implements the same rules for local runs; both are tested against
// tests/fixtures/guest_path_rewrite_cases.json.

var SLUG = /^\/g\/([a-z0-9-]{1,64})(\/?|\.html|\.ics)$/;
var NOT_FOUND_URI = '/g/.missing';

function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.indexOf('/g/') !== 0) {
    return request;
  }
  var match = SLUG.exec(uri);
  if (match === null) {
    request.uri = NOT_FOUND_URI;
  } else if (match[2] === '' || match[2] === '/') {
    request.uri = '/g/' + match[1] + '.html';
  }
  return request;
}
