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
      ignoredClasses: ["no-math"],
    });
  }
  document.addEventListener("DOMContentLoaded", function () { renderMath(document.body); });
  document.addEventListener("htmx:afterSwap", function (event) { renderMath(event.target); });
  window.tutorRenderMath = renderMath;
})();
