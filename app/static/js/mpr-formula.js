/*
 * mpr-formula.js — the browser runtime for MPR formulas and checks.
 *
 * The server parses every formula with Python's `ast` into a whitelist and writes it as a
 * JavaScript expression over two names only: `F` (this runtime) and `v` (the row's values),
 * e.g.  F.formula(v,["A","B"],F.add(F.get(v,"A"),F.get(v,"B")))
 * Those expressions are served as a separate script (no eval, no inline script), so the
 * Content-Security-Policy needs no 'unsafe-eval'. This file never evaluates text either.
 *
 * Semantics (the same as app/definitions/expressions.py, which is authoritative):
 * - F.get returns F.BLANK for a blank cell (null, undefined, "" or text that is not a
 *   number; commas are ignored). BLANK counts as 0 in arithmetic and comparisons.
 * - F.formula returns null when every cell the formula reads is blank.
 * - Division by zero gives null; null makes every result built on it null (arithmetic,
 *   functions, comparisons, and/or/not).
 * - Comparisons compare both sides rounded half-up to 2 decimals.
 * - round(x, n) rounds half-up (away from zero); quantize() rounds a result for its
 *   column: count to a whole number, amount and percent to 2 decimals.
 *
 * Numbers: the server uses exact decimals; here plain JS numbers are used. Before any
 * rounding a number is first cleaned to 15 significant digits (removing binary noise such
 * as 0.1 + 0.2 = 0.30000000000000004), then rounded by shifting the decimal point in the
 * number's text form (1.005 -> "1.005e2" -> 100.5 -> 101 -> 1.01), so that results
 * rounded to 2 decimals or to whole numbers agree with the server's.
 */
