// The kudos form's colleague picker: click a suggestion to add it as a chip (a hidden input
// named "recipients"), click × to remove one. Built with DOM calls, never innerHTML.
(function () {
  "use strict";

  function chips() { return document.getElementById("chosen-recipients"); }

  function chosenIds() {
    return Array.from(chips().querySelectorAll("input[name=recipients]")).map((i) => i.value);
  }

  function addChip(id, name) {
    if (chosenIds().includes(id)) return;
    const li = document.createElement("li");
    li.className = "chip";
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "recipients";
    input.value = id;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "chip-remove";
    remove.setAttribute("aria-label", interpolate(gettext("Remove %(name)s"), { name: name }, true));
    remove.textContent = "×";
    li.append(input, document.createTextNode(name + " "), remove);
    chips().append(li);
  }

  function clearSearch() {
    const search = document.getElementById("recipient-search");
    const list = document.getElementById("recipient-suggestions");
    if (search) { search.value = ""; search.focus(); }
    if (list) list.replaceChildren();
  }

  document.addEventListener("click", (event) => {
    const pick = event.target.closest("button.suggestion");
    if (pick) {
      addChip(pick.dataset.personId, pick.dataset.personName);
      clearSearch();
      return;
    }
    const remove = event.target.closest("button.chip-remove");
    if (remove) {
      remove.closest("li").remove();
      const search = document.getElementById("recipient-search");
      if (search) search.focus();
    }
  });

  // Enter in the search box picks the first suggestion instead of sending the form.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.target.id !== "recipient-search") return;
    event.preventDefault();
    const first = document.querySelector("#recipient-suggestions button.suggestion");
    if (first) first.click();
  });
})();
