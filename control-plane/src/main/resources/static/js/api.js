// The control plane's REST API (see ARCHITECTURE.md) and its event stream, with the bearer
// token of the signed-in user. The token lives in sessionStorage only: closing the tab or
// signing out forgets it.

import { noteServerDate } from './dom.js';
import { pretty, showHidden } from './json-text.js';

const TOKEN_KEY = 'sluice.token';
const DRAFTS_KEY = 'sluice.drafts';
/** Where pages before drafts had owners kept them: one draft, or one per service. */
const OWNERLESS_DRAFTS_KEY = 'sluice.draft';
/** The comments typed for rollbacks that did not go through, by owner, then service. */
const ROLLBACK_COMMENTS_KEY = 'sluice.rollback-comments';

export const session = {
  token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  /** Keeps `token` for this tab; throws an Error saying so when the tab's storage is full. */
  signIn(token) {
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch (e) {
      if (!(e instanceof DOMException && e.name === 'QuotaExceededError')) throw e;
      throw new Error("This tab's storage is full, so the sign-in cannot be kept in it:"
        + ' open the control plane in a new tab.');
    }
  },
  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
  /**
   * Keeps the rules editor's unsaved edits ({service, base, text, comment, why}) in this tab when
   * the session ends under the user (a token revoked or rotated) or the page is drawn anew (another
   * role, another sign-in), for the next page of their service drawn for a writer of the same
   * `owner` (see {@link draftOwner}): whoever signs in next in this tab gets no one else's edits.
   * One draft per owner and service: keeping another service's edits leaves this one's kept,
   * however old it is. False when the tab's storage refused it (full: about 5 MB per site).
   */
  keepDraft(owner, draft) {
    const drafts = keptDrafts();
    const mine = drafts[owner] || (drafts[owner] = Object.create(null));
    mine[draft.service] = draft;
    if (storeDrafts(drafts)) return true;
    // not kept: an older draft of the same service must not come back in place of these edits
    delete mine[draft.service];
    storeDrafts(drafts);
    return false;
  },
  /** The kept edits of `service` for `owner`, once (they are forgotten as they are handed out). */
  takeDraft(owner, service) {
    const draft = this.peekDraft(owner, service);
    if (draft) {
      const drafts = keptDrafts();
      delete drafts[owner][service];
      storeDrafts(drafts);
    }
    return draft;
  },
  /**
   * The kept edits of `service` for `owner`, left kept (for a page that cannot take them: a
   * reader's).
   */
  peekDraft(owner, service) {
    const mine = keptDrafts()[owner];
    const draft = mine ? mine[service] : null;
    return draft
      && typeof draft === 'object'
      && draft.service === service
      && typeof draft.text === 'string'
      ? draft : null;
  },
  /**
   * A save that was under way when `owner`'s edits of `service` were kept as a draft succeeded:
   * it sent `sent` ({text, comment, baseRevision}) and stored `saved` ({revision, document}). A
   * draft of exactly what was saved holds no unsaved edits any more and goes; one typed on after
   * the save began (other text, another comment) stays, on top of what was saved, as the editor
   * would have kept it. A draft kept from another start (another base) is none of this save's.
   */
  settleDraft(owner, service, sent, saved) {
    const draft = this.peekDraft(owner, service);
    if (!draft || (draft.base?.revision ?? null) !== (sent.baseRevision ?? null)) return;
    const drafts = keptDrafts();
    // the saved comment is in history now; one typed after it is for the next save
    const comment = typeof draft.comment === 'string' && draft.comment.trim() !== sent.comment
      ? draft.comment
      : '';
    if (draft.text === sent.text && !comment.trim()) {
      delete drafts[owner][service];
    } else {
      const text = draft.text === sent.text ? pretty(saved.document) : draft.text;
      drafts[owner][service] = { ...draft, text, comment, base: saved };
    }
    storeDrafts(drafts);
  },
  /**
   * Forgets every draft `owner` kept, and the rollback comments they kept (their explicit
   * sign-out); other owners' stay kept.
   */
  dropDrafts(owner) {
    const drafts = keptDrafts();
    delete drafts[owner];
    storeDrafts(drafts);
    const comments = keptPerOwner(ROLLBACK_COMMENTS_KEY);
    delete comments[owner];
    storePerOwner(ROLLBACK_COMMENTS_KEY, comments);
  },
  /**
   * Keeps `comment`, typed by `owner` in a rollback dialog of `service` whose rollback did not go
   * through (refused, unanswered, or the dialog cancelled), for the next rollback dialog of the
   * service in this tab, whatever page draws it, as drafts are kept. A blank comment (the rollback
   * went through, or the user emptied it) forgets it. Not kept when the tab's storage is full.
   */
  keepRollbackComment(owner, service, comment) {
    const comments = keptPerOwner(ROLLBACK_COMMENTS_KEY);
    const mine = comments[owner] || (comments[owner] = Object.create(null));
    if (comment.trim()) mine[service] = comment;
    else delete mine[service];
    if (!storePerOwner(ROLLBACK_COMMENTS_KEY, comments)) {
      // not kept: an older comment must not come back in place of this one
      delete mine[service];
      storePerOwner(ROLLBACK_COMMENTS_KEY, comments);
    }
  },
  /** The rollback comment `owner` kept for `service` (see keepRollbackComment), else ''. */
  rollbackComment(owner, service) {
    const mine = keptPerOwner(ROLLBACK_COMMENTS_KEY)[owner];
    const comment = mine ? mine[service] : null;
    return typeof comment === 'string' ? comment : '';
  },
};

