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
  });
})();
