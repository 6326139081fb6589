// The live agents of a service: which revision each applied, whether it is behind, ahead of or
// rejected the current one (and why), and its breakers' states, those not closed first. Rows are
// keyed by instance and updated in place as status keys change. A service of many instances has
// its agents listed a page at a time (ServicePage.showMoreAgents), with how many there are.
// Everything in a row is what an agent wrote into etcd, and any process that can write there can
// write anything: it is shown through showHidden.

import { enc } from './api.js';
import { exactTime, fill, h, placeChild, serverNow, setText, timeNode } from './dom.js';
import { showHidden } from './json-text.js';
import { agentKey, isOpen } from './model.js';
import { breakerChip, fillIfChanged, statusChip } from './widgets.js';

// Agents rewrite their status at least once a minute while their lease lives: a status older
// than this belongs to an agent that is alive but cannot write (etcd full or refusing its
// writes), or whose clock is far behind.
const STALE_AFTER_MS = 3 * 60 * 1000;

/** Whether a status written at `updatedAt` (ISO) is older than agents let it get. */
export function isStale(updatedAt, now = serverNow()) {
  const written = Date.parse(updatedAt ?? '');
  return Number.isFinite(written) && now - written > STALE_AFTER_MS;
}

/**
 * Why an agent does not follow the rules stored here, when its rules come from elsewhere than etcd:
 * behind (or applied) alone would not say that it will stay so whatever is saved.
 */
const RULES_ELSEWHERE = {
  'last-known-good': 'Runs the last rules it read from etcd, kept on its disk: it has applied no'
    + ' rules from etcd since it started (etcd out of its reach, its reads refused, or the'
    + ' document there rejected: see its status). It stays on them until it can read and apply'
    + ' a document.',
  file: 'Runs a local rules file (sluice.rules.file): it follows no change saved here.',
  defaults: 'Runs the built-in defaults: it has found no rules in etcd for its service (its own'
    + ' or _default\u2019s), or has not read them yet.',
};

/**
 * A chip naming where an agent's rules come from, unless from etcd as expected; or null. The
 * built-in defaults are what an agent runs when etcd holds no rules for it, as its page says then:
 * named only for an agent that is not on the rules it should run.
 */
export function rulesSourceChip(source, status) {
  if (!source || source === 'etcd'
    || (source === 'defaults' && (status === 'applied' || status === 'unknown'))
    || status === 'rules file') {
    return null;
  }
  return h('span', {
    class: 'chip chip-warn',
    'data-test': 'rules-source',
    title: RULES_ELSEWHERE[source] ?? 'Its rules come from elsewhere than etcd.',
    text: showHidden(`rules: ${source}`),
  });
}

/**
 * A chip saying that the agent's app makes calls through HTTP clients Sluice does not guard,
 * naming them in its title; or null when it names none.
 */
export function unguardedClientsChip(clients) {
  if (!clients.length) return null;
  return h('span', {
    class: 'chip chip-warn',
    'data-test': 'unguarded-clients',
    title: 'Its app makes calls through clients Sluice\u2019s circuit breakers do not guard: they'
      + ' pass every breaker policy. '
      + clients.map((c) => `${c.client}${c.guarded ? ` (${c.guarded})` : ''}`).join('; '),
    text: clients.length === 1 ? 'unguarded client' : `${clients.length} unguarded clients`,
  });
}

// A status written this far after now (on the control plane's clock) comes from an agent whose
// clock is ahead: how long ago it reported, and whether it stopped, cannot be told from it.
const AHEAD_AFTER_MS = 60 * 1000;

/** Whether a status written at `updatedAt` (ISO) is dated well after now. */
export function isFromTheFuture(updatedAt, now = serverNow()) {
  const written = Date.parse(updatedAt ?? '');
  return Number.isFinite(written) && written - now > AHEAD_AFTER_MS;
}

/** Why an agent's status is unknown: nothing to judge it by could be read. */
const UNKNOWN = 'Whether it runs the current rules is not known: neither the rules nor their'
  + ' rollout could be read (etcd unavailable?). Its status comes from the control plane\u2019s'
  + ' memory.';

/** Why an agent is ahead: it runs a revision above the current one. */
const AHEAD = 'Runs a revision above the current one: a document deleted since, whose delete it has'
  + ' not applied yet, or one etcd no longer holds (restored from an older backup), which it'
  + ' keeps until a document of its service is written.';

/**
 * An agent's versions as one line ("Sluice 0.2.0 · OTel 1.65.0 · Java 21.0.5"), each part only
 * when reported; empty when none is. Read as text whatever an agent wrote there.
 */
export function versionsText(versions) {
  return versionParts(versions).join(' \u00b7 ');
}

/** Whether an agent reported `version`: not missing, null or empty. */
function reported(version) {
  return version !== undefined && version !== null && version !== '';
}

