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

// A box that scrolls sideways (a wide table in .table-scroll or .insights-scroll, or any
// [data-scroll-region]) must be reachable from the keyboard and named (WCAG 2.1.1): it becomes
// a focusable region named after its table's caption, else the heading before it. Templates
// may say all three themselves (tabindex="0" role="region" aria-label=…); this fills what is
// missing, also in what htmx swaps in.
(() => {
  const SELECTOR = ".table-scroll, .insights-scroll, [data-scroll-region]";
  // Django's JavaScript catalogue (loaded by base.html) defines both; plain English without it.
  const gettext = window.gettext || ((text) => text);
  const interpolate = window.interpolate || ((text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => values[key]));
  const headings = "h1, h2, h3, h4, h5, h6";
  const nameOf = (box) => {
    const caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    // The nearest heading before the box: a sibling before it (or inside one), then the same
    // among its ancestors' siblings.
    for (let at = box; at && at !== document.body; at = at.parentElement) {
      for (let el = at.previousElementSibling; el; el = el.previousElementSibling) {
        if (el.matches(headings)) return el.textContent.trim();
        const inside = el.querySelectorAll(headings);
        if (inside.length) return inside[inside.length - 1].textContent.trim();
      }
    }
    return gettext("Table");
  };
  const label = (root) => {
    for (const box of root.querySelectorAll(SELECTOR)) {
      if (!box.hasAttribute("tabindex")) box.tabIndex = 0;
      if (!box.hasAttribute("role")) box.setAttribute("role", "region");
      if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
        box.setAttribute("aria-label", interpolate(gettext("%(name)s (scrolls sideways)"), { name: nameOf(box) }, true));
      }
    }
  };
  label(document);
  document.addEventListener("htmx:afterSettle", (event) => label(event.target instanceof Element ? event.target : document));
})();
