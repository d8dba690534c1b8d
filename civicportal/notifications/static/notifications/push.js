/*
 * Web push on the notification settings page: register /sw.js, subscribe this browser with
 * the portal's VAPID public key, and send the subscription to the portal (or remove it).
 * Everything it needs comes from data- attributes on [data-push]; messages are translated
 * in the template. No inline script: CSP script-src 'self'.
 */
(function () {
  "use strict";

  var box = document.querySelector("[data-push]");
  if (!box) {
    return;
  }
  var button = box.querySelector("[data-push-toggle]");
  var status = box.querySelector("[data-push-status]");
  var data = box.dataset;

  function say(message) {
    status.textContent = message;
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say(data.msgUnsupported);
    return;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) {
          var refusal = new Error(answer.error || data.msgError);
          refusal.refused = true;
          throw refusal;
        }
        return answer;
      });
    });
  }

  function show(subscribed) {
    button.hidden = false;
    button.disabled = false;
    button.textContent = subscribed ? data.labelOff : data.labelOn;
    button.setAttribute("aria-pressed", subscribed ? "true" : "false");
    say(subscribed ? data.msgOn : data.msgOff);
  }

  var registration = null;

  function subscribe() {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        throw new Error(data.msgDenied);
      }
      return registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(data.vapidPublicKey),
      });
    }).then(function (subscription) {
      return post(data.subscribeUrl, subscription.toJSON()).then(function () {
        show(true);
      });
    });
  }

  function unsubscribe(subscription) {
    var endpoint = subscription.endpoint;
    return subscription.unsubscribe().then(function () {
      return post(data.unsubscribeUrl, { endpoint: endpoint });
    }).then(function () {
      show(false);
    });
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    registration.pushManager.getSubscription().then(function (subscription) {
      return subscription ? unsubscribe(subscription) : subscribe();
    }).catch(function (error) {
      button.disabled = false;
      say(error && error.message ? error.message : data.msgError);
    });
  });

  navigator.serviceWorker.register(data.workerUrl, { scope: "/" }).then(function (reg) {
    registration = reg;
    return navigator.serviceWorker.ready;
  }).then(function () {
    return registration.pushManager.getSubscription();
  }).then(function (subscription) {
    show(Boolean(subscription));
    if (Notification.permission === "denied") {
      say(data.msgDenied);
    }
    if (subscription) {
      // Keep the portal's copy fresh (keys can rotate, or the row was removed after a 410).
      // Refused, e.g. because this browser gets another account's notifications (the
      // endpoint stays theirs): say so rather than "on". A network failure stays silent.
      post(data.subscribeUrl, subscription.toJSON()).catch(function (error) {
        if (error && error.refused) {
          say(error.message);
        }
      });
    }
  }).catch(function () {
    say(data.msgUnsupported);
  });
})();
