// Staff dashboard niceties; every form works without them.
(function () {
  "use strict";
  // A refused change: the problems are announced at the top of the page and get the focus,
  // so a screen reader reads them and a phone shows them without scrolling.
  var problems = document.querySelector("[data-focus-on-load]");
  if (problems) problems.focus();
  // Choosing a prepared reply fills the message box so it can be edited before sending.
  var canned = document.getElementById("id_message-canned");
  var body = document.getElementById("id_message-body");
  if (canned && body) {
    var texts = {};
    try { texts = JSON.parse(document.getElementById("canned-replies").textContent); } catch (e) { texts = {}; }
    canned.addEventListener("change", function () {
      if (texts[canned.value] && !body.value.trim()) body.value = texts[canned.value];
    });
  }
})();
