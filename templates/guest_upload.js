(function () {
  "use strict";
  var form = document.getElementById("photo-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var input = document.getElementById("photo-input");
  var status = document.getElementById("photo-status");
  var list = document.getElementById("photo-list");
  var endpoint = form.getAttribute("data-endpoint");
  var EXTENSION_TYPES = { heic: "image/heic", heif: "image/heif", jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", webp: "image/webp" };

  function say(text, kind) {
    status.textContent = text;
    status.className = "status " + kind;
  }

  function typeOf(file) {
    if (file.type) { return file.type; }
    var dot = file.name.lastIndexOf(".");
    return dot < 0 ? "" : (EXTENSION_TYPES[file.name.slice(dot + 1).toLowerCase()] || "");
  }

  // What this browser uploaded, as the guest sees it: the name, and a thumbnail fetched with the
  // grant's own short-lived link (nobody else's photos are ever listed here).
  function listed(file, grant) {
    var item = document.createElement("li");
    if (grant.view_url) {
      var image = document.createElement("img");
      image.src = grant.view_url;
      image.alt = "";
      image.loading = "lazy";
      item.appendChild(image);
    }
    var name = document.createElement("span");
    name.textContent = file.name;
    item.appendChild(name);
    list.appendChild(item);
  }

  function megabytes(bytes) { return Math.round(bytes / 1048576) + " MB"; }

  async function grantFor(file, type) {
    var response = await fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ content_type: type, size: file.size })
    });
    var body = {};
    try { body = await response.json(); } catch (ignored) { body = {}; }
    if (!response.ok) {
      throw new Error(body.message || "We could not start the upload (error " + response.status + "). Please try again.");
    }
    return body;
  }

  async function send(file, type, grant) {
    if (file.size > grant.max_bytes) {
      throw new Error("“" + file.name + "” is larger than " + megabytes(grant.max_bytes) + ". Please choose a smaller photo.");
    }
    var data = new FormData();
    Object.keys(grant.fields).forEach(function (name) { data.append(name, grant.fields[name]); });
    data.append("file", file);
    var response = await fetch(grant.url, { method: "POST", body: data });
    if (!response.ok) {
      throw new Error("The photo store refused “" + file.name + "” (error " + response.status + "). Please try again.");
    }
  }

  async function upload(files) {
    var sent = 0;
    for (var i = 0; i < files.length; i += 1) {
      var file = files[i];
      var type = typeOf(file);
      if (type.indexOf("image/") !== 0) {
        say("“" + file.name + "” is not a photo. Please choose an image file (JPEG, PNG, HEIC or WebP).", "error");
        form.reset();
        return;
      }
      say("Uploading “" + file.name + "”…", "busy");
      try {
        var grant = await grantFor(file, type);
        await send(file, type, grant);
        listed(file, grant);
      } catch (error) {
        say(error.message, "error");
        form.reset();
        return;
      }
      sent += 1;
    }
    say(sent === 1 ? "Thank you! Your photo is uploaded." : "Thank you! " + sent + " photos are uploaded.", "ok");
    form.reset();
  }

  form.hidden = false;
  input.addEventListener("change", function () {
    if (input.files && input.files.length) { upload(Array.prototype.slice.call(input.files)); }
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
})();