/**
 * Whose drafts a session keeps and gets back: the token's subject (its name in whoami), or, reading
 * without a token, the tokenless session, which is no one's sign-in. A token without a name (no
 * such token in this control plane) is of an unknown subject: its drafts are kept and offered back
 * only to tokens without one.
 */
export function draftOwner(token, name) {
  return token ? `token:${name ?? ''}` : 'no-token';
}

/**
 * The kept drafts by owner, then service, as objects without a prototype (a service may be named
 * "constructor"). What pages before owners kept (OWNERLESS_DRAFTS_KEY) has no owner to tell: it is
 * offered to no one, since whoever signs in now may not be who kept it, and goes with the next
 * draft stored.
 */
function keptDrafts() {
  return keptPerOwner(DRAFTS_KEY);
}

/** What `key` keeps by owner, then service, as objects without a prototype; none: empty. */
function keptPerOwner(key) {
  const byOwner = Object.create(null);
  let kept = null;
  try {
    kept = JSON.parse(sessionStorage.getItem(key));
  } catch {
    kept = null;
  }
  if (!isObject(kept)) return byOwner;
  for (const [owner, services] of Object.entries(kept)) {
    if (!isObject(services)) continue;
    byOwner[owner] = Object.create(null);
    for (const [service, value] of Object.entries(services)) byOwner[owner][service] = value;
  }
  return byOwner;
}

/** Stores `drafts` (none left: no key); false when the tab's storage is full. */
function storeDrafts(drafts) {
  sessionStorage.removeItem(OWNERLESS_DRAFTS_KEY);
  return storePerOwner(DRAFTS_KEY, drafts);
}

/**
 * Stores `byOwner` under `key` (nothing left: no key); false when the tab's storage is full, and
 * what `key` kept before stays as it was.
 */
function storePerOwner(key, byOwner) {
  for (const owner of Object.keys(byOwner)) {
    if (!Object.keys(byOwner[owner]).length) delete byOwner[owner];
  }
  try {
    if (Object.keys(byOwner).length) sessionStorage.setItem(key, JSON.stringify(byOwner));
    else sessionStorage.removeItem(key);
    return true;
  } catch (e) {
    // QuotaExceededError
    console.warn(`${key} not kept`, e);
    return false;
  }
}

