// The patient portal's small enhancements. Every page works without them (no inline scripts: CSP).
(function () {
  "use strict";

  function focusErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  }

  // Copy buttons start hidden and appear only where the browser can copy; the values stay readable anyway.
  function enableCopyButtons() {
    if (!navigator.clipboard || !window.isSecureContext) {
      return;
    }
    var status = document.getElementById("copy-status");
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.dataset.copy).then(function () {
          if (status) {
            status.textContent = "";
            status.textContent = status.dataset.copied;
          }
          button.classList.add("active");
          window.setTimeout(function () { button.classList.remove("active"); }, 1500);
        }, function () {
          // Copying was refused (a browser setting): the value stays on the page to select by hand.
          button.hidden = true;
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    enableCopyButtons();
  });
})();
