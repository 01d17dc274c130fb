// Deskchat on any web page: one tag adds a chat button that opens the widget in a frame.
//
//   <script src="https://desk.example.com/embed.js" async
//           data-group="Network" data-color="#0969da" data-position="right" data-lang="en"></script>
//
// Options (all optional): data-group (the assignment group chosen for the end user),
// data-color (the button's colour), data-position ("right" or "left" corner), data-lang (the
// widget's language: en, de, fr, es, or any app/locales holds; the launcher's own texts fall
// back to the page's language, the widget's to the visitor's browser), data-label and data-title (own
// texts for the button and the panel). The site must be in Deskchat's --allowed-origin list,
// or browsers refuse to show the widget in its frame.
//
// Light on the site's pages: until the visitor opens the launcher, the page gets this file and
// a button, nothing else — no widget frame, no WASM, no WebSocket. The frame is made when the
// launcher is first opened, or at once when the visitor already holds a chat, so that chat
// stays connected and counts agents' messages while closed (the badge).
//
// How this script knows the visitor holds a chat, though the chat's token belongs to the
// widget's origin: the widget hands the token to this script (this site's localStorage), since
// many browsers deny a framed page its own storage and the chat must survive the site's page
// loads; the widget gets it back in its address (#chat=…). When the chat ends (or is missed)
// the widget says "deskchat:ended" and this script notes that token as ended: the visitor can
// still reopen its transcript, but the site's next pages no longer load the frame for it.
// "deskchat:forget" (a new chat, or a token that no longer opens anything) drops both. Whether
// the panel was open, and the unread count, live in the session's storage.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__deskchatEmbed) return;
  window.__deskchatEmbed = true;

  var data = script.dataset;
  var origin = new URL(script.src, location.href).origin;
  var TEXTS = {
    en: { label: "Chat with us", title: "Service desk chat", close: "Close chat", unread: "unread" },
    de: { label: "Chat mit uns", title: "Service-Desk-Chat", close: "Chat schließen", unread: "ungelesen" },
    fr: { label: "Discuter avec nous", title: "Chat du service desk", close: "Fermer le chat", unread: "non lus" },
    es: { label: "Chatea con nosotros", title: "Chat del service desk", close: "Cerrar el chat", unread: "sin leer" },
  };
  var lang = (data.lang || document.documentElement.lang || "en").slice(0, 2).toLowerCase();
  var text = TEXTS[lang] || TEXTS.en;
  var label = data.label || text.label;
  var title = data.title || text.title;
  var color = /^#[0-9a-f]{3,8}$|^[a-z]+$/i.test(data.color || "") ? data.color : "#0969da";
  var side = data.position === "left" ? "left" : "right";
  var OPEN_KEY = "deskchat.embed.open";
  // The chat's token, kept here (this site's own storage): many browsers deny a framed page
  // its storage, so the widget hands it over and gets it back in its address (#chat=…).
  var CHAT_KEY = "deskchat.embed.chat";
  // The token of the kept chat once it has ended: kept, but not worth a frame on every page.
  var ENDED_KEY = "deskchat.embed.ended";
  var UNREAD_KEY = "deskchat.embed.unread";

  function stored(key) {
    try { return sessionStorage.getItem(key); } catch (e) { return null; }
  }
  function store(key, value) {
    try { sessionStorage.setItem(key, value); } catch (e) { /* private mode: this page load only */ }
  }
  function kept(key) {
    try { return localStorage.getItem(key || CHAT_KEY); } catch (e) { return null; }
  }
  function keep(key, token) {
    try { token ? localStorage.setItem(key, token) : localStorage.removeItem(key); } catch (e) { /* ignore */ }
  }

  var host = document.createElement("div");
  host.setAttribute("data-deskchat", "");
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>" +
    ":host { all: initial; }" +
    ".launcher { position: fixed; bottom: 1.25rem; " + side + ": 1.25rem; z-index: 2147483000; font: 600 15px/1.2 system-ui, sans-serif;" +
    " color: #fff; background: " + color + "; border: 0; border-radius: 999px; padding: .8rem 1.2rem; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25); }" +
    ".launcher:focus-visible, .close:focus-visible { outline: 3px solid #1b1f24; outline-offset: 2px; }" +
    ".badge { display: inline-block; min-width: 1.3em; margin-left: .5em; padding: 0 .35em; border-radius: 999px; background: #cf222e; color: #fff; text-align: center; }" +
    ".badge[hidden] { display: none; }" +
    ".panel { position: fixed; bottom: 5rem; " + side + ": 1.25rem; z-index: 2147483000; width: min(26rem, calc(100vw - 2.5rem));" +
    " height: min(40rem, calc(100vh - 7rem)); display: flex; flex-direction: column; background: #fff; border: 1px solid #d0d7de;" +
    " border-radius: 12px; box-shadow: 0 8px 28px rgba(0,0,0,.25); overflow: hidden; font: 15px/1.3 system-ui, sans-serif; color: #1b1f24; }" +
    ".panel[hidden] { display: none; }" +
    ".bar { display: flex; align-items: center; justify-content: space-between; padding: .4rem .6rem .4rem 1rem; background: " + color + "; color: #fff; }" +
    ".bar h2 { font-size: 15px; margin: 0; }" +
    ".close { font: inherit; color: #fff; background: transparent; border: 1px solid rgba(255,255,255,.7); border-radius: 6px; padding: .2rem .6rem; cursor: pointer; }" +
    "iframe { flex: 1; width: 100%; border: 0; }" +
    "</style>" +
    '<div class="panel" role="dialog" hidden>' +
    '<div class="bar"><h2></h2><button type="button" class="close"></button></div>' +
    "</div>" +
    '<button type="button" class="launcher" aria-expanded="false"><span class="label"></span><span class="badge" aria-hidden="true" hidden></span></button>';

  var panel = root.querySelector(".panel");
  var launcher = root.querySelector(".launcher");
  var badge = root.querySelector(".badge");
  var frame = null;
  var close = root.querySelector(".close");
  panel.id = "deskchat-panel";
  panel.setAttribute("aria-label", title);
  launcher.setAttribute("aria-controls", panel.id);
  root.querySelector(".label").textContent = label;
  root.querySelector("h2").textContent = title;
  close.textContent = text.close;

  // The widget's frame, made once, when first needed (see the top of this file).
  function ensureFrame() {
    if (frame) return;
    var chat = kept();
    frame = document.createElement("iframe");
    frame.title = title;
    // The widget speaks the snippet's language if it has one, else the visitor's browser's.
    var query = [];
    if (data.group) query.push("group=" + encodeURIComponent(data.group));
    if (data.lang) query.push("lang=" + encodeURIComponent(data.lang));
    frame.src = origin + "/widget" + (query.length ? "?" + query.join("&") : "") +
      (chat && /^[0-9a-zA-Z]+$/.test(chat) ? "#chat=" + chat : "");
    panel.appendChild(frame);
  }
  function holdsChat() {
    var chat = kept();
    return !!chat && chat !== kept(ENDED_KEY);
  }

  var unread = parseInt(stored(UNREAD_KEY) || "0", 10) || 0;
  function showUnread() {
    store(UNREAD_KEY, String(unread));
    badge.hidden = unread === 0;
    badge.textContent = String(unread);
    launcher.setAttribute("aria-label", unread ? label + " (" + unread + " " + text.unread + ")" : label);
  }

  function setOpen(open, focus) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    store(OPEN_KEY, open ? "1" : "0");
    if (open) {
      ensureFrame();
      unread = 0;
      showUnread();
      if (focus) frame.focus();
    } else if (focus) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", function () { setOpen(panel.hidden, true); });
  close.addEventListener("click", function () { setOpen(false, true); });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") setOpen(false, true);
  });
  // Only the widget's own frame is heard, and it sends only the word, never the text.
  window.addEventListener("message", function (event) {
    if (!frame || event.origin !== origin || event.source !== frame.contentWindow) return;
    if (typeof event.data !== "string") return;
    if (event.data === "deskchat:message" && panel.hidden) {
      unread += 1;
      showUnread();
    } else if (event.data.indexOf("deskchat:token:") === 0) {
      keep(CHAT_KEY, event.data.slice("deskchat:token:".length));
    } else if (event.data === "deskchat:ended") {
      keep(ENDED_KEY, kept());
    } else if (event.data === "deskchat:forget") {
      keep(CHAT_KEY, null);
      keep(ENDED_KEY, null);
    }
  });

  showUnread();
  if (holdsChat()) ensureFrame();
  setOpen(stored(OPEN_KEY) === "1", false);
  (document.body || document.documentElement).appendChild(host);
})();
