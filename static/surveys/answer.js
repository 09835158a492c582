// Answering page enhancements; every screen works without this file.
// 1. Questions whose condition reads answers on the same screen are shown or hidden as the
//    person answers (the server applies the same rule when the screen is sent).
// 2. The send button is disabled once pressed, so a double tap sends once (a retry would
//    be harmless anyway: every screen carries its own submission id). A page the browser
//    brings back (the back button after a sending that failed) has its buttons again.
// 3. A phone without a connection: pressing the button keeps the screen as it is (the
//    answers stay on the page, in its memory only: nothing is written to the phone's
//    storage) and says so; the screen is sent by itself as soon as the phone is back online,
//    with the same submission id, so it is stored once whatever happened before.
(function () {
  "use strict";
  var form = document.querySelector("form.screen");
  if (!form) { return; }
  var knownEl = document.getElementById("survey-known");
  var known = {};
  try { known = knownEl ? JSON.parse(knownEl.textContent) : {}; } catch (e) { known = {}; }

  function fieldsNamed(name) {
    var out = [];
    var all = form.elements;
    for (var i = 0; i < all.length; i++) { if (all[i].name === name) { out.push(all[i]); } }
    return out;
  }

  function valueOf(name) {
    var els = fieldsNamed("q." + name);
    if (!els.length) {
      var ranked = [];
      var all = form.elements;
      var prefix = "q." + name + ".";
      for (var i = 0; i < all.length; i++) {
        var el = all[i];
        if (el.name && el.name.indexOf(prefix) === 0 && el.tagName === "SELECT" && el.value) {
          ranked.push([parseInt(el.value, 10), el.name.slice(prefix.length)]);
        }
      }
      if (ranked.length) {
        ranked.sort(function (a, b) { return a[0] - b[0]; });
        return ranked.map(function (r) { return r[1]; });
      }
      return Object.prototype.hasOwnProperty.call(known, name) ? known[name] : "";
    }
    if (els[0].type === "checkbox") {
      return els.filter(function (e) { return e.checked; }).map(function (e) { return e.value; });
    }
    if (els[0].type === "radio") {
      var picked = els.filter(function (e) { return e.checked; })[0];
      return picked ? picked.value : "";
    }
    return els[0].value.trim();
  }

  function asText(v) {
    if (v === null || v === undefined) { return ""; }
    if (Array.isArray(v)) { return v.join(" "); }
    if (typeof v === "object") { return asText(v.rating); }
    return String(v);
  }
  function asNumber(v) {
    if (typeof v === "number") { return v; }
    if (v && typeof v === "object" && !Array.isArray(v)) { return asNumber(v.rating); }
    var t = asText(v).trim();
    if (t === "" || isNaN(Number(t))) { return NaN; }
    return Number(t);
  }
  function selected(v) {
    if (Array.isArray(v)) { return v.map(String); }
    var t = asText(v).trim();
    return t ? t.split(/\s+/) : [];
  }
  function truthy(v) {
    if (typeof v === "boolean") { return v; }
    if (typeof v === "number") { return v !== 0 && !isNaN(v); }
    if (Array.isArray(v)) { return v.length > 0; }
    return v !== null && v !== undefined && String(v) !== "";
  }
  function numeric(node) { return node[0] === "num" || node[0] === "count" || node[0] === "len"; }

  function value(node) {
    switch (node[0]) {
      case "ref": return valueOf(node[1]);
      case "self": return "";
      case "str": case "num": case "bool": return node[1];
      case "count": return selected(value(node[1])).length;
      case "len": return asText(value(node[1])).length;
      default: return evaluate(node);
    }
  }

  function compare(op, left, right) {
    var lv = value(left), rv = value(right);
    if (op === "=" || op === "!=") {
      var equal;
      if (typeof lv === "boolean" || typeof rv === "boolean") {
        equal = truthy(lv) === truthy(rv);
      } else if (numeric(left) || numeric(right)) {
        var ln = asNumber(lv), rn = asNumber(rv);
        equal = (isNaN(ln) || isNaN(rn)) ? asText(lv) === asText(rv) : ln === rn;
      } else {
        equal = asText(lv) === asText(rv);
      }
      return op === "=" ? equal : !equal;
    }
    var a = asNumber(lv), b = asNumber(rv);
    if (isNaN(a) || isNaN(b)) { return false; }
    if (op === "<") { return a < b; }
    if (op === "<=") { return a <= b; }
    if (op === ">") { return a > b; }
    return a >= b;
  }

  function evaluate(node) {
    switch (node[0]) {
      case "or": return node.slice(1).some(evaluate);
      case "and": return node.slice(1).every(evaluate);
      case "not": return !evaluate(node[1]);
      case "bool": return node[1];
      case "cmp": return compare(node[1], node[2], node[3]);
      case "selected": return selected(value(node[1])).indexOf(node[2]) !== -1;
      default: return truthy(value(node));
    }
  }

  var conditional = Array.prototype.slice.call(form.querySelectorAll("[data-relevant]"));
  conditional.forEach(function (el) {
    try { el._condition = JSON.parse(el.getAttribute("data-relevant")); } catch (e) { el._condition = null; }
    var hints = el.querySelectorAll(".cond-hint");
    for (var i = 0; i < hints.length; i++) { hints[i].hidden = true; }
  });

  function refresh() {
    conditional.forEach(function (el) {
      if (!el._condition) { return; }
      var show = true;
      try { show = evaluate(el._condition); } catch (e) { show = true; }
      el.hidden = !show;
    });
  }
  form.addEventListener("change", refresh);
  form.addEventListener("input", refresh);
  refresh();

  var buttons = form.querySelectorAll("button[type=submit]");
  function enable(on) {
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = !on; }
  }
  var status = form.querySelector("[data-offline-status]");
  function say(text) {
    if (status) { status.textContent = text; status.hidden = !text; }
  }
  var waiting = null;  // the button pressed while offline ({} for none), until the phone is back
  form.addEventListener("submit", function (e) {
    if (navigator.onLine === false) {
      e.preventDefault();
      waiting = { button: e.submitter || null };
      say(form.getAttribute("data-offline") || "");
      return;
    }
    waiting = null;
    say("");
    window.setTimeout(function () { enable(false); }, 0);
  });
  window.addEventListener("online", function () {
    if (!waiting) { return; }
    var button = waiting.button;
    waiting = null;
    say("");
    if (form.requestSubmit) { form.requestSubmit(button || undefined); return; }
    if (button && button.name) {
      var extra = document.createElement("input");
      extra.type = "hidden"; extra.name = button.name; extra.value = button.value;
      form.appendChild(extra);
    }
    enable(false);
    form.submit();
  });
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) { enable(true); }
  });
})();
