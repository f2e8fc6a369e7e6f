// import.js shows the "importing…" state of the import form while the upload and import run.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form.import-form");
  if (!form) return;
  form.addEventListener("submit", function () {
    var p = form.querySelector(".import-progress");
    var b = form.querySelector("button[type=submit]");
    if (p) p.hidden = false;
    if (b) b.disabled = true;
  });
});
