(function () {
  "use strict";
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
})();
