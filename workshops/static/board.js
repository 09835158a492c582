// Workshops: drag a note to a column of the board. Every note also has a "move to" list and
// button that work without this file; a drop only sets the list and submits that same form
// (htmx sends it when it runs, the browser otherwise). No inline script: the CSP allows none.
(function () {
  "use strict";
  var dragged = null;

  function card(el) { return el && el.closest ? el.closest(".ws-card") : null; }
  function column(el) { return el && el.closest ? el.closest(".ws-column") : null; }

  // Cards become draggable once this file runs (and again after htmx swaps the board in).
  function arm() {
    var cards = document.querySelectorAll(".ws-card[data-note]");
    for (var i = 0; i < cards.length; i++) cards[i].setAttribute("draggable", "true");
  }

  document.addEventListener("dragstart", function (event) {
    var c = card(event.target);
    if (!c) return;
    dragged = c;
    c.classList.add("ws-dragging");
    if (event.dataTransfer) {
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", c.getAttribute("data-note"));
    }
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("ws-dragging");
    dragged = null;
    var over = document.querySelectorAll(".ws-drop");
    for (var i = 0; i < over.length; i++) over[i].classList.remove("ws-drop");
  });
  document.addEventListener("dragover", function (event) {
    var col = column(event.target);
    if (!dragged || !col) return;
    event.preventDefault();
    col.classList.add("ws-drop");
  });
  document.addEventListener("dragleave", function (event) {
    var col = column(event.target);
    if (col && !col.contains(event.relatedTarget)) col.classList.remove("ws-drop");
  });
  document.addEventListener("drop", function (event) {
    var col = column(event.target);
    if (!dragged || !col) return;
    event.preventDefault();
    col.classList.remove("ws-drop");
    var form = dragged.querySelector("form");
    var select = form && form.querySelector("select[name=category]");
    var key = col.getAttribute("data-category") || "";
    if (!select || select.value === key) return;
    select.value = key;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });

  document.addEventListener("htmx:afterSwap", arm);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", arm); else arm();
})();
