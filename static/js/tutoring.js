// Hints: keep the keyboard flow after htmx swaps the hint panel. The new hint is announced by the panel's live
// region (#hint-live); focus goes to the button for the next hint, or to the new hint when there is no more.
(function () {
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "hint-live") return;
    var active = document.activeElement;
    if (active && active !== document.body && document.body.contains(active)) return;
    var next = document.querySelector("#hint-actions button");
    var fresh = target.querySelector("[data-new-hint]") || target.querySelector(".hint:last-child");
    var focusable = next || fresh;
    if (focusable) focusable.focus();
  });
})();
