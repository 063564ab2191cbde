// Site-wide behaviour. No inline script anywhere: the CSP allows only files from 'self'.
(function () {
  "use strict";
  // Quick exit: leave for a neutral page and replace this page in the history, so that
  // the back button does not bring it back. Without JavaScript the link still leaves.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-quick-exit]");
    if (!link) return;
    event.preventDefault();
    window.location.replace(link.href);
  });
  document.addEventListener("keydown", function (event) {
    var link = document.querySelector("[data-quick-exit]");
    if (link && event.key === "Escape" && event.shiftKey) {
      window.location.replace(link.href);
    }
  });
})();
