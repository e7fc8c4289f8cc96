// 移除 opens one confirmation dialog filled in for the member (without JavaScript the
// link opens the confirmation page instead); forms marked .js-once submit only once.
(function () {
  "use strict";
  var dialog = document.getElementById("remove-dialog");
  if (dialog && window.bootstrap) {
    var form = document.getElementById("remove-form");
    var who = document.getElementById("remove-who");
    var modal = window.bootstrap.Modal.getOrCreateInstance(dialog);
    document.addEventListener("click", function (event) {
      var link = event.target.closest("a.js-remove");
      if (!link) return;
      event.preventDefault();
      form.setAttribute("action", link.getAttribute("data-action"));
      who.textContent = link.getAttribute("data-who");
      modal.show(link);
    });
  }
  document.querySelectorAll("form.js-once").forEach(function (onceForm) {
    onceForm.addEventListener("submit", function (event) {
      if (onceForm.dataset.sent) {
        event.preventDefault();
        return;
      }
      onceForm.dataset.sent = "1";
      onceForm.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.setAttribute("aria-disabled", "true");
        button.classList.add("disabled");
        button.textContent = "正在导入…";
      });
    });
  });
})();
