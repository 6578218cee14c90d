// The panel's one script: htmx plus a few behaviours switched on by data-attributes.
// Pages carry no inline script, so a strict Content-Security-Policy (script-src 'self') holds.
import htmx from "htmx.org";

window.htmx = htmx;

// The CSP allows neither eval nor inline <style>/<script>: keep htmx from needing them
// (its indicator styles live in app.css instead).
htmx.config.allowEval = false;
htmx.config.allowScriptTags = false;
htmx.config.includeIndicatorStyles = false;

// 422 brings the form back with its field errors: swap it like a success. Other 4xx/5xx
// stay errors; their fragment is shown in #flash (see htmx:beforeSwap below).
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "[23]..", swap: true },
  { code: "422", swap: true },
  { code: "[45]..", swap: false, error: true },
  { code: "...", swap: false },
];

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

document.addEventListener("htmx:configRequest", (event) => {
  const token = csrfToken();
  if (token) event.detail.headers["X-CSRF-Token"] = token;
});

document.addEventListener("htmx:beforeSwap", (event) => {
  const detail = event.detail;
  if (detail.boosted && !detail.isError) adoptHead(detail.serverResponse);
  if (!detail.isError || detail.xhr.getResponseHeader("HX-Retarget")) return;
  const flash = document.getElementById("flash");
  if (!flash || !detail.serverResponse) return;
  detail.shouldSwap = true;
  detail.target = flash;
  detail.swapOverride = "innerHTML";
  detail.selectOverride = "unset";
});

// A request that never reached the server has no fragment to show; #flash may carry
// a localized sentence for it.
document.addEventListener("htmx:sendError", () => {
  const flash = document.getElementById("flash");
  if (flash?.dataset.networkError) {
    flash.replaceChildren(Object.assign(document.createElement("p"), {
      className: "flash-error",
      textContent: flash.dataset.networkError,
    }));
  }
});

// A boosted navigation swaps only the body. Sign-in renews the CSRF token and the
// language switch changes <html lang dir>, so take both from the new page.
function adoptHead(html) {
  const page = new DOMParser().parseFromString(html, "text/html");
  const token = page.querySelector('meta[name="csrf-token"]')?.content;
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (token && meta) meta.content = token;
  for (const name of ["lang", "dir"]) {
    const value = page.documentElement.getAttribute(name);
    if (value) document.documentElement.setAttribute(name, value);
  }
}

// Elements inside root (root included) that match selector.
function within(root, selector) {
  const found = [...root.querySelectorAll(selector)];
  return root.matches?.(selector) ? [root, ...found] : found;
}

// --- Confirmation before a destructive submit --------------------------------------
// The question is asked in the page's own <dialog> (views/confirm_dialog.templ), in
// its language and direction, not with confirm(). The submit is held back, and sent
// again with the same submitter once the customer confirms; Cancel and Escape drop it.
// Implicit submission (Enter in a field) clicks the default button, so the click check
// covers it; the submit check covers forms whose button carries no text of its own.
function ask(question, source, then) {
  const dialog = document.getElementById("confirm-dialog");
  if (!dialog?.showModal) {
    if (confirm(question)) then();
    return;
  }
  dialog.querySelector("[data-confirm-question]").textContent = question;
  const ok = dialog.querySelector("[data-confirm-ok]");
  // The confirm button says what happens ("Shut down"), in the asking button's colour.
  const label = source?.matches?.("button") ? source.textContent.trim() : "";
  ok.textContent = label || ok.dataset.defaultLabel;
  const danger = !!source?.classList?.contains("btn-danger");
  ok.classList.toggle("btn-danger", danger);
  ok.classList.toggle("btn-primary", !danger);
  dialog.returnValue = "";
  dialog.addEventListener("close", () => {
    if (dialog.returnValue === "ok") then();
  }, { once: true });
  dialog.showModal();
  dialog.querySelector("[data-confirm-cancel]").focus();
}

// A submit the customer confirmed passes once, unasked.
function confirmed(el) {
  if (!("confirmed" in el.dataset)) return false;
  delete el.dataset.confirmed;
  return true;
}

function resubmit(form, submitter) {
  if (submitter && submitter.form === form) form.requestSubmit(submitter);
  else form.requestSubmit();
}

