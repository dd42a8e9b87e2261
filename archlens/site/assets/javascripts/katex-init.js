// Render the math that pymdownx.arithmatex (generic mode) leaves in the page:
// <span class="arithmatex">\(...\)</span> and <div class="arithmatex">\[...\]</div>.
// We render those elements directly instead of scanning the whole page with
// auto-render, so a stray "$" in code or prose is never mistaken for math.
// document$ is Material's page-load observable; it also fires after instant navigation.
(function () {
  function stripDelimiters(text) {
    var t = text.trim();
    var pairs = [["\\(", "\\)"], ["\\[", "\\]"], ["$$", "$$"], ["$", "$"]];
    for (var i = 0; i < pairs.length; i++) {
      var open = pairs[i][0], close = pairs[i][1];
      if (t.startsWith(open) && t.endsWith(close) && t.length >= open.length + close.length) {
        return t.slice(open.length, t.length - close.length);
      }
    }
    return t;
  }

  function renderAll(root) {
    root.querySelectorAll(".arithmatex").forEach(function (el) {
      // throwOnError: false turns a bad formula into a visible .katex-error
      // span, which the browser test looks for, instead of a blank page.
      katex.render(stripDelimiters(el.textContent), el, {
        displayMode: el.tagName === "DIV",
        throwOnError: false,
      });
    });
  }

  document$.subscribe(function (doc) { renderAll(doc.body || document.body); });
})();
