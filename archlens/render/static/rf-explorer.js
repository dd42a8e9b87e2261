/* archlens receptive-field explorer: draws the profile's fields (rf-data JSON); computes nothing
   but where to draw. Unit (i, j) of a layer: field centre start + index * jump per axis, spanning
   `size` input pixels; pixel k covers [k - 0.5, k + 0.5]. No network, no libraries. */
(function () {
  "use strict";
  var root = document.currentScript.parentElement;
  var NS = "http://www.w3.org/2000/svg";
  var data = JSON.parse(root.querySelector("#rf-data").textContent);
  var AX = ["h", "w"];
  var num = function (v) {
    if (typeof v === "number") return v;
    var pq = String(v).split("/");
    return Number(pq[0]) / Number(pq[1] || 1);
  };
  var byName = {};
  data.layers.forEach(function (m, k) {
    byName[m.layer] = { meta: m, h: data.axes.h[k], w: data.axes.w[k] };
  });
  var q = function (sel) { return root.querySelector(sel); };
  var select = q(".rfx-layer"), grid = q(".rfx-grid"), image = q(".rfx-image");
  var unit = null;

  function el(tag, attrs, parent) {
    var node = document.createElementNS(NS, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function fmt(x) { return Number.isInteger(x) ? String(x) : String(Math.round(x * 1000) / 1000); }

  /* one layer's field on one axis, for unit index i */
  function field(L, a, i) {
    var e = L[a], size = num(e.size), c = num(e.start) + i * num(e.jump);
    var lo = c - (size - 1) / 2, hi = c + (size - 1) / 2, n = data.input[a];
    if (e.phases) {            /* exact extent of unit i's phase, relative to its centre */
      var ext = e.phases[((i % e.phases.length) + e.phases.length) % e.phases.length];
      if (ext) { lo = c + num(ext[0]); hi = c + num(ext[1]); size = hi - lo + 1; }
    }
    var inLo = Math.max(lo, 0), inHi = Math.min(hi, n - 1);
    return { size: size, centre: c, lo: lo, hi: hi, inside: Math.max(0, inHi - inLo + 1),
             inLo: inLo, inHi: inHi, phases: e.phases };
  }
  /* the chain from the layer to the first layer, each with the unit nearest the same centre */
  function chain(name, idx) {
    var out = [], L = byName[name], f = { h: field(L, "h", idx.h), w: field(L, "w", idx.w) };
    out.push({ L: L, idx: idx, f: f });
    var centre = { h: f.h.centre, w: f.w.centre };
    for (var p = L.meta.parent; p; p = byName[p].meta.parent) {
      var A = byName[p], ai = {};
      AX.forEach(function (a) {
        var k = Math.round((centre[a] - num(A[a].start)) / num(A[a].jump));
        ai[a] = Math.min(Math.max(k, 0), A.meta.out[a] - 1);
      });
      out.push({ L: A, idx: ai, f: { h: field(A, "h", ai.h), w: field(A, "w", ai.w) } });
    }
    return out;
  }

  function drawGrid(L) {
    clear(grid);
    var H = L.meta.out.h, W = L.meta.out.w;
    grid.setAttribute("viewBox", "0 0 " + W + " " + H);
    grid.style.aspectRatio = W + " / " + H;
    el("rect", { x: 0, y: 0, width: W, height: H, "class": "rfx-map" }, grid);
    if (H <= 64 && W <= 64) {
      var d = "";
      for (var r = 1; r < H; r++) d += "M0 " + r + "H" + W;
      for (var c = 1; c < W; c++) d += "M" + c + " 0V" + H;
      el("path", { d: d, "class": "rfx-lines", "vector-effect": "non-scaling-stroke" }, grid);
    }
    var cross = "M" + (unit.w + 0.5) + " 0V" + H + "M0 " + (unit.h + 0.5) + "H" + W;
    el("path", { d: cross, "class": "rfx-cross", "vector-effect": "non-scaling-stroke" }, grid);
    el("rect", { x: unit.w, y: unit.h, width: 1, height: 1, "class": "rfx-unit" }, grid);
  }

  function box(f, cls, parent) {
    return el("rect", { x: f.w.lo - 0.5, y: f.h.lo - 0.5, width: f.w.size, height: f.h.size,
                        "class": cls }, parent);
  }

  function drawImage(links) {
    clear(image);
    var H = data.input.h, W = data.input.w, x0 = -0.5, y0 = -0.5, x1 = W - 0.5, y1 = H - 0.5;
    links.forEach(function (k) {
      x0 = Math.min(x0, k.f.w.lo - 0.5); x1 = Math.max(x1, k.f.w.hi + 0.5);
      y0 = Math.min(y0, k.f.h.lo - 0.5); y1 = Math.max(y1, k.f.h.hi + 0.5);
    });
    var m = 0.02 * Math.max(x1 - x0, y1 - y0);
    image.setAttribute("viewBox", [x0 - m, y0 - m, x1 - x0 + 2 * m, y1 - y0 + 2 * m].join(" "));
    image.style.aspectRatio = (x1 - x0 + 2 * m) + " / " + (y1 - y0 + 2 * m);
    var defs = el("defs", {}, image), id = "rfx-hatch-" + Math.random().toString(36).slice(2);
    var step = Math.max(x1 - x0, y1 - y0) / 60;   /* hatch spacing: 60 lines across the view */
    var pat = el("pattern", { id: id, width: step, height: step, patternUnits: "userSpaceOnUse",
                              patternTransform: "rotate(45)" }, defs);
    el("rect", { width: step * 0.35, height: step, "class": "rfx-hatch" }, pat);
    el("rect", { x: -0.5, y: -0.5, width: W, height: H, "class": "rfx-photo" }, image);
    var f = links[0].f;
    var b = box(f, "rfx-box", image);
    b.setAttribute("fill", "url(#" + id + ")");
    AX.forEach(function (a) {
      b.setAttribute("data-size-" + a, fmt(f[a].size));
      b.setAttribute("data-inside-" + a, fmt(f[a].inside));
    });
    if (f.h.inside > 0 && f.w.inside > 0) {
      /* the part on image pixels: unhatched (photo colour), then tinted */
      ["rfx-photo-fill", "rfx-inside"].forEach(function (cls) {
        el("rect", { x: f.w.inLo - 0.5, y: f.h.inLo - 0.5, width: f.w.inside, height: f.h.inside,
                     "class": cls }, image);
      });
    }
    links.slice(1).forEach(function (k) { box(k.f, "rfx-ancestor", image); });
    el("rect", { x: f.w.centre - 0.5, y: f.h.centre - 0.5, width: 1, height: 1,
                 "class": "rfx-centre" }, image);
  }

  function span(f) { return fmt(f.lo) + " to " + fmt(f.hi); }
  function phases(f) {
    if (!f.phases) return "";
    var sizes = f.phases.map(function (x) { return x ? fmt(num(x[1]) - num(x[0]) + 1) : "none"; });
    return " (this unit's phase; " + f.phases.length + " phases: " + sizes.join(", ") + ")";
  }
  function describe(k) {
    var f = k.f, pad = f.h.size * f.w.size - f.h.inside * f.w.inside;
    return k.L.meta.layer + " unit (row " + k.idx.h + ", col " + k.idx.w + "): field " +
      fmt(f.h.size) + phases(f.h) + " x " + fmt(f.w.size) + phases(f.w) + " px, rows " +
      span(f.h) + ", cols " + span(f.w) + ", centre (" + fmt(f.h.centre) + ", " +
      fmt(f.w.centre) + "); inside the image " + fmt(f.h.inside) + " x " + fmt(f.w.inside) +
      " px, " + fmt(pad) + " of its pixels are padding.";
  }
  function drawTable(links) {
    var body = q(".rfx-table tbody");
    body.innerHTML = "";
    links.forEach(function (k) {
      var tr = document.createElement("tr"), f = k.f;
      [k.L.meta.layer, k.idx.h + ", " + k.idx.w, span(f.h), span(f.w),
       fmt(f.h.size) + " x " + fmt(f.w.size), fmt(f.h.inside) + " x " + fmt(f.w.inside)]
        .forEach(function (t) { var td = document.createElement("td"); td.textContent = t; tr.appendChild(td); });
      body.appendChild(tr);
    });
  }

  function draw() {
    var L = byName[select.value];
    q(".rfx-name").textContent = L.meta.layer;
    q(".rfx-dims").textContent = L.meta.out.h + " x " + L.meta.out.w;
    q(".rfx-in").textContent = data.input.h + " x " + data.input.w;
    drawGrid(L);
    var links = chain(L.meta.layer, unit);
    drawImage(links);
    drawTable(links);
    q(".rfx-readout").textContent = describe(links[0]);
    grid.setAttribute("aria-valuetext", describe(links[0]));
  }
  function pick(h, w) {
    var out = byName[select.value].meta.out;
    unit = { h: Math.min(Math.max(h, 0), out.h - 1), w: Math.min(Math.max(w, 0), out.w - 1) };
    draw();
  }
  function centreUnit() {
    var out = byName[select.value].meta.out;
    pick(Math.floor((out.h - 1) / 2), Math.floor((out.w - 1) / 2));
  }

  grid.addEventListener("click", function (ev) {
    var pt = grid.createSVGPoint();
    pt.x = ev.clientX; pt.y = ev.clientY;
    var p = pt.matrixTransform(grid.getScreenCTM().inverse());
    pick(Math.floor(p.y), Math.floor(p.x));
    grid.focus();
  });
  grid.addEventListener("keydown", function (ev) {
    var step = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[ev.key];
    if (!step) return;
    ev.preventDefault();
    pick(unit.h + step[0], unit.w + step[1]);
  });
  select.addEventListener("change", centreUnit);
  centreUnit();
})();
