// Send Django's CSRF token with every htmx request (the token sits in a meta-free form
// field on pages that post; read it from the cookie-independent hidden input).
document.addEventListener("htmx:configRequest", function (event) {
  var input = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (input) {
    event.detail.headers["X-CSRFToken"] = input.value;
  }
});
