/*
 * The MIS number grammar in the browser: the server's parse_decimal
 * (app/services/engine/cell_input.py), rule for rule. The rules themselves (patterns,
 * limits, messages) come from the server in #mpr-number-grammar, so both sides read a
 * number the same way: digits 0-9, an optional minus, one decimal point, commas only as
 * Indian (1,23,456.50) or international (123,456.50) grouping; everything else refused.
 */
(function () {
  "use strict";

  var holder = document.getElementById("mpr-number-grammar");
  if (!holder) { return; }
  var grammar = JSON.parse(holder.getAttribute("data-grammar"));
  var number = new RegExp(grammar.pattern);
  var strippable = new RegExp(grammar.strippable);
  var spaceInside = new RegExp(grammar.spaceInside);
  var spaceInsideAll = new RegExp(grammar.spaceInside, "g");
  var otherDigit = /\p{Nd}/u;
  var asciiDigit = /[0-9]/;

  function strip(text) {
    var start = 0;
    var end = text.length;
    while (start < end && grammar.edgeSpace.indexOf(text.charAt(start)) >= 0) { start += 1; }
    while (end > start && grammar.edgeSpace.indexOf(text.charAt(end - 1)) >= 0) { end -= 1; }
    return text.slice(start, end);
  }

  function hasOtherDigits(text) {
    return Array.from(text).some(function (ch) { return otherDigit.test(ch) && !asciiDigit.test(ch); });
  }

  function refusal(code, text) {
    return { value: NaN, plain: null, code: code,
      message: grammar.messages[code].replace("%(text)s", text.slice(0, grammar.maxLength)) };
  }

  function reason(text) {
    if (text.length > grammar.maxLength) { return "not_a_number"; }
    if (hasOtherDigits(text)) { return "other_digits"; }
    if (spaceInside.test(text) && strippable.test(text.replace(spaceInsideAll, ""))) { return "space_inside"; }
    if (text.indexOf(",") >= 0 && strippable.test(text)) { return "grouping"; }
    return "not_a_number";
  }

  function tooLarge(plain) {
    var digits = plain.replace(/^-/, "").split(".")[0].replace(/^0+/, "");
    return digits.length >= grammar.largest.length;
  }

  // The column type registry (app/definitions/column_types.py): decimal places per type.
  function places(type) {
    var known = (grammar.types || {})[type];
    return known && known.places !== null && known.places !== undefined ? known.places : 2;
  }
  function whole(type) { return places(type) === 0; }

  // {value, plain, code, message}: value null for blank, NaN when refused (code and message say why).
  function parse(raw, type) {
    var text = strip(raw === null || raw === undefined ? "" : String(raw));
    if (text === "") { return { value: null, plain: null, code: null, message: null }; }
    if (text.length > grammar.maxLength || !number.test(text)) {
      var code = reason(text);
      if (code === "not_a_number" && whole(type)) {
        return { value: NaN, plain: null, code: code,
          message: grammar.messages.not_a_whole_number.replace("%(text)s", text.slice(0, grammar.maxLength)) };
      }
      return refusal(code, text);
    }
    var plain = text.replace(/,/g, "");
    if (tooLarge(plain)) { return refusal("too_large", text); }
    var fraction = (plain.split(".")[1] || "").replace(/0+$/, "");
    if (whole(type) && fraction !== "") { return refusal("not_whole", text); }
    if (!whole(type) && (plain.split(".")[1] || "").length > places(type)) {
      return refusal("too_many_decimals", text);
    }
    if (/^-0*(\.0*)?$/.test(plain)) { plain = plain.slice(1); }
    return { value: Number(plain), plain: plain, code: null, message: null };
  }

  window.MPRNumber = { parse: parse, strip: strip, places: places, types: grammar.types || {},
    paste: grammar.paste || {} };
})();