function isObject(v) {
  return Boolean(v) && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A failed call, with the RFC 9457 problem document the server sent (if any). Its message is for
 * the page: the problem's detail with hidden characters as escapes (it may quote what was sent).
 */
export class ApiError extends Error {
  constructor(status, problem, headers) {
    super(problemText(status, problem));
    this.status = status;
    this.problem = problem || {};
    this.headers = headers;
  }

  /**
   * Every validation error of a 400, as {path, message} and, where the control plane placed it in
   * the text it was sent, its {line, column}.
   */
  validationErrors() {
    return problemErrors(this.problem);
  }

  /**
   * How many problems a 400 found: its problemCount, which counts those past the 1000 it lists
   * (the last listed one then counts the rest, and is no problem itself); else as many as it lists.
   */
  problemCount() {
    const count = this.problem.problemCount;
    return Number.isInteger(count) && count >= 0 ? count : this.validationErrors().length;
  }
}

function problemText(status, problem) {
  if (problem && (problem.detail || problem.title)) {
    return showHidden(problem.detail || problem.title);
  }
  switch (status) {
    case 400:
      return 'The control plane refused the request (HTTP 400).';
    case 401:
      return 'Your token was not accepted. Sign in again.';
    case 403:
      return 'Your token may not do this.';
    case 404:
      return 'Not found.';
    case 412:
      return 'Someone else changed this since you loaded it.';
    case 503:
      return 'The control plane cannot reach etcd right now.';
    default:
      return `The control plane answered HTTP ${status}.`;
  }
}

/** Errors listed in a problem document, whichever of the common shapes it uses. */
export function problemErrors(problem) {
  if (!problem) return [];
  const list = problem.errors || problem.invalidParams || problem['invalid-params'] || [];
  if (!Array.isArray(list)) return [];
  return list.map((e) => {
    if (typeof e === 'string') {
      const i = e.indexOf(': ');
      return i > 0 ? { path: e.slice(0, i), message: e.slice(i + 2) } : { path: '$', message: e };
    }
    const error = {
      path: e.path || e.pointer || e.name || '$',
      message: e.message || e.reason || e.detail || '',
    };
    // where in the text sent: at a member's name when the problem is about the name (a header
    // name, an attribute key, an unknown or repeated field), which its path alone cannot say
    if (Number.isInteger(e.line) && e.line >= 1 && Number.isInteger(e.column) && e.column >= 1) {
      error.line = e.line;
      error.column = e.column;
    }
    return error;
  });
}

let unauthorizedHandler = () => {};
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/**
 * The token of the session the page is drawn for (null: reading without one), which its calls
 * carry; undefined until a page is first drawn (then calls carry the tab's); CLOSED while no page
 * is drawn (see closeDrawn).
 */
let pageToken;

/** No page is drawn: the one before was closed, the next one is not drawn yet. */
const CLOSED = Symbol('closed');

/** The page is drawn (or being drawn) for the session of `token`; null: reading without one. */
export function drawFor(token) {
  pageToken = token;
}

/**
 * The page drawn is closed: until the next one is drawn (drawFor), the page calls of none are sent.
 * A closed page may stay shown while the next one waits for who the tab's token is (whoami): what
 * is asked there would be sent with the token of a session it was not drawn for, or none.
 */
export function closeDrawn() {
  pageToken = CLOSED;
}

let closedPageHandler = () => {};
/** `handler` hears that a call of a closed page (see closeDrawn) was not sent, with its `label`. */
export function onClosedPageCall(handler) {
  closedPageHandler = handler;
}

let sessionChangedHandler = () => {};
/**
 * `handler` hears that the event stream, or a call, found the tab's token other than the page's;
 * from a call not sent for it, with that call's `label` (see call), else with nothing.
 */
export function onSessionChanged(handler) {
  sessionChangedHandler = handler;
}

/**
 * Calls the API with the token of the session the page is drawn for (see drawFor), or `token`.
 * Resolves to {status, headers, body}; rejects with ApiError for any status >= 400 (and calls the
 * unauthorized handler on 401), and for a success whose body is not JSON. A call of the page's
 * session while the tab is signed in otherwise (another page of the tab signed out, or in) is not
 * sent, under either: the page was not drawn for the tab's session, and its token is no longer
 * the tab's. It rejects, and the session-changed handler has the page follow the tab's session, as
 * the event stream does; given the call's `label` (what the user asked for, as "Your save of
 * ..."), the page says that it was not sent. Nor is a call of a page closed (closeDrawn) before
 * the next one is drawn: the closed-page handler hears of it, with its `label`.
 */
export async function call(method, path, {
  body,
  headers = {},
  token = pageToken === undefined ? session.token() : pageToken,
  label = null,
} = {}) {
  if (token === CLOSED) {
    closedPageHandler(label);
    throw notSent('This page was closed: nothing more is sent from it.');
  }
  if (pageToken !== undefined && token === pageToken && token !== session.token()) {
    sessionChangedHandler(label);
    throw notSent('This tab was signed in or out in another page meanwhile.');
  }
  const init = {
    method,
    headers: { Accept: 'application/json, application/problem+json', ...headers },
  };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(path, init);
  noteServerDate(response.headers.get('Date'));
  const text = await response.text();
  let parsed = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      // An error page (the servlet container's, a proxy's) is markup, not a message: its status
      // says what there is to say. A success that is not JSON is no answer of the control plane's
      // (a proxy's sign-in page, say): taken as data, it would draw an empty page as if it were.
      if (response.ok) {
        throw new ApiError(response.status, {
          detail: `The answer to ${method} ${path} was not JSON (HTTP ${response.status}): `
            + 'something between this page and the control plane answered instead.',
        }, response.headers);
      }
    }
  }
  if (!response.ok) {
    if (response.status === 401 && token === session.token()) unauthorizedHandler();
    throw new ApiError(response.status, parsed, response.headers);
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/**
 * The error of a call that was not sent (see call), with `notSent` set: the handler that heard of
 * it has said so, given the call's label, and the caller need say nothing more.
 */
function notSent(message) {
  return Object.assign(new Error(message), { notSent: true });
}

/**
 * Whether the failure `e` of a call made for `page` (a panel's page: anything with `closed`) is
 * none to tell on it, so a panel tells only of failures of its own: a call not sent (see call),
 * whose handler has said so where the user is now, or one that failed once its page was closed
 * under the user (the session ended or changed, the page was left), where the page drawn anew
 * reads and tells what it shows itself, not what became of a page that is gone.
 */
export function saidElsewhere(e, page) {
  return Boolean((e && e.notSent) || (page && page.closed));
}

export const enc = encodeURIComponent;

/**
 * The comment headers: printable ASCII goes as it is; anything else is percent-encoded (header
 * values must be ASCII), and X-Sluice-Comment-Encoding tells the server to decode it.
 */
export function commentHeaders(text) {
  // One line, as written: the server refuses every control character (Java's
  // Character.isISOControl, U+0000-U+001F and U+007F-U+009F), the line and paragraph separators
  // U+2028 and U+2029, and the bidirectional controls (sampler-rules' OneLineText). The invisible
  // bidirectional controls are dropped; each run of the others becomes one space: a pasted line
  // break, tab, vertical tab, form feed, U+0085 (NEL) or U+2028 must not make a save fail.
  const flat = text
    .replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(flat)
    ? { 'X-Sluice-Comment': flat }
    : { 'X-Sluice-Comment': encodeURIComponent(flat), 'X-Sluice-Comment-Encoding': 'percent' };
}

/** Revision from an ETag header: `"42"`, `W/"42"` or `42`. */
export function etagRevision(headers) {
  const etag = headers && headers.get('ETag');
  if (!etag) return null;
  const m = etag.match(/(\d+)/);
  return m ? Number(m[1]) : null;
}

/** Unwraps a list that may come bare or inside an object ({items: [...]}, {services: [...]}). */
export function listOf(body, ...keys) {
  if (Array.isArray(body)) return body;
  if (!body || typeof body !== 'object') return [];
  for (const key of [...keys, 'items', 'content', 'data', 'entries']) {
    if (Array.isArray(body[key])) return body[key];
  }
  return [];
}

/**
 * Coalesces live events into re-reads: the first event after a quiet spell re-reads soon (`quiet`
 * ms, so a burst is read once), and while events keep coming at most once every `gap` ms. Agents
 * rewrite their status at least once a minute, so a fleet of hundreds sends several events a
 * second: re-reading the whole agent list for each would download megabytes a second per open page.
 * Returns the function to call per event; its `cancel()` drops a pending re-read.
 */
export function coalesce(read, { quiet = 150, gap = 2000 } = {}) {
  let timer = 0;
  let last = -Infinity;
  const schedule = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = 0;
      last = Date.now();
      read();
    }, Math.max(quiet, last + gap - Date.now()));
  };
  schedule.cancel = () => {
    clearTimeout(timer);
    timer = 0;
  };
  return schedule;
}

