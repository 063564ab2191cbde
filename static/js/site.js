// Site-wide behaviour. No inline script anywhere: the CSP allows only files from 'self'.
(function () {
  "use strict";
  // Quick exit: leave for a neutral page and replace this page in the history, so that
  // the back button does not bring it back. Without JavaScript the link still leaves.
  // Pages that would ask "leave this page?" listen for "quick-exit" and stop asking.
  function leave(link) {
    document.dispatchEvent(new Event("quick-exit"));
    window.location.replace(link.href);
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-quick-exit]");
    if (!link) return;
    event.preventDefault();
    leave(link);
  });
  document.addEventListener("keydown", function (event) {
    var link = document.querySelector("[data-quick-exit]");
    if (link && event.key === "Escape" && event.shiftKey) {
      event.preventDefault();
      leave(link);
    }
  });
})();
