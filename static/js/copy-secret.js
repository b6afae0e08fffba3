// The "Copy to clipboard" button beside a secret shown once. Without JavaScript the button
// stays hidden and the read-only field can be selected and copied by hand.
(function () {
  var buttons = document.querySelectorAll("[data-copy-target]");
  Array.prototype.forEach.call(buttons, function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var status = button.parentNode.querySelector("[data-copy-status]");
    if (!field) return;
    button.hidden = false;
    field.addEventListener("focus", function () { field.select(); });
    button.addEventListener("click", function () {
      var done = function () { if (status) status.textContent = "Copied."; };
      var fallback = function () {
        field.focus();
        field.select();
        try { document.execCommand("copy"); done(); } catch (e) { if (status) status.textContent = "Press Ctrl+C to copy."; }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, fallback);
      } else {
        fallback();
      }
    });
  });
})();
