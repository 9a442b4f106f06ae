// Keying form, fast keying for people who key hundreds of copies (EpiData is the anchor). A
// progressive enhancement: without JavaScript the form is an ordinary GOV.UK form.
//
// - Enter never saves. In a one-line box it moves to the next field, as Tab does; on a radio
//   button or a tick box it moves to the next question. Only the Save button saves. (Without
//   JavaScript, templates/staff/entry/_enter.html makes Enter harmless.)
// - Typing an option's number (shown before it) on a radio button ticks that option and moves to
//   the next question; on a tick box it ticks or unticks that option (Enter moves on).
// - One Tab stop per question: the tick boxes of a question are one stop (arrow keys move
//   between them), and a text question's "Illegible" (and "Prefer not to say") boxes are
//   reached with the down arrow from its box. Month and year remain two boxes.
// - "Go to question" jumps to a question by its number.
const form = document.querySelector("form[data-app-keying-form]");
const ONE_LINE = new Set(["text", "number", "date", "tel", "email", "search", "url"]);
const ARROWS_NEXT = new Set(["ArrowDown", "ArrowRight"]);
const ARROWS_BACK = new Set(["ArrowUp", "ArrowLeft"]);

function tabStops() {
  return [...form.elements].filter(
    (el) => !el.disabled && el.type !== "hidden" && el.tabIndex >= 0 && el.getClientRects().length,
  );
}

function questions() {
  return [...form.querySelectorAll(".app-keying-question")];
}

function nameOf(question) {
  return question.id.replace(/^question-/, "");
}

// The question's own choices (radio buttons or tick boxes named after it), in order.
function choicesOf(question) {
  const name = nameOf(question);
  return [...question.querySelectorAll("input[type=radio], input[type=checkbox]")].filter(
    (el) => el.name === name,
  );
}

// Tick boxes beside a question's text box: "Illegible", "Prefer not to say".
function sideBoxesOf(question) {
  const name = nameOf(question);
  return [...question.querySelectorAll("input[type=checkbox]")].filter((el) => el.name !== name);
}

function textBoxesOf(question) {
  return [...question.querySelectorAll("input:not([type=checkbox]):not([type=radio]), textarea")];
}

// The control Tab reaches in a question: the checked radio of a group, else its first stop.
function firstStop(question) {
  const stops = tabStops().filter((el) => question.contains(el));
  const first = stops[0];
  if (first && first.type === "radio") {
    const checked = stops.find((el) => el.name === first.name && el.checked);
    if (checked) return checked;
  }
  return first;
}

function nextQuestionAfter(field) {
  const all = questions();
  return all[all.indexOf(field.closest(".app-keying-question")) + 1];
}

function focusAfterQuestion(field) {
  const next = nextQuestionAfter(field);
  if (next) {
    firstStop(next).focus();
    return;
  }
  // The last question: on to what follows it (the reason for a correction, or Save).
  const own = field.closest(".app-keying-question");
  const stops = tabStops();
  const after = stops.find((el, i) => i > stops.indexOf(field) && !own.contains(el));
  if (after) after.focus();
}

function moveOn(field) {
  if (field.type === "radio" || field.type === "checkbox") {
    focusAfterQuestion(field);
    return;
  }
  const stops = tabStops();
  const next = stops[stops.indexOf(field) + 1];
  if (next) next.focus();
}

function onEnter(event, field, plain) {
  if (!(field instanceof HTMLInputElement)) return; // buttons and text areas keep Enter
  event.preventDefault();
  if (!plain) return;
  if (ONE_LINE.has(field.type) || field.type === "radio" || field.type === "checkbox") {
    moveOn(field);
  }
}

function onDigit(event, field, question) {
  const choices = choicesOf(question);
  if (!choices.includes(field)) return false;
  const chosen = choices[Number(event.key) - 1];
  if (!chosen) return false;
  event.preventDefault();
  if (chosen.type === "radio") {
    chosen.checked = true;
    chosen.dispatchEvent(new Event("change", { bubbles: true }));
    focusAfterQuestion(chosen);
  } else {
    chosen.checked = !chosen.checked;
    chosen.dispatchEvent(new Event("change", { bubbles: true }));
    moveWithin(field, chosen);
  }
  return true;
}

// Roving Tab stop within a group of tick boxes: the focused one is the group's Tab stop.
function moveWithin(from, to) {
  from.tabIndex = -1;
  to.tabIndex = 0;
  to.focus();
}

function onArrow(event, field, question) {
  const next = ARROWS_NEXT.has(event.key);
  const choices = choicesOf(question);
  if (field.type === "checkbox" && choices.includes(field)) {
    const to = choices[choices.indexOf(field) + (next ? 1 : -1)];
    event.preventDefault();
    if (to) moveWithin(field, to);
    return;
  }
  const side = sideBoxesOf(question);
  if (side.includes(field)) {
    event.preventDefault();
    const to = side[side.indexOf(field) + (next ? 1 : -1)];
    if (to) to.focus();
    else if (!next) textBoxesOf(question).at(-1).focus();
    return;
  }
  // From a text box, down goes to its "Illegible" box (in a text area: from the end of the text).
  if (event.key !== "ArrowDown" || !side.length || !textBoxesOf(question).includes(field)) return;
  if (field instanceof HTMLTextAreaElement && field.selectionStart < field.value.length) return;
  event.preventDefault();
  side[0].focus();
}

function oneStopPerQuestion() {
  for (const question of questions()) {
    const choices = choicesOf(question);
    if (choices.length && choices[0].type === "checkbox") {
      choices.forEach((el, i) => {
        el.tabIndex = i === 0 ? 0 : -1;
      });
    }
    if (textBoxesOf(question).length) {
      for (const box of sideBoxesOf(question)) box.tabIndex = -1;
    }
  }
}

// The number to type before each option (hidden from screen readers: the instructions say it).
function numberOptions() {
  for (const question of questions()) {
    choicesOf(question).forEach((el, i) => {
      const label = question.querySelector(`label[for="${el.id}"]`);
      if (!label || i >= 9) return;
      const key = document.createElement("span");
      key.className = "app-option-key";
      key.setAttribute("aria-hidden", "true");
      key.textContent = String(i + 1);
      label.prepend(key);
    });
  }
}

function jumpBox() {
  const box = document.querySelector("[data-app-keying-jump]");
  if (!box) return;
  box.hidden = false;
  const input = box.querySelector("input");
  const message = box.querySelector("[data-app-keying-jump-message]");
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const all = questions();
    const number = Number(input.value.trim());
    const question = Number.isInteger(number) ? all[number - 1] : undefined;
    if (!question) {
      message.textContent = `Enter a question number from 1 to ${all.length}`;
      return;
    }
    message.textContent = "";
    input.value = "";
    firstStop(question).focus();
  });
}

if (form) {
  oneStopPerQuestion();
  numberOptions();
  jumpBox();
  for (const hint of document.querySelectorAll("[data-app-keying-keys]")) hint.hidden = false;
  form.addEventListener("keydown", (event) => {
    const field = event.target;
    if (event.isComposing) return;
    if (event.key === "Enter") {
      onEnter(event, field, !(event.shiftKey || event.ctrlKey || event.metaKey || event.altKey));
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const question = field.closest && field.closest(".app-keying-question");
    if (question && /^[1-9]$/.test(event.key)) {
      onDigit(event, field, question);
    } else if (question && (ARROWS_NEXT.has(event.key) || ARROWS_BACK.has(event.key))) {
      onArrow(event, field, question);
    }
  });
}
