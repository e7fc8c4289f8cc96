// The course page opens on the 考试 tab when its address ends in #exam (after 开始考试
// was refused, or from the result page's links).
(function () {
  "use strict";
  if (window.location.hash !== "#exam" || !window.bootstrap) { return; }
  var button = document.getElementById("tab-exam");
  if (button) { window.bootstrap.Tab.getOrCreateInstance(button).show(); }
})();
