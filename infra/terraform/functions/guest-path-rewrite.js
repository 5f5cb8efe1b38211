// CloudFront Function (runtime cloudfront-js-2.0), viewer request, on the site distribution.
//
// Guests get links like https://<site>/g/<slug>; the page lives in S3 as g/<slug>.html, with its
// calendar file beside it as g/<slug>.ics. This function:
//   /g/<slug> and /g/<slug>/            -> /g/<slug>.html
//   /g/<slug>.html and /g/<slug>.ics    -> unchanged (the objects themselves)
//   anything else under /g/             -> 404 here (a slug is [a-z0-9-], 1 to 64 characters)
//   every other path                    -> unchanged
// sandbox/site.py implements the same rules for local runs; both are tested against
// tests/fixtures/guest_path_rewrite_cases.json.

var SLUG = /^\/g\/([a-z0-9-]{1,64})(\/?|\.html|\.ics)$/;

function notFound() {
  return {
    statusCode: 404,
    statusDescription: 'Not Found',
    headers: {
      'content-type': { value: 'text/plain; charset=utf-8' },
      'cache-control': { value: 'public, max-age=60' }
    }
  };
}

function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.indexOf('/g/') !== 0) {
    return request;
  }
  var match = SLUG.exec(uri);
  if (match === null) {
    return notFound();
  }
  if (match[2] === '' || match[2] === '/') {
    request.uri = '/g/' + match[1] + '.html';
  }
  return request;
}
