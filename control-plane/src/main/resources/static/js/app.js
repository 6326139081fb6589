// Entry point: sign-in, the signed-in user's role, the live event stream and the routes
// (#/ for the overview, #/service/{name}/{tab} for a service).

import {
  ApiError, EventStream, call, closeDrawn, drawFor, draftOwner, onClosedPageCall, onSessionChanged,
  onUnauthorized, session,
} from './api.js';
import {
  announce, clearAnnounced, clearToasts, closeDialogs, confirmDialog, fill, h, setText, tickTimes,
  toast,
} from './dom.js';
import { showHidden } from './json-text.js';
import { OverviewPage } from './overview.js';
import { ServicePage } from './service.js';

const main = document.getElementById('main');
const state = {
  role: null,
  name: null,
  page: null,
  stream: null,
  listeners: new Set(),
  hash: '',
  asking: false,
  liveMode: 'connecting',
  stale: null,
  // the event stream dropped or stopped since it last connected (see fromStream)
  missedEvents: false,
  healthTimer: null,
  liveWhenHidden: false,
  token: null,
  hides: 0,
  drawnFor: null,
  resuming: 0,
  owner: null,
  drawnOwner: null,
};

/** What views get: the user's role and a way to hear live events. */
const context = {
  get canWrite() {
    return state.role === 'writer' || state.role === 'admin';
  },
  get role() {
    return state.role;
  },
  /** Whose kept drafts the page offers back: the session it was drawn for (see draftOwner). */
  get draftOwner() {
    return state.drawnOwner;
  },
  subscribe(listener) {
    state.listeners.add(listener);
    return () => state.listeners.delete(listener);
  },
};

onUnauthorized(() => {
  // Only once signed in, or reading without a token: during sign-in the form itself reports a
  // refused token.
  if (!state.role) return;
  if (state.token && !session.token()) {
    // Refused without a token because another page of this tab signed out: the tab's session
    // ended, not reading without a token. The page follows it (its unsaved edits kept).
    followTheTabsSession();
    return;
  }
  if (session.token()) {
    // The token was revoked or rotated under the user: unsaved edits wait for the next sign-in.
    const edits = keepUnsavedEdits('your session ended');
    const saved = savedNote();
    signOut('Your session ended: the token is no longer accepted.', edits || saved
      ? ['Your session ended: the token is no longer accepted.', saved, edits && keptNote(edits)]
        .filter(Boolean).join(' ')
      : null);
    return;
  }
  // Read-only without a token, and the control plane wants one now (restarted with open reads
  // off): asking again cannot help, a token can.
  signOut('Reading without a token is no longer allowed.',
    'The control plane no longer answers reads without a token: sign in with your access token.');
});

// The event stream found the tab signed out, or in with another token, in another page of this tab
// (reading without a token too): the page follows, as one back from the back-forward cache does.
// A call it did not send for that (`label`: what the user asked for) is said to be not sent.
onSessionChanged((label) => {
  if (state.role) followTheTabsSession(label);
});

// A page closed under the user may stay shown while the next one asks who the tab's token is: what
// is asked there is not sent (it would act for a session the page was not drawn for), and is said
// to be not sent.
onClosedPageCall((label) => {
  if (!label) return;
  toast(state.role || !session.token()
    ? `${label} was not sent: the page it was asked on is closed.`
    : `${label} was not sent: this page is being drawn anew for the sign-in in another page of this`
      + ` tab.`, 'error');
});

/**
 * Keeps the rules editor's unsaved edits in this tab, as a draft offered back to the next page of
 * their service drawn for a writer, before the page is closed under the user (the session ended, or
 * it is drawn anew for another role or session); `why` ends "from before ..." where it is offered.
 */
function keepUnsavedEdits(why) {
  const draft = state.page && state.page.unsavedDraft ? state.page.unsavedDraft() : null;
  if (!draft) return null;
  // kept for the session the page was drawn for: a later whoami may have answered for another
  return {
    service: draft.service,
    owner: state.drawnOwner,
    kept: session.keepDraft(state.drawnOwner, { ...draft, why }),
  };
}

/** What became of the edits `keepUnsavedEdits` was given, for the sign-in form or a toast. */
function keptNote({ service, kept }) {
  return kept
    ? `Your unsaved edits to the rules of ${service} are kept in this tab: sign in again to get`
      + ` them back.`
    : `Your unsaved edits to the rules of ${service} could not be kept: this tab's storage is full.`
      + ` They are lost.`;
}

