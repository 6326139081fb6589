// The history of a service's rules: who changed what, when and why; a diff of any version
// against the current one; rollback with confirmation (writers only). Entries are shown through
// showHidden: comments are refused with hidden characters now, but older entries may hold them,
// and anything that can write to etcd can write an entry.

import {
  ApiError, call, commentHeaders, enc, listOf, saidElsewhere, session,
} from './api.js';
import {
  announce, announceNotice, confirmDialog, fill, h, setText, showError, timeNode, toast,
} from './dom.js';
import { diffLines } from './diff.js';
import { pretty, showHidden } from './json-text.js';
import { historyView } from './model.js';
import { ReadOrder } from './read-order.js';
import { diffView } from './widgets.js';

export class HistoryPanel {
  constructor(root, page) {
    this.root = root;
    this.page = page;
    this.loaded = false;
    this.tbody = h('tbody');
    // reads of the newest page: an answer older than the one shown is dropped, or two changes
    // close together could leave the list at the first one's page (see load)
    this.newestReads = new ReadOrder(this.tbody);
    /** Whether the newest word on the newest page is a failure (shown in `error`). */
    this.newestFailed = false;
    // read out through the page's live region (showError)
    this.error = h('p', { class: 'form-error' });
    // what became of a rollback that was refused; not cleared by the live reloads of the list. No
    // live region: unhidden with its text, it would not be read out everywhere (see announce). A
    // div: a version refused by today's rules lists its problems in it
    this.refused = h('div', {
      class: 'notice notice-bad',
      'data-test': 'rollback-refused',
      hidden: true,
    });
    this.empty = h('p', { class: 'empty', hidden: true, text: 'No history yet.' });
    this.more = h('button', {
      type: 'button',
      class: 'btn btn-small',
      hidden: true,
      text: 'Show older versions',
      onclick: () => this.loadOlder(),
    });
    this.entries = [];
    this.compare = h('section', {
      class: 'card',
      hidden: true,
      'aria-labelledby': 'compare-title',
      'data-test': 'compare',
    });
    fill(root,
      this.error,
      this.refused,
      h('div', { class: 'card table-card' },
        h('table', { class: 'table history', 'aria-label': 'Rule history, newest first' },
          h('thead', {}, h('tr', {},
            ['Revision', 'Action', 'Author', 'Time', 'Comment', ''].map((c, i) =>
              h('th', { scope: 'col', class: i === 0 ? 'num' : null, text: c })))),
          this.tbody),
        this.empty,
        h('div', { class: 'table-foot' }, this.more)),
      this.compare);
    page.on('current', () => {
      if (this.loaded) this.refresh();
      this.refreshCompare();
    });
  }

  shown() {
    // a newest page that could not be read is read again when looked at
    if (!this.loaded || this.newestFailed) this.refresh();
  }

  /**
   * Reads the newest page again once it has been read (the tab shown): after the event stream was
   * down, when changes that moved no revision (rules created and deleted) may have been missed.
   */
  reread() {
    if (this.loaded) this.refresh();
  }

  /** Reads the newest page again if its last read failed (etcd away): the page's 15 s timer. */
  retryFailed() {
    if (this.loaded && this.newestFailed) this.refresh();
  }

  async refresh() {
    this.loaded = true;
    await this.load(null);
  }

  /** Loads the next older page; the button waits for it, so one click adds each page once. */
  async loadOlder() {
    if (this.more.disabled) return;
    this.more.disabled = true;
    try {
      await this.load(this.next);
    } finally {
      this.more.disabled = false;
    }
  }

  /** Loads the newest page (before = null) or the page before a revision, 50 at a time. */
  async load(before) {
    if (before == null) {
      await this.newestReads.run((read) => this.loadPage(null, read));
    } else {
      await this.loadPage(before, 0);
    }
  }

  /** Loads the page before `before`, or the newest page (null) as read number `read`. */
  async loadPage(before, read) {
    try {
      // without documents: a page of 50 whole documents (up to 256 KiB each) on every change;
      // Compare reads the one entry it shows (documentOf)
      const query = before == null
        ? 'limit=50&documents=false'
        : `limit=50&documents=false&before=${before}`;
      const r =
        await call('GET', `api/v1/services/${enc(this.page.service)}/rules/history?${query}`);
      if (before == null) {
        if (!this.newestReads.shows(read)) return;
      } else if (before !== this.next) {
        // the list was read anew meanwhile (more revisions came than a page holds) and no longer
        // ends where this page begins: appended, it would skip the revisions in between
        return;
      }
      // an older page's answer says nothing of the newest page: its failure stays said
      if (before == null) this.newestFailed = false;
      if (!this.newestFailed) showError(this.error, '');
      const page = listOf(r.body, 'history', 'versions').map(historyView);
      const next = r.body && r.body.next != null ? r.body.next : null;
      // History only grows at the top: a new revision keeps the older pages the user opened, as
      // long as the entries shown reach up to the newest page. Not when more came in than that
      // page holds (a burst of writes, or reads that failed meanwhile): kept below it, they would
      // leave the revisions in between out, with no sign of it and no way to them.
      const bottom = page.length ? page[page.length - 1].revision : null;
      const older = before == null
        && bottom != null
        && this.entries.some((e) => e.revision >= bottom)
        ? this.entries.filter((e) => e.revision < bottom)
        : [];
      if (before != null) {
        this.entries = [...this.entries, ...page];
        this.next = next;
      } else if (older.length) {
        this.entries = [...page, ...older];
      } else {
        this.entries = page;
        this.next = next;
      }
      this.more.hidden = this.next == null;
      this.render(this.entries);
    } catch (e) {
      // an older page for a list read anew since (see above) is no longer this list's to fail
      if ((before != null && before !== this.next) || saidElsewhere(e, this.page)) return;
      // the newest word: an older read answered later neither draws over it nor clears it
      if (before == null && !this.newestReads.shows(read)) return;
      if (before == null) this.newestFailed = true;
      showError(this.error, `Could not load the history: ${e.message}`);
    }
  }

