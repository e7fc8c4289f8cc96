/* Account pages (no inline script: CSP script-src 'self').
 *
 * 1. 获取验证码: after a code is sent the server answers with a button carrying
 *    data-countdown="60"; this counts it down ("60 秒后重新获取") and enables the button
 *    again at zero. Works for buttons that htmx swaps in.
 * 2. Forms marked data-submit-once disable their submit button once submitted, so a
 *    double click cannot post twice (the second post would find its SMS code or slider
 *    pass already spent and show a confusing refusal). Coming back through the browser's
 *    history enables it again.
 * 3. A 获取验证码 answer replaces the phone's errors (#sms-phone-errors): the input is
 *    marked invalid exactly while an error is shown there, so a fixed number loses the
 *    red border and the announcement of its old error.
 */
(function () {
  "use strict";

  function start(button) {
    var left = parseInt(button.getAttribute("data-countdown") || "0", 10);
    if (!left || button.getAttribute("data-counting")) {
      return;
    }
    var label = button.getAttribute("data-label") || "获取验证码";
    button.setAttribute("data-counting", "1");
    button.disabled = true;

    function show() {
      button.textContent = left + " 秒后重新获取";
    }

    show();
    var timer = window.setInterval(function () {
      left -= 1;
      if (left <= 0 || !document.body.contains(button)) {
        window.clearInterval(timer);
        button.disabled = false;
        button.textContent = label;
        button.removeAttribute("data-countdown");
        button.removeAttribute("data-counting");
        return;
      }
      show();
    }, 1000);
  }

  function scan(root) {
    if (!root || !root.querySelectorAll) {
      return;
    }
    if (root.matches && root.matches("[data-countdown]")) {
      start(root);
    }
    Array.prototype.forEach.call(root.querySelectorAll("[data-countdown]"), start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scan(document); });
  } else {
    scan(document);
  }
  document.addEventListener("htmx:load", function (event) { scan(event.target); });

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var box = event.detail && event.detail.target;
    var input = document.getElementById("id_phone");
    if (!box || box.id !== "sms-phone-errors" || !input) {
      return;
    }
    var invalid = box.children.length > 0;
    input.classList.toggle("is-invalid", invalid);
    if (invalid) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", "id_phone_error");
    } else {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-submit-once")) {
      return;
    }
    if (form.getAttribute("data-submitted")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitted", "1");
    Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) {
      b.setAttribute("aria-disabled", "true");
      b.classList.add("disabled");
    });
  });
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-submitted]"), function (f) {
      f.removeAttribute("data-submitted");
      Array.prototype.forEach.call(f.querySelectorAll("button[type=submit]"), function (b) {
        b.removeAttribute("aria-disabled");
        b.classList.remove("disabled");
      });
    });
  });
})();
