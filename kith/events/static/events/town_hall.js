// A town hall's question list refreshes itself during the event (htmx, every 20 seconds).
// A refresh waits while someone is using the list — typing why they hide a question, or with
// a "Hide…" box open — so it never throws away what they were doing, and while the tab is
// in the background, so an idle tab asks nothing.
document.addEventListener("htmx:beforeRequest", (event) => {
  const list = document.getElementById("question-list");
  if (!list || event.detail.elt !== list) return;
  const active = document.activeElement;
  const typing = active && list.contains(active) && active.matches("input, textarea, select");
  if (document.hidden || typing || list.querySelector("details[open]")) {
    event.preventDefault();
  }
});
