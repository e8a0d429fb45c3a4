// Workshop timer: counts the session down and shows a break reminder at each break mark.
(function () {
  var box = document.getElementById("timer");
  if (!box || box.dataset.running !== "1") { return; }
  var remaining = parseInt(box.dataset.remaining, 10);
  var nextBreak = box.dataset.nextBreak === "" ? null : parseInt(box.dataset.nextBreak, 10);
  var every = parseInt(box.dataset.breakEvery, 10);
  var left = document.getElementById("timer-left"), reminder = document.getElementById("break-reminder");
  var shownFor = 0;
  setInterval(function () {
    remaining = Math.max(0, remaining - 1);
    left.textContent = Math.floor(remaining / 60) + ":" + String(remaining % 60).padStart(2, "0");
    if (nextBreak !== null) {
      nextBreak -= 1;
      if (nextBreak <= 0) { reminder.hidden = false; shownFor = 300; nextBreak = every; }
    }
    if (shownFor > 0) { shownFor -= 1; if (shownFor === 0) { reminder.hidden = true; } }
  }, 1000);
})();
