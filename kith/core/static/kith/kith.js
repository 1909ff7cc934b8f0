// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.dataset.autosubmit !== undefined) {
    target.form?.requestSubmit();
  }
});

// Surveys: keep unsent answers on this device only (never on the server) until they are sent.
(() => {
  const form = document.querySelector("form[data-save-progress]");
  const done = document.querySelector("[data-clear-progress]");
  if (done) { try { localStorage.removeItem(done.dataset.clearProgress); } catch (e) { /* private mode */ } }
  if (!form) return;
  const key = form.dataset.saveProgress;
  let saved = {};
  try { saved = JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { saved = {}; }
  for (const [name, value] of Object.entries(saved)) {
    const field = form.elements.namedItem(name);
    if (field instanceof RadioNodeList) {
      for (const radio of field) if (radio.value === value && !form.querySelector(`[name="${CSS.escape(name)}"]:checked`)) radio.checked = true;
    } else if (field instanceof HTMLTextAreaElement && !field.value) {
      field.value = value;
    }
  }
  const save = () => {
    const data = {};
    for (const element of form.elements) {
      if (element instanceof HTMLInputElement && element.type === "radio" && element.checked) data[element.name] = element.value;
      if (element instanceof HTMLTextAreaElement && element.value) data[element.name] = element.value;
    }
    try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* storage full or private mode */ }
  };
  form.addEventListener("change", save);
  form.addEventListener("input", save);
})();

// Menus in the navigation (<details data-menu>): they open and close by themselves with a click,
// Enter or Space; here Escape closes one and returns focus to it, and a click or focus elsewhere
// closes it, so at most one is open.
(() => {
  const menus = [...document.querySelectorAll("details[data-menu]")];
  if (!menus.length) return;
  const closeAll = (except) => {
    for (const menu of menus) if (menu !== except) menu.open = false;
  };
  for (const menu of menus) {
    menu.addEventListener("toggle", () => { if (menu.open) closeAll(menu); });
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary")?.focus();
      }
    });
    menu.addEventListener("focusout", (event) => {
      if (menu.open && event.relatedTarget instanceof Node && !menu.contains(event.relatedTarget)) menu.open = false;
    });
  }
  document.addEventListener("click", (event) => {
    if (!(event.target instanceof Node) || !menus.some((menu) => menu.contains(event.target))) closeAll(null);
  });
})();