document.addEventListener("click", (event) => {
  const button = event.target.closest?.("button[data-confirm]");
  if (!button || button.disabled || confirmed(button)) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  ask(button.dataset.confirm, button, () => {
    // The submit that follows carries this button, which the submit check lets by.
    if (button.form && button.type === "submit") return resubmit(button.form, button);
    button.dataset.confirmed = "";
    button.click();
  });
}, true);

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.dataset.confirm || event.submitter?.dataset.confirm || confirmed(form)) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  const submitter = event.submitter;
  ask(form.dataset.confirm, submitter, () => {
    form.dataset.confirmed = "";
    resubmit(form, submitter);
  });
}, true);

// --- Type the VM's name to delete it -----------------------------------------------
function syncConfirmText(input) {
  const matches = input.value.trim() === input.dataset.confirmText;
  const buttons = input.form?.querySelectorAll('button:not([type]), button[type="submit"], input[type="submit"]') ?? [];
  for (const button of buttons) button.disabled = !matches;
}

// --- Password strength hint ---------------------------------------------------------
function strength(password) {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((re) => re.test(password)).length;
  if (password.length >= 14 && classes >= 3) return "strong";
  if (password.length >= 10 && classes >= 2) return "fair";
  return "weak";
}

function showStrength(input) {
  const hint = document.getElementById(input.dataset.strength);
  if (!hint) return;
  const level = input.value ? strength(input.value) : "";
  hint.textContent = level ? hint.dataset[level] ?? level : "";
  if (level) hint.dataset.strengthLevel = level;
  else delete hint.dataset.strengthLevel;
}

document.addEventListener("input", (event) => {
  const input = event.target;
  if (input.matches?.("input[data-confirm-text]")) syncConfirmText(input);
  if (input.matches?.("input[data-strength]")) showStrength(input);
});

htmx.onLoad((root) => {
  within(root, "input[data-confirm-text]").forEach(syncConfirmText);
  within(root, "input[data-strength]").forEach(showStrength);
});

// --- Generate a password ------------------------------------------------------------
// No quotes, backslash, $ or & so the password survives shells and YAML unquoted.
const PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!@#%^*-_=+";

function randomPassword(length) {
  // Rejection sampling keeps every character equally likely.
  const limit = Math.floor(2 ** 32 / PASSWORD_ALPHABET.length) * PASSWORD_ALPHABET.length;
  const word = new Uint32Array(1);
  let password = "";
  while (password.length < length) {
    crypto.getRandomValues(word);
    if (word[0] < limit) password += PASSWORD_ALPHABET[word[0] % PASSWORD_ALPHABET.length];
  }
  return password;
}

document.addEventListener("click", (event) => {
  const button = event.target.closest?.("[data-generate-password]");
  const input = button && document.getElementById(button.dataset.generatePassword);
  if (!input) return;
  event.preventDefault();
  let password;
  do password = randomPassword(20); while (strength(password) !== "strong");
  input.value = password;
  input.type = "text"; // the customer has to see it to keep it
  input.dataset.generated = password;
  input.dispatchEvent(new Event("input", { bubbles: true }));
});

// The generated password's warning and copy button stay while it is the one in the field.
document.addEventListener("input", (event) => {
  const input = event.target;
  const note = input.id && document.querySelector(`[data-generated-note="${CSS.escape(input.id)}"]`);
  if (note) note.classList.toggle("hidden", !input.dataset.generated || input.value !== input.dataset.generated);
});

// --- A field's old error goes once the field is changed -------------------------------------
// The message said what was wrong with what was sent; kept under a field now
// filled in, it would say something untrue.
function clearFieldError(field) {
  const form = field.closest?.("form");
  // A field htmx is swapping out fires "change" as it goes (it had the focus),
  // after the answer's fields, and their errors, are already in the form.
  if (!form || !field.name || field.closest(".htmx-swapping")) return;
  const msg = form.querySelector(`[data-field-error="${CSS.escape(field.name)}"]`);
  if (!msg) return;
  msg.remove();
  for (const f of form.querySelectorAll(`[name="${CSS.escape(field.name)}"]`)) {
    f.classList.remove("border-red-500");
    f.removeAttribute("aria-invalid");
  }
}
document.addEventListener("input", (event) => clearFieldError(event.target));
document.addEventListener("change", (event) => clearFieldError(event.target));

