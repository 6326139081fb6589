// Outgoing targets with traffic that no breaker policy covers, with a suggested policy that a
// writer can add to the editor in one click. Rows are keyed by target and updated in place as
// agents report, so an opened policy stays open and focus stays where it was, also on a row that
// moves when the order of the targets changes.

import { call, enc, listOf, saidElsewhere } from './api.js';
import { fill, h, placeChild, setText, showError } from './dom.js';
import { fillIfChanged } from './widgets.js';
import { pretty, showHidden } from './json-text.js';
import { ReadOrder } from './read-order.js';

export class DependenciesPanel {
  constructor(root, page) {
    this.root = root;
    this.page = page;
    this.rows = new Map();
    this.tbody = h('tbody');
    // an answer that comes after a newer one's is not drawn
    this.reads = new ReadOrder(this.tbody);
    // read out through the page's live region (showError)
    this.error = h('p', { class: 'form-error' });
    this.empty = h('p', { class: 'empty', 'data-test': 'no-dependencies' });
    // agents report their busiest targets only (the SDK: 50): said when some left targets out
    this.capped = h('p', { class: 'hint', 'data-test': 'targets-capped' });
    this.capped.hidden = true;
    // clients whose calls no breaker guards: those calls are in no agent's targets, so not here
    this.unguarded = h('div', {
      class: 'notice notice-warn', 'data-test': 'unguarded-clients', role: 'note', hidden: true,
    });
    fill(root,
      h('p', {
        class: 'hint',
        text: 'Targets this service calls (from its agents\u2019 reports of the last minute) with'
          + ' calls no breaker policy covers; a target a policy covers only for some methods or'
          + ' paths shows the calls it does not, and calls a policy in shadow mode watches count'
          + ' as not covered. The suggested policies start in shadow mode: they report what they'
          + ' would do without rejecting calls.',
      }),
      this.error,
      this.unguarded,
      this.capped,
      h('div', { class: 'card table-card' },
        h('table', { class: 'table deps', 'aria-label': 'Unprotected dependencies' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col', text: 'Target' }),
            h('th', { scope: 'col', class: 'num', text: 'Calls/min' }),
            h('th', {
              scope: 'col', class: 'num', text: 'Agents',
              title: 'How many of the service\u2019s agents make these calls',
            }),
            h('th', { scope: 'col', class: 'num', text: 'Errors' }),
            h('th', { scope: 'col', class: 'num', text: 'p99' }),
            h('th', { scope: 'col', text: 'Suggested policy' }))),
          this.tbody),
        this.empty));
    page.on('agents', () => {
      if (this.visible && this.page.activeTab === 'dependencies') this.refresh();
    });
  }

  shown() {
    this.visible = true;
    this.refresh();
  }

  async refresh() {
    await this.reads.run((read) => this.readAndRender(read));
  }

  /** Reads the list as read number `read`, and draws it unless a newer read was drawn. */
  async readAndRender(read) {
    // from the agents listed, not this read: kept current when the read fails
    this.renderUnguarded();
    let rows;
    let reports;
    try {
      const r = await call('GET', `api/v1/services/${enc(this.page.service)}/unprotected`);
      rows = listOf(r.body, 'dependencies', 'targets', 'unprotected').map((d) => ({
        target: d.target ?? `${d.host}${d.port ? `:${d.port}` : ''}`,
        callsPerMinute: d.callsPerMinute ?? d.calls ?? 0,
        errorsPerMinute: d.errorsPerMinute ?? null,
        errorRate: d.errorRate ?? d.errorPercentage ?? null,
        p99Millis: d.p99Millis ?? d.p99 ?? null,
        guardedCallsPerMinute: d.guardedCallsPerMinute ?? 0,
        guardedBy: Array.isArray(d.guardedBy) ? d.guardedBy : [],
        shadowedCallsPerMinute: d.shadowedCallsPerMinute ?? 0,
        shadowedBy: Array.isArray(d.shadowedBy) ? d.shadowedBy : [],
        agents: d.agents ?? null,
        agentsOnRulesFile: d.agentsOnRulesFile ?? 0,
        suggestedPolicy: d.suggestedPolicy,
      }));
      reports = reportsOf(r.headers);
    } catch (e) {
      // the newest word: an older read answered later neither draws over it nor clears it
      if (saidElsewhere(e, this.page) || !this.reads.shows(read)) return;
      showError(this.error, `Could not load the dependencies: ${e.message}`);
      return;
    }
    if (!this.reads.shows(read)) return;
    showError(this.error, '');
    this.render(rows, reports);
  }

  /**
   * `reports`: how many agents' reports were read, and how many of them left targets out (the
   * control plane's X-Sluice-Agents and X-Sluice-Agents-Capped headers); null when not told.
   */
  render(rows, reports = null) {
    const capped = reports ? reports.capped : 0;
    this.capped.hidden = !capped;
    setText(this.capped, capped
      ? `${capped} of ${reports.agents} agents left some targets out of their reports (an agent`
        + ' reports its busiest ones only): a target only they call, less than those, is not'
        + ' listed here.'
      : '');
    this.empty.hidden = rows.length > 0;
    // With no agent there is no traffic to judge: say so instead of "everything is covered".
    setText(this.empty, this.page.agentsLoaded && this.page.agents.length === 0
      ? `No agent of ${showHidden(this.page.service)} reports yet,`
        + ' so there is no traffic to look at.'
      : 'Every outgoing target with traffic is covered by a breaker policy.');
    // A service running _default has no document of its own to add a policy to.
    const addable = this.page.canWrite && !this.page.defaultOnly;
    const seen = new Set();
    rows.forEach((d, index) => {
      seen.add(d.target);
      let row = this.rows.get(d.target);
      if (!row) {
        row = this.newRow(d.target);
        this.rows.set(d.target, row);
      }
      placeChild(this.tbody, row.tr, index);
      row.policy = d.suggestedPolicy;
      // errorRate is a fraction in [0, 1] (the control plane's UnprotectedTargets).
      const errors = d.errorsPerMinute != null && d.callsPerMinute
        ? `${((100 * d.errorsPerMinute) / d.callsPerMinute).toFixed(1)}%`
        : d.errorRate != null
          ? `${(100 * Number(d.errorRate)).toFixed(1)}%`
          : '—';
      const guarded = d.guardedBy && d.guardedBy.length
        ? showHidden(`Partly guarded by ${d.guardedBy.join(', ')}`
          + ` (${d.guardedCallsPerMinute} calls/min); the figures are the other calls.`)
        : '';
      setText(row.partly, guarded);
      if (guarded) row.head.appendChild(row.partly);
      else row.partly.remove();
      // A policy in shadow mode lets every call through: its calls are in the figures.
      const shadowed = d.shadowedBy && d.shadowedBy.length
        ? showHidden(`Watched in shadow mode by ${d.shadowedBy.join(', ')}`
          + ` (${d.shadowedCallsPerMinute} calls/min), which rejects nothing: set "shadow": false`
          + ' there to protect them.')
        : '';
      setText(row.shadowed, shadowed);
      if (shadowed) row.head.appendChild(row.shadowed);
      else row.shadowed.remove();
      // agents on a local rules file never take the document: a policy added here misses them
      const n = d.agentsOnRulesFile;
      const onFile = n
        ? (n === d.agents
          ? (n === 1 ? 'The agent calling it runs' : `All ${n} agents calling it run`)
          : `${n} of the ${d.agents} agents calling it ${n === 1 ? 'runs' : 'run'}`)
          + ' a local rules file: a policy added here does not reach'
          + ` ${n === 1 ? 'it' : 'them'}.`
        : '';
      setText(row.onFile, onFile);
      if (onFile) row.head.appendChild(row.onFile);
      else row.onFile.remove();
      setText(row.calls, d.callsPerMinute);
      setText(row.agents, d.agents ?? '—');
      setText(row.errors, errors);
      setText(row.p99, d.p99Millis != null ? `${Math.round(d.p99Millis)} ms` : '—');
      setText(row.summary, showHidden(policySummary(d.suggestedPolicy)));
      setText(row.code, pretty(d.suggestedPolicy));
      if (addable) {
        if (!row.add.isConnected) row.policyCell.appendChild(row.add);
      } else {
        row.add.remove();
      }
    });
    for (const [target, row] of this.rows) {
      if (!seen.has(target)) {
        row.tr.remove();
        this.rows.delete(target);
      }
    }
  }

  /** Says which listed agents use clients Sluice does not guard (their status names them). */
  renderUnguarded() {
    const agents = this.page.agentsLoaded ? this.page.agentViews() : [];
    const clients = unguardedClientsOf(agents);
    this.unguarded.hidden = clients.length === 0;
    const using = agents.filter((a) => a.unguardedClients.length).length;
    // agents that do not say (the SDK's own apps, older agents, an agent without its bootstrap
    // bridge or with the unguarded-clients module off) are not counted as using none
    const told = agents.filter((a) => a.unguardedClientsTold).length;
    const listed = this.page.agentsPartly ? ' listed' : '';
    const of = told < agents.length
      ? `the ${told} agents${listed} that say which clients they use`
      : `${told} agents${listed}`;
    // rebuilt only when it says something else: a selection in it survives the live updates
    fillIfChanged(this.unguarded, JSON.stringify([clients, using, of]), clients.length ? [
      h('p', {
        text: 'Calls through HTTP clients Sluice\u2019s circuit breakers do not guard, made by'
          + ` ${using} of ${of}, pass every breaker policy, an open breaker too, and are not`
          + ' counted in this list.',
      }),
      h('ul', {}, ...clients.map((c) => h('li', {
        'data-test': 'unguarded-client',
        text: showHidden(`${c.client} (${c.agents === 1 ? '1 agent' : `${c.agents} agents`})`
          + (c.guarded ? `: ${c.guarded}.` : '')),
      }))),
    ] : []);
  }

  newRow(target) {
    const row = {
      // host:port as agents reported it
      head: h('th', { scope: 'row' },
        h('span', { class: 'mono', 'data-test': 'target', text: showHidden(target) })),
      partly: h('div', { class: 'hint', 'data-test': 'partly-guarded' }),
      shadowed: h('div', { class: 'hint', 'data-test': 'shadow-watched' }),
      onFile: h('div', { class: 'hint', 'data-test': 'on-rules-file' }),
      calls: h('td', { class: 'num' }),
      agents: h('td', { class: 'num', 'data-test': 'agents' }),
      errors: h('td', { class: 'num' }),
      p99: h('td', { class: 'num' }),
      summary: h('summary'),
      code: h('pre', { class: 'code-block' }),
      policy: null,
    };
    row.add = h('button', {
      type: 'button', class: 'btn btn-small', 'data-test': 'add-policy',
      'aria-label': `Add the suggested policy for ${target} to the editor`, text: 'Add to editor',
      onclick: () => this.page.rules.addBreakerPolicy(row.policy, target),
    });
    row.policyCell = h('td', {}, h('details', {}, row.summary, row.code));
    row.tr = h('tr', { 'data-target': target },
      row.head, row.calls, row.agents, row.errors, row.p99, row.policyCell);
    return row;
  }
}

