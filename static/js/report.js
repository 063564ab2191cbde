// The tip form, receipt and follow-up pages. Everything here is an enhancement: without
// JavaScript every screen works the same way.
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  // --- The form draws one screen at a time on the server (no layout shift, and it works
  // the same without JavaScript). The date and the contact box follow their answer in CSS.

  // --- School: the matching schools follow the typing (the server's list, as buttons) --
  var search = $("school-search");
  var results = $("school-results");
  if (search && results && window.fetch) {
    var timer = null, asked = "";
    var ask = function () {
      var words = search.value.trim();
      if (words === asked) return;
      asked = words;
      fetch(search.dataset.url + "?q=" + encodeURIComponent(words), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) { if (html !== null && asked === words) results.innerHTML = html; })
        .catch(function () { /* the Search button still asks the server */ });
    };
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    });
  }

  // --- Focus: on a new screen, its question; with errors, the summary (read out) -------
  var form = $("tip-form");
  var summary = $("error-summary");
  var title = $("step-title");
  if (summary) {
    summary.focus();
  } else if (form && title && form.hasAttribute("data-answered")) {
    title.setAttribute("tabindex", "-1");
    title.focus();
  }
  document.querySelectorAll(".error-summary a").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.querySelector(link.getAttribute("href"));
      var control = target && target.querySelector("input:not([type=hidden]), select, textarea, button");
      if (!control) return;
      event.preventDefault();
      control.focus();
    });
  });

  // --- One submit per click: the server is idempotent, this just avoids confusion -----
  if (form) {
    form.addEventListener("submit", function () {
      var button = $("send-report");
      if (button) { button.disabled = true; }
    });
  }

  // --- Receipt: copy button, and a warning before leaving unsaved ---------------------
  var copy = $("copy-receipt");
  if (copy && navigator.clipboard) {
    copy.classList.remove("d-none");
    copy.addEventListener("click", function () {
      var text = $(copy.dataset.copyTarget).textContent.trim();
      navigator.clipboard.writeText(text).then(function () {
        $("copy-status").textContent = copy.dataset.done || "Copied.";
      });
    });
  }
  var confirmForm = $("confirm-receipt-form");
  if (confirmForm) {
    var guard = function (event) { event.preventDefault(); event.returnValue = ""; };
    window.addEventListener("beforeunload", guard);
    // Forms that keep the receipt on the next page (done, decoy code) may leave freely.
    document.querySelectorAll("form[data-keeps-receipt]").forEach(function (keeping) {
      keeping.addEventListener("submit", function () { window.removeEventListener("beforeunload", guard); });
    });
    document.addEventListener("quick-exit", function () { window.removeEventListener("beforeunload", guard); });
  }
})();
