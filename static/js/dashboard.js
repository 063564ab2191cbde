// Staff dashboard niceties; every form works without them.
(function () {
  "use strict";
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
