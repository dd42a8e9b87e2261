/* archlens exercise sheet: marks typed answers against a hashed key (no answer is in the page),
 * keeps them in localStorage, and downloads them as the answers.yaml `archlens check` reads.
 * Hash: SHA-256 of "salt|layer|field|canonical answer" (archlens.teach.exercise_key), the
 * canonical text from checker.js's parser, the one the Python checker also uses. */
(function () {
  "use strict";
  var root = document.currentScript.parentElement;
  var key = JSON.parse(root.querySelector("script.al-hashed-key").textContent);
  var store = root.getAttribute("data-storage");
  var inputs = Array.prototype.slice.call(root.querySelectorAll("input[data-layer][data-field]"));
  function saved() {
    try { return JSON.parse(window.localStorage.getItem(store) || "{}"); } catch (e) { return {}; }
  }
  function save() {
    var all = {};
    inputs.forEach(function (i) {
      if (!i.value.trim()) return;
      var l = i.getAttribute("data-layer");
      (all[l] = all[l] || {})[i.getAttribute("data-field")] = i.value.trim();
    });
    try { window.localStorage.setItem(store, JSON.stringify(all)); } catch (e) { /* private mode */ }
    return all;
  }
  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) {
      return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }
  function sha256(text) {
    return window.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(hex);
  }
  function show(out, ok, sentence) {
    out.className = "al-verdict " + (ok ? "al-right" : "al-wrong");
    out.textContent = "";
    var mark = document.createElement("span");
    mark.className = "al-mark"; mark.textContent = ok ? "\u2713" : "\u2717";
    out.appendChild(mark);
    if (sentence) {
      var d = document.createElement("span");
      d.className = ok ? "al-note" : "al-diagnosis"; d.textContent = sentence;
      out.appendChild(d);
    }
  }
  function mark(input) {
    var layer = input.getAttribute("data-layer"), field = input.getAttribute("data-field");
    var out = root.querySelector('[data-verdict="' + layer + "." + field + '"]');
    var entry = key.layers[layer];
    out.textContent = ""; out.className = "al-verdict";
    if (!input.value.trim() || !entry) return Promise.resolve(null);
    var text;
    try { text = window.archlensCanonical(field, input.value, entry.dims); }
    catch (e) {
      out.className = "al-verdict al-unreadable"; out.textContent = "? " + field + " " + e.message;
      return Promise.resolve("unreadable");
    }
    var k = entry.fields[field];
    return sha256([key.salt, layer, field, text].join("|")).then(function (h) {
      if (Object.prototype.hasOwnProperty.call(k.accept, h)) { show(out, true, k.accept[h]); return "right"; }
      var w = k.wrong.filter(function (x) { return x[0] === h; })[0];
      show(out, false, w ? w[2] : ""); return "wrong";
    });
  }
  function checkAll() {
    var summary = root.querySelector(".al-summary");
    if (!(window.crypto && window.crypto.subtle)) {
      summary.textContent = "This browser cannot compute SHA-256 here (not a secure context): " +
        "download your answers and run archlens check.";
      return;
    }
    Promise.all(inputs.map(mark)).then(function (rs) {
      var n = function (what) { return rs.filter(function (r) { return r === what; }).length; };
      summary.textContent = n("right") + " of " + (n("right") + n("wrong")) + " answered fields right, " +
        n("wrong") + " wrong" + (n("unreadable") ? ", " + n("unreadable") + " unreadable" : "") + ".";
    });
  }
  function yaml() {
    var all = save(), lines = ["# Answers typed in the exercise page for " + key.spec + ".",
      "# Check them with: archlens check " + key.spec + " answers.yaml", "layers:"];
    Object.keys(all).forEach(function (layer) {
      lines.push("  " + JSON.stringify(layer) + ":");
      Object.keys(all[layer]).forEach(function (f) {
        lines.push("    " + f + ": " + JSON.stringify(all[layer][f]));
      });
    });
    return lines.join("\n") + "\n";
  }
  function download() {
    var text = yaml(), a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: "text/yaml" }));
    a.download = "answers.yaml";
    root.setAttribute("data-exported", text);
    document.body.appendChild(a); a.click(); a.remove();
  }
  var before = saved();
  inputs.forEach(function (i) {
    var v = (before[i.getAttribute("data-layer")] || {})[i.getAttribute("data-field")];
    if (v) i.value = v;
    i.addEventListener("input", save);
  });
  root.querySelectorAll(".al-check").forEach(function (b) { b.addEventListener("click", checkAll); });
  root.querySelectorAll(".al-export").forEach(function (b) { b.addEventListener("click", download); });
})();
