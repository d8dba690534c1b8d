/*
 * Every map of the portal (Leaflet, served from our own static files). No inline script:
 * each map is configured by data- attributes (civicportal/core/maps.py writes them).
 *
 * [data-map-point]: a place on a form. Its two inputs, [data-map-latitude] and
 *   [data-map-longitude], stay the source of truth and are all a browser without
 *   JavaScript shows; the map writes into them: a click, a drag of the marker, the arrow
 *   keys then Enter (each step said in the [data-map-status] live region), "use my
 *   location" (the browser is asked only when the button is pressed) and the address
 *   search, which asks the portal (data-map-geocode-url), never a third party.
 * [data-map-view]: a read-only map of the GeoJSON in the JSON script named by
 *   data-map-features: polygons, circles (Points with a radius_km property) and markers
 *   (a label property names them). Drawn again on the "portal:map-refresh" event, which
 *   the live alert page sends when its content changed.
 *
 * Both draw the council's areas (data-map-areas-url) as the base, over the tiles when a
 * tile server is configured (data-map-tiles); without tiles the areas carry their names,
 * so the map is never an empty box. The marker images come from data- attributes:
 * Leaflet's own guess of their folder fails with hashed static file names.
 */
(function () {
  "use strict";

  var STEP_PIXELS = 10;
  var LONG_STEP_PIXELS = 60;
  var PLACE_ZOOM = 16;
  var MOVES = {
    ArrowUp: [0, -1],
    ArrowDown: [0, 1],
    ArrowLeft: [-1, 0],
    ArrowRight: [1, 0],
  };
  var AREA_STYLE = { color: "#3d4f66", weight: 2, opacity: 0.9, fillColor: "#8fa3bf" };
  var SHAPE_STYLE = { color: "#b00020", weight: 3, opacity: 0.9, fillOpacity: 0.2 };
  var areaRequests = {};

  function emptyCollection() {
    return { type: "FeatureCollection", features: [] };
  }

  // One request per page for the areas, however many maps it has.
  function fetchAreas(url) {
    if (!url) {
      return Promise.resolve(emptyCollection());
    }
    if (!areaRequests[url]) {
      areaRequests[url] = window
        .fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("areas: " + response.status);
          }
          return response.json();
        })
        .catch(function () {
          return emptyCollection(); // the map still works, on the tiles or the markers
        });
    }
    return areaRequests[url];
  }

  function markerIcon(root, className) {
    return L.icon({
      iconUrl: root.getAttribute("data-map-icon-url"),
      iconRetinaUrl: root.getAttribute("data-map-icon-retina-url"),
      shadowUrl: root.getAttribute("data-map-shadow-url"),
      iconSize: [25, 41],
      iconAnchor: [12, 41],
      popupAnchor: [1, -34],
      tooltipAnchor: [16, -28],
      shadowSize: [41, 41],
      className: className || "",
    });
  }

  function configuredCenter(root) {
    var parts = (root.getAttribute("data-map-center") || "").split(",").map(parseFloat);
    if (parts.length >= 2 && isFinite(parts[0]) && isFinite(parts[1])) {
      return { latlng: L.latLng(parts[0], parts[1]), zoom: isFinite(parts[2]) ? parts[2] : 12 };
    }
    return null;
  }

  // The map with its base: tiles if configured, and the council's areas. `ready` resolves
  // to the areas' layer once drawn.
  function baseMap(root, canvas, options) {
    var map = L.map(canvas, Object.assign({ scrollWheelZoom: false }, options));
    var tiles = root.getAttribute("data-map-tiles");
    if (tiles) {
      L.tileLayer(tiles, {
        maxZoom: 19,
        attribution: root.getAttribute("data-map-attribution") || "",
      }).addTo(map);
    }
    var center = configuredCenter(root);
    if (center) {
      map.setView(center.latlng, center.zoom);
    } else {
      map.setView([20, 0], 2); // until the areas say where the council is
    }
    var ready = fetchAreas(root.getAttribute("data-map-areas-url")).then(function (areas) {
      var layer = L.geoJSON(areas, {
        interactive: false,
        style: Object.assign({ fillOpacity: tiles ? 0.04 : 0.14 }, AREA_STYLE),
      });
      if (!tiles) {
        layer.eachLayer(function (area) {
          var name = area.feature && area.feature.properties && area.feature.properties.name;
          if (name) {
            area.bindTooltip(name, {
              permanent: true,
              direction: "center",
              className: "map-area-label",
            });
          }
        });
      }
      layer.addTo(map);
      layer.bringToBack();
      return layer;
    });
    // Leaflet measures its box when created; measure again once the layout settles.
    window.setTimeout(function () {
      map.invalidateSize();
    }, 0);
    return { map: map, ready: ready, center: center };
  }

  function fitAreas(created, areas) {
    var bounds = areas.getBounds();
    if (!created.center && bounds.isValid()) {
      created.map.fitBounds(bounds, { padding: [8, 8] });
    }
  }

  // --- A place on a form ------------------------------------------------------------------

  function picker(root) {
    var tools = root.querySelector("[data-map-tools]");
    var canvas = root.querySelector("[data-map-canvas]");
    var latInput = root.querySelector("[data-map-latitude]");
    var lonInput = root.querySelector("[data-map-longitude]");
    var status = root.querySelector("[data-map-status]");
    var clearButton = root.querySelector("[data-map-clear]");
    if (!tools || !canvas || !latInput || !lonInput || !status) {
      return;
    }
    tools.hidden = false;
    var created = baseMap(root, canvas, { keyboard: false });
    var map = created.map;
    var icon = markerIcon(root);
    var marker = null; // the place set in the inputs
    var cursor = null; // the keyboard's point, not set yet
    var cursorMarker = null;

    function message(name, values) {
      var text = root.getAttribute("data-map-msg-" + name) || "";
      Object.keys(values || {}).forEach(function (key) {
        text = text.split("{" + key + "}").join(values[key]);
      });
      return text;
    }

    function say(name, values) {
      status.textContent = message(name, values);
    }

    function inputsPoint() {
      var lat = parseFloat(latInput.value);
      var lon = parseFloat(lonInput.value);
      if (isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
        return L.latLng(lat, lon);
      }
      return null;
    }

    function dropCursor() {
      cursor = null;
      if (cursorMarker) {
        cursorMarker.remove();
        cursorMarker = null;
      }
    }

    function showMarker(latlng) {
      if (!latlng) {
        if (marker) {
          marker.remove();
          marker = null;
        }
        if (clearButton) {
          clearButton.hidden = true;
        }
        return;
      }
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.marker(latlng, { icon: icon, draggable: true, keyboard: false, alt: "" });
        marker.on("dragend", function () {
          setPlace(marker.getLatLng(), false);
        });
        marker.addTo(map);
      }
      if (clearButton) {
        clearButton.hidden = false;
      }
    }

    function setPlace(latlng, move) {
      latlng = map.wrapLatLng(latlng);
      dropCursor();
      latInput.value = latlng.lat.toFixed(6);
      lonInput.value = latlng.lng.toFixed(6);
      showMarker(latlng);
      if (move) {
        map.setView(latlng, Math.max(map.getZoom(), PLACE_ZOOM));
      }
      say("set", { lat: latInput.value, lon: lonInput.value });
    }

    function fromInputs() {
      var point = inputsPoint();
      dropCursor();
      showMarker(point);
      if (point) {
        map.setView(point, Math.max(map.getZoom(), PLACE_ZOOM));
      }
    }

    function moveCursor(dx, dy, step) {
      var start = cursor || (marker && marker.getLatLng()) || map.getCenter();
      var moved = map.latLngToContainerPoint(start).add(L.point(dx * step, dy * step));
      cursor = map.wrapLatLng(map.containerPointToLatLng(moved));
      if (cursorMarker) {
        cursorMarker.setLatLng(cursor);
      } else {
        cursorMarker = L.marker(cursor, {
          icon: markerIcon(root, "map-cursor"),
          interactive: false,
          keyboard: false,
          alt: "",
        }).addTo(map);
      }
      if (!map.getBounds().pad(-0.15).contains(cursor)) {
        map.panTo(cursor);
      }
      say("moving", { lat: cursor.lat.toFixed(6), lon: cursor.lng.toFixed(6) });
    }

    canvas.addEventListener("keydown", function (event) {
      if (event.target !== canvas || event.altKey || event.ctrlKey || event.metaKey) {
        return; // the zoom buttons inside the map keep their own keys
      }
      var move = MOVES[event.key];
      if (move) {
        event.preventDefault();
        moveCursor(move[0], move[1], event.shiftKey ? LONG_STEP_PIXELS : STEP_PIXELS);
      } else if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        setPlace(cursor || (marker && marker.getLatLng()) || map.getCenter(), false);
      } else if (event.key === "Escape" && cursor) {
        event.preventDefault();
        dropCursor();
        status.textContent = "";
      } else if (event.key === "+" || event.key === "=") {
        event.preventDefault();
        map.zoomIn();
      } else if (event.key === "-" || event.key === "_") {
        event.preventDefault();
        map.zoomOut();
      }
    });

    map.on("click", function (event) {
      setPlace(event.latlng, false);
    });
    latInput.addEventListener("change", fromInputs);
    lonInput.addEventListener("change", fromInputs);

    if (clearButton) {
      clearButton.addEventListener("click", function () {
        latInput.value = "";
        lonInput.value = "";
        dropCursor();
        showMarker(null);
        say("cleared");
        canvas.focus();
      });
    }

    var locate = root.querySelector("[data-map-locate]");
    if (locate && navigator.geolocation) {
      var locating = false;
      locate.hidden = false;
      locate.addEventListener("click", function () {
        if (locating) {
          return;
        }
        locating = true;
        locate.setAttribute("aria-busy", "true");
        say("locating");
        navigator.geolocation.getCurrentPosition(
          function (position) {
            locating = false;
            locate.removeAttribute("aria-busy");
            setPlace(L.latLng(position.coords.latitude, position.coords.longitude), true);
          },
          function () {
            locating = false;
            locate.removeAttribute("aria-busy");
            say("locate-failed");
          },
          { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
        );
      });
    }

    var searchUrl = root.getAttribute("data-map-geocode-url");
    var searchInput = root.querySelector("[data-map-search-input]");
    var searchButton = root.querySelector("[data-map-search-button]");
    var results = root.querySelector("[data-map-search-results]");
    if (searchUrl && searchInput && searchButton && results) {
      var search = function () {
        var query = searchInput.value.trim();
        if (!query) {
          searchInput.focus();
          return;
        }
        results.textContent = "";
        say("searching");
        window
          .fetch(searchUrl + "?q=" + encodeURIComponent(query), {
            credentials: "same-origin",
            headers: { Accept: "application/json" },
          })
          .then(function (response) {
            return response.json().then(function (body) {
              return { ok: response.ok, body: body };
            });
          })
          .then(function (answer) {
            if (!answer.ok) {
              status.textContent = answer.body.error || message("search-failed");
              return;
            }
            var places = answer.body.results || [];
            if (!places.length) {
              say("not-found");
              return;
            }
            places.forEach(function (place) {
              var item = document.createElement("li");
              var choose = document.createElement("button");
              choose.type = "button";
              choose.className = "btn btn-link p-0 text-start";
              choose.textContent = place.label;
              choose.addEventListener("click", function () {
                results.textContent = "";
                setPlace(L.latLng(place.lat, place.lon), true);
                canvas.focus(); // from here the arrow keys fine-tune the place
              });
              item.appendChild(choose);
              results.appendChild(item);
            });
            say("found", { count: places.length });
          })
          .catch(function () {
            say("search-failed");
          });
      };
      searchButton.addEventListener("click", search);
      searchInput.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault(); // search, rather than send the whole form
          search();
        }
      });
    }

    var initial = inputsPoint();
    if (initial) {
      showMarker(initial);
      map.setView(initial, PLACE_ZOOM);
    }
    created.ready.then(function (areas) {
      if (!inputsPoint()) {
        fitAreas(created, areas);
      }
    });
  }

  // --- A read-only map --------------------------------------------------------------------

  function viewer(root) {
    root.hidden = false;
    var created = baseMap(root, root, { keyboard: true });
    var map = created.map;
    var icon = markerIcon(root);
    var shapes = L.featureGroup().addTo(map);
    var fitted = false;

    function features() {
      var node = document.getElementById(root.getAttribute("data-map-features") || "");
      if (!node) {
        return emptyCollection();
      }
      try {
        return JSON.parse(node.textContent);
      } catch (error) {
        return emptyCollection();
      }
    }

    function draw() {
      shapes.clearLayers();
      L.geoJSON(features(), {
        style: function () {
          return SHAPE_STYLE;
        },
        pointToLayer: function (feature, latlng) {
          var properties = feature.properties || {};
          if (properties.radius_km) {
            return L.circle(latlng, Object.assign({ radius: properties.radius_km * 1000 }, SHAPE_STYLE));
          }
          var marker = L.marker(latlng, { icon: icon, keyboard: false, alt: properties.label || "" });
          if (properties.label) {
            marker.bindTooltip(properties.label);
          }
          return marker;
        },
      }).eachLayer(function (layer) {
        shapes.addLayer(layer);
      });
    }

    function fit(areas) {
      if (fitted) {
        return;
      }
      var bounds = shapes.getBounds();
      if (bounds.isValid()) {
        map.fitBounds(bounds, { padding: [24, 24], maxZoom: PLACE_ZOOM });
        fitted = true;
      } else if (areas) {
        fitAreas(created, areas);
        fitted = areas.getBounds().isValid();
      }
    }

    draw();
    fit(null);
    created.ready.then(fit);
    document.addEventListener("portal:map-refresh", function () {
      draw();
      fit(null);
    });
  }

  function start() {
    if (typeof L === "undefined") {
      return; // Leaflet did not load: the inputs and the page's text still say it all
    }
    document.querySelectorAll("[data-map-point]").forEach(picker);
    document.querySelectorAll("[data-map-view]").forEach(viewer);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
