/* archlens in-page answer checker: vanilla JS, no network, no formulas.
 * It reads the answer key (JSON embedded by archlens.render.worksheet_pages) and compares the
 * typed answers with it, exactly as `archlens check` does: the same canonical answer text,
 * the accepted answers, then the first known mistake whose wrong answer matches. */
(function () {
  "use strict";
  function problem(msg) { var e = new Error(msg); e.unreadable = true; return e; }
  function count(text) {
    var t = String(text).replace(/[,_\s]/g, "");
    if (/^-\d+$/.test(t)) throw problem("must be a non-negative integer, got " + String(text).trim());
    if (!/^\d+$/.test(t)) throw problem("must be a non-negative integer, got '" + text + "'");
    return BigInt(t).toString();
  }
  function numbers(text, what) {
    var parts = String(text).trim().replace(/^[\[\]()]+|[\[\]()]+$/g, "")
      .split(/[x\u00d7,\s]+/).filter(function (p) { return p !== ""; });
    var out = [];
    try { parts.forEach(function (p) { out.push(count(p)); }); }
    catch (e) { throw problem("must be " + what + " of positive integers, got '" + text + "'"); }
    if (!out.length || out.some(function (n) { return BigInt(n) < 1n; }))
      throw problem("must be " + what + " of positive integers, got '" + text + "'");
    return out;
  }
  function canonical(field, text, dims) {
    if (field === "out_shape") {
      var what = dims === 3 ? "[C, H, W]" : "a list of " + dims + " number(s)";
      var s = numbers(text, what);
      if (s.length !== dims) throw problem("must be " + what + " (" + dims + " entries), got '" + text + "'");
      return s.join("x");
    }
    if (field === "rf") {
      if (String(text).trim().toLowerCase() === "none") return "none";
      var r = numbers(text, "an integer or [h, w]");
      if (r.length > 2) throw problem("must be an integer or [h, w], got '" + text + "'");
      var h = r[0], w = r.length > 1 ? r[1] : r[0];
      return h === w ? h : h + "x" + w;
    }
    return count(text);
  }
  window.archlensCanonical = canonical;   // the exercise sheet's hashed checker parses alike
  function verdict(key, given) {
    if (Object.prototype.hasOwnProperty.call(key.accept, given))
      return { ok: true, note: key.accept[given], diagnosis: "", rule: "" };
    for (var i = 0; i < key.wrong.length; i++)
      if (key.wrong[i][0] === given)
        return { ok: false, note: "", rule: key.wrong[i][1], diagnosis: key.wrong[i][2] };
    return { ok: false, note: "", diagnosis: "", rule: "" };
  }
  function show(out, v, expected) {
    out.textContent = "";
    out.className = "al-verdict " + (v.ok ? "al-right" : "al-wrong");
    var mark = document.createElement("span");
    mark.className = "al-mark"; mark.textContent = v.ok ? "\u2713" : "\u2717";
    out.appendChild(mark);
    var text = v.ok ? v.note : v.diagnosis;
    if (text) {
      var d = document.createElement("span");
      d.className = v.ok ? "al-note" : "al-diagnosis"; d.textContent = text;
      out.appendChild(d);
    }
    if (!v.ok) {
      var ans = document.createElement("details"), sum = document.createElement("summary");
      sum.textContent = "show answer"; ans.appendChild(sum);
      ans.appendChild(document.createTextNode(expected)); ans.className = "al-answer";
      out.appendChild(ans);
    }
  }
  function checkAll(root, data) {
    var right = 0, wrong = 0, unread = 0;
    root.querySelectorAll("input[data-layer][data-field]").forEach(function (input) {
      var layer = input.getAttribute("data-layer"), field = input.getAttribute("data-field");
      var out = root.querySelector('[data-verdict="' + layer + "." + field + '"]');
      var entry = data.layers[layer];
      if (!out || !entry) return;
      out.textContent = ""; out.className = "al-verdict";
      if (!input.value.trim()) return;
      var key = entry.fields[field];
      try {
        var v = verdict(key, canonical(field, input.value, entry.dims));
        show(out, v, key.expected);
        if (v.ok) right++; else wrong++;
      } catch (e) {
        if (!e.unreadable) throw e;
        out.className = "al-verdict al-unreadable";
        out.textContent = "? " + field + " " + e.message;
        unread++;
      }
    });
    var summary = root.querySelector(".al-summary");
    if (summary) summary.textContent = right + " of " + (right + wrong) + " answered fields right, " +
      wrong + " wrong" + (unread ? ", " + unread + " unreadable" : "") + ".";
  }
  function init(root) {
    var blob = root.querySelector('script[type="application/json"].al-key');
    if (!blob || root.getAttribute("data-al-ready")) return;
    root.setAttribute("data-al-ready", "1");
    var data = JSON.parse(blob.textContent);
    root.querySelectorAll(".al-check").forEach(function (button) {
      button.addEventListener("click", function (ev) { ev.preventDefault(); checkAll(root, data); });
    });
  }
  function start() { document.querySelectorAll(".archlens-checker").forEach(init); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
