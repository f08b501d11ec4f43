// Render LaTeX in a subtree with KaTeX (served locally). Runs on load and after every htmx swap.
(function () {
  function renderMath(root) {
    if (typeof window.renderMathInElement !== "function") return;
    window.renderMathInElement(root, {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "\\[", right: "\\]", display: true },
        { left: "\\(", right: "\\)", display: false },
        { left: "$", right: "$", display: false },
      ],
      throwOnError: false,
      // Students and teachers write this LaTeX: no \href/\url/\htmlClass/\includegraphics (trust), a bound
      // on macro expansion (\def\a{\a\a}\a) and on sizes (\rule{9999em}{9999em}).
      trust: false,
      maxExpand: 1000,
      maxSize: 20,
      ignoredClasses: ["no-math"],
    });
  }
  // When grading finishes while the page polls, move focus to the first error (or the result), so keyboard and
  // screen-reader users land on the news. The fragment marks itself with data-just-finished.
  function focusFinished(root) {
    var section = root && root.matches && root.matches("[data-just-finished]") ? root : null;
    if (!section) return;
    var target = section.querySelector("[data-first-error]") || section.querySelector("[data-status]");
    if (target) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
    }
  }
  // Forms that need a second thought carry their question in data-confirm (no inline handlers: the
  // Content-Security-Policy allows none).
  document.addEventListener("submit", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-confirm]") : null;
    if (form && !window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  });
  document.addEventListener("DOMContentLoaded", function () { renderMath(document.body); });
  document.addEventListener("htmx:afterSwap", function (event) {
    renderMath(event.target);
    focusFinished(event.detail && event.detail.elt && document.getElementById("feedback"));
  });
  window.tutorRenderMath = renderMath;
})();
