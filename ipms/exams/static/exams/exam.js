// The answer sheet: a countdown to the server's deadline (the server decides; this
// only tells the learner), and one submit per click (the server refuses a second).
(function () {
  "use strict";
  var timer = document.querySelector("[data-deadline]");
  if (timer) {
    var deadline = Date.parse(timer.getAttribute("data-deadline"));
    var out = timer.querySelector(".exam-countdown");
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      out.textContent = left > 0
        ? "（剩余 " + minutes + " 分 " + (seconds < 10 ? "0" : "") + seconds + " 秒）"
        : "（考试时间已到，请立即提交）";
      timer.classList.toggle("is-late", left <= 60);
      if (left > 0) { window.setTimeout(tick, 1000); }
    };
    if (!isNaN(deadline) && out) { tick(); }
  }
  var form = document.querySelector("[data-exam-form]");
  if (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
    });
  }
})();
