// Keying form: Enter never saves. In a one-line box it moves to the next field, as Tab does; on a
// radio button or a tick box it moves to the next question. Only the "Save form" button saves.
// Without JavaScript Enter does nothing in a field: the form's default button is a disabled one
// (templates/staff/entry/_enter.html), and the server refuses a post without the Save button.
const form = document.querySelector("form[data-app-keying-form]");
const ONE_LINE = new Set(["text", "number", "date", "tel", "email", "search", "url"]);

function tabStops() {
  return [...form.elements].filter(
    (el) => !el.disabled && el.type !== "hidden" && el.tabIndex >= 0 && el.getClientRects().length,
  );
}

function nextQuestion(field) {
  const question = field.closest(".app-keying-question");
  let next = question && question.nextElementSibling;
  while (next && !next.classList.contains("app-keying-question")) next = next.nextElementSibling;
  return next;
}

// The control Tab would reach in a question: the checked radio of a group, else its first stop.
function firstStop(question) {
  const stops = tabStops().filter((el) => question.contains(el));
  const first = stops[0];
  if (first && first.type === "radio") {
    const checked = stops.find((el) => el.name === first.name && el.checked);
    if (checked) return checked;
  }
  return first;
}

function moveOn(field) {
  if (field.type === "radio" || field.type === "checkbox") {
    const next = nextQuestion(field);
    if (next) {
      firstStop(next).focus();
      return;
    }
    // The last question: on to what follows it (the reason for a correction, or Save).
    const stops = tabStops();
    const own = field.closest(".app-keying-question");
    const after = stops.find((el, i) => i > stops.indexOf(field) && !own.contains(el));
    if (after) after.focus();
    return;
  }
  const stops = tabStops();
  const next = stops[stops.indexOf(field) + 1];
  if (next) next.focus();
}

if (form) {
  form.addEventListener("keydown", (event) => {
    const field = event.target;
    if (event.key !== "Enter" || event.isComposing || event.shiftKey || event.ctrlKey) return;
    if (!(field instanceof HTMLInputElement)) return; // buttons and text areas keep Enter
    event.preventDefault();
    if (ONE_LINE.has(field.type) || field.type === "radio" || field.type === "checkbox") {
      moveOn(field);
    }
  });
}