// --- Copy to clipboard ----------------------------------------------------------------
async function copyText(source) {
  const text = "value" in source ? source.value : source.textContent.trim();
  if (navigator.clipboard) return navigator.clipboard.writeText(text);
  // Plain http on a non-local host has no Clipboard API.
  window.getSelection().selectAllChildren(source);
  document.execCommand("copy");
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest?.("[data-copy]");
  const source = button && document.getElementById(button.dataset.copy);
  if (!source) return;
  event.preventDefault();
  await copyText(source);
  const label = button.dataset.copiedLabel;
  if (!label || button.dataset.copied) return;
  const original = [...button.childNodes]; // an icon inside the button survives
  button.dataset.copied = "";
  button.textContent = label;
  setTimeout(() => {
    button.replaceChildren(...original);
    delete button.dataset.copied;
  }, 2000);
});

// --- Filters that apply on change -------------------------------------------------------
document.addEventListener("change", (event) => {
  const field = event.target.closest?.("[data-autosubmit]");
  field?.form?.requestSubmit();
});

// --- A choice that fills its form with what it chooses -----------------------------------
// An option with data-fills (JSON: field name → value) writes those values into its form's
// fields when chosen: the region rename form shows the chosen region's current names.
document.addEventListener("change", (event) => {
  const select = event.target.closest?.("select[data-fills]");
  const values = select?.selectedOptions[0]?.dataset.fills;
  if (!values) return;
  for (const [name, value] of Object.entries(JSON.parse(values))) {
    const field = select.form.elements.namedItem(name);
    if (field) {
      field.value = value;
      clearFieldError(field);
    }
  }
});

// --- Print buttons (a statement) -----------------------------------------------------------
document.addEventListener("click", (event) => {
  if (event.target.closest?.("[data-print]")) window.print();
});

// --- The order form's summary follows the choices ----------------------------------------
// A plan (a radio of the order form, or the option chosen in a form's plan list) carries
// its prices already written in the page's language; with the backups box ticked, the
// prices that include them, and what backups add is written beside the box.
function orderSummary(form) {
  const plan = form.querySelector('input[name="plan_slug"]:checked') ??
    form.querySelector('select[name="plan_slug"]')?.selectedOptions[0];
  const backups = form.querySelector('input[name="backups_enabled"]')?.checked;
  if (plan?.dataset.backupHourly) {
    for (const el of form.querySelectorAll("[data-backup-price]")) el.textContent = plan.dataset.backupHourly;
  }
  const box = form.querySelector("[data-order-summary]");
  if (!box) return;
  const os = form.querySelector('input[name="os_template_slug"]:checked');
  const region = form.querySelector('select[name="region"]');
  const set = (sel, text) => {
    const el = box.querySelector(sel);
    if (el && text) el.textContent = text;
  };
  if (plan) {
    const hourly = backups ? plan.dataset.summaryHourlyBackups : plan.dataset.summaryHourly;
    set('[data-summary="plan_slug"]', plan.dataset.summaryName);
    set("[data-summary-hourly]", box.dataset.hourlyPattern.replace("{price}", hourly));
    set("[data-summary-monthly]", backups ? plan.dataset.summaryMonthlyBackups : plan.dataset.summaryMonthly);
  }
  const line = box.querySelector("[data-summary-backups]");
  if (line) line.textContent = backups && plan ? plan.dataset.backupHourly : line.dataset.off;
  if (os) set('[data-summary="os_template_slug"] bdi', os.dataset.summaryName);
  if (region) set('[data-summary="region"]', region.selectedOptions[0]?.textContent);
}
document.addEventListener("change", (event) => {
  const form = event.target.closest?.("form");
  if (form) orderSummary(form);
});

// --- After a refused submit, the first field in error is where the eye goes ----------------
function focusFirstError(root) {
  const msg = root.querySelector?.("[data-field-error]");
  if (!msg) return;
  const form = msg.closest("form");
  const field = form?.querySelector(`[name="${CSS.escape(msg.dataset.fieldError)}"]:not([type=hidden])`);
  const target = field || msg;
  target.scrollIntoView({ block: "center" });
  if (field) field.focus({ preventScroll: true });
}
document.addEventListener("DOMContentLoaded", () => focusFirstError(document));
document.addEventListener("htmx:afterSettle", (event) => focusFirstError(event.target));

