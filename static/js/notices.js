// The bell: fetch the unread count once per page (not in the page's own queries) and show it as a badge.
(function () {
  "use strict";
  const bell = document.querySelector(".notice-bell[data-count-url]");
  if (!bell || !window.fetch) return;
  const badge = bell.querySelector("[data-notice-count]");
  fetch(bell.dataset.countUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (data) {
      if (!data || !data.unread) return;
      badge.textContent = data.unread > 99 ? "99+" : String(data.unread);
      badge.classList.remove("d-none");
      bell.title = "Уведомления: непрочитанных " + data.unread;
      bell.querySelector(".visually-hidden").textContent = "Уведомления, непрочитанных: " + data.unread;
    })
    .catch(function () { /* the bell still links to the list */ });
})();