/**
 * The server-sent event stream. EventSource cannot send an Authorization header, so this reads
 * the stream with fetch and parses it (text/event-stream framing): the token goes in the header,
 * never in the URL (no ?access_token=, which proxies log, and no need for a single-use ?ticket=
 * either). Reconnects with backoff after a network error or any other refusal; `onState` hears
 * 'live' / 'reconnecting'. A 401 for the tab's current token (or, reading without one, for no
 * token while the tab still has none) stops it for good and calls the unauthorized handler, as a
 * 401 of any other call does. It is the stream of a page drawn for one session, `token` (null:
 * reading without one): finding the tab signed in otherwise (another page of the tab signed out,
 * or in, also from reading without a token), it stops and calls the session-changed handler rather
 * than go on under a session the page was not drawn for.
 */
/**
 * How long a stream may be silent before it is taken for dead, from the keep-alive period the
 * control plane names (X-Sluice-Keep-Alive, milliseconds): three of them, at least 10 s; 45 s when
 * it names none (its default period is 15 s).
 */
export function silenceLimit(keepAliveHeader) {
  const keepAlive = Number(keepAliveHeader);
  return keepAliveHeader && keepAlive > 0 ? Math.max(3 * keepAlive, 10000) : 45000;
}

export class EventStream {
  constructor(path, onEvent, onState, token) {
    this.path = path;
    this.token = token;
    this.onEvent = onEvent;
    this.onState = onState;
    this.abort = null;
    this.stopped = true;
    this.delay = 500;
    /** The reconnect waiting for its delay (a timer id), or 0. */
    this.retry = 0;
  }

