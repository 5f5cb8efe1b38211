// Placeholder until the pages work lands the real function (cloudfront-js-2.0, viewer request):
// /g/<slug> -> /g/<slug>.html. Replaced wholesale by that work; do not extend here.
function handler(event) {
  var request = event.request;
  var match = /^\/g\/([a-z0-9-]+)\/?$/.exec(request.uri);
  if (match !== null) {
    request.uri = '/g/' + match[1] + '.html';
  }
  return request;
}
