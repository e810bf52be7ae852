// smcycle's small script: filters and copy buttons. Without it, everything is
// simply shown and texts can be selected by hand.
"use strict";

function applyFilters(form) {
  const target = document.getElementById(form.dataset.filterFor);
  if (!target) return;
  const wanted = {};
  for (const select of form.querySelectorAll("select")) {
    if (select.value) wanted[select.name] = select.value;
  }
  const items = target.querySelectorAll("[data-channel]");
  let shown = 0;
  for (const item of items) {
    const keep = Object.entries(wanted).every(([key, value]) => item.dataset[key] === value);
    item.hidden = !keep;
    if (keep) shown += 1;
  }
  // a week or a list with nothing left in it is hidden too
  for (const group of target.querySelectorAll(".week")) {
    group.hidden = !group.querySelector("[data-channel]:not([hidden])");
  }
  const out = form.querySelector(".filter-count");
  if (out) {
    out.textContent = form.dataset.shown
      .replace("{shown}", String(shown))
      .replace("{total}", String(items.length));
  }
}

function setUpFilters() {
  for (const form of document.querySelectorAll("form.filters")) {
    form.hidden = false;
    form.addEventListener("change", () => applyFilters(form));
    form.addEventListener("reset", () => setTimeout(() => applyFilters(form), 0));
    form.addEventListener("submit", (event) => event.preventDefault());
    applyFilters(form);
  }
}

function setUpCopyButtons() {
  for (const button of document.querySelectorAll("button.copy")) {
    const source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) continue;
    button.hidden = false;
    const label = button.textContent;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(source.textContent);
        button.textContent = button.dataset.copied;
      } catch (error) {
        // a page opened from disk may not be allowed the clipboard: select the text instead
        const range = document.createRange();
        range.selectNodeContents(source);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      }
      setTimeout(() => { button.textContent = label; }, 1500);
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setUpFilters();
  setUpCopyButtons();
});
