/* Select2 boxes (FAB's bundled select2 4.0.13, on the administrator's user and role forms).
   Its search box has no name: it gets the field's label (WCAG 4.1.2). Its list of chosen items
   also holds the clear button, which a list may not: the list is shown as a plain group instead
   (WCAG 1.3.1). Runs after ab.js has made the boxes (jQuery runs ready handlers in order) and
   again whenever select2 redraws one. */
(function () {
  "use strict";

  function nameOf(select) {
    var label = select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
    return (label ? label.textContent : select.getAttribute("name") || "").trim();
  }

  function mend(box, name) {
    box.querySelectorAll(".select2-search__field:not([aria-label])").forEach(function (field) {
      field.setAttribute("aria-label", name);
    });
    box.querySelectorAll("ul.select2-selection__rendered:not([role])").forEach(function (list) {
      list.setAttribute("role", "presentation");
    });
  }

  function watch(select) {
    var box = select.nextElementSibling;
    if (!box || !box.classList.contains("select2")) { return; }
    var name = nameOf(select);
    mend(box, name);
    new MutationObserver(function () { mend(box, name); }).observe(box, { childList: true, subtree: true });
  }

  if (window.jQuery) {
    window.jQuery(function () { document.querySelectorAll("select.select2-hidden-accessible").forEach(watch); });
  }
}());
