// Steered chat: slider read-outs, sliders carried into "regenerate", and the radar of each
// answer (a plane for two axes); the bars beside it carry the same scores as text.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  function sliders() {
    return document.querySelectorAll('#send-form input[type="range"]');
  }

  function el(name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }

  // Point of value v (0..5) on spoke i of k, radius 90 for 5.
  function point(i, k, v) {
    var angle = -Math.PI / 2 + (2 * Math.PI * i) / k;
    return [(Math.cos(angle) * 90 * v) / 5, (Math.sin(angle) * 90 * v) / 5];
  }

  function polygon(values, k) {
    return values.map(function (v, i) { return point(i, k, v || 0).join(","); }).join(" ");
  }

  function label(svg, x, y, text, anchor) {
    var node = el("text", { x: x, y: y, "text-anchor": anchor || "middle", class: "label" });
    node.textContent = text;
    svg.appendChild(node);
  }

  // Two axes make no radar: show the answer and the target as points on the plane of both.
  function plane(svg, axes, scores, targets) {
    function at(v) { return -90 + ((v - 1) * 180) / 4; }
    [1, 2, 3, 4, 5].forEach(function (v) {
      svg.appendChild(el("line", { x1: at(v), y1: -90, x2: at(v), y2: 90, class: "grid" }));
      svg.appendChild(el("line", { x1: -90, y1: at(v), x2: 90, y2: at(v), class: "grid" }));
    });
    label(svg, 0, 112, axes[0] + " " + (scores[0] === null ? "–" : scores[0]));
    label(svg, -100, -98, axes[1] + " " + (scores[1] === null ? "–" : scores[1]), "start");
    var tx = targets[axes[0]], ty = targets[axes[1]];
    if (tx || ty) {
      svg.appendChild(el("circle", { cx: at(tx || 3), cy: -at(ty || 3), r: 7, class: "target" }));
    }
    if (scores[0] !== null && scores[1] !== null) {
      svg.appendChild(el("circle", { cx: at(scores[0]), cy: -at(scores[1]), r: 5, class: "shape" }));
    }
  }

  function radar(svg) {
    var axes = JSON.parse(svg.dataset.axes || "[]");
    var scores = JSON.parse(svg.dataset.scores || "[]");
    var targets = JSON.parse(svg.dataset.targets || "{}");
    var k = axes.length;
    if (k < 2) { svg.remove(); return; }  // one axis: the bar says it all
    if (k === 2) { plane(svg, axes, scores, targets); return; }
    [1, 2, 3, 4, 5].forEach(function (level) {
      svg.appendChild(el("polygon", { points: polygon(axes.map(function () { return level; }), k), class: "grid" }));
    });
    axes.forEach(function (name, i) {
      var end = point(i, k, 5), where = point(i, k, 6.1);
      svg.appendChild(el("line", { x1: 0, y1: 0, x2: end[0], y2: end[1], class: "spoke" }));
      label(svg, where[0], where[1], name + " " + (scores[i] === null ? "–" : scores[i]));
    });
    var wanted = axes.map(function (name) { return targets[name] || 0; });
    if (wanted.some(function (v) { return v > 0; })) {
      svg.appendChild(el("polygon", { points: polygon(wanted, k), class: "target" }));
    }
    svg.appendChild(el("polygon", { points: polygon(scores, k), class: "shape" }));
    scores.forEach(function (v, i) {
      if (v === null) return;
      var p = point(i, k, v);
      svg.appendChild(el("circle", { cx: p[0], cy: p[1], r: 3, class: "dot", "data-axis": axes[i] }));
    });
  }

  // Stop generating: while a message or a regeneration is answered, the stop button shows; it
  // asks the server to stop, and the page still waiting for the answer then shows the text so
  // far. Opened while an answer was being written (no request of this page waits), it reloads.
  function stopButton() {
    var stop = document.getElementById("stop-form");
    if (!stop) return;
    var waiting = false;
    document.querySelectorAll("form.generates").forEach(function (form) {
      form.addEventListener("submit", function () {
        waiting = true;
        stop.hidden = false;
        form.querySelectorAll('button[type="submit"]').forEach(function (b) { b.disabled = true; });
      });
    });
    stop.addEventListener("submit", function (event) {
      event.preventDefault();
      document.getElementById("stop-button").disabled = true;
      fetch(stop.action, { method: "POST", body: new FormData(stop), credentials: "same-origin", redirect: "manual" })
        .then(function () { if (!waiting) window.location.reload(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    stopButton();
    sliders().forEach(function (input) {
      var out = document.querySelector('output[for="' + input.id + '"]');
      input.addEventListener("input", function () { if (out) out.value = input.value; });
    });
    document.querySelectorAll("form.regenerate").forEach(function (form) {
      form.addEventListener("submit", function () {
        sliders().forEach(function (input) {
          var hidden = form.querySelector('input[type="hidden"][name="' + CSS.escape(input.name) + '"]');
          if (hidden) hidden.value = input.value;
        });
      });
    });
    document.querySelectorAll("svg.radar").forEach(radar);
  });
})();
