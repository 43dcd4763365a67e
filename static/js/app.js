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

// The source workbench: a passage selected in the source's text fills the
// form's passage field (without JavaScript the editor types or pastes it).
document.addEventListener("mouseup", takeSelection);
document.addEventListener("keyup", function (event) {
  if (event.shiftKey) {
    takeSelection(event);
  }
});
function takeSelection() {
  var selection = window.getSelection();
  if (!selection || selection.isCollapsed || !selection.anchorNode) {
    return;
  }
  var anchor = selection.anchorNode.nodeType === 1 ? selection.anchorNode : selection.anchorNode.parentElement;
  var body = anchor && anchor.closest("[data-quote-target]");
  if (!body || !body.contains(selection.focusNode)) {
    return;
  }
  var field = document.getElementById(body.getAttribute("data-quote-target"));
  var text = selection.toString().trim();
  if (!field || !text) {
    return;
  }
  field.addEventListener("input", forgetPlace, { once: true });
  field.value = text;
  // Where the passage starts in the text, so that one found twice is anchored here.
  var range = selection.getRangeAt(0);
  var before = document.createRange();
  before.selectNodeContents(body);
  before.setEnd(range.startContainer, range.startOffset);
  var raw = selection.toString();
  var at = field.form && field.form.elements.namedItem("quote_at");
  if (at) {
    at.value = before.toString().length + (raw.length - raw.replace(/^\s+/, "").length);
  }
  var note = document.getElementById("selection-note");
  if (note) {
    note.textContent = "Passage taken from your selection (" + text.length + " characters).";
  }
}

// A passage typed over after selecting it no longer says where it was selected.
function forgetPlace(event) {
  var at = event.target.form && event.target.form.elements.namedItem("quote_at");
  if (at) {
    at.value = "";
  }
}

// Create in place: the actor or source form opens in a modal dialog; once it
// is saved, the server's "ct:created" event names the field to fill.
document.addEventListener("htmx:afterSettle", function () {
  document.querySelectorAll("dialog[data-modal]:not([open])").forEach(function (dialog) {
    dialog.showModal();
    var first = dialog.querySelector("input:not([type=hidden]), select, textarea");
    if (first) {
      first.focus();
    }
  });
});
document.addEventListener("click", function (event) {
  var close = event.target.closest && event.target.closest("[data-close-dialog]");
  if (close) {
    close.closest("dialog").remove();
  }
});
document.addEventListener("close", function (event) {
  if (event.target.matches && event.target.matches("dialog[data-modal]")) {
    event.target.remove();
  }
}, true);

document.addEventListener("DOMContentLoaded", function () {
  document.body.addEventListener("ct:created", fillCreated);
});
function fillCreated(event) {
  var detail = event.detail || {};
  var input = document.getElementById(detail.input);
  document.querySelectorAll("dialog[data-modal]").forEach(function (dialog) {
    dialog.remove();
  });
  if (input) {
    input.value = detail.value;
    input.focus();
  }
}

// A form marked data-confirm (publishing a claim, unpublishing it) asks first;
// without JavaScript it submits at once, and the other button undoes it.
document.addEventListener(
  "submit",
  function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  },
  true
);
