/* archlens "print the worksheet": on a model page, print only the worksheet, expanded.
 * The button marks the Worksheet heading and its folded sheet for print, opens the fold and
 * calls print(); print-worksheet.css hides everything else. The answers fold, the checker
 * and the rest of the page stay off paper. */
(function () {
  "use strict";
  var button = document.currentScript.parentElement.querySelector(".al-print");
  function keep() {
    var heading = document.getElementById("worksheet");
    if (!heading) return false;
    var marked = [heading];
    for (var n = heading.nextElementSibling; n && n.tagName !== "H2"; n = n.nextElementSibling) {
      if (n.tagName === "DETAILS" && n.classList.contains("question")) { n.open = true; marked.push(n); }
      else if (n.tagName === "P" && !n.querySelector("button")) marked.push(n);
      if (n.tagName === "H3") break;          // "Check your answers": the checker stays off paper
    }
    marked.forEach(function (m) { m.classList.add("al-print-keep"); });
    document.body.classList.add("al-print-worksheet");
    return true;
  }
  function done() { document.body.classList.remove("al-print-worksheet"); }
  window.archlensPrintWorksheet = keep;      // for a PDF export (page.pdf) to call
  button.addEventListener("click", function () { if (keep()) { window.print(); } });
  window.addEventListener("afterprint", done);
})();