/**
 * What became of the edits `keepUnsavedEdits` was given when the page is drawn anew for another
 * user's sign-in, or none yet (their own page of the service says so itself: see pageTellsOf).
 */
function keptForNote({ service, kept }) {
  return kept
    ? `Your unsaved edits to the rules of ${service} are kept in this tab as a draft: they come`
      + ` back in the editor when you sign in again with a token that may write.`
    : keptNote({ service, kept });
}

/**
 * Whether the page drawn says itself what became of `edits` kept as a draft: their owner's page of
 * their service, whose editor gives them back (a writer's) or says that they are kept (a reader's).
 */
function pageTellsOf(edits) {
  return Boolean(edits
    && edits.kept
    && state.page instanceof ServicePage
    && state.page.service === edits.service
    && state.drawnOwner === edits.owner);
}

/**
 * Says, once the page is drawn anew for the tab's session (followTheTabsSession), what became of
 * what its user asked for (`told`: a request not sent, a save that went through) and of the edits
 * kept, in one toast; not the edits where the page drawn says it itself.
 */
function tellFollowed({ edits, told, error }) {
  const tells = pageTellsOf(edits);
  if (told) {
    toast([told, edits && !tells && keptForNote(edits)].filter(Boolean).join(' '),
      error ? 'error' : 'ok');
  } else if (!tells) {
    tellIfLost(edits);
  }
}

/**
 * What became of a save of the page's editor that went through and was being read back as the page
 * closes (it says so on no page of its own then); null without one.
 */
function savedNote() {
  const saved = state.page && state.page.savedMeanwhile ? state.page.savedMeanwhile() : null;
  if (!saved) return null;
  return saved.unchanged
    ? `Your save of the rules of ${saved.service} went through, and wrote nothing: they are the`
      + ` same rules as revision ${saved.revision}.`
    : `Your save of the rules of ${saved.service} went through: it is revision ${saved.revision}.`;
}

/** Says so when the edits of a page drawn anew could not be kept (`keepUnsavedEdits`). */
function tellIfLost(edits) {
  if (edits && !edits.kept) toast(keptNote(edits), 'error');
}

document.getElementById('sign-out').addEventListener('click', async () => {
  // Whose drafts go, and whether, as the page was when clicked. Should the page be drawn anew (for
  // another session or role of the tab) while the user answers whether to leave its edits, the
  // dialog closes as a no: its yes would sign out a session it did not ask about (another page's
  // sign-in), and drop the edits just kept as their owner's draft.
  const owner = state.drawnOwner;
  const keep = state.page && state.page.showsKeptDraft && state.page.showsKeptDraft();
  if (!(await mayLeave())) return;
  // A sign-out forgets the drafts of its own session, but not those a reader's page says are kept
  // for a sign-in that may write (the user's drafts of other services were said to be kept when
  // they were: they stay with them). Other sessions' drafts are no business of this one: they wait
  // for their own sign-in (reading without a token, the button says "Sign in", and that sign-in is
  // what a draft kept when a session ended waits for).
  if (!keep && owner) session.dropDrafts(owner);
  signOut('Signed out.');
});
window.addEventListener('hashchange', route);
// "Skip to content" moves the focus only: followed as a link, its #main would be read as a page
// address (the overview, leaving a service page and asking about unsaved edits).
document.querySelector('.skip-link')?.addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});
// A page left for another is kept in the browser's back-forward cache, fetches and all: an event
// stream left open there holds one of the few connections (six under HTTP/1.1) the browser opens
// to the control plane, and after a few such visits every request of the tab waits for one. The
// stream closes as the page goes, and a page restored from the cache opens a new one, whose
// 'reconnected' has the pages re-read what changed while they were away.
window.addEventListener('pagehide', () => {
  // a page left while it still asks who it is (resume) finishes when it is shown again
  state.liveWhenHidden = Boolean(state.stream) || state.resuming > 0;
  state.hides++;
  stopLive();
});
window.addEventListener('pageshow', (event) => {
  const wasLive = state.liveWhenHidden;
  state.liveWhenHidden = false;
  if (event.persisted && wasLive && state.role) resume();
});
// A reload or closing the tab: the browser asks (it shows its own text, not ours).
window.addEventListener('beforeunload', (event) => {
  if (hasUnsavedEdits()) {
    event.preventDefault();
    event.returnValue = '';
  }
});