// --- The phone's one-row menu shows the current page ------------------------------------
document.addEventListener("DOMContentLoaded", () => {
  const current = document.querySelector('[data-testid=nav-list] [aria-current=page]');
  const list = current?.closest("ul");
  if (!current || list.scrollWidth <= list.clientWidth) return;
  // scrollIntoView would scroll the page too; move only the list.
  const l = list.getBoundingClientRect(), c = current.getBoundingClientRect();
  list.scrollLeft += (c.left + c.width / 2) - (l.left + l.width / 2);
});

// --- Tables that become cards on a phone: each cell is labelled with its column --------------
function labelCells(root) {
  for (const table of root.querySelectorAll?.("table.table-cards") || []) {
    // A sortable header names its column in data-label: its text also holds the sort arrow.
    const heads = [...table.querySelectorAll("thead th")].map((th) => th.dataset.label || th.textContent.trim());
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((td, i) => {
        if (heads[i] && !td.dataset.label) td.dataset.label = heads[i];
      });
    }
  }
}
document.addEventListener("DOMContentLoaded", () => labelCells(document));
document.addEventListener("htmx:afterSettle", (event) => labelCells(event.target));

// --- The resize form asks about the plan chosen, and not about the plan the VM has ---------
document.addEventListener("change", (event) => {
  const radio = event.target.closest?.('form[data-testid="resize-form"] input[name="plan_slug"]');
  if (!radio) return;
  const form = radio.form;
  const option = form.querySelector('input[name="plan_slug"]:checked');
  const button = form.querySelector("[data-resize-submit]");
  const same = option?.hasAttribute("data-current");
  if (option?.dataset.confirm) button.dataset.confirm = option.dataset.confirm;
  form.querySelector("[data-resize-same]")?.classList.toggle("hidden", !same);
  if (!radio.disabled) button.disabled = same;
});

// --- The VM page's tabs ---------------------------------------------------------------------
// Every panel is on the page; a tab's link shows its panel and writes ?tab= into the
// address (replacing, so Back still leaves the VM), so a reload, a copied link and a
// form's redirect come back to it. Forms carry the tab in a hidden field; the ones in
// the status header and the title serve every tab, so they follow it here.
function currentTab() {
  return document.querySelector(".vm-tab[aria-current=page]")?.dataset.tab;
}
function syncTabInputs() {
  const tab = currentTab();
  if (!tab) return;
  for (const input of document.querySelectorAll("input[data-tab-input]")) input.value = tab;
}
function showTab(tab) {
  const panel = document.querySelector(`[data-tab-panel="${CSS.escape(tab)}"]`);
  if (!panel) return false;
  for (const p of document.querySelectorAll("[data-tab-panel]")) p.hidden = p !== panel;
  for (const a of document.querySelectorAll(".vm-tab[data-tab]")) {
    if (a.dataset.tab === tab) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  syncTabInputs();
  return true;
}
document.addEventListener("click", (event) => {
  const link = event.target.closest?.(".vm-tab[data-tab]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  if (!showTab(link.dataset.tab)) return;
  event.preventDefault();
  history.replaceState(history.state, "", link.href);
});
document.addEventListener("htmx:afterSettle", syncTabInputs);
// A form sent back with its errors (or a refusal) is drawn at the form's own address;
// put the tab's address there, so a reload shows the tab rather than sending the form again.
document.addEventListener("DOMContentLoaded", () => {
  const link = document.querySelector(".vm-tab[aria-current=page]");
  if (link && new URL(link.href).pathname !== location.pathname) history.replaceState(history.state, "", link.href);
});

// An image upload (the templates page) shows its progress: htmx reports the
// bytes sent on the form; the bar is revealed with the first report.
document.addEventListener("htmx:xhr:progress", (event) => {
  const form = event.target.closest?.("[data-upload-form]");
  if (!form || !event.detail.lengthComputable) return;
  const box = form.querySelector("[data-upload-progress]");
  const bar = box?.querySelector("progress");
  if (!bar) return;
  box.classList.remove("hidden");
  bar.value = Math.round((event.detail.loaded * 100) / Math.max(event.detail.total, 1));
});
