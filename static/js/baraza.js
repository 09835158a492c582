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
})();