  render(entries) {
    const current = this.page.current ? this.page.current.revision : null;
    this.empty.hidden = entries.length > 0;
    // Redrawn rows are new nodes: the keyboard focus goes back to the same control of the same row.
    const focused = this.tbody.contains(document.activeElement) ? document.activeElement : null;
    const row = focused ? focused.closest('tr') : null;
    const refocus = row && focused.dataset.test
      ? `tr[data-revision="${row.dataset.revision}"] [data-test="${focused.dataset.test}"]`
      : null;
    fill(this.tbody, entries.map((e) => {
      const isCurrent = e.revision === current;
      const buttons = [];
      if (!/delete/i.test(e.action)) {
        buttons.push(h('button', {
          type: 'button',
          class: 'btn btn-small',
          'data-test': 'compare',
          'aria-label': `Compare revision ${e.revision} with the current rules`,
          text: 'Compare',
          onclick: () => this.showCompare(e),
        }));
        if (this.page.canWrite && !isCurrent) {
          buttons.push(h('button', {
            type: 'button',
            class: 'btn btn-small btn-danger-quiet',
            'data-test': 'rollback',
            'aria-label': `Roll back to revision ${e.revision}`,
            text: 'Roll back…',
            onclick: () => this.rollback(e),
          }));
        }
      }
      return h('tr', { 'data-revision': e.revision, class: isCurrent ? 'current' : null },
        h('td', { class: 'num' },
          String(e.revision),
          isCurrent ? h('span', { class: 'chip chip-ok', text: 'current' }) : null),
        h('td', {
          'data-test': 'action',
          text: showHidden(e.action === 'rollback' && e.rollbackOf != null
            ? `rollback to revision ${e.rollbackOf}`
            : e.action),
        }),
        h('td', { 'data-test': 'author', text: showHidden(e.author) }),
        h('td', {}, timeNode(e.time)),
        h('td', { class: 'comment', text: showHidden(e.comment) }),
        h('td', { class: 'row-actions' }, buttons));
    }));
    const again = refocus ? this.tbody.querySelector(refocus) : null;
    if (again) again.focus({ preventScroll: true });
  }

  async documentOf(entry) {
    if (entry.document) return entry.document;
    const r = await call('GET',
      `api/v1/services/${enc(this.page.service)}/rules/history/${entry.revision}`);
    return historyView(r.body).document;
  }

  /** An open comparison is against the current revision: redraw it when that changes. */
  refreshCompare() {
    const shown = this.compared;
    if (this.compare.hidden || !shown) return;
    const current = this.page.current ? this.page.current.revision : null;
    if (shown.against === current) return;
    this.showCompare(shown.entry, { focus: false });
  }

  async showCompare(entry, { focus = true } = {}) {
    try {
      const doc = await this.documentOf(entry);
      const current = this.page.current;
      const lines = diffLines(
        doc ? pretty(doc) : '',
        current.document ? pretty(current.document) : '');
      fill(this.compare,
        h('h2', {
          id: 'compare-title',
          tabindex: '-1',
          text: `Revision ${entry.revision} → current (${current.revision ?? 'none'})`,
        }),
        h('p', {
          class: 'hint',
          text: 'Lines marked − are in the old revision only, + in the current one only.',
        }),
        diffView(lines, {
          label: `Changes from revision ${entry.revision} to the current revision`,
        }));
      this.compare.hidden = false;
      this.compared = { entry, against: current.revision ?? null };
      if (!focus) return;
      this.compare.querySelector('h2').focus({ preventScroll: true });
      this.compare.scrollIntoView({ block: 'nearest' });
    } catch (e) {
      if (saidElsewhere(e, this.page)) return;
      toast(`Could not load revision ${entry.revision}: ${e.message}`, 'error');
    }
  }

