// Small DOM helpers. Everything that comes from the server goes through text nodes or
// setAttribute: this module never touches innerHTML, so data can never become markup. Text from
// the server or an agent is shown through showHidden (json-text.js), so a line break or a
// right-to-left override in it shows as an escape instead of disguising what is around it; so are
// the attributes a screen reader reads out or a tool looks rows up by (aria-label, title, data-*),
// which h sets that way itself.

import { showHidden } from './json-text.js';

/**
 * Attributes that hold text read out (a label, a description, a tooltip) or a name a row is known
 * by (data-service, data-instance, data-target, data-path): set with hidden characters as escapes,
 * as the same names read on the page. showHidden leaves text without them as it is, so a value
 * escaped already is set unchanged.
 */
const SHOWN_ATTRIBUTE =
  /^(aria-label|aria-description|aria-roledescription|aria-valuetext|title|alt|data-.*)$/;

/**
 * Creates an element. `attrs` may hold `class`, `text`, event handlers as `onclick`-style
 * functions, booleans (set as present/absent attributes) and any other attribute as a string
 * (the ones SHOWN_ATTRIBUTE lists with hidden characters as escapes). Children may be nodes,
 * strings (added as text), arrays of those, or null/false (skipped).
 */
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') {
      node.textContent = String(value);
    } else if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2), value);
    } else if (name === 'value') {
      node.value = value;
    } else if (value === true) {
      node.setAttribute(name, '');
    } else {
      node.setAttribute(name, SHOWN_ATTRIBUTE.test(name) ? showHidden(value) : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) {
      append(node, child);
    } else if (child instanceof Node) {
      node.appendChild(child);
    } else {
      node.appendChild(document.createTextNode(String(child)));
    }
  }
}

/** Replaces all children of `node`. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** Sets text only when it changed, so live updates do not disturb selection or focus. */
export function setText(node, text) {
  const value = text === null || text === undefined ? '' : String(text);
  if (node.textContent !== value) node.textContent = value;
}

/**
 * Puts `node` at position `index` among `parent`'s children, if it is not there already. Moving a
 * node takes it out of the document for a moment, which drops the focus of anything inside it:
 * that focus is given back, so a keyboard user stays on the same control when a row moves.
 */
export function placeChild(parent, node, index) {
  const at = parent.children[index] || null;
  if (at === node) return;
  const focused = document.activeElement;
  const refocus = focused && focused !== document.body && node.contains(focused) ? focused : null;
  parent.insertBefore(node, at);
  if (refocus && document.activeElement !== refocus) refocus.focus({ preventScroll: true });
}

/**
 * How far the control plane's clock is ahead of the browser's, from the Date header of its last
 * answer. Times on the page were stamped by the control plane and its agents: "3 min ago" and
 * "stale" are measured on that clock, not on a browser's that may be minutes off. The header
 * counts whole seconds, so an offset within 2 s is its rounding and the network's, taken as none.
 */
let serverOffset = 0;

/** Notes an answer's Date header (`received` on the browser's clock). */
export function noteServerDate(header, received = Date.now()) {
  const t = Date.parse(header ?? '');
  if (!Number.isFinite(t)) return;
  const offset = t - received;
  serverOffset = Math.abs(offset) < 2000 ? 0 : offset;
}

/** Now on the control plane's clock, as far as its answers tell. */
export function serverNow() {
  return Date.now() + serverOffset;
}

