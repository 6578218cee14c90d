// The console page: connects noVNC to the panel's websocket proxy and drives the toolbar.
// Everything it needs comes from data-attributes on #console-screen:
//   data-ws-url                 the websocket URL (ws:, wss: or relative to the page)
//   data-ticket-url (optional)  POST here for a fresh ticket on reconnect; answers
//                               {"ws_url": "..."} (a ticket is single use)
//   data-label-connecting, -connected, -disconnected, -failed   localized state words
// The state is also put on <body data-console-state> for tests.
import RFB from "@novnc/novnc";

// X11 keysyms (noVNC does not export its keysym tables).
const XK_Tab = 0xff09;
const XK_BackSpace = 0xff08;
const XK_Return = 0xff0d;
const XK_Shift_L = 0xffe1;

// The key bar's keys, by the KeyboardEvent.code each button names.
const BAR_KEYS = {
  Escape: 0xff1b,
  Tab: XK_Tab,
  Enter: 0xff0d,
  ArrowLeft: 0xff51,
  ArrowUp: 0xff52,
  ArrowRight: 0xff53,
  ArrowDown: 0xff54,
  ControlLeft: 0xffe3,
  AltLeft: 0xffe9,
};
const MODIFIERS = new Set(["ControlLeft", "AltLeft"]);

// Characters typed with Shift on a US keyboard. A VNC server behind a fixed keymap
// (QEMU's) does not add Shift on its own, so pasting "A" needs it held.
const SHIFTED = /[A-Z~!@#$%^&*()_+{}|:"<>?]/;

const screen = document.getElementById("console-screen");
if (screen) startConsole(screen);

function startConsole(screen) {
  const stateText = document.getElementById("console-state");
  const container = document.getElementById("console-container") ?? screen;
  const buttons = {
    cad: document.getElementById("console-cad"),
    paste: document.getElementById("console-paste"),
    pasteEnter: document.getElementById("console-paste-enter"),
    keyboard: document.getElementById("console-keyboard"),
    fullscreen: document.getElementById("console-fullscreen"),
    reconnect: document.getElementById("console-reconnect"),
    zoom: document.getElementById("console-zoom"),
  };
  let rfb = null;

  // A guest's 720 or 1024 pixels fitted into a phone's 390 are too small to
  // read, so on a narrow screen the console shows them at their own size and a
  // drag moves them; elsewhere it fits them to the window. The zoom button
  // switches, and once pressed the customer's choice holds.
  const narrow = window.matchMedia("(max-width: 639px)");
  let chosen = null;
  function applyZoom(session) {
    const actual = chosen ?? narrow.matches;
    buttons.zoom?.setAttribute("aria-pressed", String(actual));
    if (!session) return;
    session.scaleViewport = !actual;
    session.clipViewport = actual;
    session.dragViewport = actual;
  }
  narrow.addEventListener("change", () => applyZoom(rfb));
  buttons.zoom?.addEventListener("click", () => {
    chosen = buttons.zoom.getAttribute("aria-pressed") !== "true";
    applyZoom(rfb);
    rfb?.focus();
  });
  applyZoom(null);

  function setState(state) {
    document.body.dataset.consoleState = state;
    if (stateText) {
      stateText.textContent = screen.dataset[`label${state[0].toUpperCase()}${state.slice(1)}`] ?? state;
      stateText.dataset.state = state;
    }
    const connected = state === "connected";
    for (const button of [buttons.cad, buttons.paste, buttons.pasteEnter, buttons.keyboard, ...keyButtons]) {
      if (button) button.disabled = !connected;
    }
    if (!connected) {
      for (const button of keyButtons) {
        if (button.hasAttribute("aria-pressed")) button.setAttribute("aria-pressed", "false");
      }
    }
  }

  // The key bar: a plain key is pressed and released; Ctrl and Alt are held
  // down while their button is pressed, so that a key after them (from the
  // bar or the keyboard) comes with them.
  const keyButtons = [...document.querySelectorAll("#console-keys [data-key]")];
  for (const button of keyButtons) {
    button.addEventListener("click", () => {
      const code = button.dataset.key;
      const keysym = BAR_KEYS[code];
      if (!rfb || keysym === undefined) return;
      if (MODIFIERS.has(code)) {
        const down = button.getAttribute("aria-pressed") !== "true";
        rfb.sendKey(keysym, code, down);
        button.setAttribute("aria-pressed", String(down));
      } else {
        rfb.sendKey(keysym, code);
      }
      rfb.focus();
    });
  }

  function connect(url) {
    setState("connecting");
    let session;
    try {
      session = new RFB(screen, websocketURL(url), {});
    } catch (error) {
      console.error("console: cannot connect", error);
      setState("failed");
      return;
    }
    rfb = session;
    applyZoom(session);
    session.resizeSession = false;
    session.background = "#0f172a";
    let failed = false;
    // Events of a session already replaced by a reconnect must not touch the state.
    const current = () => rfb === session;
    session.addEventListener("connect", () => {
      if (current()) {
        setState("connected");
        session.focus();
      }
    });
    session.addEventListener("securityfailure", () => { failed = true; });
    // The proxy answers the VNC authentication itself; a password prompt means
    // something is wrong, and the browser has nothing to answer it with.
    session.addEventListener("credentialsrequired", () => {
      failed = true;
      session.disconnect();
    });
    session.addEventListener("disconnect", (event) => {
      if (current()) setState(failed || !event.detail.clean ? "failed" : "disconnected");
    });
  }

  async function reconnect() {
    const old = rfb;
    rfb = null;
    old?.disconnect();
    let url = screen.dataset.wsUrl;
    if (screen.dataset.ticketUrl) {
      setState("connecting");
      try {
        url = await freshTicket(screen.dataset.ticketUrl);
      } catch (error) {
        console.error("console: no new ticket", error);
        setState("failed");
        return;
      }
    }
    connect(url);
  }

  buttons.cad?.addEventListener("click", () => rfb?.sendCtrlAltDel());

  // The type field sends its text (with Enter after it, from the second button)
  // and is emptied, so the next command starts clean.
  const field = document.getElementById("console-paste-text");
  function typeField(enter) {
    const text = field?.value ?? "";
    if (!rfb || (!text && !enter)) return;
    typeText(rfb, enter ? text + "\n" : text);
    field.value = "";
    rfb.focus();
  }
  buttons.paste?.addEventListener("click", () => typeField(false));
  buttons.pasteEnter?.addEventListener("click", () => typeField(true));

  // The keyboard button focuses a hidden text field, which makes a phone raise its
  // keyboard; what is typed into it goes to the guest at once and the field is emptied.
  const keyboardInput = document.getElementById("console-keyboard-input");
  buttons.keyboard?.addEventListener("click", () => {
    keyboardInput?.focus();
  });
  keyboardInput?.addEventListener("keydown", (event) => {
    if (!rfb) return;
    // Keys that put no text in the field: sent as keys.
    if (event.key === "Enter") { rfb.sendKey(XK_Return, "Enter"); event.preventDefault(); }
    else if (event.key === "Backspace") { rfb.sendKey(XK_BackSpace, "Backspace"); event.preventDefault(); }
    else if (event.key === "Tab") { rfb.sendKey(XK_Tab, "Tab"); event.preventDefault(); }
  });
  keyboardInput?.addEventListener("input", () => {
    const text = keyboardInput.value;
    keyboardInput.value = "";
    if (rfb && text) typeText(rfb, text);
  });

  if (buttons.fullscreen) {
    buttons.fullscreen.hidden = !document.fullscreenEnabled;
    buttons.fullscreen.addEventListener("click", () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else container.requestFullscreen();
    });
  }

  buttons.reconnect?.addEventListener("click", reconnect);

  connect(screen.dataset.wsUrl);
}

