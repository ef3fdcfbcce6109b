/*
 * Peer limits at the cell: a figure outside its office's usual range (or, with too short a
 * history, its peers') gets a soft warning under it as the clerk types. The limits come with the
 * page as data attributes of the cell, the wordings (translated) once for the page in
 * #mpr-outlier-texts (presenters/outlier_cells.py); numbers are written as the pages write them;
 * the warning is text with a symbol (never colour alone), named by the input's
 * aria-describedby and announced once per change in a polite live region. It never blocks
 * saving or submitting: the server saves, and lists the same warnings in its response.
 */
(function () {
  "use strict";

  var table = document.getElementById("mpr-grid");
  var holder = document.getElementById("mpr-outlier-texts");
  if (!table || !holder || !window.MPRNumber) { return; }
  var texts = JSON.parse(holder.getAttribute("data-texts") || "{}");
  var status = document.getElementById("mpr-outlier-status");
  var formats = {};

  function shown(value, type) {  // Indian grouping, Latin digits, the column's places (as the server)
    var places = window.MPRNumber.places(type);
    if (!formats[places]) {
      formats[places] = new Intl.NumberFormat("en-IN", { minimumFractionDigits: places,
        maximumFractionDigits: places, numberingSystem: "latn" });
    }
    var rounded = window.MPRFormula ? window.MPRFormula.roundHalfUp(value, places) : value;
    return formats[places].format(rounded);
  }

  function range(template, td, prefix) {
    var type = td.getAttribute("data-type");
    return String(template || "")
      .replace("%(low)s", shown(parseFloat(td.getAttribute(prefix + "from")), type))
      .replace("%(high)s", shown(parseFloat(td.getAttribute(prefix + "to")), type));
  }

  function wording(td, above) {
    var judge = td.getAttribute("data-limit-judge");
    var text = range(texts[judge + (above ? "_above" : "_below")], td, "data-limit-");
    if (td.hasAttribute("data-peer-from")) { text += " " + range(texts.peers, td, "data-peer-"); }
    return text + ". " + texts.end;
  }

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
    if (value > parseFloat(td.getAttribute("data-limit-high"))) { return wording(td, true); }
    if (value < parseFloat(td.getAttribute("data-limit-low"))) { return wording(td, false); }
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
