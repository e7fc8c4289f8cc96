// 学习管理: choosing another course in the selector shows its table at once (the search
// is kept); without JavaScript the 查询 button does the same.
(function () {
  "use strict";
  document.querySelectorAll("select.js-autosubmit").forEach(function (select) {
    select.addEventListener("change", function () {
      var form = select.form;
      if (!form) return;
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.submit();
    });
  });
})();