// Resolves a relative URL against the page and turns http(s) into ws(s).
function websocketURL(raw) {
  const url = new URL(raw ?? "", location.href);
  if (url.protocol === "http:") url.protocol = "ws:";
  if (url.protocol === "https:") url.protocol = "wss:";
  return url.href;
}

async function freshTicket(ticketURL) {
  const token = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
  const response = await fetch(ticketURL, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Accept": "application/json", "X-CSRF-Token": token },
  });
  if (!response.ok) throw new Error(`ticket: HTTP ${response.status}`);
  const body = await response.json();
  return body.ws_url;
}

// Sends text as key presses, one character at a time, as if typed.
function typeText(rfb, text) {
  for (const char of text) {
    if (char === "\r") continue;
    if (char === "\n") {
      rfb.sendKey(XK_Return, "Enter");
      continue;
    }
    if (char === "\t") {
      rfb.sendKey(XK_Tab, "Tab");
      continue;
    }
    const codePoint = char.codePointAt(0);
    // Latin-1 keysyms equal their code points; the rest use the Unicode keysym range.
    const keysym = codePoint >= 0x20 && codePoint <= 0xff ? codePoint : 0x01000000 + codePoint;
    const shift = SHIFTED.test(char);
    if (shift) rfb.sendKey(XK_Shift_L, "ShiftLeft", true);
    rfb.sendKey(keysym, null);
    if (shift) rfb.sendKey(XK_Shift_L, "ShiftLeft", false);
  }
}