/** A start whose whoami got no answer tries again, after 1 s, then twice as long up to 10 s. */
const startRetry = { timer: null, delay: 0 };
const START_RETRY_MS = 1000;
const START_RETRY_MAX_MS = 10000;

start();

/**
 * Draws the page for the tab's session. `followed`: the page before followed the tab's session
 * (followTheTabsSession) with {edits, told, error}, which are told of once it is known who the
 * token is, in one message (see tellFollowed; on the sign-in form for a refused token).
 */
async function start(followed = null) {
  clearTimeout(startRetry.timer);
  const edits = followed ? followed.edits : null;
  const token = session.token();
  if (!token) {
    showSignIn();
    return;
  }
  try {
    await identify();
    startRetry.delay = 0;
    enterApp();
    if (followed) tellFollowed(followed);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      session.signOut();
      // the form's note says all, read out once from there
      showSignIn(
        [followed && followed.told, 'That token was not accepted.', edits && keptNote(edits)]
          .filter(Boolean).join(' '),
        { urgent: true });
      return;
    }
    // the form says why no page is drawn; the toast what became of the page before's
    if (followed) tellFollowed(followed);
    // No answer about the token (the control plane restarting, away, overloaded): that says nothing
    // against it, so it stays, and the page asks again until the control plane answers. The form
    // stays usable meanwhile: a token given there replaces this one.
    const again = startRetry.delay > 0;
    startRetry.delay = Math.min(Math.max(startRetry.delay * 2, START_RETRY_MS), START_RETRY_MAX_MS);
    const retrying = `Could not ask the control plane about your sign-in (${e.message}). Trying`
      + ` again in ${startRetry.delay / 1000} s; your sign-in is kept.`;
    const shown = document.getElementById('sign-in-error');
    if (again && shown && document.getElementById('token')) {
      // the form is up from the try before: only its message changes, so a token being typed there
      // stays, and the same failure is not read out again at every try
      setText(shown, showHidden(retrying));
    } else {
      showSignIn(retrying, { urgent: true });
    }
    startRetry.timer = setTimeout(() => {
      if (!state.role && session.token() === token) start();
    }, startRetry.delay);
  }
}

/**
 * The sign-in form, with `message` (if any) above its button, also read out: `urgent` for a refusal
 * or a failure, politely for how a session ended.
 */
function showSignIn(message, { urgent = false } = {}) {
  stopLive();
  document.getElementById('sign-out').hidden = true;
  document.getElementById('live').hidden = true;
  setText(document.getElementById('who'), '');
  fill(document.getElementById('crumbs'));
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    spellcheck: 'false',
    'aria-describedby': 'token-help',
  });
  releaseMain();
  // no live region: inserted with its text, it would not be read out everywhere (see announce)
  const error = h('p', { id: 'sign-in-error', class: 'form-error' }, showHidden(message || ''));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', text: 'Sign in' });
  const anonymous = h('button', {
    type: 'button', class: 'btn', hidden: true, 'data-test': 'read-without-token',
    text: 'Continue read-only without a token',
  });
  anonymous.addEventListener('click', () => {
    // a token kept while the control plane did not answer about it (start) is given up for this
    clearTimeout(startRetry.timer);
    if (session.token()) session.signOut();
    state.role = 'reader';
    state.name = null;
    state.owner = draftOwner(null);
    // the session is without a token: one refused before (start, the form) is none of the page's,
    // and a page back from the cache compares the tab's token with this one
    state.token = null;
    drawFor(null);
    enterApp();
    if (!location.hash || location.hash === '#') location.hash = '#/';
  });
  // With sluice.security.open-reads=true the API answers reads without a token.
  call('GET', 'api/v1/services', { token: null }).then(() => {
    anonymous.hidden = false;
  }, () => {});
  const form = h(
    'form',
    { class: 'sign-in card', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title', text: 'Sign in to the Sluice control plane' }),
    h('label', { for: 'token', text: 'Access token' }),
    input,
    h('p', {
      id: 'token-help',
      class: 'hint',
      text:
        'Paste the bearer token you were given (sluice.security.tokens.<name>.token) or, on a'
          + ' control plane started without configured tokens, the admin token it logged at start'
          + ' ("generated an admin token for this run only"). It is kept in this browser tab only'
          + ' and forgotten when you sign out or close the tab.',
    }),
    error,
    h('div', { class: 'actions' }, anonymous, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    submit.disabled = true;
    setText(error, '');
    try {
      session.signIn(token);
      await identify();
      enterApp();
      if (!location.hash || location.hash === '#') location.hash = '#/';
    } catch (e) {
      session.signOut();
      const refusal = e instanceof ApiError && e.status === 401
        ? 'That token was not accepted.'
        : e.message;
      setText(error, refusal);
      announce(refusal, { urgent: true });
      submit.disabled = false;
      input.focus();
    }
  });
  fill(main, form);
  if (message) announce(message, { urgent });
  input.focus();
}