(function (root) {
  "use strict";

  var BLANK = Object.freeze({ blank: true, toString: function () { return "BLANK"; } });
  var NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,2})?$/;

  function lookup(v, code) {
    if (v === null || v === undefined) { return undefined; }
    if (typeof v === "function") { return v(code); }
    if (typeof Map !== "undefined" && v instanceof Map) { return v.get(code); }
    return Object.prototype.hasOwnProperty.call(v, code) ? v[code] : undefined;
  }

  function read(raw) {
    if (raw === null || raw === undefined || raw === BLANK) { return BLANK; }
    if (typeof raw === "boolean") { return raw ? 1 : 0; }
    if (typeof raw === "number") { return isFinite(raw) ? raw : BLANK; }
    var text = String(raw).replace(/,/g, "").trim();
    if (!NUMBER_TEXT.test(text)) { return BLANK; }
    var number = Number(text);
    return isFinite(number) ? number : BLANK;
  }

  function arith(x) {
    if (x === null || x === undefined) { return null; }
    if (x === BLANK || x === false) { return 0; }
    if (x === true) { return 1; }
    return x;
  }

  function truth(x) {
    if (typeof x === "boolean") { return x; }
    var n = arith(x);
    return n !== null && n !== 0;
  }

  function shift(n, places) {
    var parts = String(n).split("e");
    return Number(parts[0] + "e" + (Number(parts[1] || 0) + places));
  }

  function roundHalfUp(x, places) {
    if (x === null || x === undefined || x === BLANK) { return null; }
    var n = Number(arith(x).toPrecision(15));
    var sign = n < 0 ? -1 : 1;
    var result = sign * shift(Math.round(shift(Math.abs(n), places)), -places);
    return result === 0 ? 0 : result;  // no negative zero
  }

  function numbers(args) {
    var out = [];
    for (var i = 0; i < args.length; i += 1) {
      var n = arith(args[i]);
      if (n === null) { return null; }
      out.push(n);
    }
    return out;
  }

  function binary(op) {
    return function (a, b) {
      var pair = numbers([a, b]);
      return pair === null ? null : op(pair[0], pair[1]);
    };
  }

  var COMPARE = {
    "==": function (a, b) { return a === b; },
    "!=": function (a, b) { return a !== b; },
    "<": function (a, b) { return a < b; },
    "<=": function (a, b) { return a <= b; },
    ">": function (a, b) { return a > b; },
    ">=": function (a, b) { return a >= b; }
  };

  function logic(all) {
    return function () {
      var result = all;
      for (var i = 0; i < arguments.length; i += 1) {
        if (arguments[i] === null || arguments[i] === undefined) { return null; }
        result = all ? (result && truth(arguments[i])) : (result || truth(arguments[i]));
      }
      return result;
    };
  }

  var F = {
    BLANK: BLANK,
    get: function (v, code) { return read(lookup(v, code)); },
    add: binary(function (a, b) { return a + b; }),
    sub: binary(function (a, b) { return a - b; }),
    mul: binary(function (a, b) { return a * b; }),
    div: binary(function (a, b) { return b === 0 ? null : a / b; }),
    neg: function (a) { var n = arith(a); return n === null ? null : 0 - n; },
    pos: function (a) { return arith(a); },
    cmp: function () {
      var values = [];
      for (var i = 0; i < arguments.length; i += 2) { values.push(arguments[i]); }
      var list = numbers(values);
      if (list === null) { return null; }
      for (var j = 1; j < arguments.length; j += 2) {
        var k = (j - 1) / 2;
        if (!COMPARE[arguments[j]](roundHalfUp(list[k], 2), roundHalfUp(list[k + 1], 2))) {
          return false;
        }
      }
      return true;
    },
    and: logic(true),
    or: logic(false),
    not: function (a) { return a === null || a === undefined ? null : !truth(a); },
    sum: function () {
      var list = numbers(arguments);
      if (list === null) { return null; }
      var total = 0;
      for (var i = 0; i < list.length; i += 1) { total += list[i]; }
      return total;
    },
    min: function () { var list = numbers(arguments); return list === null ? null : Math.min.apply(null, list); },
    max: function () { var list = numbers(arguments); return list === null ? null : Math.max.apply(null, list); },
    abs: function (a) { var n = arith(a); return n === null ? null : Math.abs(n); },
    round: function (x, places) {
      var n = arith(x);
      return n === null ? null : roundHalfUp(n, places === undefined ? 0 : arith(places));
    },
    formula: function (v, names, value) {
      if (names.length > 0) {
        var allBlank = true;
        for (var i = 0; i < names.length; i += 1) {
          if (F.get(v, names[i]) !== BLANK) { allBlank = false; break; }
        }
        if (allBlank) { return null; }
      }
      return value === BLANK || value === undefined ? null : value;
    }
  };

  var PLACES = { count: 0, amount: 2, percent: 2 };

  /* Round a result for its column type (count: whole number; amount, percent: 2 places). */
  function quantize(x, type) {
    if (!Object.prototype.hasOwnProperty.call(PLACES, type)) {
      throw new Error("column type '" + type + "' does not hold a number");
    }
    return roundHalfUp(x, PLACES[type]);
  }

  /* A computed row's cells, as the server's calculation.row_cells: for each column in
     `columns` (the number columns that are not computed, then the computed columns in
     their order; each {code, type, fn} with fn null for a column that is not computed),
     the row's formula over that column's cells of the rows it names, except at a computed
     column outside row.byRow, where the column's formula over the row's own cells holds.
     `valuesByRow` maps a row key to its cells. Each result is rounded for its column. */
  function computedRow(row, valuesByRow, columns) {
    var values = {};
    function over(code) {
      return function (key) { var cells = valuesByRow[key]; return cells ? cells[code] : undefined; };
    }
    columns.forEach(function (column) {
      var byRow = !column.fn || row.byRow.indexOf(column.code) !== -1;
      var result = byRow ? row.fn(over(column.code)) : column.fn(values);
      values[column.code] = typeof result === "number" ? quantize(result, column.type) : null;
    });
    return values;
  }

  /* A result as compared in tests: null, "true"/"false" or the number to 2 decimals. */
  function caseString(x) {
    if (x === null || x === undefined || x === BLANK) { return null; }
    if (typeof x === "boolean") { return x ? "true" : "false"; }
    return roundHalfUp(x, 2).toFixed(2);
  }

  var MPRFormula = {
    F: F,
    BLANK: BLANK,
    /* Run a served formula function `function (v) { return <to_js()>; }` on a row's values
       (an object, a Map or a function code -> value). */
    evaluate: function (fn, values) { return fn(values); },
    compute: function (fn, values, type) { return quantize(fn(values), type); },
    quantize: quantize,
    computedRow: computedRow,
    roundHalfUp: roundHalfUp,
    read: read,
    caseString: caseString
  };

  root.MPRFormula = MPRFormula;
  if (typeof module === "object" && module && module.exports) { module.exports = MPRFormula; }
}(typeof window !== "undefined" ? window : globalThis));
