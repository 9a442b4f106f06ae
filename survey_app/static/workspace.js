// Coding workspace keyboard shortcuts: a progressive enhancement; every action is also a button
// in an ordinary form, and nothing here submits anything a button would not.
//
// - "/" moves to the search box.
// - "j" / "k" move to the next / previous segment card (it takes the focus, so a screen reader
//   reads it).
// - In the focused card (or the card holding the focus): "a" accepts and "x" rejects its first
//   machine suggestion (on the review queue: ticks Accept / Reject for it), "c" moves to its
//   "Add a code" list.
// Keys typed in a box, list or button's own text are left alone, as are keys with Ctrl, Alt or
// Meta held (browser and screen reader shortcuts).
const cards = () => [...document.querySelectorAll("[data-app-card]")];

function typing(target) {
  return target.closest("input, textarea, select, [contenteditable]") !== null;
}

function currentCard() {
  return document.activeElement?.closest("[data-app-card]") ?? null;
}

function move(step) {
  const all = cards();
  if (!all.length) return;
  const at = all.indexOf(currentCard());
  const next = all[Math.min(Math.max(at + step, 0), all.length - 1)] ?? all[0];
  next.focus();
  next.scrollIntoView({ block: "nearest" });
}

function decide(card, action) {
  const button = card.querySelector(`button[data-app-action="${action}"]`);
  if (button) {
    button.click();
    return;
  }
  const radio = card.querySelector(`input[data-app-decision="${action}"]:not(:checked)`);
  if (radio) {
    radio.checked = true;
    radio.focus();
  }
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) return;
  const card = currentCard();
  switch (event.key) {
    case "/":
      document.querySelector("[data-app-search]")?.focus();
      break;
    case "j":
      move(1);
      break;
    case "k":
      move(-1);
      break;
    case "a":
      if (!card) return;
      decide(card, "accept");
      break;
    case "x":
      if (!card) return;
      decide(card, "reject");
      break;
    case "c":
      if (!card) return;
      card.querySelector("[data-app-theme]")?.focus();
      break;
    default:
      return;
  }
  event.preventDefault();
});