  /**
   * Opens the stream: one connection, whatever came before. The attempt under way (or the
   * reconnect waiting for its delay) of a start before is dropped: left, a stop() then start()
   * within the delay had the earlier attempt's reconnect open a second stream beside the new one,
   * each handing the page every event.
   */
  start() {
    this.stopped = false;
    this.cancelRetry();
    if (this.abort) this.abort.abort();
    this.connect();
  }

  /**
   * Closes the stream, and drops the reconnect waiting for its delay: nothing more is heard of it.
   */
  stop() {
    this.stopped = true;
    this.cancelRetry();
    if (this.abort) this.abort.abort();
  }

  /** Drops the reconnect waiting for its delay, if any. */
  cancelRetry() {
    clearTimeout(this.retry);
    this.retry = 0;
  }

  async connect() {
    if (this.stopped) return;
    // this attempt's own controller: stop() aborts it, and a start() after a stop() gives the next
    // attempt another, so an attempt that was stopped while it waited stays over
    const abort = new AbortController();
    this.abort = abort;
    // Set when the stream went silent for too long (see silenceLimit): a connection a network
    // dropped without a word can stay open, hearing nothing, for many minutes. The attempt is
    // aborted, and reconnects as after any other loss, unless a newer attempt took its place.
    let silent = false;
    let watchdog = 0;
    const over = () => this.stopped || this.abort !== abort || (abort.signal.aborted && !silent);
    let reader = null;
    try {
      const headers = { Accept: 'text/event-stream' };
      const token = session.token();
      if (token) headers.Authorization = `Bearer ${token}`;
      const response = await fetch(this.path, { headers, signal: abort.signal, cache: 'no-store' });
      if (over()) {
        // stopped while the answer was on its way (a page hidden): it neither says it is live nor
        // has the pages re-read, and the stream it was answered with is let go
        response.body?.cancel().catch(() => {});
        return;
      }
      if (response.status === 401) {
        if (token === session.token()) {
          // the tab's token is no longer accepted (revoked, rotated, the control plane restarted
          // with other tokens), or reads without one no longer are (restarted with open reads
          // off): asking again cannot help; the page signs out as on any other 401
          this.stopped = true;
          // its problem document is not read: the connection goes now, not with the page's garbage
          response.body?.cancel().catch(() => {});
          unauthorizedHandler();
          return;
        }
        // refused for a credential the tab has replaced meanwhile (a sign-in in another page of
        // the tab): that says nothing about the new one, which the page is drawn anew for at the
        // next attempt.
        this.delay = 500;
      }
      if (!response.ok || !response.body) {
        // what it answered is not read: the connection goes now, not with the page's garbage
        response.body?.cancel().catch(() => {});
        // 503 when the control plane serves as many streams as it may: come back when it says
        const retryAfter = Number(response.headers.get('Retry-After'));
        if (retryAfter > 0) this.delay = Math.max(this.delay, Math.min(retryAfter, 60) * 1000);
        throw new Error(`events: ${response.status}`);
      }
      if (token !== this.token) {
        // answered for a session the page was not drawn for: the page follows the tab's, now that
        // the control plane answers (a reconnect is often for a control plane away or restarting)
        this.stopped = true;
        abort.abort();
        sessionChangedHandler();
        return;
      }
      const limit = silenceLimit(response.headers.get('X-Sluice-Keep-Alive'));
      const watch = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          silent = true;
          abort.abort();
          // the read under way ends too, whatever the body (one a service worker made, say)
          reader?.cancel().catch(() => {});
        }, limit);
      };
      watch();
      this.onState('live');
      this.delay = 500;
      // Anything may have changed while we were away.
      this.onEvent({ event: 'reconnected', data: null });
      if (over()) {
        // stopped by what the state or the event made the page do
        response.body.cancel().catch(() => {});
        return;
      }
      reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (over()) {
          reader.cancel().catch(() => {});
          return;
        }
        if (done) break;
        watch();
        buffer += value;
        let end;
        while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
          this.dispatch(block);
          if (over()) {
            // stopped by the handler of that event: the rest of the chunk is not handed on
            reader.cancel().catch(() => {});
            return;
          }
        }
      }
    } catch (e) {
      if (over()) {
        reader?.cancel().catch(() => {});
        return;
      }
    } finally {
      clearTimeout(watchdog);
    }
    if (over()) return;
    this.onState('reconnecting');
    if (over()) return; // stopped by what the state made the page do
    this.retry = setTimeout(() => {
      this.retry = 0;
      this.connect();
    }, this.delay);
    this.delay = Math.min(this.delay * 2, 10000);
  }

  dispatch(block) {
    let event = 'message';
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (!line || line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (!data.length && event === 'message') return;
    let payload = data.join('\n');
    try {
      payload = JSON.parse(payload);
    } catch {
      // plain text payload
    }
    this.onEvent({ event, data: payload });
  }
}
