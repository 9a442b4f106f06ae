// Keying form: Enter in a one-line box moves to the next field, as Tab does, instead of saving a
// half-keyed form (the browser's default, which still applies without JavaScript). Enter on the
// "Save form" button still saves.
const form = document.querySelector("form[data-app-keying-form]");
const ONE_LINE = new Set(["text", "number", "date", "tel", "email", "search", "url"]);

function tabStops() {
  return [...form.elements].filter(
    (el) => !el.disabled && el.type !== "hidden" && el.tabIndex >= 0 && el.getClientRects().length,
  );
}

if (form) {
  form.addEventListener("keydown", (event) => {
    const field = event.target;
    if (event.key !== "Enter" || event.isComposing || event.shiftKey || event.ctrlKey) return;
    if (!(field instanceof HTMLInputElement) || !ONE_LINE.has(field.type)) return;
    event.preventDefault();
    const stops = tabStops();
    const next = stops[stops.indexOf(field) + 1];
    if (next) next.focus();
  });
}
