// Sort a table by clicking its column heading (tables inside an element with class "al-sortable").
// Cells may carry data-sort with the exact number; otherwise their text is compared.
(function () {
  function key(cell) {
    const raw = cell.dataset.sort;
    return raw !== undefined ? parseFloat(raw) : cell.textContent.trim().toLowerCase();
  }
  function sortBy(table, column, th) {
    const body = table.tBodies[0];
    const ascending = th.getAttribute("aria-sort") !== "ascending";
    const rows = Array.from(body.rows);
    rows.sort(function (a, b) {
      const x = key(a.cells[column]), y = key(b.cells[column]);
      const order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  function setUp() {
    document.querySelectorAll(".al-sortable table").forEach(function (table) {
      if (table.dataset.sortable) return;
      table.dataset.sortable = "1";
      table.querySelectorAll("thead th").forEach(function (th, column) {
        th.tabIndex = 0;
        th.title = "sort by " + th.textContent;
        th.addEventListener("click", function () { sortBy(table, column, th); });
        th.addEventListener("keydown", function (e) {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, column, th); }
        });
      });
    });
  }
  if (typeof document$ !== "undefined") { document$.subscribe(setUp); }
  else { document.addEventListener("DOMContentLoaded", setUp); }
})();
