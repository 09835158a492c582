// "What we heard": an answer is sent without leaving the page. Every form works without this
// file (a POST answered with a 303 to the page, at the card answered). With it, a form marked
// data-in-place is sent with HX-Request, the server answers with the page's `heard` block (as
// it does for htmx), and the block is swapped in where it was: no reload, no jump to the top.
// Not htmx itself: its 52 KB alone would break a participant page's 50 KB first load.
(function () {
  "use strict";
  var sending = false;

  function swapIn(html, cardId) {
    var holder = document.getElementById("heard");
    var box = document.createElement("div");
    box.innerHTML = html; // the server's own fragment, escaped by its templates
    var fresh = box.querySelector("#heard");
    if (!holder || !fresh) return false;
    holder.replaceWith(fresh);
    // Back where the person was: the field to correct, else what says it was saved.
    var card = (cardId && document.getElementById(cardId)) || fresh;
    var target = card.querySelector("[aria-invalid=true]") || card.querySelector(".flash") || card.querySelector(".error") || fresh.querySelector("[role=alert] a");
    if (target) {
      target.focus({ preventScroll: true });
      target.scrollIntoView({ block: "nearest" });
    }
    return true;
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-in-place") || !window.fetch) return;
    e.preventDefault();
    if (sending) return;
    sending = true;
    var card = form.closest("article");
    var cardId = card ? card.id : "";
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { "HX-Request": "true" },
      credentials: "same-origin"
    }).then(function (response) {
      var elsewhere = response.headers.get("HX-Redirect");
      if (elsewhere) {
        window.location.assign(elsewhere);
        return null;
      }
      var html = (response.headers.get("content-type") || "").indexOf("text/html") === 0;
      if (!html || !(response.ok || response.status === 400)) throw new Error(String(response.status));
      return response.text();
    }).then(function (text) {
      sending = false;
      if (text !== null && !swapIn(text, cardId)) form.submit();
    }).catch(function () {
      // Anything unexpected: send it as a page does without JavaScript.
      sending = false;
      form.submit();
    });
  });
})();