/** The parts of {@link versionsText}: "Sluice 0.2.0", "OTel 1.65.0", "Java 21.0.5". */
function versionParts(versions) {
  const v = versions && typeof versions === 'object' ? versions : {};
  return [['Sluice', v.sluice], ['OTel', v.opentelemetry], ['Java', v.java]]
    .filter(([, version]) => reported(version))
    .map(([name, version]) => `${name} ${showHidden(String(version))}`);
}

/**
 * What the agents' Sluice versions are when they are not all one, each with how many agents run it,
 * the most run first ("0.2.0 (3 agents), 0.1.0 (1 agent)"); null when they all run the same one
 * (an upgrade rolled out, or none begun). An agent that reports no version counts as "unreported".
 * Of the agents given: the page's note takes the rollout's counts of every agent instead
 * (mixedVersions), and this only while it has none.
 */
export function mixedSluiceVersions(agents) {
  const counts = new Map();
  for (const a of agents) {
    const v = a.versions && a.versions.sluice;
    const version = reported(v) ? String(v) : 'unreported';
    counts.set(version, (counts.get(version) ?? 0) + 1);
  }
  return mixedVersions(counts);
}

/**
 * The same from counts by version, a Map or the rollout's `sluiceVersions` (`{"0.1.0": 2}`), which
 * counts every agent, listed or not, and agents that report none as "unreported", as above. A
 * count that is not a whole number above 0 counts no agent.
 */
export function mixedVersions(counts) {
  const entries = (counts instanceof Map ? [...counts] : Object.entries(counts))
    .filter(([, n]) => Number.isInteger(n) && n > 0);
  if (entries.length < 2) {
    return null;
  }
  return entries
    .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
    .map(([version, n]) => `${showHidden(version)} (${n} agent${n === 1 ? '' : 's'})`)
    .join(', ');
}

// An agent lists up to 200 breakers: past this many closed ones, they fold into a count the user
// may open, and the few that are not closed stay in sight
const CLOSED_SHOWN_MAX = 3;

/**
 * Where a breaker goes in its row: open (or forced open), half-open, a shadow breaker that would
 * not let every call through, any other state; closed last (shadow or not).
 */
export function breakerRank(b) {
  const state = String(b.state || '').toUpperCase();
  if (state === 'CLOSED') return 4;
  // a shadow breaker's state is the one it would be in
  if (b.shadow) return 2;
  if (isOpen(state)) return 0;
  return state === 'HALF_OPEN' ? 1 : 3;
}

/** An agent's listed breakers: those not closed, in rank order, and the closed ones. */
export function sortBreakers(breakers) {
  const ranked = breakers.map((b, i) => [breakerRank(b), i, b])
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return {
    first: ranked.filter(([rank]) => rank < 4).map(([, , b]) => b),
    closed: ranked.filter(([rank]) => rank === 4).map(([, , b]) => b),
  };
}

