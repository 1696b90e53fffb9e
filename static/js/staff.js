// Staff screens: keyboard shortcut "/" for search, focus on the error summary, one submission per form.
// No inline scripts anywhere: the Content-Security-Policy will forbid them.
(function () {
  "use strict";

  function isTyping(element) {
    return element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].indexOf(element.tagName) !== -1;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) {
      return;
    }
    var box = document.getElementById("main-search") || document.getElementById("nav-search");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-submit-once")) {
      // The server refuses a second posting anyway (idempotency key); this spares the user the wait.
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
    }
  });

  // Complaint intake: when "someone else" speaks, show what to tell them and hide everything else.
  function showSpeakerChoice(form) {
    var chosen = form.querySelector("input[name=speaker]:checked");
    var speaker = chosen ? chosen.value : "";
    form.querySelectorAll("[data-speaker-shows]").forEach(function (element) {
      element.classList.toggle("d-none", element.getAttribute("data-speaker-shows") !== speaker);
    });
    form.querySelectorAll("[data-speaker-hides]").forEach(function (element) {
      element.classList.toggle("d-none", element.getAttribute("data-speaker-hides") === speaker);
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.name === "speaker" && event.target.form) {
      showSpeakerChoice(event.target.form);
    }
  });

  // A table wider than the screen scrolls inside its wrapper: the wrapper then takes the keyboard focus, so the
  // arrow keys scroll it too (axe: scrollable-region-focusable). A wrapper that does not scroll stays out of the
  // tab order.
  function focusScrollingTables() {
    document.querySelectorAll(".table-responsive").forEach(function (wrapper) {
      if (wrapper.scrollWidth > wrapper.clientWidth) {
        wrapper.setAttribute("tabindex", "0");
      } else if (wrapper.getAttribute("tabindex") === "0") {
        wrapper.removeAttribute("tabindex");
      }
    });
  }
  window.addEventListener("resize", focusScrollingTables);
  document.addEventListener("htmx:afterSettle", focusScrollingTables);

  document.addEventListener("DOMContentLoaded", function () {
    focusScrollingTables();
    var summary = document.getElementById("error-summary") || document.getElementById("someone-else-stop");
    if (summary) {
      summary.focus();
    }
    document.querySelectorAll("form.complaint-form").forEach(showSpeakerChoice);
  });
})();
