// Small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  // Submit a select's form as soon as it changes (the language switch); the button stays
  // for people without JavaScript.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) {
      el.form.submit();
    }
    // A file over its field's limit (baraza/_forms.html, file_limit) is refused at the field
    // before it is sent.
    if (el && el.matches && el.matches("input[type=file][data-max-bytes]")) {
      var file = el.files && el.files[0];
      var over = !!file && file.size > Number(el.getAttribute("data-max-bytes"));
      el.setCustomValidity(over ? el.getAttribute("data-too-large") : "");
      if (over) { el.reportValidity(); }
    }
  });

  // A live refresh never wipes what someone is typing. A block that asks for it
  // (`data-live-waits`, baraza/_live.html) and is refetched because of a live event
  // (`hx-trigger="sse:..."`) is not swapped while a field in it has the focus or a form in it
  // holds changes not yet sent; the refetch happens once that form is sent, or once the focus
  // leaves a block with nothing unsent in it.
  var unsent = new WeakSet();
  function formOf(el) { return el && (el.form || (el.closest && el.closest("form"))); }
  function busy(block) {
    var active = document.activeElement;
    if (active && active !== document.body && block.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) return true;
    var forms = block.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) { if (unsent.has(forms[i])) return true; }
    return false;
  }
  function resume() {
    var waiting = document.querySelectorAll("[data-live-pending]");
    for (var i = 0; i < waiting.length; i++) {
      if (busy(waiting[i])) continue;
      var cause = waiting[i].getAttribute("data-live-pending");
      waiting[i].removeAttribute("data-live-pending");
      if (window.htmx) { window.htmx.trigger(waiting[i], cause); }
    }
  }
  document.addEventListener("input", function (event) {
    var form = formOf(event.target);
    if (form) { unsent.add(form); }
  });
  document.addEventListener("submit", function (event) {
    unsent.delete(event.target);
    setTimeout(resume, 0);
  }, true);
  document.addEventListener("focusout", function () { setTimeout(resume, 0); });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var block = event.detail.elt;
    var cause = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (!block || !block.hasAttribute || !block.hasAttribute("data-live-waits")) return;
    if (!cause || !/^sse:/.test(cause.type) || !busy(block)) return;
    event.detail.shouldSwap = false;
    block.setAttribute("data-live-pending", cause.type);
    // Say so where the block offers a place for it (`data-live-pending-note`, hidden until now).
    var notes = block.querySelectorAll("[data-live-pending-note]");
    for (var i = 0; i < notes.length; i++) { notes[i].hidden = false; }
  });
})();
