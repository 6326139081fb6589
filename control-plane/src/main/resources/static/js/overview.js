// The services overview: every service with rules or agents, its revision and how far the
// rollout got. Rows are keyed by service and updated in place from the event stream, with
// fixed column widths, so nothing jumps while an operator reads it.

import { call, coalesce, enc, listOf } from './api.js';
import { fill, h, exactTime, placeChild, setText, showError, timeNode } from './dom.js';
import { showHidden } from './json-text.js';
import { historyView, serviceView } from './model.js';
import { ReadOrder } from './read-order.js';
import { countChip, rolloutBar, updateCountChip, updateRolloutBar } from './widgets.js';

/** The stream's events that report a change (not `ready`, nor the page's own `reconnected`). */
const CHANGE_EVENTS = new Set(['rules', 'agent']);

/**
 * How many services' last changes load at once: a page of many services asks for them a few at a
 * time, not with one request per service at the same moment.
 */
const LAST_CHANGE_LOADS = 4;

/**
 * A row's last change when the service's revision was written around the API (etcdctl, a
 * restore): the history has no entry for it, so no author or time to show.
 */
const OUTSIDE_THE_API = 'written outside the API (no history entry)';

/** The rule language's service names (RuleDocument.SERVICE_NAME), in words. */
const SERVICE_NAME_RULE =
  'Use letters, digits, ".", "_" and "-", starting with a letter or digit, at most 63 characters'
  + ' (or _default).';

