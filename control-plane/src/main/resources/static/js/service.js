// A service's page: header with live rollout, and tabs for the rules editor, history, agents,
// unprotected dependencies and the dry run. The panels share one ServicePage, which holds the
// current document and the agents listed (a page of them at a time) and refreshes them from the
// event stream.

import { ApiError, call, coalesce, enc, etagRevision, listOf, session } from './api.js';
import { fill, h, sayShownErrors, setText, showError } from './dom.js';
import { showHidden } from './json-text.js';
import { agentView } from './model.js';
import { ReadOrder } from './read-order.js';
import { countChip, rolloutBar, updateCountChip, updateRolloutBar } from './widgets.js';
import { RulesPanel } from './rules-panel.js';
import { HistoryPanel } from './history-panel.js';
import { AgentsPanel } from './agents-panel.js';
import { DependenciesPanel } from './dependencies-panel.js';
import { DryRunPanel } from './dry-run-panel.js';

/**
 * How many agents the page lists at first, and how many more each "Show more agents" adds: a
 * service of thousands of instances would otherwise have every status read (each up to tens of
 * kilobytes) and a row drawn for each, on every refresh its agents' reports prompt.
 */
const AGENTS_PAGE = 200;

/**
 * The most agents one read of GET api/v1/agents gives (the control plane's AgentPage.MAX_LIMIT):
 * a refresh re-reads the pages the user opened in as few reads as it may.
 */
const AGENTS_READ_MAX = 500;

