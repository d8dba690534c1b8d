/*
 * Idea maps (Leaflet, served from our static files). No inline script: behaviour comes from
 * data- attributes.
 *
 * - [data-idea-map][data-lat][data-lon]: shows the idea's place.
 * - [data-idea-map][data-picker]: the posting form's picker; a click (or Enter on the map)
 *   sets the latitude/longitude inputs ([data-map-latitude], [data-map-longitude]), and
 *   typing coordinates moves the marker. Without JavaScript the inputs alone work.
 *
 * Tiles are optional (data-tiles); without them the map still places the point.
 */
(function () {
  "use strict";

  function tiles(map, element) {
    var url = element.getAttribute("data-tiles");
    if (url) {
      L.tileLayer(url, {
        maxZoom: 19,
        attribution: element.getAttribute("data-attribution") || "",
      }).addTo(map);
    }
  }

  function showPlace(element) {
    var lat = parseFloat(element.getAttribute("data-lat"));
    var lon = parseFloat(element.getAttribute("data-lon"));
    if (isNaN(lat) || isNaN(lon)) {
      return;
    }
    var map = L.map(element, { scrollWheelZoom: false }).setView([lat, lon], 15);
    tiles(map, element);
    L.marker([lat, lon], { keyboard: false }).addTo(map);
  }

  function picker(element) {
    var form = element.closest("form");
    var latInput = form.querySelector("[data-map-latitude]");
    var lonInput = form.querySelector("[data-map-longitude]");
    var center = (element.getAttribute("data-center") || "0,0,2").split(",").map(parseFloat);
    element.hidden = false;
    var map = L.map(element, { scrollWheelZoom: false }).setView([center[0], center[1]], center[2] || 12);
    tiles(map, element);
    var marker = null;

    function place(lat, lon, move) {
      if (marker) {
        marker.setLatLng([lat, lon]);
      } else {
        marker = L.marker([lat, lon], { keyboard: false }).addTo(map);
      }
      if (move) {
        map.setView([lat, lon]);
      }
    }

    function fromInputs() {
      var lat = parseFloat(latInput.value);
      var lon = parseFloat(lonInput.value);
      if (!isNaN(lat) && !isNaN(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
        place(lat, lon, true);
      }
    }

    map.on("click", function (event) {
      latInput.value = event.latlng.lat.toFixed(6);
      lonInput.value = event.latlng.lng.toFixed(6);
      place(event.latlng.lat, event.latlng.lng, false);
    });
    latInput.addEventListener("change", fromInputs);
    lonInput.addEventListener("change", fromInputs);
    fromInputs();
    // Leaflet measures the box when created; measure again once the layout settles.
    window.setTimeout(function () {
      map.invalidateSize();
    }, 0);
  }

  function start() {
    if (typeof L === "undefined") {
      return; // Leaflet did not load: the coordinate inputs still work
    }
    document.querySelectorAll("[data-idea-map]").forEach(function (element) {
      if (element.hasAttribute("data-picker")) {
        picker(element);
      } else {
        showPlace(element);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