/**
 * A page back from the back-forward cache: the session may have changed while it was away. Another
 * page of this tab shares the token (sessionStorage): signed out there, or in with another token,
 * the page starts over from that; the same token may have been revoked or rotated, or its role
 * changed, so it is asked about again before the event stream reopens.
 */
async function resume() {
  if (session.token() !== state.token) {
    followTheTabsSession();
    return;
  }
  const hides = state.hides;
  state.resuming++;
  try {
    await identify();
  } catch (e) {
    // a token no longer accepted has signed the page out (onUnauthorized); with no answer at all
    // the event stream keeps trying, and says so
    if (!state.role || (e instanceof ApiError && e.status === 401)) return;
  } finally {
    state.resuming--;
  }
  // Left again while asking: shown again, the page asks anew (pagehide saw this ask under way).
  if (state.hides !== hides) return;
  // Compared with what the page shows, not with the role before this ask: an ask answered while
  // the page was away again has changed the role without drawing it.
  if (`${state.role} ${state.name}` === state.drawnFor) {
    startLive();
  } else {
    // drawn anew for the new role: unsaved edits are offered back (to a writer) as a kept draft
    tellIfLost(keepUnsavedEdits('your role changed'));
    closePage();
    enterApp();
  }
}

/**
 * The tab's token is no longer the page's: another page of this tab signed out, or in (with another
 * token, or from reading without one). The page starts over from the tab's session: the sign-in
 * form, or drawn anew for whoever the token belongs to. `unsent` names what the user asked for that
 * was not sent for that (a save: "Your save of ..."), or is null.
 */
function followTheTabsSession(unsent = null) {
  // unsaved edits wait for the next sign-in, as when a token stops being accepted
  const edits = keepUnsavedEdits(session.token()
    ? 'the sign-in in another page of this tab'
    : 'your session ended');
  // a save that went through as the page closes: its edits are no unsaved edits, nor kept
  const saved = savedNote();
  if (!session.token()) {
    const why = unsent
      ? `${unsent} was not sent: this tab was signed out in another page meanwhile.`
      : 'Signed out in another page of this tab.';
    signOut('Signed out in another page of this tab.', edits || unsent || saved
      ? [why, saved, edits && keptNote(edits)].filter(Boolean).join(' ')
      : null);
    return;
  }
  // told once the page is drawn anew for the other sign-in (or refused), as that page tells what
  // it tells itself
  const told = [
    unsent && `${unsent} was not sent: this tab was signed in again in another page meanwhile.`,
    saved,
  ].filter(Boolean).join(' ');
  stopLive();
  state.role = null;
  closePage();
  // the closed session's toasts, shown or waiting, would stay over the page drawn for the next one
  // (those waiting shown, and read out, there), as over the sign-in form (signOut); what this page
  // has to say of itself is told once the next one is drawn (tellFollowed); so would the words
  // its notices left in the live regions, which the next page may never replace
  clearToasts();
  clearAnnounced();
  // the closed page stays shown until whoami answers: its sign-out would sign out the tab's new
  // session, not the one it was drawn for, and drop the draft just kept for it (enterApp shows it)
  document.getElementById('sign-out').hidden = true;
  start({ edits, told: told || null, error: Boolean(unsent) });
}

/**
 * Ends the session, saying so in the toast `message` (it goes after a few seconds), or in `note`,
 * which stays on the sign-in form and is read out from there: then the toast, read out too, would
 * say the same again.
 */
function signOut(message, note = null) {
  session.signOut();
  state.role = null;
  state.name = null;
  state.token = null;
  state.owner = null;
  state.drawnOwner = null;
  closePage();
  // the closed session's toasts, shown or waiting, would stay over the form (the ones waiting
  // shown and read out there, about a page that is gone, before the sign-out's own)
  clearToasts();
  showSignIn(note);
  if (!note) toast(message);
}