/**
 * The clients the agents (their views, model.js) name as unguarded, each once with how many agents
 * name it and what Sluice guards instead, sorted by client.
 */
function unguardedClientsOf(agents) {
  const byClient = new Map();
  for (const agent of agents) {
    const named = new Set();
    for (const c of agent.unguardedClients) {
      if (named.has(c.client)) continue;
      named.add(c.client);
      const entry = byClient.get(c.client) ?? { client: c.client, guarded: null, agents: 0 };
      entry.agents += 1;
      if (!entry.guarded && c.guarded) entry.guarded = c.guarded;
      byClient.set(c.client, entry);
    }
  }
  return [...byClient.values()]
    .sort((a, b) => (a.client < b.client ? -1 : a.client > b.client ? 1 : 0));
}

/** The control plane's counts of the reports behind the list, or null from one that sends none. */
function reportsOf(headers) {
  const agents = headers && headers.get('X-Sluice-Agents');
  const capped = headers && headers.get('X-Sluice-Agents-Capped');
  if (agents == null || capped == null) return null;
  return { agents: Number(agents) || 0, capped: Number(capped) || 0 };
}

/** One line about a suggested policy: its name, when it opens, whether it starts in shadow mode. */
function policySummary(p) {
  if (!p || typeof p !== 'object') return 'policy';
  const parts = [];
  if (p.failureRateThreshold !== undefined) {
    parts.push(`opens at ${p.failureRateThreshold}% failed`);
  }
  if (p.slowCallDuration !== undefined) parts.push(`slow after ${p.slowCallDuration}`);
  if (p.shadow) parts.push('shadow mode');
  return `${p.name ?? 'policy'}${parts.length ? ` · ${parts.join(', ')}` : ''}`;
}