  /**
   * Says that a rollback to `entry` was refused because its document fails today's rules, with
   * each problem the control plane listed (past the 1000 it lists, its count says how many).
   */
  showInvalidVersion(entry, error) {
    if (this.page.closed) return;
    const count = error.problemCount();
    const summary = `Nothing was rolled back: the rules of revision ${entry.revision} are not`
      + ` valid today (${count} problem${count === 1 ? '' : 's'}). Rules accepted when it was`
      + ' saved may be refused now: make the change in the Rules tab instead.';
    fill(this.refused,
      h('p', { text: summary }),
      h('ul', { class: 'problems' }, error.validationErrors().map((p) => h('li', {
        'data-test': 'rollback-problem',
        text: showHidden(`${p.path}: ${p.message}`),
      }))));
    this.refused.hidden = false;
    // the summary alone is read out: the list is there to be read at the user's pace
    announce(summary, { urgent: true });
    this.refused.scrollIntoView({ block: 'nearest' });
  }

  async rollback(entry) {
    // The rollback replaces the revision the user saw when deciding, and only that one.
    const seen = this.page.current ? this.page.current.revision : null;
    // recorded in history like a save's comment, and sent the same way
    const comment = h('input', {
      id: 'rollback-comment',
      type: 'text',
      maxlength: 1000,
      placeholder: 'Why roll back? (recorded in history)',
      // the comment of the last rollback of this service that did not go through (refused, not
      // answered, or cancelled), kept in the tab (session.keepRollbackComment): typed once, not
      // lost with a refusal, a cancel or the page
      value: session.rollbackComment(this.page.context.draftOwner, this.page.service),
    });
    const ok = await confirmDialog({
      title: `Roll back ${this.page.service} to revision ${entry.revision}?`,
      message: `The rules of revision ${entry.revision} (by ${entry.author}) become current as a`
        + ` new revision${seen != null ? `, replacing revision ${seen}` : ''}.`
        // no agent reports the name _default: its rules reach the services without their own
        + ` ${this.page.isDefault
          ? 'Every service without rules of its own applies them within moments.'
          : `Every agent of ${this.page.service} applies them within moments.`}`,
      extra: h('div', { class: 'field' },
        h('label', { for: 'rollback-comment', text: 'Comment (optional)' }),
        comment),
      confirmLabel: `Roll back to ${entry.revision}`,
      danger: true,
    });
    // kept until a rollback goes through and writes: a cancel, a refusal (400, 409, 412), a failed
    // call or a rollback to the rules in force (which records none) gives it to the next dialog;
    // its owner as the page was drawn, as a draft's
    const owner = this.page.context.draftOwner;
    const text = comment.value.trim();
    session.keepRollbackComment(owner, this.page.service, text);
    if (!ok) return;
    this.refused.hidden = true;
    const headers = seen != null ? { 'If-Match': `"${seen}"` } : { 'If-None-Match': '*' };
    if (text) Object.assign(headers, commentHeaders(text));
    try {
      const r = await call('POST',
        `api/v1/services/${enc(this.page.service)}/rules/rollback?to=${entry.revision}`,
        { headers, label: `Your rollback of ${this.page.service} to revision ${entry.revision}` });
      if (r.body?.unchanged) {
        // the rules in force already: the server wrote nothing, so no history entry holds the
        // comment, which stays for the next rollback dialog as a refused rollback's does
        toast(`Nothing to roll back: revision ${entry.revision} holds the rules already current`
          + `${r.body?.revision ? ` (revision ${r.body.revision})` : ''}.`
          + ' Nothing was written and the comment was not recorded.', 'ok');
      } else {
        session.keepRollbackComment(owner, this.page.service, '');
        toast(`Rolled back to revision ${entry.revision}`
          + `${r.body?.revision ? `: now revision ${r.body.revision}` : ''}.`, 'ok');
      }
      await this.page.refreshCurrent();
      await this.refresh();
    } catch (e) {
      if (saidElsewhere(e, this.page)) return;
      if (e instanceof ApiError && e.status === 412) {
        // someone saved, rolled back or deleted since: rolling back now would undo their
        // change unseen
        await this.page.refreshCurrent();
        // closed meanwhile (left, or drawn anew for the tab's session): the notice is on no page,
        // and reading it out would tell of a page that is gone, over the one shown now
        if (this.page.closed) return;
        const now = this.page.current ? this.page.current.revision : null;
        setText(this.refused, 'Nothing was rolled back: the rules changed since you chose'
          + ` (${seen != null ? `revision ${seen}` : 'no rules'} then,`
          + ` ${now != null ? `revision ${now}` : 'deleted'} now).`
          + ' Check the newest entries, then roll back again if it is still what you want.');
        this.refused.hidden = false;
        announceNotice(this.refused);
        this.refused.scrollIntoView({ block: 'nearest' });
        return;
      }
      if (e instanceof ApiError && e.status === 400 && e.validationErrors().length) {
        // the past version fails today's rules: every problem is worth seeing, and a toast showed
        // only how many there were. They are the version's, which only a new save can fix.
        this.showInvalidVersion(entry, e);
        return;
      }
      toast(`Rollback failed: ${e.message}`, 'error');
    }
  }
}