/** Finds out who the token belongs to and what it may do, from the control plane's whoami. */
async function identify() {
  state.token = session.token();
  // the page shown (if any) is not drawn for this token yet: enterApp draws one for it
  const me = (await call('GET', 'api/v1/whoami', { token: state.token })).body || {};
  state.name = me.name && me.name !== 'anonymous' ? me.name : null;
  state.role = ['reader', 'writer', 'admin'].includes(me.role) ? me.role : 'reader';
  state.owner = draftOwner(state.token, typeof me.name === 'string' ? me.name : null);
}

function enterApp() {
  drawFor(state.token);
  releaseMain();
  state.drawnFor = `${state.role} ${state.name}`;
  state.drawnOwner = state.owner;
  const signOutButton = document.getElementById('sign-out');
  signOutButton.hidden = false;
  setText(signOutButton, session.token() ? 'Sign out' : 'Sign in');
  const who = document.getElementById('who');
  fill(
    who,
    state.name ? h('span', { class: 'who-name', text: showHidden(state.name) }) : null,
    h('span', { class: `role role-${state.role}`, 'data-test': 'role', text: state.role }),
  );
  startLive();
  route();
}

function startLive() {
  closeLive(); // not through 'stopped': the status region says only 'Connecting…'
  const live = document.getElementById('live');
  live.hidden = false;
  setLive('connecting');
  // agent events without the agent's status: the pages re-read what they show, and a large
  // fleet's statuses would be megabytes a minute to every page open
  state.stream =
    new EventStream('api/v1/events?agentStatus=false', fromStream, setLive, state.token);
  state.stream.start();
  // The event stream stays open while etcd is away: the control plane's health says whether
  // what it serves is current. Relative times ("just now") age without new data.
  checkHealth();
  state.healthTimer = setInterval(() => {
    checkHealth();
    tickTimes();
  }, HEALTH_EVERY_MS);
}

const HEALTH_EVERY_MS = 5000;

/**
 * Hands on an event of the stream; its 'reconnected', which comes with every connection, says
 * whether events may have been missed before it (`afterOutage`: the stream dropped, or was stopped
 * and started again), for what only a re-read then finds (history that grew without moving a
 * revision), not on the page's first connection.
 */
function fromStream(event) {
  if (event.event === 'reconnected') {
    const afterOutage = state.missedEvents;
    state.missedEvents = false;
    fanOut({ event: 'reconnected', data: { afterOutage } });
    return;
  }
  fanOut(event);
}

/** Hands a live event to every page listening; one that fails does not stop the others. */
function fanOut(event) {
  for (const listener of [...state.listeners]) {
    try {
      listener(event);
    } catch (e) {
      console.error('live update failed', e);
    }
  }
}

function setLive(mode) {
  if (mode === 'reconnecting') state.missedEvents = true;
  state.liveMode = mode;
  renderLive();
}

function renderLive() {
  const live = document.getElementById('live');
  const mode = state.liveMode;
  const stale = mode === 'live' && state.stale;
  live.dataset.state = stale ? 'stale' : mode;
  live.title = stale ? `${state.stale.why}: what this page shows may be out of date.` : '';
  const text = {
    live: 'Live',
    connecting: 'Connecting…',
    reconnecting: 'Reconnecting…',
    stopped: 'Not live',
  };
  setText(live, stale ? `Stale: ${state.stale.short}` : text[mode]);
}

/**
 * Reads /actuator/health (open to all): etcd unreachable or its mirrors out of sync make the page
 * stale.
 */
async function checkHealth() {
  let stale = null;
  try {
    const r = await fetch('actuator/health', {
      cache: 'no-store',
      headers: { Accept: 'application/json' },
    });
    const body = await r.json();
    const components = body.components || {};
    const status = (name) => (components[name] ? components[name].status : 'UP');
    if (status('etcd') !== 'UP') {
      stale = { short: 'etcd unreachable', why: 'The control plane cannot reach etcd' };
    } else if (status('watches') !== 'UP') {
      stale = { short: 'etcd out of sync', why: 'The control plane is catching up with etcd' };
    } else if (body.status && body.status !== 'UP') {
      stale = { short: 'control plane unhealthy', why: 'The control plane reports a problem' };
    }
  } catch (e) {
    // no answer (or not the actuator's, behind a proxy): the event stream's state tells the rest
    stale = null;
  }
  if (!state.healthTimer) return;
  const recovered = state.stale && !stale;
  state.stale = stale;
  renderLive();
  // What failed to load while etcd was away can be read now: the pages re-read as after a
  // reconnect.
  if (recovered) fanOut({ event: 'reconnected', data: { afterOutage: true } });
}

