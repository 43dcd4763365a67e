// Small progressive enhancements; every page works without this file.
// After htmx swaps in a form with errors, move focus to the first invalid field;
// after it swaps in new results, announce them by focusing their heading.
document.addEventListener("htmx:afterSwap", function (event) {
  var target = event.detail.target;
  var invalid = target.querySelector("[aria-invalid='true']");
  if (invalid) {
    invalid.focus();
    return;
  }
  var focusTarget = target.querySelector("[data-focus-after-swap]");
  if (focusTarget) {
    focusTarget.focus({ preventScroll: true });
  }
});