/** "3 min ago"-style text for an ISO time, with the exact time kept for a title. */
export function relativeTime(iso, now = serverNow()) {
  if (!iso) return '—';
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  if (Number.isNaN(t)) return showHidden(iso);
  const s = Math.round((now - t) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  // older: the date and time in UTC, as the title (exactTime) says it, not the browser's zone
  return exactTime(t);
}

export function exactTime(iso) {
  if (!iso) return '';
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  return Number.isNaN(t)
    ? showHidden(iso)
    : new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** Re-words every relative time on the page, so "just now" ages while nothing else changes. */
export function tickTimes(root = document) {
  for (const t of root.querySelectorAll('time[datetime]')) {
    const iso = t.getAttribute('datetime');
    if (iso) setText(t, relativeTime(/^\d+$/.test(iso) ? Number(iso) : iso));
  }
}

/** A <time> element showing relative time with the exact time as title. */
export function timeNode(iso) {
  return h('time', { datetime: iso || '', title: exactTime(iso), text: relativeTime(iso) });
}

/**
 * Reads `message` out through one of the page's live regions, which index.html holds from the
 * start: a notice inserted with its text already in it is not announced by every screen reader,
 * whatever its role, while text written into a region that was there before is. Outcomes go to the
 * polite region; errors (`urgent`) to the assertive one, which interrupts what is being read. It is
 * the one assertive region of the page, toasts' errors included (see toast): two assertive regions
 * written at the same moment (an error line's notice, and the toast of the same failure) interrupt
 * each other, and one of them is not heard; written into one region in the same task, both are.
 * An error written there a task after another, or an outcome said just after it, keeps the earlier
 * error for a moment (see HELD_MS), so both are heard; an error said just after an outcome
 * keeps the outcome in the polite region as long. Whatever either region keeps beside later words,
 * its own or the other's, said a task later or in the same task, in any order, goes once it has
 * had that moment (see forgetOnceHeard); only the latest words of each region stay until replaced.
 *
 * While a confirm dialog is open, what is said goes to the dialog's own live regions (see
 * liveRegions).
 */
export function announce(message, { urgent = false } = {}) {
  const regions = liveRegions();
  const region = urgent ? regions.alert : regions.status;
  if (!region) return;
  const other = urgent ? regions.status : regions.alert;
  // what the other region said is over: a later notice replaces it, it is not read out again; but
  // what it was given in this very task has not been read out yet, nor words just said (see heard)
  if (other) {
    if (!announcedNow.has(other)) heard(other, { byTheOther: true }).forEach((s) => s.remove());
    // what it keeps, said in this very task too, goes once heard, not with its next words
    forgetOnceHeard(other);
  }
  // a new node each time, so the same words said again are read out again; notices of one task
  // (a draft restored, and the newer revision it started before) are read out together, the
  // later not replacing the earlier before the screen reader got it
  const said = h('p', { text: showHidden(message) });
  saidAt.set(said, performance.now());
  if (!announcedNow.has(region)) heard(region).forEach((before) => before.remove());
  // what the region keeps beside the new words (an error said a moment ago, words of this very
  // task) goes once heard, as the other region's does: the new words stay until replaced
  forgetOnceHeard(region);
  region.append(said);
  if (!announcedNow.size) setTimeout(() => announcedNow.clear());
  announcedNow.add(region);
}

/** The live regions written in the running task (see announce). */
const announcedNow = new Set();

/**
 * How long an error said stays in its assertive region when later words are written there, in a
 * later task: a screen reader reads a live region out a moment after it changes, and an assertive
 * one cuts short what is being read. An error replaced by the next one a task later (a load that
 * failed, then a rollback refused), or taken away by an outcome said just after it, was never
 * heard; kept beside the next one, it is read out with it (the region is atomic). Kept longer, a
 * burst of errors would be read out again and again, each time with all the earlier ones. An
 * outcome said just before an error is kept as long in the polite region, where it waits to be
 * read out in its turn (see heard); either region's words kept beside later ones (the other's or
 * its own) go once they have had that time (see forgetOnceHeard).
 */
const HELD_MS = 1000;

/** When each notice was said (performance.now), for HELD_MS. */
const saidAt = new WeakMap();

/** How long ago `words` were said, in ms (performance.now). */
function ageOf(words) {
  return performance.now() - (saidAt.get(words) ?? -Infinity);
}

/**
 * What `region` said that has been read out by now, to go as something else is said: everything a
 * polite region said when it says something new, whose words are read out in turn without cutting
 * anything short (kept, they would be read out again with the next notice); what an assertive
 * region said HELD_MS ago or longer, and, when the other region says something
 * (`byTheOther`), what a polite one said as long ago: an outcome said a moment before an error
 * (queued, as polite words are, behind what is being read) and taken away with it was never read
 * out. The rest stays where it is, not taken out and put back, which would change the region (and
 * have it read out) for words already given.
 */
function heard(region, { byTheOther = false } = {}) {
  const said = [...region.children];
  if (!byTheOther && region.getAttribute('aria-live') !== 'assertive') return said;
  return said.filter((words) => ageOf(words) >= HELD_MS);
}

/**
 * Takes the words `region` kept beside later words (see heard) away once they have had their
 * HELD_MS: an error still empties the polite region of the outcome said before it, an outcome the
 * assertive region of the error said before it, and a later error the assertive region of the
 * earlier one it keeps, as soon as that has been heard, so the page does not keep words about what
 * is over beside the new ones (a screen reader reading the page through would find them). So are
 * words said in the same task as the later ones, in whichever region or order: they were read out
 * together. Taken away, they change the region without a word: a live region reads out what is
 * added, not what is removed. Words a later notice replaced meanwhile are gone already.
 */
function forgetOnceHeard(region) {
  for (const words of region.children) forgetWhenHeard(words);
}

/**
 * Removes `words` once they were said HELD_MS ago, by the clock heard reads (a timer may
 * fire before that clock says so): looked at again until then, unless they are gone already.
 */
function forgetWhenHeard(words) {
  if (forgotten.has(words)) return;
  forgotten.add(words);
  const later = () => {
    if (!words.isConnected) return;
    const left = HELD_MS - ageOf(words);
    if (left > 0) setTimeout(later, left);
    else words.remove();
  };
  setTimeout(later, Math.max(0, HELD_MS - ageOf(words)));
}

/** The words forgetWhenHeard takes away in time, so each gets one timer. */
const forgotten = new WeakSet();

/**
 * Empties the page's live regions of what they said before the running task. Emptied, a region
 * says nothing; kept, its words stay in the page, where a screen reader reading the page through
 * finds them: about a session that is over (another page of the tab signed in, see
 * followTheTabsSession), over the page drawn for the next one. What was said in the running task
 * stays: it has not been read out yet.
 */
export function clearAnnounced() {
  for (const id of ['announce-status', 'announce-alert']) {
    const region = document.getElementById(id);
    if (region && !announcedNow.has(region)) region.replaceChildren();
  }
}

/**
 * The live regions announce writes into: the page's, or, while a confirm dialog is open, the ones
 * inside the newest dialog. A modal dialog makes everything outside it inert, and a screen reader
 * reads nothing out of an inert part of the page, its live regions included (Chromium leaves them
 * out of the accessibility tree): a toast given while the dialog asks (a save of another page of
 * the tab that went through, a load that failed) was shown, but never read out. Regions inside the
 * dialog are read out as the page's are, at once, while the dialog is open; holding what is said
 * until it closes would say an error late, mixed with what the answer to the dialog brings.
 */
function liveRegions() {
  const dialog = [...openDialogs].at(-1);
  if (dialog) return dialog.regions;
  return {
    status: document.getElementById('announce-status'),
    alert: document.getElementById('announce-alert'),
  };
}

/**
 * Shows `message` in a page's error line, changed in place (a load that failed, and failed again at
 * the next try, then worked): the line is no live region, which would not be read out everywhere
 * (see announce); what it says is read out urgently through announce, once, when it says something
 * new. An empty `message` clears the line without a word.
 */
export function showError(line, message) {
  const text = message ? showHidden(message) : '';
  if (line.textContent === text) return;
  line.textContent = text;
  delete line.dataset.unsaid;
  if (!text) return;
  // a line in a hidden part of the page (a tab not shown, whose data is kept current) would
  // interrupt what the user is on with an error of a part they do not see: it is said once that
  // part is shown (sayShownErrors)
  if (line.closest('[hidden]')) line.dataset.unsaid = 'true';
  else announce(text, { urgent: true });
}

/**
 * Reads out what showError put on the lines of `root` while it was hidden, now that it is shown.
 */
export function sayShownErrors(root) {
  for (const line of root.querySelectorAll('[data-unsaid]')) {
    delete line.dataset.unsaid;
    if (line.textContent) announce(line.textContent, { urgent: true });
  }
}

/**
 * A notice just put on the page that does not take the focus: its text is announced (see
 * announce), errors (class notice-bad) urgently. The notice itself is no live region.
 */
export function announceNotice(notice) {
  announce(notice.textContent, { urgent: notice.classList.contains('notice-bad') });
  return notice;
}

/** How long a toast stays shown. */
const TOAST_MS = 6000;
/** How many toasts are shown at once: a later one waits until one of them has had its time. */
const TOASTS_SHOWN = 3;
/**
 * How many toasts may wait to be shown: past that, the oldest informational one waiting goes
 * unshown (an error never goes for an outcome). When only errors wait, none goes unsaid: the
 * newest ones are folded into the last one waiting, which says how many more errors there were
 * and quotes the first distinct ones and the latest (foldNewestErrors). The oldest are kept whole:
 * a burst of failures often begins with its cause (etcd away), and the latest says what it is like
 * now.
 */
const TOASTS_WAITING = 10;
/**
 * How many distinct texts the toast folding the newest errors quotes: the first ones, and the
 * latest.
 */
const FOLDED_QUOTED = 3;
/**
 * The toasts waiting for room, oldest first, as {text, kind}, and `folded` (how many errors it
 * stands for) and `quoted` (the distinct texts it quotes, the latest last) on the one that folds
 * the newest errors.
 */
const waitingToasts = [];

/**
 * Shows a short status message as a toast: one line, with any hidden character in what it quotes
 * (a name, the server's message) as an escape. It is read out as it is shown, through announce: an
 * error (`kind` 'error') urgently, which interrupts what is being read, the others politely; each
 * toast once. The toasts' own stacks are no live regions: an error toast's assertive region and
 * announce's, written at the same moment, interrupted each other (see announce), and inside a
 * confirm dialog neither would be read out. Each toast stays for its time, stacked under the ones
 * before, so a later one never replaces an earlier one before it was read (or read out); past
 * TOASTS_SHOWN, it waits for room. The same words again are not stacked: while shown, it goes and
 * is added anew as the newest, so it is read out again for the new event; while waiting (on its
 * own, or quoted by the toast folding the newest errors), it is said once, when shown.
 */
export function toast(message, kind = 'info') {
  const stack = document.getElementById('toast');
  if (!stack) return;
  const text = showHidden(message);
  const shown = [...stack.querySelectorAll('.toast-item')]
    .find((item) => item.textContent === text);
  if (shown) {
    // the same words for another event (a second click that failed as the first): not stacked, but
    // said again, as a new line in the region (the line kept would not be read out again), the
    // newest, for its time from now
    clearTimeout(toastTimers.get(shown));
    shown.remove();
    givenNow(showToast(stack, text, kind));
    return;
  }
  // an error the toast folding the newest ones quotes already is waiting too: counted again, it
  // was named the latest, and a first text quoted (often the burst's cause) lost its place for it
  if (waitingToasts.some((waiting) => waiting.text === text || waiting.quoted?.includes(text))) {
    return;
  }
  waitingToasts.push(givenNow({ text, kind }));
  if (waitingToasts.length > TOASTS_WAITING) {
    const informational = waitingToasts.findIndex((waiting) => waiting.kind !== 'error');
    if (informational >= 0) waitingToasts.splice(informational, 1);
    else foldNewestErrors();
  }
  showWaitingToasts(stack);
}

/**
 * Only errors wait, one more than may: the newest and the one before it (which may fold errors
 * already) become one toast, which counts them and quotes, of their distinct texts, the first ones
 * and the newest (see TOASTS_WAITING, FOLDED_QUOTED). It used to quote the newest only: the
 * errors folded before it, other failures, went unsaid.
 */
function foldNewestErrors() {
  const newest = waitingToasts.pop();
  const before = waitingToasts.pop();
  const folded = (before.folded || 1) + 1;
  const quoted = (before.quoted || [before.text]).filter((text) => text !== newest.text);
  // the first ones stay: what a burst began with often says why; the newest, what it is like now
  quoted.splice(FOLDED_QUOTED - 1, Infinity, newest.text);
  const earlier = quoted.slice(0, -1).map(sentence).join(' ');
  const text = !earlier
    ? `And ${folded} more errors; the latest: ${newest.text}`
    : `And ${folded} more errors${folded > quoted.length ? ', among them' : ''}: ${earlier}`
      + ` The latest: ${newest.text}`;
  // given in the running task, as the newest it folds, which toast has just given (see clearToasts)
  waitingToasts.push(givenNow({ text, kind: 'error', folded, quoted }));
}

/** `text` ending as a sentence does, so the next one quoted after it reads apart from it. */
function sentence(text) {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

/** Shows the toasts waiting, oldest first, as far as there is room. */
function showWaitingToasts(stack) {
  while (waitingToasts.length && stack.querySelectorAll('.toast-item').length < TOASTS_SHOWN) {
    const waiting = waitingToasts.shift();
    const item = showToast(stack, waiting.text, waiting.kind);
    if (toastsGivenNow.has(waiting)) givenNow(item);
  }
}

/** Adds a toast to its stack for TOAST_MS, and reads it out (see toast); returns its item. */
function showToast(stack, text, kind) {
  const region = stack.querySelector(kind === 'error' ? '#toast-alert' : '#toast-status');
  const item = h('p', { class: `toast-item toast-${kind}`, text });
  // the regions' toasts stack as one (css .toast-stack): in the order given, so an error given
  // before an outcome is not shown under it, as if it were the newer
  item.style.order = String(++toastsGiven);
  region.append(item);
  keepToast(stack, item);
  announce(text, { urgent: kind === 'error' });
  return item;
}

/** Shows `item` for TOAST_MS from now, then makes room for the next toast waiting. */
function keepToast(stack, item) {
  clearTimeout(toastTimers.get(item));
  toastTimers.set(item, setTimeout(() => {
    item.remove();
    showWaitingToasts(stack);
  }, TOAST_MS));
}

/** How many toasts were shown so far: the place in the stack of the next one. */
let toastsGiven = 0;

/** When each toast shown goes. */
const toastTimers = new WeakMap();

/**
 * The toasts given in the running task: their items shown, and their entries waiting (see
 * clearToasts).
 */
const toastsGivenNow = new Set();

/** Notes `toast` (an item shown, or an entry waiting) as given in the running task; returns it. */
function givenNow(toast) {
  if (!toastsGivenNow.size) setTimeout(() => toastsGivenNow.clear());
  toastsGivenNow.add(toast);
  return toast;
}

/**
 * Takes away the toasts shown and those waiting, leaving their stacks in place: they tell of a
 * session that ended (signOut), or of one the page is drawn anew after (another page of the tab
 * signed in), and one waiting would be shown, and read out, over the sign-in form or the next
 * session's page. Not the toasts given in the running task, though: they tell what the user did
 * last, which went through in the very task that found the session changed (a rollback's answer,
 * whose page then re-reads the rules and finds the tab signed in elsewhere), and no later page
 * tells it; taken away at once, such a toast was never seen.
 */
export function clearToasts() {
  const kept = waitingToasts.filter((waiting) => toastsGivenNow.has(waiting));
  waitingToasts.splice(0, waitingToasts.length, ...kept);
  for (const item of document.querySelectorAll('#toast .toast-item')) {
    if (toastsGivenNow.has(item)) continue;
    clearTimeout(toastTimers.get(item));
    item.remove();
  }
  const stack = document.getElementById('toast');
  if (stack) showWaitingToasts(stack);
}

/** The confirm dialogs open now (see closeDialogs). */
const openDialogs = new Set();

/**
 * How many confirm dialogs were opened so far: each one's title gets an id of its own, which its
 * aria-labelledby names. With one id for all, a dialog opened while another was in the page was
 * named by the other's title.
 */
let dialogsOpened = 0;

/**
 * Asks for confirmation in a modal <dialog> (keyboard-accessible: Esc cancels, focus stays
 * inside). Resolves to true when confirmed. The title and each message are one line each, shown
 * with hidden characters as escapes: they name services, authors and revisions.
 *
 * It asks about the page as it is drawn: when the page is drawn anew (another session or role of
 * the tab, the sign-in form) or left, closeDialogs answers no for it, since its yes would act on a
 * page it did not ask about (a sign-out's, on the session of another page's sign-in).
 */
export function confirmDialog({ title, message, confirmLabel, danger = false, extra = null }) {
  return new Promise((resolve) => {
    const titleId = `dialog-title-${++dialogsOpened}`;
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId });
    const cancel = h('button', {
      type: 'button',
      class: 'btn',
      'data-test': 'cancel',
      text: 'Cancel',
    });
    const ok = h('button', {
      type: 'button',
      class: danger ? 'btn btn-danger' : 'btn btn-primary',
      'data-test': 'confirm',
      text: confirmLabel,
    });
    fill(
      dialog,
      h('h2', { id: titleId, text: showHidden(title) }),
      (Array.isArray(message) ? message : [message]).map((m) => h('p', { text: showHidden(m) })),
      extra,
      h('div', { class: 'actions' }, cancel, ok),
    );
    // the dialog's own live regions (see liveRegions), there before anything is written into them
    const regions = {
      status: h('div', {
        class: 'sr-only',
        role: 'status',
        'aria-live': 'polite',
        'aria-atomic': 'true',
        'data-test': 'dialog-announce-status',
      }),
      alert: h('div', {
        class: 'sr-only',
        'aria-live': 'assertive',
        'aria-atomic': 'true',
        'data-test': 'dialog-announce-alert',
      }),
    };
    dialog.append(regions.status, regions.alert);
    const open = { cancel: () => done(false), regions };
    const done = (answer) => {
      if (!openDialogs.delete(open)) return;
      const unsaid = unsaidIn(regions);
      dialog.close();
      dialog.remove();
      // said in the dialog in this very task (an error toast as the page closes it): not read out
      // yet, and gone with it; said again where the page reads it out now
      for (const { text, urgent } of unsaid) announce(text, { urgent });
      resolve(answer);
    };
    openDialogs.add(open);
    cancel.addEventListener('click', () => done(false));
    ok.addEventListener('click', () => done(true));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/**
 * What was said in a dialog's live `regions` in the running task, errors first: no screen reader
 * has read it out yet (see announce), and the dialog closing takes it away.
 */
function unsaidIn(regions) {
  return [regions.alert, regions.status]
    .filter((region) => announcedNow.has(region))
    .flatMap((region) => [...region.children].map((said) => ({
      text: said.textContent,
      urgent: region === regions.alert,
    })));
}

/**
 * Answers no to, and closes, every open confirm dialog: the page they asked about is being closed
 * (see confirmDialog).
 */
export function closeDialogs() {
  for (const open of [...openDialogs]) open.cancel();
}
