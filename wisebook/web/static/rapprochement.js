// The rapprochement by keyboard: the first proposal's button takes the focus, ↓ and ↑ move
// among the proposals, Entrée accepts the one in focus (its form posts). Without this script
// each proposal is accepted by its button.
(function () {
  "use strict";
  var list = document.getElementById("propositions");
  if (!list) return;
  var buttons = Array.prototype.slice.call(list.querySelectorAll(".proposition button"));
  if (!buttons.length) return;
  if (!document.querySelector(".alerte")) buttons[0].focus();
  list.addEventListener("keydown", function (ev) {
    var at = buttons.indexOf(document.activeElement);
    if (at < 0 || (ev.key !== "ArrowDown" && ev.key !== "ArrowUp")) return;
    ev.preventDefault();
    var next = buttons[(at + (ev.key === "ArrowDown" ? 1 : buttons.length - 1)) % buttons.length];
    next.focus();
  });
})();
