// Clicking the captcha image fetches a new challenge from django-simple-captcha's
// refresh endpoint (it answers only requests marked as XMLHttpRequest).
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-captcha-refresh]");
    if (!button) {
      return;
    }
    event.preventDefault();
    var row = button.closest(".captcha-row");
    var status = row.querySelector("[data-captcha-status]");
    button.disabled = true;
    fetch(button.getAttribute("data-captcha-refresh"), {
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest", Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("captcha refresh failed: " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        row.querySelector("img").src = data.image_url;
        row.querySelector("input[type=hidden]").value = data.key;
        var answer = row.querySelector("input:not([type=hidden])");
        answer.value = "";
        answer.focus();
        if (status) {
          status.textContent = "已换一张新的验证码";
        }
      })
      .catch(function () {
        if (status) {
          status.textContent = "验证码刷新失败，请稍后再试";
        }
      })
      .finally(function () {
        button.disabled = false;
      });
  });
})();
