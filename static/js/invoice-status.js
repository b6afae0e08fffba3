// Keeps the status panel of an invoice that is still on its way to Odoo up to date.
// Without JavaScript the page shows the same information on reload.
(function () {
  var panel = document.getElementById("invoice-status");
  if (!panel || panel.dataset.pending !== "true") return;
  var tries = 0;
  function refresh() {
    tries += 1;
    fetch(window.location.pathname, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("invoice-status");
        if (!fresh) return;
        panel.className = fresh.className;
        panel.innerHTML = fresh.innerHTML;
        panel.dataset.pending = fresh.dataset.pending;
        var history = document.getElementById("invoice-timeline");
        var freshHistory = page.getElementById("invoice-timeline");
        if (history && freshHistory) history.innerHTML = freshHistory.innerHTML;
        if (fresh.dataset.pending === "true" && tries < 150) setTimeout(refresh, 2000);
      })
      .catch(function () { if (tries < 150) setTimeout(refresh, 5000); });
  }
  setTimeout(refresh, 1500);
})();