export class AgentsPanel {
  constructor(root, page) {
    this.root = root;
    this.page = page;
    this.rows = new Map();
    // _default's agents report other services' names (those without a document of their own):
    // which services run it is worth a column
    this.withService = Boolean(page.isDefault);
    this.tbody = h('tbody');
    this.empty = h('p', {
      class: 'empty',
      text: this.withService
        ? 'No live agent runs _default: every service with live agents has a document of its own.'
        : 'No live agent reports for this service.',
    });
    // agents whose status the control plane cannot read are in no row: said, as the overview does
    this.unreadable = h('p', {
      class: 'notice notice-warn',
      role: 'note',
      'data-test': 'unreadable-agents',
      hidden: true,
    });
    // during an upgrade, which agents run which Sluice: said above them, as each row names its own
    this.versions = h('p', {
      class: 'notice',
      role: 'note',
      'data-test': 'sluice-versions',
      hidden: true,
    });
    // below the rows: how many of how many are listed, and the next page's button
    this.listed = h('span', { class: 'muted', 'data-test': 'agents-listed' });
    this.more = h('button', {
      type: 'button',
      class: 'btn btn-small',
      'data-test': 'more-agents',
      text: 'Show more agents',
      onclick: () => this.showMore(),
    });
    this.foot = h('div', { class: 'table-foot', hidden: true }, this.listed, ' ', this.more);
    fill(root,
      this.unreadable,
      this.versions,
      h('div', { class: 'card table-card' },
        h('table', { class: 'table agents', 'aria-label': 'Live agents' },
          h('colgroup', {},
            h('col', { class: 'c-instance' }),
            this.withService ? h('col', { class: 'c-service' }) : null,
            h('col', { class: 'c-host' }), h('col', { class: 'c-rev' }),
            h('col', { class: 'c-status' }), h('col'), h('col', { class: 'c-updated' })),
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col', text: 'Instance' }),
            this.withService ? h('th', { scope: 'col', text: 'Service' }) : null,
            h('th', { scope: 'col', text: 'Host (pid), versions' }),
            h('th', { scope: 'col', class: 'num', text: 'Applied revision' }),
            h('th', { scope: 'col', text: 'Status' }),
            h('th', { scope: 'col', text: 'Breakers' }),
            h('th', { scope: 'col', text: 'Reported' }))),
          this.tbody),
        this.empty,
        this.foot));
    // drawn while its tab is shown: a service's agents report all the time, and a page on another
    // tab would redraw the whole list for each report
    this.stale = true;
    page.on('agents', () => this.renderIfShown());
    page.on('current', () => this.renderIfShown());
  }

  /** Draws the list now when its tab is shown, else once it is (see shown). */
  renderIfShown() {
    if (this.page.activeTab === 'agents') this.render();
    else this.stale = true;
  }

  shown() {
    if (this.stale) this.render();
  }

  /** Lists the next page; the button waits for it, so one click adds each page once. */
  async showMore() {
    if (this.more.disabled) return;
    this.more.disabled = true;
    try {
      await this.page.showMoreAgents();
    } finally {
      this.more.disabled = false;
    }
  }

  /** Folds a row's closed breakers into their count, or shows them, as its toggle says. */
  showClosed(row) {
    const folded = row.closedCount > CLOSED_SHOWN_MAX;
    row.toggle.hidden = !folded;
    row.closed.hidden = folded && !row.expanded;
    row.toggle.setAttribute('aria-expanded', String(folded && row.expanded));
    row.toggle.setAttribute('aria-label', `${row.expanded ? 'Hide' : 'Show'} the`
      + ` ${row.closedCount} closed breakers`);
    setText(row.toggle, row.expanded ? `hide ${row.closedCount} closed`
      : `${row.closedCount} closed`);
  }

  render() {
    this.stale = false;
    // the control plane's order (UTF-16 code units, as Java compares), in which it pages them:
    // the rows of a page shown more go below those listed
    const order = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
    const agents = this.page.agentViews()
      .sort((a, b) => order(a.service, b.service) || order(a.instanceId, b.instanceId));
    const seen = new Set();
    agents.forEach((a, index) => {
      // instance ids are unique within a service; _default's page lists several services
      const key = agentKey(a);
      seen.add(key);
      let row = this.rows.get(key);
      if (!row) {
        row = {
          tr: h('tr', { 'data-instance': a.instanceId, 'data-service': a.service }),
          host: h('span', { 'data-test': 'agent-host' }),
          versions: h('div', { class: 'agent-versions', 'data-test': 'agent-versions' }),
          revision: h('td', { class: 'num', 'data-test': 'applied-revision' }),
          status: h('td'),
          breakers: h('td', { class: 'chips' }),
          updated: h('td'),
          // the breakers' parts stay in place: a live update keeps the toggle and its focus
          open: h('span', { 'data-test': 'breakers-first' }),
          closed: h('span', { 'data-test': 'breakers-closed' }),
          toggle: h('button', {
            type: 'button',
            class: 'btn btn-small btn-quiet breakers-toggle',
            'data-test': 'closed-toggle',
            'aria-expanded': 'false',
            onclick: () => {
              row.expanded = !row.expanded;
              this.showClosed(row);
            },
          }),
          omitted: h('span'),
          none: h('span', { class: 'muted', text: 'none' }),
          expanded: false,
          closedCount: 0,
        };
        fill(row.breakers, row.open, row.toggle, row.closed, row.omitted, row.none);
        fill(row.tr,
          h('th', {
            scope: 'row',
            class: 'mono',
            'data-test': 'instance',
            text: showHidden(a.instanceId),
          }),
          this.withService
            ? h('td', { 'data-test': 'agent-service' }, h('a', {
              href: `#/service/${enc(a.service)}/agents`,
              text: showHidden(a.service),
            }))
            : null,
          h('td', {}, row.host, row.versions), row.revision, row.status, row.breakers,
          row.updated);
        this.rows.set(key, row);
      }
      // a row moves up when one before it goes away: the control it holds keeps the focus
      placeChild(this.tbody, row.tr, index);
      setText(row.host, showHidden(`${a.host}${a.pid !== '' ? ` (${a.pid})` : ''}`));
      row.host.title = a.rulesSource ? showHidden(`rules from ${a.rulesSource}`) : '';
      // a part wraps inside itself only when it is wider than the column: "0.1.0-SNAPSHOT" stays
      // on one line where it fits
      const parts = versionParts(a.versions);
      fillIfChanged(row.versions, JSON.stringify(parts), parts.flatMap((part, i) => [
        i ? ' ' : null,
        h('span', { text: i < parts.length - 1 ? `${part} \u00b7` : part }),
      ]));
      row.versions.hidden = !parts.length;
      setText(row.revision, showHidden(a.appliedRevision ?? '—'));
      // An agent lists at most 50 errors and 200 breakers (not CLOSED first) and counts the rest.
      fillIfChanged(row.status,
        JSON.stringify([a.status, a.rulesSource, a.rejectedRevision, a.rejectedErrors,
          a.rejectedErrorsOmitted, a.unguardedClients]),
        statusChip(a.status,
          a.status === 'ahead' ? AHEAD : a.status === 'rules file' ? RULES_ELSEWHERE.file
            : a.status === 'unknown' ? UNKNOWN : undefined),
        rulesSourceChip(a.rulesSource, a.status),
        unguardedClientsChip(a.unguardedClients),
        a.rejectedErrors.length || a.rejectedErrorsOmitted
          ? h('details', { class: 'rejection' },
            h('summary', { text: `rejected revision ${showHidden(a.rejectedRevision)}` }),
            h('ul', {},
              a.rejectedErrors.map((e) =>
                h('li', { 'data-test': 'rejection-error', text: showHidden(e) })),
              a.rejectedErrorsOmitted
                ? h('li', {
                  class: 'muted',
                  'data-test': 'errors-omitted',
                  text: `… and ${a.rejectedErrorsOmitted} more`,
                })
                : null))
          : null);
      const { first, closed } = sortBreakers(a.breakers);
      const chipKey = (list) => JSON.stringify(list.map((b) =>
        [b.policy, b.key, b.state, b.shadow, Math.round(b.failureRate ?? -1)]));
      fillIfChanged(row.open, chipKey(first), first.map(breakerChip));
      fillIfChanged(row.closed, chipKey(closed), closed.map(breakerChip));
      fillIfChanged(row.omitted, String(a.breakersOmitted),
        a.breakersOmitted
          ? h('span', {
            class: 'muted',
            'data-test': 'breakers-omitted',
            title: 'not reported by the agent, to keep its status small',
            text: `+${a.breakersOmitted} more`,
          })
          : null);
      row.none.hidden = Boolean(a.breakers.length || a.breakersOmitted);
      row.closedCount = closed.length;
      this.showClosed(row);
      const stale = isStale(a.updatedAt);
      const ahead = isFromTheFuture(a.updatedAt);
      fillIfChanged(row.updated, JSON.stringify([a.updatedAt, stale, ahead]),
        ahead ? null : timeNode(a.updatedAt),
        ahead
          ? h('span', {
            class: 'chip chip-warn',
            'data-test': 'clock-ahead',
            title: `Its status is dated ${exactTime(a.updatedAt)}, after the control plane's now:`
              + ' the agent\u2019s clock is ahead, so when it last reported, and whether it'
              + ' stopped, cannot be told from it.',
            text: 'clock ahead',
          })
          : null,
        stale
          ? h('span', {
            class: 'chip chip-warn',
            'data-test': 'stale',
            title: 'No new report for over 3 minutes while the agent is alive: it cannot write its'
              + ' status to etcd (full, or refusing its writes), or its clock is behind. What it'
              + ' shows may be out of date.',
            text: 'stale',
          })
          : null);
    });
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.tr.remove();
        this.rows.delete(id);
      }
    }
    this.empty.hidden = agents.length > 0;
    const partly = this.page.agentsPartly;
    const total = this.page.agentsTotal;
    setText(this.listed, partly
      ? `${agents.length} of ${total ?? 'more'} agents listed, in the order of their service and`
        + ' instance id.'
      : '');
    this.foot.hidden = !partly;
    // every agent's versions, listed or not, as the last rollout read counts them; before one was
    // read, the agents listed, and with some not listed, said of those only
    const counted = this.page.sluiceVersions();
    const mixed = counted ? mixedVersions(counted) : mixedSluiceVersions(agents);
    setText(this.versions, !mixed ? ''
      : partly && !counted
        ? `The ${agents.length} agents listed here run different Sluice versions: ${mixed}.`
        : `These agents run different Sluice versions: ${mixed}.`);
    this.versions.hidden = !mixed;
    const unreadable = this.page.unreadableAgents();
    // "more" beside the agents listed; with none listed, these are all there are
    const more = agents.length ? ' more' : '';
    setText(this.unreadable, unreadable === 1
      ? `1${more} agent status cannot be read by the control plane (its log says why): that`
        + ' agent is not listed here, nor counted in the rollout.'
      : `${unreadable}${more} agent statuses cannot be read by the control plane (its log says`
        + ' why): those agents are not listed here, nor counted in the rollout.');
    this.unreadable.hidden = !unreadable;
  }
}
