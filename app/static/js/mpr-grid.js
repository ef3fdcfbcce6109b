/*
 * The live data-entry grid. Reads the format's formulas and checks registered by
 * /mpr/f/<format>/formulas.js (window.MPR_FORMATS) and recomputes computed cells,
 * total rows and check messages as the user types. The server recomputes everything
 * on save; this is feedback only. No inline script and no eval: CSP-friendly.
 */
(function () {
  "use strict";

  var form = document.getElementById("mpr-grid-form");
  if (!form) { return; }
  var table = document.getElementById("mpr-grid");
  var spec = (window.MPR_FORMATS || {})[form.getAttribute("data-format")] || { computed: [], checks: [] };
  spec.rows = spec.rows || [];
  var month = form.getAttribute("data-month");
  var newRowCounter = 0;
  // rows typed but refused (422) come back as new-N: never hand out their keys again
  Array.prototype.forEach.call(document.querySelectorAll('#mpr-grid tr[data-row^="new-"]'), function (tr) {
    newRowCounter = Math.max(newRowCounter, parseInt(tr.getAttribute("data-row").slice(4), 10) || 0);
  });

  function inForce(item) {
    return (!item.from || item.from <= month) && (!item.until || month <= item.until);
  }

  // The server's number grammar (mpr-number.js): NaN when refused, with the reason kept
  // per cell so the live message says exactly what the server would say on save.
  var refusals = new WeakMap();

  function parseNumber(text, type, td) {
    var result = window.MPRNumber.parse(text, type);
    if (td && result.code) { refusals.set(td, result.message); }
    return result.value;
  }

  function numeric(type) { return Boolean((window.MPRNumber.types[type] || {}).numeric); }

  function cellValue(td) {
    var input = td.querySelector("input, select");
    var type = td.getAttribute("data-type");
    refusals.delete(td);
    if (input) {
      return numeric(type) ? parseNumber(input.value, type, td) : (input.value || null);
    }
    var span = td.querySelector(".mpr-value");
    return span ? parseNumber(span.textContent, type, null) : null;
  }

  // Shown as the server stores it: rounded half-up (MPRFormula), never binary toFixed
  // rounding (14.375 is 14.374999... in binary) nor Math.round (-2.5 -> -2), no "-0.00";
  // then written as the server's pages write it (app/presenters/display.py): Indian
  // grouping, 12,34,567.00, Latin digits in both languages (parseNumber reads it back).
  var shownAs = {};
  function grouping(places) {
    if (!shownAs[places]) {
      shownAs[places] = new Intl.NumberFormat("en-IN", { minimumFractionDigits: places,
        maximumFractionDigits: places, numberingSystem: "latn" });
    }
    return shownAs[places];
  }

  function format(value, type) {
    if (value === null || value === undefined || (typeof value === "number" && isNaN(value))) { return ""; }
    var places = window.MPRNumber.places(type);
    return grouping(places).format(window.MPRFormula.roundHalfUp(value, places));
  }

  function rowValues(tr) {
    var values = {};
    tr.querySelectorAll("td[data-col]").forEach(function (td) {
      values[td.getAttribute("data-col")] = cellValue(td);
    });
    return values;
  }

  function setComputed(tr, code, value, type) {
    var td = tr.querySelector('td[data-col="' + code + '"]');
    if (!td) { return; }
    var span = td.querySelector(".mpr-value");
    if (span) { span.textContent = format(value, type); }
  }

  function computeRow(tr, values) {
    spec.computed.forEach(function (column) {
      if (!inForce(column)) { return; }
      var result = column.fn(values);
      // like the server's typed_result: stored rounded for its column, so that formulas
      // and checks reading this column see the rounded value
      result = typeof result === "number" ? window.MPRFormula.quantize(result, column.type) : null;
      values[column.code] = result;
      setComputed(tr, column.code, result, column.type);
    });
    return values;
  }

  function dataRows() { return table.querySelectorAll("tbody tr.mpr-data"); }

  // A computed row (MPRFormula.computedRow, as the server's calculation.row_cells): its
  // formula over each number column's cells of the rows it names; at a computed column the
  // column's formula, unless the definitions say the row's formula holds there (byRow).
  function computeRowFromRows(tr, row, valuesByRow) {
    var columns = [];
    tr.querySelectorAll("td[data-col]").forEach(function (td) {
      var code = td.getAttribute("data-col");
      var type = td.getAttribute("data-type");
      var computedColumn = spec.computed.some(function (column) { return column.code === code; });
      if (numeric(type) && !computedColumn) { columns.push({ code: code, type: type, fn: null }); }
    });
    spec.computed.forEach(function (column) {
      if (inForce(column)) { columns.push({ code: column.code, type: column.type, fn: column.fn }); }
    });
    var values = window.MPRFormula.computedRow(row, valuesByRow, columns);
    columns.forEach(function (column) { setComputed(tr, column.code, values[column.code], column.type); });
    return values;
  }

  function totals(valuesByRow) {
    table.querySelectorAll("tbody tr.mpr-total").forEach(function (tr) {
      var members = (tr.getAttribute("data-members") || "").split(" ").filter(Boolean);
      var sums = {};
      tr.querySelectorAll("td[data-col]").forEach(function (td) {
        var code = td.getAttribute("data-col");
        var role = td.getAttribute("data-role");
        var type = td.getAttribute("data-type");
        if (role === "computed" || !(window.MPRNumber.types[type] || {}).summed) { return; }
        var total = null;
        members.forEach(function (key) {
          var value = (valuesByRow[key] || {})[code];
          if (typeof value === "number" && !isNaN(value)) { total = (total || 0) + value; }
        });
        sums[code] = total;
        setComputed(tr, code, total, type);
      });
      valuesByRow[tr.getAttribute("data-row")] = computeRow(tr, sums);
    });
  }

  // The server renders every message at its cell. Check messages are recomputed live
  // below, so the server's copy is dropped (otherwise each shows twice); any other server
  // message (Required, "not a number", a bad date ...) stays until its cell is edited.
  // A check's message is shown in the page's language where the definitions give that form.
  var checkMessages = {};
  var pageLanguage = document.documentElement.lang;
  spec.checks.forEach(function (check) {
    if (check.forms && check.forms[pageLanguage]) { check.message = check.forms[pageLanguage]; }
    checkMessages[check.message] = true;
  });

  // A cell's input names its messages and remarks (aria-describedby) and is aria-invalid
  // while a message stands, as the server renders it; kept so as messages come and go.
  function describe(td) {
    var control = td.querySelector("input, select");
    if (!control) { return; }
    var ids = [];
    td.querySelectorAll(".mpr-msg, .mpr-remark, .mpr-warn").forEach(function (note, index) {
      if (!note.id) {
        note.id = "mpr-live-" + td.parentNode.getAttribute("data-row") + "-" + td.getAttribute("data-col") + "-" + index;
      }
      ids.push(note.id);
    });
    if (ids.length) { control.setAttribute("aria-describedby", ids.join(" ")); } else { control.removeAttribute("aria-describedby"); }
    if (td.querySelector(".mpr-msg")) { control.setAttribute("aria-invalid", "true"); } else { control.removeAttribute("aria-invalid"); }
  }

  function dropServerMessages(td, checksOnly) {
    td.querySelectorAll(".mpr-msg:not(.mpr-live-msg)").forEach(function (el) {
      if (!checksOnly || checkMessages[el.textContent.trim()]) { el.remove(); }
    });
    if (!td.querySelector(".mpr-msg:not(.mpr-live-msg)")) { td.classList.remove("has-error"); }
    describe(td);
  }

  table.querySelectorAll("td.has-error").forEach(function (td) { dropServerMessages(td, true); });

  function clearLiveMessages() {
    table.querySelectorAll(".mpr-live-msg").forEach(function (el) { el.remove(); });
    table.querySelectorAll("td.mpr-live-error").forEach(function (td) {
      td.classList.remove("mpr-live-error");
      describe(td);
    });
  }

  function showMessage(tr, code, message) {
    var td = tr.querySelector('td[data-col="' + code + '"]');
    if (!td) { return; }
    var small = document.createElement("small");
    small.className = "mpr-msg mpr-live-msg";
    small.textContent = message;
    td.appendChild(small);
    td.classList.add("mpr-live-error");
    describe(td);
  }

  function runChecks(tr, values, scope) {
    spec.checks.forEach(function (check) {
      if (check.scope !== scope) { return; }
      var ready = check.names.every(function (name) {
        var td = tr.querySelector('td[data-col="' + name + '"]');
        if (!td) {  // a computed column shown in reports only (show: report) is still computed here
          return spec.computed.some(function (column) { return column.code === name && inForce(column); });
        }
        var given = ["entered", "fed"].indexOf(td.getAttribute("data-role")) >= 0;  // typed or fed
        return !given || values[name] !== null;
      });
      if (ready && check.fn(values) === false) {
        check.cells.forEach(function (code) { showMessage(tr, code, check.message); });
      }
    });
  }

  function badNumbers(tr, values) {
    tr.querySelectorAll("td[data-col]").forEach(function (td) {
      var code = td.getAttribute("data-col");
      if (typeof values[code] === "number" && isNaN(values[code])) {
        // a refused save already says why at this cell, more precisely
        if (!td.querySelector(".mpr-msg:not(.mpr-live-msg)")) { showMessage(tr, code, refusals.get(td)); }
        values[code] = null;
      }
    });
  }

  function recalculate() {
    clearLiveMessages();
    var valuesByRow = {};
    var computedRows = {};
    spec.rows.forEach(function (row) { if (inForce(row)) { computedRows[row.key] = row; } });
    dataRows().forEach(function (tr) {
      if (computedRows[tr.getAttribute("data-row")]) { return; }
      var values = rowValues(tr);
      badNumbers(tr, values);
      valuesByRow[tr.getAttribute("data-row")] = computeRow(tr, values);
    });
    spec.rows.forEach(function (row) {  // in the server's order: each after the rows it reads
      var tr = table.querySelector('tbody tr.mpr-data[data-row="' + row.key + '"]');
      if (tr && computedRows[row.key]) { valuesByRow[row.key] = computeRowFromRows(tr, row, valuesByRow); }
    });
    dataRows().forEach(function (tr) {
      runChecks(tr, valuesByRow[tr.getAttribute("data-row")] || {}, "row");
    });
    totals(valuesByRow);
    table.querySelectorAll("tbody tr.mpr-total").forEach(function (tr) {
      runChecks(tr, valuesByRow[tr.getAttribute("data-row")] || {}, "total");
    });
  }


  // Figures typed but not saved: leaving the page asks first. A grid sent back with
  // refused typing (422) starts out unsaved; saving or submitting the form clears it.
  var unsaved = form.getAttribute("data-unsaved") === "1";
  function markUnsaved() { unsaved = true; }
  form.addEventListener("submit", function () { unsaved = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!unsaved) { return undefined; }
    event.preventDefault();
    event.returnValue = "";  // browsers show their own "leave the page?" text
    return "";
  });

  var batching = false;  // while a paste fills many cells: recalculate once at the end

  function edited(event) {
    if (batching) {
      var cellTd = event.target.closest ? event.target.closest("td.mpr-cell") : null;
      if (cellTd) { dropServerMessages(cellTd, false); }
      return;
    }
    var td = event.target.closest ? event.target.closest("td.mpr-cell") : null;
    if (td) { dropServerMessages(td, false); }
    if (event.target.matches && event.target.matches("#mpr-grid input, #mpr-grid select")) { markUnsaved(); }
    recalculate();
  }

  form.addEventListener("input", edited);
  form.addEventListener("change", edited);

  // A block copied from Excel or LibreOffice (tab between cells, newline between rows)
  // fills right and down from the focused cell over the editable cells, in the order the
  // keyboard moves (read-only cells and rows skipped), instead of landing in one cell.
  // Numbers go in as copied: the grammar (and the server on save) reads or refuses them.
  var pasteText = window.MPRNumber.paste;

  function say(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function pastedBlock(text) {
    var lines = text.split(/\r\n|\n|\r/);
    if (lines.length > 1 && lines[lines.length - 1] === "") { lines.pop(); }
    return lines.map(function (line) { return line.split("\t"); });
  }

  function editableCells(tr) {
    return Array.prototype.filter.call(tr.querySelectorAll("td[data-col]"), function (td) {
      var control = td.querySelector("input, select");
      return control && !control.disabled && !control.readOnly;
    });
  }

  function columnIndex(td) {  // its place among the row's cells: a group label beside the row aside
    return Array.prototype.indexOf.call(td.parentNode.querySelectorAll("td[data-col]"), td);
  }

  function rowLabel(tr) {
    var head = tr.querySelector("th.mpr-rowhead");
    return head ? (head.getAttribute("title") || head.textContent).trim() : tr.getAttribute("data-row");
  }

  function columnLabel(code) {
    var head = table.querySelector('thead th[data-col="' + code + '"]');
    return head ? (head.getAttribute("data-label") || head.textContent).trim() : code;  // with its groups
  }

  // A date pasted as it is written in India and on every page (10-01-2024, 10/01/2024, 10.01.2024)
  // goes into a date input as the ISO value the input holds; anything else is left for the input to judge.
  function isoDate(text) {
    var found = /^(\d{1,2})([-\/.])(\d{1,2})\2(\d{4})$/.exec(text.trim());
    if (!found) { return text; }
    var pad = function (part) { return part.length === 1 ? "0" + part : part; };
    return found[4] + "-" + pad(found[3]) + "-" + pad(found[1]);
  }

  function putValue(td, value) {
    var control = td.querySelector("input, select");
    if (control.tagName === "SELECT") {
      var known = Array.prototype.some.call(control.options, function (option) { return option.value === value; });
      if (!known) { return "not_a_choice"; }
    }
    if (control.type === "date") { value = isoDate(value); }
    var before = control.value;
    control.value = value;
    if (control.value !== value) {  // e.g. a date input and "31-02-2024": keep what it held
      control.value = before;
      return "not_accepted";
    }
    control.dispatchEvent(new Event("input", { bubbles: true }));
    control.dispatchEvent(new Event("change", { bubbles: true }));
    return null;
  }

  function pasteReport(filled, refused, failed) {
    var parts = [filled === 1 ? say(pasteText.pasted_one, {}) : say(pasteText.pasted, { count: filled })];
    if (refused) { parts.push(say(pasteText.refused, { count: refused })); }
    if (failed.length) {
      var shownCells = failed.slice(0, 10).map(function (item) {
        var where = item.tr
          ? say(pasteText.at, { row: rowLabel(item.tr), column: columnLabel(item.td.getAttribute("data-col")) })
          : say(pasteText.outside, { row: item.row + 1, column: item.column + 1 });
        return where + " (" + (pasteText[item.reason] || item.reason) + ")";
      });
      if (failed.length > 10) { shownCells.push(say(pasteText.more, { count: failed.length - 10 })); }
      parts.push(say(pasteText.failed, { count: failed.length, cells: shownCells.join(", ") }));
    }
    return parts.join(" ");
  }

  function pasteStatus() {
    var status = document.getElementById("mpr-paste-status");
    if (!status) {
      status = document.createElement("p");
      status.id = "mpr-paste-status";
      status.className = "mpr-paste-status small";
      status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
      table.parentNode.parentNode.insertBefore(status, table.parentNode);
    }
    return status;
  }

  form.addEventListener("paste", function (event) {
    var start = event.target.closest ? event.target.closest("#mpr-grid td.mpr-cell") : null;
    var text = event.clipboardData ? event.clipboardData.getData("text/plain") : "";
    if (!start || !start.querySelector("input, select") || !/[\t\n\r]/.test(text)) { return; }
    event.preventDefault();
    var block = pastedBlock(text);
    var rows = Array.prototype.filter.call(table.querySelectorAll("tbody tr[data-row]"), function (tr) {
      return editableCells(tr).length > 0;
    });
    var first = rows.indexOf(start.parentNode);
    var fromColumn = columnIndex(start);
    var filled = 0;
    var refused = 0;
    var failed = [];
    batching = true;
    try {
      block.forEach(function (values, r) {
        var tr = rows[first + r];
        var cells = tr ? editableCells(tr).filter(function (td) { return columnIndex(td) >= fromColumn; }) : [];
        values.forEach(function (raw, c) {
          var value = window.MPRNumber.strip(raw);
          if (!tr) { failed.push({ row: r, column: c, reason: "past_last_row" }); return; }
          var td = cells[c];
          if (!td) { failed.push({ row: r, column: c, reason: "past_last_column" }); return; }
          var problem = putValue(td, value);
          if (problem) { failed.push({ tr: tr, td: td, reason: problem }); return; }
          filled += 1;
          var type = td.getAttribute("data-type");
          if (numeric(type) && window.MPRNumber.parse(value, type).code) { refused += 1; }
        });
      });
    } finally {
      batching = false;
    }
    markUnsaved();
    recalculate();
    pasteStatus().textContent = pasteReport(filled, refused, failed);
  });
  // Keyboard, as in a spreadsheet, over the editable cells only (computed and carried
  // cells are skipped): Enter moves down (Shift+Enter up), and at the end of a column on
  // to the top of the next one (so a single-row grid goes along); it never submits the
  // form, the buttons do. Up/Down go to the same column in the row above or below;
  // Left/Right to the neighbour once the caret is at the start or end of the text, so
  // editing inside a cell still works. Tab keeps the browser's order: along the row.
  // Selects keep Up/Down for their choices, date inputs their own arrows.
  function controlIn(td) {
    var control = td && td.querySelector("input, select");
    return control && !control.disabled && !control.readOnly ? control : null;
  }

  function gridRows() {
    return Array.prototype.filter.call(table.querySelectorAll("tbody tr[data-row]"), function (tr) {
      return editableCells(tr).length > 0;
    });
  }

  function columnCodes() {  // the columns that have an editable cell somewhere, left to right
    var codes = [];
    table.querySelectorAll("tbody tr[data-row] td[data-col]").forEach(function (td) {
      var code = td.getAttribute("data-col");
      if (codes.indexOf(code) < 0 && controlIn(td)) { codes.push(code); }
    });
    var order = Array.prototype.map.call(table.querySelectorAll("thead th[data-col]"), function (th) {
      return th.getAttribute("data-col");
    });
    return codes.sort(function (a, b) { return order.indexOf(a) - order.indexOf(b); });
  }

  function cellAt(tr, code) {
    return controlIn(tr.querySelector('td[data-col="' + code + '"]'));
  }

  function vertical(td, step, wrap) {  // the same column up or down; with wrap, on to the next column
    var rows = gridRows();
    var code = td.getAttribute("data-col");
    var r = rows.indexOf(td.parentNode);
    for (var i = r + step; i >= 0 && i < rows.length; i += step) {
      var found = cellAt(rows[i], code);
      if (found) { return found; }
    }
    if (!wrap) { return null; }
    var codes = columnCodes();
    for (var c = codes.indexOf(code) + step; c >= 0 && c < codes.length; c += step) {
      for (var j = step > 0 ? 0 : rows.length - 1; j >= 0 && j < rows.length; j += step) {
        var next = cellAt(rows[j], codes[c]);
        if (next) { return next; }
      }
    }
    return null;
  }

  function sideways(td, step) {  // the editable neighbour in the same row
    var cells = editableCells(td.parentNode);
    var next = cells[cells.indexOf(td) + step];
    return next ? controlIn(next) : null;
  }

  function caretAt(control, edge) {  // true when Left/Right should leave the cell
    if (control.tagName === "SELECT") { return true; }
    if (control.type !== "text") { return false; }  // a date input moves between its parts
    var start = control.selectionStart;
    var end = control.selectionEnd;
    if (start === null || end === null) { return true; }
    return edge < 0 ? start === 0 : end === control.value.length;
  }

  function go(control) {
    if (!control) { return; }
    control.focus();
    if (control.select) { control.select(); }
    if (control.scrollIntoView) { control.scrollIntoView({ block: "nearest", inline: "nearest" }); }
  }

  form.addEventListener("keydown", function (event) {
    var control = event.target;
    if (!control.matches || !control.matches("#mpr-grid input, #mpr-grid select")) { return; }
    if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) { return; }
    var td = control.closest("td[data-col]");
    if (!td) { return; }
    var target = null;
    switch (event.key) {
      case "Enter":
        event.preventDefault();  // never submits: Save draft and Save and submit do
        go(vertical(td, event.shiftKey ? -1 : 1, true));
        return;
      case "ArrowDown":
      case "ArrowUp":
        if (event.shiftKey || control.tagName === "SELECT" || control.type === "date") { return; }
        target = vertical(td, event.key === "ArrowDown" ? 1 : -1, false);
        break;
      case "ArrowLeft":
      case "ArrowRight":
        if (event.shiftKey || !caretAt(control, event.key === "ArrowLeft" ? -1 : 1)) { return; }
        target = sideways(td, event.key === "ArrowLeft" ? -1 : 1);
        break;
      default:
        return;
    }
    if (target) {
      event.preventDefault();
      go(target);
    }
  });

  var addButton = document.getElementById("mpr-add-row");
  var template = document.getElementById("mpr-new-row");
  if (addButton && template) {
    addButton.addEventListener("click", function () {
      newRowCounter += 1;
      var key = "new-" + newRowCounter;
      var html = template.innerHTML.replace(/__KEY__/g, key).replace(/__NUMBER__/g, String(newRowCounter));
      table.querySelector("tbody").insertAdjacentHTML("beforeend", html);
      markUnsaved();
      var first = table.querySelector('tr[data-row="' + key + '"] input, tr[data-row="' + key + '"] select');
      if (first) { first.focus(); }
      recalculate();
    });
  }
  table.addEventListener("click", function (event) {
    var button = event.target.closest(".mpr-remove-row");
    if (!button) { return; }
    var tr = button.closest("tr");
    var key = tr.getAttribute("data-row");
    if (key.indexOf("new-") !== 0) {
      var marker = document.createElement("input");
      marker.type = "hidden";
      marker.name = "delete|" + key;
      marker.value = "1";
      form.appendChild(marker);
    }
    tr.remove();
    markUnsaved();
    recalculate();
  });

  recalculate();
  window.MPRGrid = { recalculate: recalculate };
})();
