// Behaviour the templates ask for with data- attributes (no inline script: the CSP forbids it).
(function () {
  "use strict";
  // <select data-autosubmit>: submit the form as soon as a choice is made (the language switch).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });
})();
