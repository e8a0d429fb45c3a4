// Demographics survey: a question whose options depend on an earlier answer (e.g. ethnicity
// categories per country of residence) shows only the list for that answer; the other lists
// are hidden and disabled, so they are not sent. Without JavaScript every list is shown, each
// with a note saying which answer it belongs to, and the server checks the pairing.
(function () {
  var groups = Array.prototype.slice.call(document.querySelectorAll("fieldset.depends"));
  if (!groups.length) { return; }
  function update(parent) {
    var checked = document.querySelector('input[name="' + parent + '"]:checked');
    var answer = checked ? checked.value : "";
    var mine = groups.filter(function (g) { return g.dataset.dependsOn === parent; });
    var listed = mine.some(function (g) { return answer !== "" && g.dataset.when === answer; });
    mine.forEach(function (g) {
      var show = listed ? g.dataset.when === answer : g.dataset.when === "";
      g.hidden = !show;
      g.disabled = !show;
      if (!show) {
        g.querySelectorAll("input[type=radio]").forEach(function (r) { r.checked = false; });
      }
    });
  }
  var parents = [];
  groups.forEach(function (g) {
    if (parents.indexOf(g.dataset.dependsOn) < 0) { parents.push(g.dataset.dependsOn); }
  });
  parents.forEach(function (parent) {
    document.querySelectorAll('input[name="' + parent + '"]').forEach(function (input) {
      input.addEventListener("change", function () { update(parent); });
    });
    update(parent);
  });
})();
