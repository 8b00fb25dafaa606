// The shortcuts the header shows, on every page: Alt+N opens a new entry (the link that carries
// aria-keyshortcuts="Alt+N"). The link's accesskey does the same where the browser maps Alt to it.
(function () {
  "use strict";
  document.addEventListener("keydown", function (ev) {
    if (!ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    var key = (ev.key || "").toLowerCase();
    var link = document.querySelector('a[aria-keyshortcuts="Alt+' + key.toUpperCase() + '"]');
    if (!link || ev.code !== "Key" + key.toUpperCase()) return;
    ev.preventDefault();
    window.location.assign(link.href);
  });
})();
