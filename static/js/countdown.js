// countdown.js updates the server-rendered countdown of a notice page every minute; without it the
// page shows the countdown as it was when served.
(function () {
  var el = document.querySelector(".countdown[data-deadline]");
  if (!el) return;
  var end = Number(el.getAttribute("data-deadline")) * 1000;
  var format = el.getAttribute("data-format");
  function tick() {
    var left = end - Date.now();
    if (left <= 0) {
      el.textContent = el.getAttribute("data-closed");
      return;
    }
    var days = Math.floor(left / 86400000);
    var hours = Math.floor((left % 86400000) / 3600000);
    var i = 0;
    el.textContent = format.replace(/%d/g, function () { return String(i++ === 0 ? days : hours); });
    setTimeout(tick, 60000);
  }
  tick();
})();
