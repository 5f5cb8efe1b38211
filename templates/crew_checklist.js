(function () {
  "use strict";

  // The checklist's ticks, kept in this browser only.
  function checklist() {
    var store;
    try { store = window.localStorage; } catch (ignored) { return; }
    if (!store) { return; }
    var key = "checklist:" + location.pathname;
    var saved = {};
    try { saved = JSON.parse(store.getItem(key) || "{}"); } catch (ignored) { saved = {}; }
    var boxes = document.querySelectorAll(".checklist input[type=checkbox]");
    Array.prototype.forEach.call(boxes, function (box) {
      box.checked = saved[box.name] === true;
      box.addEventListener("change", function () {
        saved[box.name] = box.checked;
        try { store.setItem(key, JSON.stringify(saved)); } catch (ignored) { /* private mode */ }
      });
    });
  }

  function link(href, text, label, secondary) {
    var a = document.createElement("a");
    a.className = secondary ? "button secondary" : "button";
    a.href = href;
    a.textContent = text;
    a.setAttribute("aria-label", label);
    return a;
  }

  function said(answer, own) {
    if (answer === "confirmed") { return own ? "You confirmed. " : "Confirmed"; }
    if (answer === "declined") { return own ? "You declined. " : "Declined"; }
    return own ? "" : "No answer yet";
  }

  // The member who opened the sheet from their own email (#t=<token>, a fragment: it never
  // reaches a server or a Referer) gets their answer links in their own row; everyone else's
  // answer is shown as text. Nobody's row gets links without that member's token.
  function answers() {
    var table = document.querySelector("table.crew[data-answers-from]");
    var hint = document.getElementById("answer-hint");
    var match = /^#t=([0-9a-f]{16}\.[A-Za-z0-9_-]{43})$/.exec(location.hash);
    if (!table || !match || !window.fetch) { return; }
    var base = table.getAttribute("data-answers-from") + "/crew/" + match[1];
    function tell(text) { if (hint) { hint.textContent = text; } }
    fetch(base + "/answers", { credentials: "omit", referrerPolicy: "no-referrer", cache: "no-store" })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (!result.ok) {
          tell((result.body.message || "This link is not valid.") +
            " Use the newest crew email, or ask the booking manager for a new link.");
          return;
        }
        var given = result.body.answers || {};
        var rows = table.querySelectorAll("tbody tr[data-crew]");
        Array.prototype.forEach.call(rows, function (row) {
          var cell = row.querySelector("td.answer");
          var id = row.getAttribute("data-crew");
          var answer = Object.prototype.hasOwnProperty.call(given, id) ? given[id] : null;
          if (id !== result.body.member) {
            cell.textContent = said(answer, false);
            return;
          }
          var name = cell.getAttribute("data-first-name");
          row.className = "you";
          cell.textContent = said(answer, true);
          cell.appendChild(link(base + "/confirm", "Confirm", "Confirm " + name + " for this charter", false));
          cell.appendChild(document.createTextNode(" "));
          cell.appendChild(link(base + "/decline", "Decline", "Decline: " + name + " cannot sail", true));
        });
        tell("Your row has your own answer links; the others' answers are shown as they gave them.");
      })
      .catch(function () {
        tell("The crew's answers could not be loaded just now; the links in your crew email still work.");
      });
  }

  checklist();
  answers();
})();
