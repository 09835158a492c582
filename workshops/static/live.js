// Workshops: countdowns, dots left, and phones following the room. Every page works without this file.
(function () {
  "use strict";

  // Countdowns: <span data-ends-at="ISO time">m:ss</span>, redrawn every second, also after
  // a part of the page was replaced.
  function tick() {
    var now = Date.now();
    var els = document.querySelectorAll("[data-ends-at]");
    for (var i = 0; i < els.length; i++) {
      var end = Date.parse(els[i].getAttribute("data-ends-at"));
      if (isNaN(end)) continue;
      var left = Math.max(0, Math.round((end - now) / 1000));
      els[i].textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
      els[i].classList.toggle("ws-over", left === 0);
    }
  }
  setInterval(tick, 1000);
  tick();

  // A ranking is a number select per option (it works without this): choosing a place another
  // option holds gives that option this one's old place, so two never share one.
  document.addEventListener("focusin", function (e) {
    var el = e.target;
    if (el.tagName === "SELECT" && el.closest("[data-ranking]")) el.setAttribute("data-was", el.value);
  });
  document.addEventListener("change", function (e) {
    var el = e.target;
    var box = el.tagName === "SELECT" ? el.closest("[data-ranking]") : null;
    if (!box || !el.value) return;
    var others = box.querySelectorAll("select");
    for (var i = 0; i < others.length; i++) {
      if (others[i] !== el && others[i].value === el.value) others[i].value = el.getAttribute("data-was") || "";
    }
    el.setAttribute("data-was", el.value);
  });

  // Dot voting (templates/workshops/_phone_kinds.html): the dots left, counted as the person
  // chooses and read out politely, and too many shown before Send, which waits until some come
  // off. Without this file the form still posts and the server says what is wrong.
  function countDots(box) {
    var form = box.closest("form");
    var counter = form ? form.querySelector("[data-dots-left]") : null;
    if (!counter) return;
    var budget = parseInt(box.getAttribute("data-dots"), 10) || 0;
    var placed = 0;
    var fields = box.querySelectorAll("select, input[type=checkbox]");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].tagName === "SELECT") placed += parseInt(fields[i].value, 10) || 0;
      else if (fields[i].checked) placed += 1;
    }
    var over = placed > budget;
    var text = over
      ? (counter.getAttribute("data-over") || "").replace("{placed}", placed).replace("{dots}", budget)
      : (counter.getAttribute("data-left") || "").replace("{n}", budget - placed);
    if (counter.textContent !== text) counter.textContent = text;
    counter.classList.toggle("ws-dots-over", over);
    counter.hidden = false;
    var send = form.querySelector("button[type=submit]");
    if (!send) return;
    send.disabled = over;
    if (over) send.setAttribute("aria-describedby", counter.id);
    else send.removeAttribute("aria-describedby");
  }
  function countAllDots() {
    var boxes = document.querySelectorAll("[data-dots]");
    for (var i = 0; i < boxes.length; i++) countDots(boxes[i]);
  }
  document.addEventListener("change", function (e) {
    var box = e.target.closest ? e.target.closest("[data-dots]") : null;
    if (box) countDots(box);
  });
  countAllDots();

  // The screen: a workshop.results or workshop.room event may carry the counts the screen
  // shows (the core's hub adds them once per batch: workshops.results.live_counts). Redraw
  // them in place; when an event carries none, or a number would need other words (one
  // phone / two phones, in the page's language), fetch the screen's block again (wsrefetch).
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || "en") : null;
  // `el` holds a sentence with one number, also in `data-<name>`: put `value` in its place.
  function setNumber(el, name, value) {
    var old = parseInt(el.getAttribute(name), 10);
    if (isNaN(old) || !plural || plural.select(old) !== plural.select(value)) return false;
    if (old !== value) {
      if (el.textContent.indexOf(String(old)) < 0) return false;
      el.textContent = el.textContent.replace(String(old), String(value));
      el.setAttribute(name, String(value));
    }
    return true;
  }
  function refetchScreen() {
    var screen = document.getElementById("screen");
    if (screen && window.htmx) window.htmx.trigger(screen, "wsrefetch");
  }
  // An event's data: htmx's SSE extension hands it in `detail`, a plain EventSource in `data`.
  function countsOf(e) {
    var raw = e.detail && e.detail.data ? e.detail.data : e.data;
    try { return JSON.parse(raw || "{}"); } catch (err) { return {}; }
  }
  document.addEventListener("sse:workshop.results", function (e) {
    var counts = countsOf(e).counts;
    var bars = document.querySelector("#screen [data-ws-activity]");
    if (!counts || !bars || bars.getAttribute("data-ws-activity") !== String(counts.activity)) { refetchScreen(); return; }
    var items = bars.querySelectorAll("[data-ws-bar]");
    var answered = document.querySelector("#screen [data-ws-answered]");
    if (!answered || counts.answered === null || !setNumber(answered, "data-ws-answered", counts.answered)) { refetchScreen(); return; }
    for (var i = 0; i < items.length; i++) {
      var bar = counts.bars[items[i].getAttribute("data-ws-bar")];
      var num = items[i].querySelector(".ws-num");
      var fill = items[i].querySelector(".ws-bar > span");
      if (!bar || bar[0] === null || !num || !fill) { refetchScreen(); return; }
      num.textContent = String(bar[0]);
      fill.className = "w-" + bar[1];
    }
  });
  document.addEventListener("sse:workshop.room", function (e) {
    var phones = countsOf(e).phones;
    var els = document.querySelectorAll("#screen [data-ws-phones]");
    if (typeof phones !== "number" || !els.length) { refetchScreen(); return; }
    for (var i = 0; i < els.length; i++) { if (!setNumber(els[i], "data-ws-phones", phones)) { refetchScreen(); return; } }
  });

  // Phones: follow the workshop's live channel and fetch the page's own block again when the
  // room moves. What the person is typing is kept if the activity is still the same.
  var root = document.querySelector("[data-follow]");
  if (!root || !window.EventSource || !window.fetch) return;
  var busy = false;
  var again = false;

  // Phones without a connection: a note or a vote sent while the phone is offline stays on the
  // page (what was typed is not lost) and in this tab's storage, and is sent when the
  // connection comes back, with the form's client id, so a sending that did arrive before is
  // never counted twice (the server answers a retry with the first result). It leaves the
  // phone's storage as soon as the server answered. Session storage, not local: what a young
  // person wrote goes with the tab (a shared phone's next user finds nothing), and a sending
  // older than a workshop's day (OUTBOX_HOURS) is dropped unsent.
  var OUTBOX = "baraza-workshop-outbox";
  var OUTBOX_HOURS = 12;
  function outbox() {
    var list;
    try { list = JSON.parse(window.sessionStorage.getItem(OUTBOX) || "[]"); } catch (err) { return []; }
    var since = Date.now() - OUTBOX_HOURS * 3600 * 1000;
    return list.filter(function (item) { return item && item.at > since; });
  }
  function keep(list) {
    try {
      if (list.length) window.sessionStorage.setItem(OUTBOX, JSON.stringify(list));
      else window.sessionStorage.removeItem(OUTBOX);
    } catch (err) { /* storage refused: the page still holds what was typed */ }
  }
  function say(text) {
    var el = document.querySelector("[data-offline-status]");
    if (el) { el.textContent = text; el.hidden = !text; }
  }
  // Sending a note or a vote: with a connection, the form goes by fetch with `HX-Request` and
  // the server answers with the phone's block, the thanks in it (workshops.views.phones._sent):
  // one request instead of a redirect and a page load, and the page keeps its place. Without
  // one, it waits in the outbox. A form whose button carries the answer goes as the browser
  // sends it when this browser cannot say which button was pressed.
  function postForm(form, body) {
    var buttons = form.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true" }
    }).then(function (response) {
      var elsewhere = response.headers.get("HX-Redirect");
      if (elsewhere) { window.location.href = elsewhere; return null; }
      if (response.status >= 500) { form.submit(); return null; }  // as without this script
      return response.text();
    }).then(function (html) {
      if (html === null) return;
      var box = document.createElement("div");
      box.innerHTML = html;
      var fresh = box.querySelector("[data-follow]");
      if (!fresh) { form.submit(); return; }  // an error page, not the block: show it as the browser would
      lastFetched = Date.now();
      swapIn(fresh, false);
    }, function () {
      // The connection went: keep the sending, and send it when the phone is back online.
      for (var i = 0; i < buttons.length; i++) buttons[i].disabled = false;
      toOutbox(form, body);
    });
  }
  function toOutbox(form, body) {
    var list = outbox();
    list.push({ action: form.action, body: body, at: Date.now() });
    keep(list);
    var box = document.querySelector("[data-follow]");
    say(box ? box.getAttribute("data-offline") || "" : "");
  }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var box = form.closest ? form.closest("[data-follow]") : null;
    if (!box || (form.getAttribute("method") || "").toLowerCase() !== "post" || !window.URLSearchParams) return;
    if (form.querySelector("button[name]") && !e.submitter) return;
    e.preventDefault();
    var data;
    try { data = new FormData(form, e.submitter || undefined); } catch (err) {
      data = new FormData(form);
      if (e.submitter && e.submitter.name) data.append(e.submitter.name, e.submitter.value);
    }
    var body = new URLSearchParams(data).toString();
    if (navigator.onLine === false) toOutbox(form, body);
    else postForm(form, body);
  });
  var flushing = false;
  function flush() {
    var list = outbox();
    if (flushing || !list.length || navigator.onLine === false) return;
    flushing = true;
    fetch(list[0].action, {
      method: "POST", body: list[0].body, credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (response) {
      flushing = false;
      if (response.status >= 500) return;  // the server is in trouble: try again when back online
      keep(outbox().slice(1));  // arrived, or refused for good (a closed activity): it leaves the phone
      if (outbox().length) { flush(); return; }
      say("");
      refresh();
    }, function () { flushing = false; });
  }
  window.addEventListener("online", flush);
  // A sending that failed while the phone still thought it was online waits for no "online"
  // event: try again every 15 seconds while something waits.
  setInterval(function () { if (outbox().length) flush(); }, 15000);
  flush();

  // Put a fresh block in the old one's place; what the person is typing stays if the room is
  // still on the same activity (not after a sending: the block then says what was sent).
  function swapIn(fresh, keepTyping) {
    var old = document.querySelector("[data-follow]");
    var typing = old.querySelector("textarea");
    var kept = keepTyping !== false && typing && typing.value && fresh.getAttribute("data-activity") === old.getAttribute("data-activity");
    var text = kept ? typing.value : "";
    var focused = document.activeElement === typing;
    old.replaceWith(fresh);
    if (kept) {
      var box2 = fresh.querySelector("textarea");
      if (box2) { box2.value = text; if (focused) box2.focus(); }
    }
    tick();
    countAllDots();
  }

  // The phone's own block. `quiet`: only to be seen in the room (see below); the answer is
  // put in only if the room is elsewhere, so a choice being made is not undone.
  var lastFetched = Date.now();
  function refresh(quiet) {
    if (busy) { again = true; return; }
    busy = true;
    var current = document.querySelector("[data-follow]");
    fetch(current.getAttribute("data-refresh"), { headers: { "HX-Request": "true" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.redirected || !response.ok) { window.location.reload(); return null; }
        lastFetched = Date.now();
        return response.text();
      })
      .then(function (html) {
        if (html === null) return;
        var box = document.createElement("div");
        box.innerHTML = html;
        var fresh = box.querySelector("[data-follow]");
        if (!fresh) return;
        var shown = document.querySelector("[data-follow]");
        if (quiet === true && fresh.getAttribute("data-activity") === shown.getAttribute("data-activity")) return;
        // A dot vote on notes, fetched because the room's notes changed: put in only if the
        // notes it offers did, so dots being placed are not undone by news that changes nothing.
        if (quiet === "options" && fresh.getAttribute("data-activity") === shown.getAttribute("data-activity") &&
            fresh.getAttribute("data-options") === shown.getAttribute("data-options")) return;
        swapIn(fresh);
      })
      .catch(function () { /* offline for a moment: the next event tries again */ })
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  // The room moved, and the event may carry the new block as every phone that sent nothing
  // in the activity sees it, in each language (workshops.views.phones.shared_blocks): show it
  // at once with this phone's own CSRF token, new client ids and its number in the room,
  // instead of a thousand phones asking the server at the same moment. A phone whose answers
  // are not counted (its block says so) fetches its own; so does every phone when the event
  // carries no block (the activity holds sendings, or the room is split into groups).
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; } catch (err) { return ""; }
  }
  function newClientId() {
    var bytes = new Uint8Array(18);
    window.crypto.getRandomValues(bytes);
    var chars = "";
    for (var i = 0; i < bytes.length; i++) chars += String.fromCharCode(bytes[i]);
    return window.btoa(chars).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function useShared(html) {
    var old = document.querySelector("[data-follow]");
    var token = csrfToken();
    if (busy || !old || old.getAttribute("data-counted") === "0" || !token || !window.crypto || !window.crypto.getRandomValues) return false;
    var box = document.createElement("div");
    box.innerHTML = html;
    var fresh = box.querySelector("[data-follow]");
    if (!fresh) return false;
    var fields = fresh.querySelectorAll("input[name=csrf_token]");
    for (var i = 0; i < fields.length; i++) fields[i].value = token;
    fields = fresh.querySelectorAll("input[name=client_id]");
    for (i = 0; i < fields.length; i++) fields[i].value = newClientId();
    var seat = old.querySelector(".ws-seat");
    var foot = fresh.querySelector(".ws-refresh");
    if (seat && foot) foot.parentNode.insertBefore(seat.cloneNode(true), foot);
    swapIn(fresh);
    return true;
  }
  // The room counts the phones that fetched their page in the last minutes: one that only took
  // shared blocks for a while asks for its own once, at a random moment of the next 20 seconds.
  var SEEN_EVERY = 5 * 60 * 1000;
  function onState(e) {
    var parts = countsOf(e).parts;
    var html = parts && parts[document.documentElement.lang];
    if (!html || !useShared(html)) { refresh(); return; }
    if (Date.now() - lastFetched > SEEN_EVERY) {
      lastFetched = Date.now();
      setTimeout(function () { refresh(true); }, 1000 + Math.random() * 19000);
    }
  }

  // The page's language goes with the stream: a move's shared block then comes in it alone.
  var follow = root.getAttribute("data-follow");
  var source = new EventSource(follow + (follow.indexOf("?") < 0 ? "?" : "&") + "lang=" + encodeURIComponent(document.documentElement.lang));
  source.addEventListener("workshop.state", onState);
  // Q&A and statements: new questions and statements show without a reload, at most one fetch
  // every 8-20 seconds per phone (spread out, so a busy room does not ask all at once).
  var later = null;
  source.addEventListener("workshop.results", function () {
    var current = document.querySelector("[data-follow]");
    if (later || !current || !current.hasAttribute("data-follow-results")) return;
    later = setTimeout(function () { later = null; refresh(); }, 8000 + Math.random() * 12000);
  });
  // A dot vote on the notes follows them: a note hidden or withdrawn leaves the form within a
  // few seconds (spread, so a room does not ask at once), instead of a refusal when sent.
  var laterOptions = null;
  source.addEventListener("workshop.results", function () {
    var current = document.querySelector("[data-follow]");
    if (laterOptions || !current || !current.hasAttribute("data-options")) return;
    laterOptions = setTimeout(function () { laterOptions = null; refresh("options"); }, 1000 + Math.random() * 4000);
  });
  // A phone in a breakout group shows its group's board (workshops.rooms): it follows new notes
  // too. Phones without one ignore results, so a vote costs nothing on the other phones.
  source.addEventListener("workshop.results", function () {
    if (document.querySelector("[data-live-board]")) refresh();
  });
  // A stream refused for good (the browser gives up, e.g. the phone's newest participant is in
  // another consultation): ask for the page's block now and then instead.
  source.addEventListener("error", function () {
    if (source.readyState === EventSource.CLOSED && !window.wsPolling) {
      window.wsPolling = setInterval(refresh, 15000);
    }
  });
})();
