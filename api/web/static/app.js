// Small enhancements only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Ask before a destructive form (delete a subscription) is sent.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
