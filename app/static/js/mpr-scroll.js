/*
 * Wide grids scroll inside their own box ([data-mpr-scroll]). While more columns lie to
 * the right, its frame ([data-mpr-scroll-frame]) gets the class mpr-more-right (a shadow
 * at the right edge, mpr.css) and shows its ".mpr-more-columns" cue; both go once the
 * box is scrolled to its end. The cue's text comes translated in the page.
 */
(function () {
  "use strict";

  function update(scroller) {
    var frame = scroller.closest("[data-mpr-scroll-frame]");
    if (!frame) { return; }
    var more = scroller.scrollLeft + scroller.clientWidth < scroller.scrollWidth - 1;
    frame.classList.toggle("mpr-more-right", more);
    var cue = frame.querySelector(".mpr-more-columns");
    if (cue) { cue.hidden = !more; }
  }

  var scrollers = Array.prototype.slice.call(document.querySelectorAll("[data-mpr-scroll]"));
  if (!scrollers.length) { return; }
  function updateAll() { scrollers.forEach(update); }
  scrollers.forEach(function (scroller) {
    scroller.addEventListener("scroll", function () { update(scroller); }, { passive: true });
  });
  window.addEventListener("resize", updateAll);
  if (window.ResizeObserver) {  // rows added, messages shown: the table's width changes
    var observer = new ResizeObserver(updateAll);
    scrollers.forEach(function (scroller) {
      observer.observe(scroller);
      if (scroller.firstElementChild) { observer.observe(scroller.firstElementChild); }
    });
  }
  updateAll();
})();
