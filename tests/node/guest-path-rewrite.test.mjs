// Runs the CloudFront function as CloudFront would: its source evaluated on its own (no modules,
// no exports), then handler(event) called with a viewer-request event for every case in the table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const root = fileURLToPath(new URL("../..", import.meta.url));
const source = readFileSync(`${root}/infra/terraform/functions/guest-path-rewrite.js`, "utf8");
const { cases } = JSON.parse(readFileSync(`${root}/tests/fixtures/guest_path_rewrite_cases.json`, "utf8"));

function loadHandler() {
  const context = vm.createContext({});
  vm.runInContext(source, context, { filename: "guest-path-rewrite.js" });
  assert.equal(typeof context.handler, "function", "the file defines function handler(event)");
  return context.handler;
}

function viewerRequest(uri, querystring) {
  return {
    version: "1.0",
    context: { eventType: "viewer-request", distributionId: "EDFDVBD6EXAMPLE", requestId: "test" },
    viewer: { ip: "198.51.100.7" },
    request: { method: "GET", uri, querystring: querystring ?? {}, headers: { host: { value: "jada.example" } }, cookies: {} },
  };
}

test("a malformed guest path goes to a key no slug can name (so the site's 404 page answers)", () => {
  const handler = loadHandler();
  const uri = handler(viewerRequest("/g/XHQGMDH")).uri;
  assert.equal(uri, "/g/.missing");
  assert.doesNotMatch(uri.slice(3), /^[a-z0-9-]{1,64}(\/?|\.html|\.ics)$/);
});

test("the function does not use module.exports or require (CloudFront has neither)", () => {
  assert.doesNotMatch(source, /module\.exports|require\(|export\s/);
});

for (const c of cases) {
  test(`${c.name}: ${c.uri}`, () => {
    const handler = loadHandler();
    const event = viewerRequest(c.uri, c.querystring);
    const result = handler(event);
    assert.equal(result.statusCode, undefined, "a request passed on, never a generated response");
    assert.equal(result.uri, c.expect.uri);
    assert.deepEqual(result.querystring, c.querystring ?? {});
    assert.deepEqual(result.headers, event.request.headers);
  });
}