function stopLive() {
  closeLive();
  // a page hidden (pagehide) hears no events until shown again: it does not say it is live
  setLive('stopped');
}

/** Closes the event stream and stops the health checks. */
function closeLive() {
  if (state.stream) {
    state.stream.stop();
    state.missedEvents = true;
  }
  state.stream = null;
  clearInterval(state.healthTimer);
  state.healthTimer = null;
  state.stale = null;
}

async function route() {
  if (!state.role) return;
  let parts;
  try {
    parts = (location.hash.replace(/^#\/?/, '') || '').split('/').map(decodeURIComponent);
  } catch {
    // a hand-typed address with a stray '%': the overview, not a page that stops drawing
    history.replaceState(null, '', '#/');
    parts = [''];
  }
  const service = parts[0] === 'service' && parts[1] ? parts[1] : null;
  const staying =
    service !== null && state.page instanceof ServicePage && state.page.service === service;
  if (!staying && hasUnsavedEdits()) {
    // The address has changed already: put it back while asking, and again if the answer is no.
    const wanted = location.hash;
    history.replaceState(null, '', state.hash || '#/');
    if (state.asking || !(await mayLeave())) return;
    history.replaceState(null, '', wanted);
  }
  state.hash = location.hash;
  const crumbs = document.getElementById('crumbs');
  if (service !== null) {
    const tab = parts[2] || 'rules';
    if (staying) {
      state.page.showTab(tab);
      return;
    }
    closePage();
    drawFor(state.token);
    releaseMain();
    fill(crumbs,
      h('a', { href: '#/', text: 'Services' }),
      h('span', { class: 'sep', 'aria-hidden': 'true', text: '/' }),
      h('span', { 'aria-current': 'page', text: showHidden(service) }));
    state.page = new ServicePage(main, service, tab, context);
  } else {
    closePage();
    drawFor(state.token);
    releaseMain();
    fill(crumbs, h('span', { 'aria-current': 'page', text: 'Services' }));
    state.page = new OverviewPage(main, context);
  }
  main.focus({ preventScroll: true });
}

function hasUnsavedEdits() {
  return Boolean(state.page && state.page.hasUnsavedEdits && state.page.hasUnsavedEdits());
}

/**
 * Whether the current page may go: asks first when it holds edits that are not saved. The dialog
 * closes (a no) when the page is drawn anew meanwhile (confirmDialog).
 */
async function mayLeave() {
  if (!hasUnsavedEdits()) return true;
  state.asking = true;
  try {
    return await confirmDialog({
      title: 'Leave without saving?',
      message: `Your edits to the rules of ${state.page.service} are not saved. Leaving this page`
        + ` throws them away.`,
      confirmLabel: 'Leave and discard edits',
      danger: true,
    });
  } finally {
    state.asking = false;
  }
}

/**
 * Closes the page drawn, and the confirm dialogs that asked about it: it sends no more calls, until
 * the next page is drawn (drawFor).
 */
function closePage() {
  closeDrawn();
  holdMain();
  closeDialogs();
  if (state.page && state.page.close) state.page.close();
  state.page = null;
}

/**
 * A closed page may stay shown while the next one waits for who the tab's token is (whoami): its
 * content is made inert (nothing typed or clicked there, where it would be kept or sent for a
 * session the page is no longer drawn for) and marked busy, until the next page or the sign-in form
 * is drawn (releaseMain). So are the top bar's links to the services (the brand, the crumbs): part
 * of the closed page, a click there would be followed only once the next page is drawn.
 */
function holdMain() {
  main.inert = true;
  main.setAttribute('aria-busy', 'true');
  for (const link of pageLinks()) link.inert = true;
}

/** Makes the page's content live again: the next page, or the sign-in form, is drawn in it. */
function releaseMain() {
  main.inert = false;
  main.removeAttribute('aria-busy');
  for (const link of pageLinks()) link.inert = false;
}

/** The top bar's navigation of the page drawn: the brand and the crumbs. */
function pageLinks() {
  return [document.querySelector('.topbar .brand'), document.getElementById('crumbs')]
    .filter(Boolean);
}
