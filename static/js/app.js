// Small progressive enhancements; every page works without this file.
// After htmx swaps content in, move focus where a keyboard or screen-reader user
// expects it: to the first invalid field of a form that came back with errors,
// otherwise to the element marked data-focus-after-swap (a results heading, a
// review outcome).
document.addEventListener("htmx:afterSettle", function (event) {
  var target = event.detail && event.detail.target;
  if (!target) {
    return;
  }
  // An outerHTML swap replaces the target: find its successor by id.
  var root = (target.id && document.getElementById(target.id)) || target;
  var invalid = root.querySelector("[aria-invalid='true']");
  if (invalid) {
    invalid.focus();
    return;
  }
  var next = root.matches("[data-focus-after-swap]") ? root : root.querySelector("[data-focus-after-swap]");
  if (next) {
    next.focus({ preventScroll: true });
  }
});

// The claim filters refresh on "change" from any field; the search box already
// refreshes as one types, so its own "change" (on leaving it) would only repeat
// the request. Stopped here rather than with an hx-trigger filter expression,
// which htmx would have to evaluate as a string (the CSP allows no eval).
document.addEventListener(
  "change",
  function (event) {
    if (event.target.type === "search" && event.target.closest("form.filters")) {
      event.stopPropagation();
    }
  },
  true
);
