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
  document.addEventListener("DOMContentLoaded", function () { renderMath(document.body); });
  document.addEventListener("htmx:afterSwap", function (event) { renderMath(event.target); });
  window.tutorRenderMath = renderMath;
})();
