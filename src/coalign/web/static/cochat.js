// Steered chat: slider read-outs, sliders carried into "regenerate", and the radar of each answer.
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

  function radar(svg) {
    var axes = JSON.parse(svg.dataset.axes || "[]");
    var scores = JSON.parse(svg.dataset.scores || "[]");
    var targets = JSON.parse(svg.dataset.targets || "{}");
    var k = axes.length;
    if (!k) return;
    [1, 2, 3, 4, 5].forEach(function (level) {
      svg.appendChild(el("polygon", { points: polygon(axes.map(function () { return level; }), k), class: "grid" }));
    });
    axes.forEach(function (name, i) {
      var end = point(i, k, 5), label = point(i, k, 6.1);
      svg.appendChild(el("line", { x1: 0, y1: 0, x2: end[0], y2: end[1], class: "spoke" }));
      var text = el("text", { x: label[0], y: label[1], "text-anchor": "middle", class: "label" });
      text.textContent = name + " " + (scores[i] === null ? "–" : scores[i]);
      svg.appendChild(text);
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

  document.addEventListener("DOMContentLoaded", function () {
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
