// Focused coding by drag and drop: dropping a code on a cluster posts the move, then reloads.
(function () {
  var holder = document.getElementById("clusters");
  var csrf = holder ? holder.dataset.csrf : null;
  document.querySelectorAll(".code-chip[draggable]").forEach(function (chip) {
    chip.addEventListener("dragstart", function (event) { event.dataTransfer.setData("text/plain", chip.dataset.code); });
  });
  document.querySelectorAll(".dropzone").forEach(function (zone) {
    zone.addEventListener("dragover", function (event) { event.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      var body = new URLSearchParams({ code_id: event.dataTransfer.getData("text/plain"), cluster_id: zone.dataset.cluster, csrf_token: csrf });
      fetch("/p/clusters/move", { method: "POST", body: body, headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
        .then(function (response) { if (response.ok) { window.location.reload(); } });
    });
  });
})();
