/*! edge-chat embed loader: one script tag adds a chat launcher; the chat itself loads in an iframe on first open.
 * <script src="https://<deployment>/embed.js" data-title="…" data-welcome="…" data-color="#…"
 *         data-position="bottom-right|bottom-left" data-open="false" async></script>
 * API: window.EdgeChat.open() / close() / toggle() / setContext({title,url,text}) / setTheme({color,scheme}) /
 * on(type, fn). The widget may ask for a panel height (`resize`). Messages are { source: "edge-chat", version: 1, type, payload }, checked against the widget origin. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.EdgeChat) return;
  var V = 1, SRC = "edge-chat";
  var origin = new URL(script.src, location.href).origin;
  var d = script.dataset;
  var title = d.title || "Chat";
  var color = /^#[0-9a-f]{3,8}$/i.test(d.color || "") ? d.color : "#171717";
  var left = d.position === "bottom-left";
  var host, root, button, panel, frame, ready = false, isOpen = false, queue = [], listeners = {};

  function msg(type, payload) {
    return { source: SRC, version: V, type: type, payload: payload || {} };
  }
  function send(type, payload) {
    if (ready && frame) frame.contentWindow.postMessage(msg(type, payload), origin);
    else if (type !== "open" && type !== "close") queue.push([type, payload]);
  }
  function emit(type, payload) {
    (listeners[type] || []).concat(listeners["*"] || []).forEach(function (fn) {
      try { fn(payload || {}, type); } catch (e) { setTimeout(function () { throw e; }); }
    });
  }

  var side = left ? "left" : "right";
  var css =
    ":host{all:initial}" +
    ".l{position:fixed;bottom:20px;" + side + ":20px;z-index:2147483000;width:56px;height:56px;border:0;border-radius:50%;" +
    "background:" + color + ";color:#fff;cursor:pointer;box-shadow:0 4px 16px rgba(0,0,0,.25);display:grid;place-items:center;padding:0}" +
    ".l:focus-visible{outline:3px solid " + color + ";outline-offset:3px}" +
    ".p{position:fixed;bottom:88px;" + side + ":20px;z-index:2147483001;width:380px;height:min(var(--h,600px),calc(100vh - 110px));" +
    "border-radius:14px;overflow:hidden;box-shadow:0 8px 40px rgba(0,0,0,.3);background:#fff;display:none;overscroll-behavior:contain}" +
    ".p.o{display:block}iframe{border:0;width:100%;height:100%;display:block}" +
    "@media (max-width:480px){.p{inset:0;width:100%;height:100%;border-radius:0}.p.o~.l{display:none}}";
  var ICON = '<svg width="26" height="26" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" ' +
    'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/></svg>';

  function mount() {
    host = document.createElement("div");
    host.setAttribute("data-edge-chat", "");
    root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    root.innerHTML = "<style>" + css + "</style>" + '<div class="p" role="dialog" aria-label=""></div><button class="l" type="button" aria-expanded="false">' + ICON + "</button>";
    panel = root.querySelector(".p");
    panel.setAttribute("aria-label", title);
    button = root.querySelector(".l");
    button.setAttribute("aria-label", "Open " + title);
    button.addEventListener("click", toggle);
    root.addEventListener("keydown", function (e) { if (e.key === "Escape" && isOpen) close(); });
    document.body.appendChild(host);
    if (d.open === "true") open();
  }

  function inject() {
    var q = new URLSearchParams({ title: title, origin: location.origin });
    if (d.welcome) q.set("welcome", d.welcome);
    if (d.color) q.set("color", color);
    frame = document.createElement("iframe");
    frame.title = title;
    frame.src = origin + "/embed?" + q;
    frame.allow = "clipboard-write";
    panel.appendChild(frame);
  }

  function open() {
    if (!host) return;
    if (!frame) inject();
    isOpen = true;
    panel.classList.add("o");
    button.setAttribute("aria-expanded", "true");
    button.setAttribute("aria-label", "Close " + title);
    send("open");
    frame.focus();
  }

  function close() {
    if (!isOpen) return;
    isOpen = false;
    panel.classList.remove("o");
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-label", "Open " + title);
    send("close");
    button.focus();
  }

  function toggle() {
    if (isOpen) close();
    else open();
  }

  window.addEventListener("message", function (e) {
    if (e.origin !== origin || !frame || e.source !== frame.contentWindow) return;
    var m = e.data;
    if (!m || m.source !== SRC || m.version !== V || typeof m.type !== "string") return;
    var p = m.payload && typeof m.payload === "object" ? m.payload : {};
    if (m.type === "ready") {
      ready = true;
      var pending = queue;
      queue = [];
      pending.forEach(function (x) { send(x[0], x[1]); });
      if (isOpen) send("open");
    } else if (m.type === "close") {
      close();
      return;
    } else if (m.type === "resize") {
      // The widget's preferred height; the stylesheet keeps the panel inside the viewport (full screen on phones).
      if (typeof p.height === "number" && p.height >= 200 && p.height <= 2000) panel.style.setProperty("--h", Math.round(p.height) + "px");
    } else if (!/^(opened|closed|message-sent|answer-finished)$/.test(m.type)) {
      return;
    }
    emit(m.type, p);
  });

  window.EdgeChat = {
    open: open,
    close: close,
    toggle: toggle,
    isOpen: function () { return isOpen; },
    setContext: function (c) {
      queue = queue.filter(function (x) { return x[0] !== "context"; });
      send("context", c);
    },
    setTheme: function (t) { send("theme", t); },
    on: function (type, fn) { (listeners[type] = listeners[type] || []).push(fn); },
  };
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
