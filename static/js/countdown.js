// countdown.js keeps the server-rendered countdowns of a page (the open-notice banners) live, updating
// them every minute; without it each shows the time left as of the page's date, which the note in its
// banner (.countdown-asof) says and which this script hides, since the count is then live.
(function () {
  var els = document.querySelectorAll(".countdown[data-deadline]");
  Array.prototype.forEach.call(els, function (el) {
    var end = Number(el.getAttribute("data-deadline")) * 1000;
    var format = el.getAttribute("data-format");
    var box = el.closest(".open-notice");
    var note = box && box.querySelector(".countdown-asof");
    if (note) note.hidden = true;
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
  });
})();
