// Label map: hovering over or focusing a point shows its code, author, author's cluster,
// suggested cluster and turn in the caption below the map.
(function () {
  var detail = document.getElementById("map-detail");
  if (!detail) { return; }
  function show(point) {
    var d = point.dataset, label = detail.dataset;
    detail.textContent = "";
    [[label.labelCode, d.code], [label.labelAuthor, d.author], [label.labelCluster, d.cluster || "–"],
     [label.labelSuggestion, d.suggestion], [label.labelQuote, d.quote || "–"], [label.labelTurn, d.turn]].forEach(function (row) {
      var line = document.createElement("div"), label = document.createElement("strong");
      label.textContent = row[0] + ": ";
      line.appendChild(label);
      line.appendChild(document.createTextNode(row[1]));
      detail.appendChild(line);
    });
    document.querySelectorAll("#labelmap .point.active").forEach(function (p) { p.classList.remove("active"); });
    point.classList.add("active");
  }
  document.querySelectorAll("#labelmap .point").forEach(function (point) {
    point.addEventListener("mouseenter", function () { show(point); });
    point.addEventListener("focus", function () { show(point); });
  });
})();
