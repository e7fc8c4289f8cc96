// Send Django's CSRF token with every htmx request (the token sits in a meta-free form
// field on pages that post; read it from the cookie-independent hidden input).
document.addEventListener("htmx:configRequest", function (event) {
  var input = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (input) {
    event.detail.headers["X-CSRFToken"] = input.value;
  }
});

// A select that asks the server for its dependent list (省份 → 城市) on change: a choice
// made before htmx had bound that change (a slow phone, the page still loading) was never
// sent and left the city list empty. Once htmx has processed the page, send the choice of
// every such select that no longer shows what the server rendered.
document.addEventListener("htmx:load", function (event) {
  var root = event.detail.elt;
  if (!root || !root.querySelectorAll) return;
  root.querySelectorAll("select[hx-get][hx-trigger=change]").forEach(function (select) {
    // What the server rendered: the option marked selected, else the first.
    var rendered = Array.prototype.findIndex.call(select.options, function (option) {
      return option.defaultSelected;
    });
    if (select.selectedIndex !== Math.max(rendered, 0)) htmx.trigger(select, "change");
  });
});