/** A count a header of the agents' answer gives, or null when it gives none. */
function headerCount(headers, name) {
  const value = headers ? headers.get(name) : null;
  const n = value == null || value === '' ? NaN : Number(value);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

const TABS = [
  ['rules', 'Rules'],
  ['history', 'History'],
  ['agents', 'Agents'],
  ['dependencies', 'Unprotected dependencies'],
  ['dry-run', 'Dry run'],
];

/** The rollout's lists, which its `counts` count (each by the same name). */
const ROLLOUT_LISTS = ['current', 'older', 'rejected', 'ahead', 'onRulesFile'];

export class ServicePage {
  constructor(root, service, tab, context) {
    this.root = root;
    this.service = service;
    this.context = context;
    /** The stored document: {revision, document} or {revision: null} when there is none. */
    this.current = null;
    /**
     * How many times the page asked for the stored document (or set it itself), when `current` was
     * asked for, and how many times it had when `current` came.
     */
    this.asked = 0;
    this.currentAsked = 0;
    this.currentCame = 0;
    /**
     * The agents listed: the first `agentPages` pages of them (AGENTS_PAGE each), in the control
     * plane's order; not every agent once there are more (see agentsAfter and agentsTotal).
     */
    this.agents = [];
    /** How many pages of agents the user opened: a refresh re-reads as many, no more. */
    this.agentPages = 1;
    /** The cursor (X-Sluice-Next-After) of the agents after those listed; null when none follow. */
    this.agentsAfter = null;
    /**
     * How many agents there are and their open breakers, listed or not, as the last read of them
     * said (X-Sluice-Agents, X-Sluice-Breakers-Open); null until one said it.
     */
    this.agentsTotal = null;
    this.breakersOpen = null;
    this.listeners = { current: new Set(), agents: new Set() };

    this.bar = rolloutBar();
    // as the overview's row says them beside its bar: those agents are in none of its counts
    this.unreadableChip = h('span', {
      class: 'chip chip-warn',
      'data-test': 'unreadable-agents',
      hidden: true,
      title: `Agent statuses of ${service === '_default'
        ? 'the services without rules of their own' : 'this service'} that the control plane`
        + ' cannot read (its log says why): those agents are missing from the counts and the'
        + ' Agents tab.',
    });
    // as the overview's row says them: agents above the current revision, and on a rules file
    this.aheadChip = countChip('ahead');
    this.rulesFileChip = countChip('rules-file');
    this.revisionText = h('span', { class: 'meta-value', 'data-test': 'current-revision' });
    this.rejectedText = h('span', { class: 'meta-value', 'data-test': 'agents-rejected' });
    this.openText = h('span', { class: 'meta-value', 'data-test': 'breakers-open' });
    // read out through the page's live region (showError); the rules' and the agents' each on a
    // line of its own: sharing one, two reads failing alike wrote it in turn, and each re-read
    // (every 15 s, every event) read both out again as a new message
    this.loadError = h('p', { class: 'form-error', 'data-test': 'load-error' });
    this.agentsError = h('p', { class: 'form-error', 'data-test': 'agents-load-error' });
    /**
     * Reads of the agents: one asked before the one whose answer (or failure) the page shows, and
     * answered after it, is dropped, or it would take back pages opened meanwhile.
     */
    this.agentReads = new ReadOrder(this.agentsError);
    /**
     * The reads of the stored rules (refreshCurrent, numbered by `asked`) as their load error line
     * says them: an older read answered later neither clears a newer one's error nor shows its own
     * over a newer success.
     */
    this.loadReads = new ReadOrder(this.loadError);
    this.defaultNote =
      h('div', { class: 'notice', role: 'note', 'data-test': 'default-only', hidden: true });
    this.unknownNote = h('p', {
      class: 'notice notice-warn',
      role: 'note',
      'data-test': 'unknown-service',
      hidden: true,
      text: `No agent reports the service name ${showHidden(service)}, and it has no rules.`
        + ' If agents should run under this name, check it for typos: it must equal their'
        + ' otel.service.name. Rules saved here apply only to agents of exactly this name.',
    });

    this.tabButtons = new Map();
    this.panels = new Map();
    const tablist =
      h('div', { class: 'tabs', role: 'tablist', 'aria-label': `${service} sections` });
    for (const [id, label] of TABS) {
      const button = h('button', {
        type: 'button', role: 'tab', id: `tab-${id}`, 'aria-controls': `panel-${id}`,
        'aria-selected': 'false', tabindex: '-1', 'data-tab': id, text: label,
      });
      button.addEventListener('click', () => {
        location.hash = `#/service/${enc(service)}/${id}`;
      });
      button.addEventListener('keydown', (e) => this.tabKey(e, id));
      this.tabButtons.set(id, button);
      tablist.appendChild(button);
      this.panels.set(id, h('section', {
        role: 'tabpanel',
        id: `panel-${id}`,
        'aria-labelledby': `tab-${id}`,
        class: 'panel',
        hidden: true,
        tabindex: '-1',
      }));
    }

    fill(root,
      h('div', { class: 'page-head service-head' },
        h('h1', {},
          h('span', { class: 'muted', text: 'Service ' }),
          h('span', { 'data-test': 'service-name', text: showHidden(service) })),
        h('dl', { class: 'meta' },
          h('div', {}, h('dt', { text: 'Revision' }), h('dd', {}, this.revisionText)),
          h('div', {},
            h('dt', { text: 'Rollout' }),
            h('dd', {}, this.bar.node, this.aheadChip, this.rulesFileChip, this.unreadableChip)),
          h('div', {}, h('dt', { text: 'Rejected' }), h('dd', {}, this.rejectedText)),
          h('div', {},
            h('dt', { text: 'Breakers open or half-open' }),
            h('dd', {}, this.openText)))),
      this.loadError,
      this.agentsError,
      this.defaultNote,
      this.unknownNote,
      tablist,
      [...this.panels.values()]);

    this.rules = new RulesPanel(this.panels.get('rules'), this);
    this.history = new HistoryPanel(this.panels.get('history'), this);
    this.agentsPanel = new AgentsPanel(this.panels.get('agents'), this);
    this.dependencies = new DependenciesPanel(this.panels.get('dependencies'), this);
    this.dryRun = new DryRunPanel(this.panels.get('dry-run'), this);

    // agents report all the time (see coalesce); rule changes are rare and wanted at once
    this.agentsChanged = coalesce(() => this.refreshAgents());
    this.unsubscribe = context.subscribe((event) => this.onEvent(event));
    // Besides the events: a read that failed (etcd away) is tried again, and nothing missed stays.
    this.timer = setInterval(() => {
      this.refreshAgents();
      this.refreshCurrent();
      this.history.retryFailed();
    }, 15000);
    this.showTab(tab);
    this.load();
  }

  close() {
    this.closed = true;
    this.unsubscribe();
    clearInterval(this.timer);
    this.agentsChanged.cancel();
    clearTimeout(this.pendingRules);
    this.rules.close();
  }

  /** Whether leaving the page would throw away edits (the rules editor's). */
  hasUnsavedEdits() {
    return this.rules.hasUnsavedEdits();
  }

  /**
   * The rules editor's unsaved edits, to keep when the session ends under the user or the page is
   * drawn anew; or null.
   */
  unsavedDraft() {
    return this.hasUnsavedEdits() ? this.rules.unsavedDraft() : null;
  }

  /** The rules editor's save that went through as the page closed, unsaid (see RulesPanel). */
  savedMeanwhile() {
    return this.rules ? this.rules.savedMeanwhile() : null;
  }

  /** Whether the page tells a reader that edits are kept as a draft for a writer's sign-in. */
  showsKeptDraft() {
    return Boolean(this.rules && this.rules.keptDraftShown);
  }

  get canWrite() {
    return this.context.canWrite;
  }

  /**
   * Whether this is _default's page: its agents are those of every service without a document of
   * its own (no agent reports the name _default), each shown with the service it reports.
   */
  get isDefault() {
    return this.service === '_default';
  }

  /**
   * Whether this service's name can have no rule document of its own (agents may report any
   * name; one outside the rule language's runs _default): then there is nothing to edit here.
   */
  get defaultOnly() {
    return Boolean(this.current && this.current.defaultOnly);
  }

  on(kind, listener) {
    this.listeners[kind].add(listener);
  }

  emit(kind) {
    for (const l of this.listeners[kind]) {
      try {
        l();
      } catch (e) {
        console.error(e);
      }
    }
  }

  showTab(id) {
    if (!this.panels.has(id)) id = 'rules';
    for (const [tab, button] of this.tabButtons) {
      const selected = tab === id;
      button.setAttribute('aria-selected', String(selected));
      button.tabIndex = selected ? 0 : -1;
      this.panels.get(tab).hidden = !selected;
    }
    // what could not be loaded while the tab was not shown is said now
    sayShownErrors(this.panels.get(id));
    this.activeTab = id;
    const panel = {
      rules: this.rules,
      history: this.history,
      agents: this.agentsPanel,
      dependencies: this.dependencies,
      'dry-run': this.dryRun,
    }[id];
    if (panel && panel.shown) panel.shown();
  }

  tabKey(event, id) {
    const ids = TABS.map(([t]) => t);
    let k = ids.indexOf(id);
    if (event.key === 'ArrowRight') k = (k + 1) % ids.length;
    else if (event.key === 'ArrowLeft') k = (k - 1 + ids.length) % ids.length;
    else if (event.key === 'Home') k = 0;
    else if (event.key === 'End') k = ids.length - 1;
    else return;
    event.preventDefault();
    // Arrows browse the tabs: Back should leave the tab the user went to, not walk every tab the
    // arrows passed. Only a click or a link adds a history entry (replace still fires hashchange).
    location.replace(`#/service/${enc(this.service)}/${ids[k]}`);
    this.tabButtons.get(ids[k]).focus();
  }

  /** Switches to a tab from code (e.g. after "add to editor"). */
  goTo(id) {
    location.hash = `#/service/${enc(this.service)}/${id}`;
    this.showTab(id);
  }

  async load() {
    await Promise.all([this.refreshCurrent(), this.refreshAgents()]);
  }

  /** Re-reads the stored document; listeners hear about it when the revision changed. */
  async refreshCurrent() {
    const asked = ++this.asked;
    try {
      const r = await call('GET', `api/v1/services/${enc(this.service)}/rules`);
      const revision = etagRevision(r.headers) ?? r.body?.revision ?? null;
      this.setCurrent({ revision, document: r.body }, asked);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        const defaultOnly = e.problem.canHaveOwnDocument === false;
        if (defaultOnly) this.showDefaultOnly(e.problem.detail);
        this.setCurrent({ revision: null, document: null, defaultOnly }, asked);
      } else {
        if (this.saysLoadOf(asked)) {
          showError(this.loadError,
            [`Could not load the rules: ${e.message}`, this.keptDraftNote()]
              .filter(Boolean).join(' '));
          this.rules.readFailed();
        }
        return;
      }
    }
    if (this.saysLoadOf(asked)) showError(this.loadError, '');
  }

  /** Whether the outcome of rules read `asked` is the newest word, and so the one the page says. */
  saysLoadOf(asked) {
    return !this.closed && this.loadReads.shows(asked);
  }

  /**
   * What became of edits kept as a draft for this page (see RulesPanel.restoreDraft), while its
   * rules cannot be read: the editor puts them back, or says they are kept, only once they are, and
   * the page drawn anew left that to it. Null without such a draft, or once the rules were read.
   */
  keptDraftNote() {
    const owner = this.context.draftOwner;
    if (this.current || !owner || !session.peekDraft(owner, this.service)) return null;
    return this.canWrite
      ? 'Your unsaved edits to these rules are kept in this tab: they come back in the editor'
        + ' once the rules can be read.'
      : 'Your unsaved edits to these rules are kept in this tab as a draft, for a sign-in that'
        + ' may write.';
  }

  /** The note for a service whose agents can only run _default, with the server's reason. */
  showDefaultOnly(reason) {
    if (!this.defaultNote.hidden) return;
    fill(this.defaultNote,
      h('p', {
        text: showHidden(reason
          ? `${reason}.`
          : `The agents of ${this.service} run the _default document.`),
      }),
      h('p', {}, 'Change their rules in ',
        h('a', { href: '#/service/_default/rules', 'data-test': 'default-link', text: '_default' }),
        ', or give the service a name that can have a document of its own (otel.service.name).'));
    this.defaultNote.hidden = false;
  }

  /**
   * Makes `next` the current document. `asked` orders it among the page's reads (refreshCurrent):
   * without it, it is what the page itself just wrote (a save, a deletion), newer than any read
   * under way. Reads may be answered out of order (two events, two reads): an answer with a lower
   * revision than the current one is older and ignored; so is one to a read asked before what the
   * page holds now, unless its revision is higher. A 404 carries no revision: a deletion heard by a
   * read asked after the current document came counts, an older read's does not (nor does an older
   * read's document once the page holds a deletion). An answer to a read asked after the current
   * document came is etcd as it is now and counts whatever its revision: lower when etcd lost data
   * (restored from an older backup, or restarted empty and written again), which the page would
   * otherwise not follow until a revision passed the one it held, every save refused as stale.
   */
  setCurrent(next, asked = ++this.asked) {
    if (this.closed) return;
    const held = this.current ? this.current.revision : null;
    const both = typeof next.revision === 'number' && typeof held === 'number';
    const higher = both && next.revision > held;
    const lower = both && next.revision < held;
    const askedSince = asked > this.currentCame;
    if (!askedSince && (lower || (asked < this.currentAsked && !higher))) return;
    this.currentAsked = asked;
    this.currentCame = this.asked;
    const changed = !this.current || this.current.revision !== next.revision
      || Boolean(this.current.defaultOnly) !== Boolean(next.defaultOnly);
    this.current = next;
    if (changed) {
      this.renderHead();
      this.emit('current');
      // The rollout is measured against the new revision now.
      this.refreshAgents();
    }
  }

  /**
   * Re-reads the agents listed (the pages the user opened, no more) and the rollout, which counts
   * every agent for the head: its counts alone (?agents=false), not an entry per agent, which a
   * service of thousands of instances would have the page read on every refresh for nothing.
   */
  async refreshAgents() {
    await this.agentReads.run((read) => this.readAgentsAnew(read));
  }

  /** Reads the agents listed and the rollout as read number `read` (see refreshAgents). */
  async readAgentsAnew(read) {
    try {
      const [agents, rollout] = await Promise.all([
        this.readAgents(this.agentPages * AGENTS_PAGE, null),
        call('GET', `api/v1/services/${enc(this.service)}/rollout?agents=false`)
          .catch(() => null),
      ]);
      if (this.closed || read < this.agentReads.shown) return;
      // A rollout that could not be read (etcd away: the agents still come, from the control
      // plane's memory) leaves the last one read. Without it a service running _default, whose
      // page knows no revision of its own, would show every agent applied against none and its
      // rules as the built-in defaults; agentViews judges the last one by its revision.
      if (rollout) this.rollout = rollout.body;
      this.showAgents(read, agents.list, agents);
    } catch (e) {
      this.agentsFailed(read, e);
    }
  }

  /**
   * Says that agents read `read` failed, unless a newer read was shown: the newest word, so an
   * older read answered later neither draws over it nor clears it.
   */
  agentsFailed(read, e) {
    if (this.closed || !this.agentReads.shows(read)) return;
    showError(this.agentsError, `Could not load the agents: ${e.message}`);
  }

  /**
   * Lists the next page of agents (the Agents tab's "Show more agents"), which the refreshes after
   * keep listed. Resolves once it is drawn, or the read failed (and said so).
   */
  async showMoreAgents() {
    if (this.agentsAfter == null) return;
    this.agentPages++;
    const shown = this.agentReads.shown;
    await this.agentReads.run((read) => this.readMoreAgents(read, shown));
  }

  /**
   * Reads the next page of agents as read number `read`, the read shown when it was asked being
   * `shown` (see showMoreAgents).
   */
  async readMoreAgents(read, shown) {
    try {
      const more = await this.readAgents(AGENTS_PAGE, this.agentsAfter);
      if (this.closed || this.agentReads.shown > read) return;
      if (this.agentReads.shown !== shown) {
        // a refresh asked before the click was drawn meanwhile: its list may not end where this
        // page begins (agents came or went), so the pages opened are read again as one
        await this.refreshAgents();
        return;
      }
      this.showAgents(read, [...this.agents, ...more.list], more);
    } catch (e) {
      this.agentsFailed(read, e);
    }
  }

  /**
   * Reads up to `count` agents after the cursor `after` (from the first when null), in reads of
   * at most AGENTS_READ_MAX: `{list, next, total, breakersOpen}`, `next` the cursor after them or
   * null when they are the last.
   */
  async readAgents(count, after) {
    // the server's one definition of who falls back, the same the overview's _default row counts
    const filter = this.isDefault ? 'fallingBackToDefault=true' : `service=${enc(this.service)}`;
    const list = [];
    let next = after;
    let answer;
    do {
      const limit = Math.min(AGENTS_READ_MAX, count - list.length);
      answer = await call('GET',
        `api/v1/agents?${filter}&limit=${limit}${next ? `&after=${enc(next)}` : ''}`);
      list.push(...listOf(answer.body, 'agents')
        .filter((a) => this.isDefault || !a.service || a.service === this.service));
      next = answer.headers.get('X-Sluice-Next-After') || null;
    } while (next && list.length < count);
    return {
      list,
      next,
      // the last read's: the latest
      total: headerCount(answer.headers, 'X-Sluice-Agents'),
      breakersOpen: headerCount(answer.headers, 'X-Sluice-Breakers-Open'),
    };
  }

  /** Shows `list` as the agents listed, from read number `read` (see agentReads). */
  showAgents(read, list, { next, total, breakersOpen }) {
    this.agentReads.shows(read);
    this.agents = list;
    this.agentsAfter = next;
    // agents that came between two reads of a walk may make the list outnumber the total read
    this.agentsTotal = total == null ? (next ? null : list.length) : Math.max(total, list.length);
    this.breakersOpen = breakersOpen;
    this.agentsLoaded = true;
    showError(this.agentsError, '');
    this.renderHead();
    this.emit('agents');
  }

  /** Whether some agents are not listed (see agentPages): the page says how many are. */
  get agentsPartly() {
    return this.agentsAfter != null;
  }

  /**
   * How many status keys of the agents listed here the control plane cannot read (those agents are
   * in no list), as the last rollout read says; 0 before one was read.
   */
  unreadableAgents() {
    const n = this.rollout ? Number(this.rollout.unreadableAgents) : 0;
    return Number.isFinite(n) && n > 0 ? n : 0;
  }

  /**
   * How many agents run each Sluice version, every agent (listed or not), as the last rollout read
   * counts them (`{"0.1.0": 2, "0.2.0": 1}`); null before one was read.
   */
  sluiceVersions() {
    const v = this.rollout ? this.rollout.sluiceVersions : null;
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  }

  /**
   * What the agents are judged against: whether the last rollout read is of the current revision
   * (`fresh`: its counts are of every agent's status now), and the revision to judge them by: its
   * own when fresh (it knows the effective revision: _default's, when the service has no document
   * of its own), else the current document's; `known` false when there is neither (the rollout
   * could not be read, etcd away, while the agents come from the control plane's memory, and the
   * rules were not read either, or are no document of the service's own): every agent counted as
   * applied against no revision would show a complete rollout.
   */
  judgement() {
    // A rollout fetched for an earlier revision must not count agents as on the new one (right
    // after a save it would show every agent as applied until the next fetch).
    const currentRevision = this.current ? this.current.revision : null;
    const fresh = Boolean(this.rollout)
      && (currentRevision == null || this.rollout.revision === currentRevision);
    const revision = fresh && typeof this.rollout.revision === 'number'
      ? this.rollout.revision
      : currentRevision;
    // without a revision of its own (no document, or a name that can have none: its 404 reads no
    // etcd), only a rollout tells which revision its agents run
    return { fresh, revision, known: fresh || currentRevision != null };
  }

  /**
   * Agents listed, as the views draw them, with their status against the revision they are judged
   * by: judged as the control plane's rollout judges them (Rollout.of, which agentView follows),
   * so the rows agree with the head's counts without the rollout listing every agent.
   */
  agentViews() {
    const { revision, known } = this.judgement();
    return this.agents.map((a) => agentView(a, revision, known));
  }

  /**
   * The head's counts of every agent, listed or not: `{total, current, rejected, ahead,
   * onRulesFile}`. From the last rollout read when it is of the current revision (its counts);
   * otherwise from the agents listed, judged by their revisions, when they are all: a rollout of an
   * earlier revision (right after a save, until the next read) must not count agents as on the new
   * one, and its counts cannot be judged again agent by agent. Else null, not known, which the head
   * says rather than counting only the agents listed.
   */
  headCounts() {
    const { fresh, known } = this.judgement();
    if (this.rollout && fresh) return this.rolloutCounts();
    if (this.agentsPartly || !known) return null;
    const statuses = this.agentViews().map((a) => a.status);
    const count = (status) => statuses.filter((s) => s === status).length;
    return {
      total: statuses.length,
      current: count('applied'),
      rejected: count('rejected'),
      ahead: count('ahead'),
      onRulesFile: count('rules file'),
    };
  }

  /**
   * The last rollout read's counts; counted from its lists when it has none (a control plane from
   * before `counts`, which knows no ?agents=false and lists every agent).
   */
  rolloutCounts() {
    const { counts } = this.rollout;
    if (counts && typeof counts === 'object') return counts;
    const sizes = Object.fromEntries(ROLLOUT_LISTS.map((list) =>
      [list, Array.isArray(this.rollout[list]) ? this.rollout[list].length : 0]));
    return { ...sizes, total: Object.values(sizes).reduce((n, size) => n + size, 0) };
  }

  renderHead() {
    const revision = this.current ? this.current.revision : null;
    const source = this.rollout ? this.rollout.source : null;
    // Not read yet (or the read failed): unknown, which is not "none".
    setText(this.revisionText, !this.current ? '—' : revision != null ? revision
      : source
        ? showHidden(`none (${source} revision ${this.rollout.revision} applies)`)
        : 'none (built-in defaults apply)');
    // A name no agent reports and without rules: most likely a typo. (The first page is empty
    // only when there is no agent at all.) Not _default, which no agent reports as its name: its
    // agents are those that fall back to it.
    this.unknownNote.hidden = !(this.agentsLoaded && this.agents.length === 0 && this.current
      && this.current.revision == null && !this.current.defaultOnly && !this.isDefault);
    // every agent's, not only the listed ones': the page lists the first AGENTS_PAGE or so
    const counts = this.headCounts();
    const count = (name) => (counts ? counts[name] : null);
    const onRulesFile = count('onRulesFile');
    // agents on a rules file never take the document: said beside the bar, not counted in it
    updateRolloutBar(this.bar, count('current'), counts ? counts.total - onRulesFile : null);
    updateCountChip(this.aheadChip, count('ahead'));
    updateCountChip(this.rulesFileChip, onRulesFile);
    const unreadable = this.unreadableAgents();
    setText(this.unreadableChip, unreadable ? `+${unreadable} unreadable` : '');
    this.unreadableChip.hidden = !unreadable;
    const rejected = count('rejected');
    setText(this.rejectedText, rejected ?? '—');
    this.rejectedText.classList.toggle('bad', rejected > 0);
    // the control plane's count over every agent; the listed agents' only when they are all
    const open = this.breakersOpen ?? (this.agentsPartly ? null
      : this.agentViews().reduce((n, a) => n + a.breakersOpen, 0));
    setText(this.openText, open ?? '—');
    this.openText.classList.toggle('bad', open > 0);
  }

  onEvent(event) {
    const data = event.data && typeof event.data === 'object' ? event.data : {};
    // Changes to _default matter to a service without a document of its own.
    const other = data.service && data.service !== this.service && data.service !== '_default';
    // _default's agents are other services' agents, and a service's rules decide whether its
    // agents fall back to _default: on its page any service's change may change the agents.
    if (other && !this.isDefault) return;
    const name = String(event.event || '');
    // back after the stream was down: history may have grown without moving the revision
    if (name === 'reconnected' && data.afterOutage) this.history.reread();
    const aboutAgents = /agent/i.test(name);
    const aboutRules = /rule|revision|history/i.test(name);
    if (other || aboutAgents || !aboutRules) {
      this.agentsChanged();
    }
    // another service's change leaves _default's own document as it is
    if (!other && (aboutRules || !aboutAgents)) {
      clearTimeout(this.pendingRules);
      this.pendingRules = setTimeout(() => this.refreshCurrent(), 150);
    }
  }
}
