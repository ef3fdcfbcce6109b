/*
 * Peer limits at the cell: a figure outside its office's usual range (or, with too short a
 * history, its peers') gets a soft warning under it as the clerk types. The limits and the
 * warning texts come with the page as data attributes of the cell (presenters/outlier_cells.py);
 * the warning is text with a symbol (never colour alone), named by the input's
 * aria-describedby and announced once per change in a polite live region. It never blocks
 * saving or submitting: the server saves, and lists the same warnings in its response.
 */
(function () {
  "use strict";

  var table = document.getElementById("mpr-grid");
  if (!table || !window.MPRNumber) { return; }
  var status = document.getElementById("mpr-outlier-status");

  function valueOf(td) {
    var control = td.querySelector("input");
    var span = td.querySelector(".mpr-value");
    var text = control ? control.value : (span ? span.textContent : "");
    if (!text || !text.trim()) { return null; }
    var result = window.MPRNumber.parse(text, td.getAttribute("data-type"));
    return result.code ? null : result.value;
  }

  function warningFor(td) {
    var value = valueOf(td);
    if (value === null || isNaN(value)) { return null; }
    if (value > parseFloat(td.getAttribute("data-limit-high"))) { return td.getAttribute("data-limit-above"); }
    if (value < parseFloat(td.getAttribute("data-limit-low"))) { return td.getAttribute("data-limit-below"); }
    return null;
  }

  function describe(td, id, on) {
    var control = td.querySelector("input, select");
    if (!control) { return; }
    var ids = (control.getAttribute("aria-describedby") || "").split(" ").filter(function (x) { return x && x !== id; });
    if (on) { ids.push(id); }
    if (ids.length) { control.setAttribute("aria-describedby", ids.join(" ")); } else { control.removeAttribute("aria-describedby"); }
  }

  function judge(td, announce) {
    var text = warningFor(td);
    var id = "mpr-warn-" + (td.parentNode.getAttribute("data-row") + "-" + td.getAttribute("data-col")).replace(/\s/g, "_");
    var note = document.getElementById(id);
    if (!text) {
      if (note) { note.remove(); }
      td.removeAttribute("data-announced");
      td.classList.remove("mpr-outlier");
      describe(td, id, false);
      return;
    }
    if (!note) {
      note = document.createElement("small");
      note.id = id;
      note.className = "mpr-warn";
      td.appendChild(note);
    }
    note.setAttribute("data-text", text);
    note.textContent = "\u26A0 " + text;  // a warning sign and the words
    td.classList.add("mpr-outlier");
    describe(td, id, true);
    if (announce && status && td.getAttribute("data-announced") !== text) {  // once per new warning
      td.setAttribute("data-announced", text);
      status.textContent = text;
    }
  }

  function cellOf(target) {
    var td = target.closest ? target.closest("td[data-limit-high]") : null;
    return td && table.contains(td) ? td : null;
  }

  table.addEventListener("input", function (event) {
    var td = cellOf(event.target);
    if (td) { judge(td, false); }
  });
  table.addEventListener("change", function (event) {  // leaving the cell: said once, not at every key
    var td = cellOf(event.target);
    if (td) { judge(td, true); }
  });
  table.querySelectorAll("td[data-limit-high]").forEach(function (td) { judge(td, false); });
})();
