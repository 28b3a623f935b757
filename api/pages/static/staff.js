/* Staff pages: countdowns that tick every second, and lists that refresh themselves. No build step. */
(function () {
  "use strict";

  // The server's clock decides what is late: the offset corrects a phone whose clock is off.
  var offsetMs = 0;

  function readServerNow(root) {
    var holder = root.querySelector("[data-server-now]");
    if (holder) {
      var serverNow = Date.parse(holder.getAttribute("data-server-now"));
      if (!isNaN(serverNow)) offsetMs = serverNow - Date.now();
    }
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function clock(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    return (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
  }

  function tick() {
    var now = Date.now() + offsetMs;
    var countdowns = document.querySelectorAll(".countdown[data-deadline]");
    for (var i = 0; i < countdowns.length; i++) {
      var el = countdowns[i];
      var left = Math.floor((Date.parse(el.getAttribute("data-deadline")) - now) / 1000);
      var late = left < 0;
      el.textContent = (late ? "已超时 " : "剩余 ") + clock(Math.abs(left));
      el.classList.toggle("late", late);
    }
  }

  // Someone typing into a form of the list keeps what they typed: the swap waits for the next round.
  function busy(container) {
    var active = document.activeElement;
    return active && container.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
  }

  function version(root) {
    var holder = root.querySelector("[data-version]");
    return holder ? holder.getAttribute("data-version") : null;
  }

  function refresh(container) {
    var url = container.getAttribute("data-refresh-url");
    var seconds = parseInt(container.getAttribute("data-refresh-seconds"), 10) || 5;
    setInterval(function () {
      if (busy(container)) return;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (response.status === 401) { window.location.reload(); return null; }
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          if (html === null || busy(container)) return;
          // Swapped only when the list changed: an open form or a scrolled page stays as it is.
          var fresh = document.createElement("template");
          fresh.innerHTML = html;
          if (version(fresh.content) === version(container)) return;
          container.innerHTML = html;
          readServerNow(container);
          tick();
        })
        .catch(function () { /* offline for a moment: the next round tries again */ });
    }, seconds * 1000);
  }

  readServerNow(document);
  tick();
  setInterval(tick, 1000);
  var lists = document.querySelectorAll("[data-refresh-url]");
  for (var i = 0; i < lists.length; i++) refresh(lists[i]);
})();
