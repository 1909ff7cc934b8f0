/* The event form: picking an office fills the city, country and time zone with the office's
   own (from the option's data attributes), unless the organiser typed something else there.
   Without JavaScript the server fills empty ones from the office when the event is saved. */
(function () {
  "use strict";
  var select = document.getElementById("id_office");
  if (!select) {
    return;
  }
  var fields = {
    city: document.getElementById("id_city"),
    country: document.getElementById("id_country"),
    timezone: document.getElementById("id_timezone"),
  };

  function chosen() {
    var option = select.options[select.selectedIndex];
    var found = { city: "", country: "", timezone: "" };
    if (option && option.value) {
      found.city = option.getAttribute("data-city") || "";
      found.country = option.getAttribute("data-country") || "";
      found.timezone = option.getAttribute("data-timezone") || "";
    }
    return found;
  }

  var last = chosen();
  select.addEventListener("change", function () {
    var next = chosen();
    Object.keys(fields).forEach(function (name) {
      var field = fields[name];
      if (field && (!field.value || field.value === last[name])) {
        field.value = next[name];
      }
    });
    last = next;
  });
})();
