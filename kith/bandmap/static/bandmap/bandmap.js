/* Band Map: draws one marker per city, with its count, from the page's own JSON (the
   #band-map-data element), clustered when zoomed out. Tiles are only the background: when
   they cannot load (or are switched off), country outlines from Kith itself take their
   place, and the markers, the near-me circle and the lists below still work. Only city
   centres are ever in the data, never a person's coordinates. */
(function () {
  "use strict";
  var holder = document.getElementById("band-map");
  var source = document.getElementById("band-map-data");
  if (!holder || !source || typeof L === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var near = data.near;
  var nearCities = near ? near.cities : {};
  var hubs = {};
  data.hubs.forEach(function (key) { hubs[key] = true; });
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  // Words come from Django's JavaScript catalogue (gettext, ngettext, interpolate), which
  // base.html loads before this script.
  function colleagues(count) {
    return interpolate(ngettext("%(count)s colleague", "%(count)s colleagues", count),
      { count: numbers.format(count) }, true);
  }

  holder.classList.add("is-live");
  var map = L.map(holder, { scrollWheelZoom: false, worldCopyJump: true, minZoom: 2, maxZoom: 18 });
  // Country outlines (public-domain Natural Earth shapes served by Kith itself) sit in a pane
  // below the tiles: drawn when tiles are switched off, when one fails to load, or when none
  // has arrived after a few seconds. Tiles that do load simply cover them.
  map.createPane("outlines");
  map.getPane("outlines").style.zIndex = 150;
  var outlinesAsked = false;
  function showOutlines() {
    if (outlinesAsked || !data.outlines) { return; }
    outlinesAsked = true;
    holder.classList.add("has-outlines");
    fetch(data.outlines.url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("outlines: " + response.status); }
        return response.json();
      })
      .then(function (shapes) {
        L.geoJSON(shapes, {
          pane: "outlines",
          interactive: false,
          style: {
            className: "bandmap-outline",
            color: "#8a9aa6",
            weight: 1,
            fillColor: "#f7f4ec",
            fillOpacity: 1,
          },
        }).addTo(map);
        map.attributionControl.addAttribution(data.outlines.attribution);
        holder.setAttribute("data-outlines", "drawn");
      })
      .catch(function () {
        holder.setAttribute("data-outlines", "failed");
      });
  }
  if (data.tiles.url) {
    var tileArrived = false;
    var tiles = L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: 18 });
    tiles.on("tileload", function () { tileArrived = true; });
    tiles.on("tileerror", showOutlines);
    tiles.addTo(map);
    window.setTimeout(function () { if (!tileArrived) { showOutlines(); } }, 4000);
  } else {
    showOutlines();
  }

  function badge(count) {
    var span = document.createElement("span");
    span.className = "bandmap-count";
    span.textContent = numbers.format(count);
    return span;
  }

  function size(count) {
    if (count >= 1000) { return 52; }
    if (count >= 100) { return 44; }
    return 36;
  }

  function line(text, strong) {
    var p = document.createElement("p");
    if (strong) {
      var b = document.createElement("strong");
      b.textContent = text;
      p.appendChild(b);
    } else {
      p.textContent = text;
    }
    return p;
  }

  function popup(city) {
    var box = document.createElement("div");
    box.appendChild(line(city.name + (city.country ? ", " + city.country : ""), true));
    box.appendChild(line(colleagues(city.count)));
    if (Object.prototype.hasOwnProperty.call(nearCities, city.key)) {
      var matches = nearCities[city.key];
      box.appendChild(line(matches === null
        ? gettext("Within your distance: fewer than 3 match your filters")
        : interpolate(ngettext("Within your distance: %(count)s matches your filters",
          "Within your distance: %(count)s match your filters", matches),
        { count: numbers.format(matches) }, true)));
    }
    if (hubs[city.key]) {
      box.appendChild(line(gettext("A hub: no office nearby, a good place for a meetup")));
    }
    return box;
  }

  var clusters = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 45,
    iconCreateFunction: function (cluster) {
      var total = 0;
      var hasNear = false;
      cluster.getAllChildMarkers().forEach(function (marker) {
        total += marker.options.count;
        hasNear = hasNear || marker.options.near;
      });
      var side = size(total) + 6;
      return L.divIcon({
        html: badge(total),
        className: "bandmap-cluster" + (hasNear ? " has-near" : ""),
        iconSize: [side, side],
      });
    },
  });

  var points = [];
  data.cities.forEach(function (city) {
    var isNear = Object.prototype.hasOwnProperty.call(nearCities, city.key);
    var classes = "bandmap-marker" + (isNear ? " is-near" : "") + (hubs[city.key] ? " is-hub" : "");
    var side = size(city.count);
    var label = city.name + ": " + colleagues(city.count);
    var marker = L.marker([city.lat, city.lon], {
      icon: L.divIcon({ html: badge(city.count), className: classes, iconSize: [side, side] }),
      title: label,
      alt: label,
      count: city.count,
      near: isNear,
    });
    marker.bindPopup(popup(city));
    clusters.addLayer(marker);
    points.push([city.lat, city.lon]);
  });
  map.addLayer(clusters);

  // Offices: places, not people, so never clustered with the counts and always shown.
  var officeMarkers = {};
  (data.offices || []).forEach(function (office) {
    var label = interpolate(gettext("Office: %(name)s, %(city)s"), { name: office.name, city: office.city }, true);
    var marker = L.marker([office.lat, office.lon], {
      icon: L.divIcon({ html: "", className: "bandmap-office", iconSize: [22, 22] }),
      title: label,
      alt: label,
      keyboard: true,
      zIndexOffset: 1000,
    });
    var box = document.createElement("div");
    box.appendChild(line(office.name, true));
    box.appendChild(line(office.city + (office.country ? ", " + office.country : "")));
    var link = document.createElement("a");
    link.href = data.offices_url + "#office-" + office.id;
    link.textContent = gettext("About this office");
    var p = document.createElement("p");
    p.appendChild(link);
    box.appendChild(p);
    marker.bindPopup(box);
    marker.addTo(map);
    officeMarkers["office-" + office.id] = marker;
    points.push([office.lat, office.lon]);
  });

  if (near) {
    var centre = L.latLng(near.lat, near.lon);
    L.circle(centre, {
      radius: near.radius_km * 1000,
      className: "bandmap-radius",
      interactive: false,
    }).addTo(map);
  }
  // Nobody within the radius: bring the nearest cities with colleagues into view too.
  var nearest = near && near.nearest ? near.nearest : [];
  var nearestPoints = data.cities.filter(function (city) {
    return nearest.indexOf(city.key) >= 0;
  }).map(function (city) { return [city.lat, city.lon]; });
  if (near && nearestPoints.length) {
    var view = centre.toBounds(near.radius_km * 2000);
    nearestPoints.forEach(function (point) { view.extend(point); });
    map.fitBounds(view, { padding: [24, 24] });
  } else if (near && (near.focus || !points.length)) {
    map.fitBounds(centre.toBounds(near.radius_km * 2000), { padding: [20, 20] });
  } else if (points.length) {
    map.fitBounds(L.latLngBounds(points), { padding: [48, 48], maxZoom: 8 });
  } else {
    map.setView([30, 0], 2);
  }
  // /map/#office-12 (the offices page's "on the map" link) opens that office.
  var wanted = officeMarkers[window.location.hash.replace("#", "")];
  if (wanted) {
    map.setView(wanted.getLatLng(), 10);
    wanted.openPopup();
  }
  holder.classList.add("is-ready");
})();