export class OverviewPage {
  constructor(root, context) {
    this.root = root;
    this.context = context;
    this.rows = new Map();
    this.lastChanges = new Map();
    /** Last changes still to load ({name, revision, row}), oldest first; see LAST_CHANGE_LOADS. */
    this.lastChangeQueue = [];
    this.lastChangeLoads = 0;
    // loads of last changes started and ended, on the table's data attributes for tests
    this.lastChangesStarted = 0;
    this.lastChangesEnded = 0;
    this.tbody = h('tbody');
    this.empty =
      h('p', { class: 'empty', hidden: true, text: 'No service has rules or agents yet.' });
    // read out through the page's live region (showError)
    this.error = h('p', { class: 'form-error', 'data-test': 'services-error' });
    // _default is what every service without a document of its own runs: say so when there is none.
    this.defaultHint = h('p', {
      class: 'hint default-hint',
      'data-test': 'default-hint',
      hidden: true,
    },
      'No _default document: services without rules of their own run the built-in defaults. ',
      context.canWrite
        ? [
          'To give them shared rules, ',
          h('a', {
            href: '#/service/_default/rules',
            'data-test': 'create-default',
            text: 'create _default',
          }),
          '.',
        ]
        : 'A writer can create one (service name _default).');
    fill(
      root,
      h('div', { class: 'page-head' },
        h('h1', { text: 'Services' }),
        context.canWrite ? this.openForm() : null),
      this.error,
      h('div', { class: 'card table-card' },
        this.table = h('table', {
          class: 'table services',
          'aria-label': 'Services',
          'data-event-refreshes': '0',
        },
          h('colgroup', {},
            h('col', { class: 'c-name' }),
            h('col', { class: 'c-rev' }),
            h('col', { class: 'c-rollout' }),
            h('col', { class: 'c-num' }),
            h('col', { class: 'c-num' }),
            h('col', { class: 'c-change' })),
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col', text: 'Service' }),
            h('th', { scope: 'col', class: 'num', text: 'Revision' }),
            h('th', { scope: 'col', text: 'Rollout (agents on current / following etcd)' }),
            h('th', { scope: 'col', class: 'num', text: 'Rejected' }),
            h('th', { scope: 'col', class: 'num', text: 'Breakers open or half-open' }),
            h('th', { scope: 'col', text: 'Last change' }))),
          this.tbody),
        this.empty,
        this.defaultHint),
    );
    // Refreshes that a change event (rules, agent) prompted and that drew their answer are counted
    // in the table's data-event-refreshes: the live updates can be told from the 15 s poll's.
    this.eventRefreshes = 0;
    // reads of the list: the 15 s timer's read and an event's can cross, and an answer older than
    // the one shown is dropped rather than put the list back (see refresh)
    this.reads = new ReadOrder(this.table);
    this.changeHeard = false;
    this.scheduleRefresh = coalesce(() => {
      const byEvent = this.changeHeard;
      this.changeHeard = false;
      this.refresh(byEvent);
    });
    this.unsubscribe = context.subscribe((event) => {
      if (CHANGE_EVENTS.has(event.event)) this.changeHeard = true;
      this.scheduleRefresh();
    });
    this.timer = setInterval(() => this.refresh(), 15000);
    this.refresh();
  }

  close() {
    this.closed = true;
    this.unsubscribe();
    clearInterval(this.timer);
    this.scheduleRefresh.cancel();
  }

  openForm() {
    const input = h('input', {
      id: 'open-service',
      name: 'service',
      required: true,
      pattern: '_default|[A-Za-z0-9][A-Za-z0-9._\\-]{0,62}',
      placeholder: 'service name', autocomplete: 'off', spellcheck: 'false',
      title: SERVICE_NAME_RULE,
    });
    // The browser's own "Please match the requested format." does not say which format.
    input.addEventListener('input', () => input.setCustomValidity(''));
    input.addEventListener('invalid', () => {
      input.setCustomValidity(input.validity.patternMismatch ? SERVICE_NAME_RULE : '');
    });
    const form = h('form', { class: 'inline-form', 'aria-label': 'Open or create a service' },
      h('label', { for: 'open-service', text: 'Open or create service' }),
      input,
      h('button', { type: 'submit', class: 'btn', text: 'Open' }));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (input.checkValidity()) location.hash = `#/service/${enc(input.value.trim())}`;
    });
    return form;
  }

  /** Re-reads the services list; `byEvent`: a change event prompted it. */
  async refresh(byEvent = false) {
    await this.reads.run((read) => this.readAndRender(read, byEvent));
  }

  /** Reads the list as read number `read`, and draws it unless a newer read was drawn. */
  async readAndRender(read, byEvent) {
    try {
      // its rows count the agents: every agent's status (breakers, targets: megabytes for a fleet
      // of hundreds) is not read here
      const services = listOf((await call('GET', 'api/v1/services')).body, 'services');
      if (this.closed) return;
      if (!this.reads.shows(read)) {
        // a later read is shown, as new as this one or newer: this event's refresh is done
        if (byEvent) this.table.dataset.eventRefreshes = String(++this.eventRefreshes);
        return;
      }
      showError(this.error, '');
      const views = services.map(serviceView);
      // _default first: the fallback document of every service without its own
      views.sort((a, b) =>
        (b.name === '_default') - (a.name === '_default') || a.name.localeCompare(b.name));
      this.defaultHint.hidden = views.some((v) => v.name === '_default' && v.revision != null);
      this.render(views);
      if (byEvent) this.table.dataset.eventRefreshes = String(++this.eventRefreshes);
    } catch (e) {
      // the newest word: an older read answered later neither draws over it nor clears it
      if (this.closed || !this.reads.shows(read)) return;
      showError(this.error, `Could not load services: ${e.message}`);
    }
  }

  render(views) {
    const seen = new Set();
    views.forEach((v, index) => {
      seen.add(v.name);
      let row = this.rows.get(v.name);
      if (!row) {
        row = this.createRow(v.name);
        this.rows.set(v.name, row);
      }
      // a row moves up when one before it goes away: the control it holds keeps the focus
      placeChild(this.tbody, row.tr, index);
      this.updateRow(row, v);
    });
    for (const [name, row] of this.rows) {
      if (!seen.has(name)) {
        row.tr.remove();
        this.rows.delete(name);
      }
    }
    this.empty.hidden = views.length > 0;
  }

  createRow(name) {
    const bar = rolloutBar();
    const row = {
      tr: h('tr', { 'data-service': name }),
      unreadable: h('span', {
        class: 'chip chip-warn',
        'data-test': 'unreadable-agents',
        title: 'Agent statuses under this service that the control plane cannot read (its log says'
          + ' why): those agents are missing from the counts and the Agents tab.',
      }),
      ahead: countChip('ahead'),
      onRulesFile: countChip('rules-file'),
      revision: h('td', { class: 'num', 'data-test': 'revision' }),
      bar,
      rejected: h('td', { class: 'num', 'data-test': 'rejected' }),
      open: h('td', { class: 'num', 'data-test': 'breakers-open' }),
      change: h('td', { 'data-test': 'last-change' }),
    };
    fill(row.tr,
      // agents may report any name, and every name an agent reports is listed
      h('th', { scope: 'row' },
        h('a', { href: `#/service/${enc(name)}`, class: 'service-link', text: showHidden(name) }),
        name === '_default'
          ? h('span', {
            class: 'chip default-chip',
            'data-test': 'default-marker',
            title: 'The document every service without rules of its own runs',
            text: 'fallback for services without their own',
          })
          : null),
      row.revision,
      h('td', {
        'data-test': 'rollout-cell',
        // no agent runs under the name _default: these are the agents that fall back to it
        title: name === '_default'
          ? 'Agents of the services without rules of their own, which run _default'
          : null,
      }, bar.node, row.ahead, row.onRulesFile, row.unreadable),
      row.rejected,
      row.open,
      row.change);
    return row;
  }

  updateRow(row, v) {
    setText(row.revision, v.revision != null ? v.revision : '—');
    row.revision.title = v.revision == null && v.source
      ? showHidden(`runs ${v.source} revision ${v.effectiveRevision}`)
      : '';
    // agents on a rules file never take the document: said beside the bar, not counted in it
    updateRolloutBar(row.bar, v.current, v.total - v.onRulesFile);
    updateCountChip(row.ahead, v.ahead);
    updateCountChip(row.onRulesFile, v.onRulesFile);
    setText(row.unreadable, v.unreadable ? `+${v.unreadable} unreadable` : '');
    row.unreadable.hidden = !v.unreadable;
    setText(row.rejected, v.rejected);
    row.rejected.classList.toggle('bad', v.rejected > 0);
    setText(row.open, v.breakersOpen);
    row.open.classList.toggle('bad', v.breakersOpen > 0);
    const known = v.revision != null ? this.lastChanges.get(v.name) : null;
    if (v.revision == null) {
      // no rules now: a load of an earlier revision's last change still under way is no longer
      // this row's to show
      this.lastChanges.delete(v.name);
      showChange(row, v.source
        ? `no rules of its own (${v.source} applies)`
        : 'no rules (built-in defaults apply)');
    } else if (known && known.revision === v.revision) {
      showLastChange(row, known);
    } else {
      this.loadLastChange(v.name, v.revision, row);
      showChange(row, '…');
    }
  }

  loadLastChange(name, revision, row) {
    if (this.lastChanges.get(name)?.loading === revision) return;
    this.lastChanges.set(name, { loading: revision });
    this.lastChangeQueue.push({ name, revision, row });
    this.nextLastChanges();
  }

  /** Starts queued loads of last changes while fewer than LAST_CHANGE_LOADS are under way. */
  nextLastChanges() {
    while (!this.closed && this.lastChangeLoads < LAST_CHANGE_LOADS
      && this.lastChangeQueue.length) {
      const { name, revision, row } = this.lastChangeQueue.shift();
      // a newer revision came while this one waited: its own load is queued
      if (this.lastChanges.get(name)?.loading !== revision) continue;
      this.lastChangeLoads++;
      this.table.dataset.lastChangesStarted = String(++this.lastChangesStarted);
      this.fetchLastChange(name, revision, row).finally(() => {
        this.lastChangeLoads--;
        this.table.dataset.lastChangesEnded = String(++this.lastChangesEnded);
        this.nextLastChanges();
      });
    }
  }

  async fetchLastChange(name, revision, row) {
    try {
      // who and when alone: the document of the entry is not shown here
      const entries = listOf(
        (await call('GET',
          `api/v1/services/${enc(name)}/rules/history?limit=1&documents=false`)).body,
        'history',
        'versions');
      const last = entries.length ? historyView(entries[0]) : null;
      if (last && last.revision > revision) {
        // a write through the API came after this revision: its own event brings the row to it,
        // and its load says who made it; no author of this one is known from this answer
        if (this.lastChanges.get(name)?.loading === revision) this.lastChanges.delete(name);
        return;
      }
      // A revision above the newest entry's was made by no write through the API (etcdctl, a
      // restore): the entry's author and time are an earlier change's, not this one's.
      const change = last && last.revision === revision
        ? { revision, author: last.author, time: last.time }
        : { revision, author: null, time: null };
      // a newer revision came while this one loaded: its own load says who made it, and this
      // answer must neither take its place nor show the older change's author beside it
      if (this.lastChanges.get(name)?.loading !== revision) return;
      this.lastChanges.set(name, change);
      if (!this.closed) showLastChange(row, change);
    } catch {
      if (this.lastChanges.get(name)?.loading === revision) this.lastChanges.delete(name);
    }
  }
}

/**
 * Shows a known last change: its author and time, or, with no author (no history entry made the
 * revision), that it was written outside the API.
 */
function showLastChange(row, change) {
  if (change.author == null) showChange(row, OUTSIDE_THE_API);
  else showChange(row, null, change.author, change.time);
}

/**
 * Shows a row's last change: a plain `text`, or its author and a <time> that the page's timer
 * ages ("just now", "2 min ago") between refreshes. Redrawn only when it changed.
 */
function showChange(row, text, author, time) {
  const key = text ?? `${author}|${time}`;
  if (row.changeKey === key) return;
  row.changeKey = key;
  if (text != null) fill(row.change, showHidden(text));
  else fill(row.change, `${showHidden(author)} · `, timeNode(time));
  row.change.title = time ? exactTime(time) : '';
}
