// Small pieces shared by the pages: the rollout bar, the diff view, status chips.

import { fill, h, setText } from './dom.js';
import { hunks, stats } from './diff.js';
import { showHidden } from './json-text.js';
import { isOpen } from './model.js';

/** A fixed-size rollout bar with "n/m" text; update it with updateRolloutBar. */
export function rolloutBar() {
  const fillNode = h('span', { class: 'rollout-fill' });
  const text = h('span', { class: 'rollout-text', 'data-test': 'rollout' });
  const track = h('span', { class: 'rollout-track', role: 'img' }, fillNode);
  return { node: h('span', { class: 'rollout' }, track, text), fill: fillNode, text, track };
}

/**
 * Draws `current` of `total` agents on the current revision. Agents on a local rules file are no
 * part of `total`: the bar measures how far the document stored here reached, which they never
 * take; the pages say them beside it (countChip). Null counts are not known (yet): "—", as the
 * pages say any value not read, rather than a count of only some of the agents.
 */
export function updateRolloutBar(bar, current, total) {
  if (current == null || total == null) {
    bar.fill.style.width = '0%';
    bar.fill.classList.remove('complete');
    setText(bar.text, '—');
    bar.track.setAttribute('aria-label', 'Agents on the current revision: not known yet');
    return;
  }
  const pct = total > 0 ? Math.round((current / total) * 100) : 0;
  bar.fill.style.width = `${pct}%`;
  bar.fill.classList.toggle('complete', total > 0 && current === total);
  setText(bar.text, `${current}/${total}`);
  bar.track.setAttribute('aria-label', `${current} of ${total} agents on the current revision`);
}

/** Renders a line diff as a table of old/new line numbers and +/- lines. */
export function diffView(lines, { label = 'Changes' } = {}) {
  const { added, removed } = stats(lines);
  if (!added && !removed) {
    return h('p', { class: 'diff-none', 'data-test': 'diff-none', text: 'No changes.' });
  }
  const rows = hunks(lines).map((l) => {
    if (l.op === '…') {
      return h('tr', { class: 'diff-skip' }, h('td', {
        colspan: 3,
        text: `⋯ ${l.skipped} unchanged line${l.skipped === 1 ? '' : 's'}`,
      }));
    }
    const cls = l.op === '+' ? 'diff-add' : l.op === '-' ? 'diff-del' : 'diff-ctx';
    return h('tr', { class: cls },
      h('td', { class: 'ln', text: l.oldLine ?? '' }),
      h('td', { class: 'ln', text: l.newLine ?? '' }),
      h('td', { class: 'code' },
        h('span', {
          class: 'op',
          'aria-label': l.op === '+' ? 'added' : l.op === '-' ? 'removed' : undefined,
          text: l.op,
        }),
        l.text));
  });
  return h('div', { class: 'diff', 'data-test': 'diff' },
    h('p', { class: 'diff-stats' },
      h('span', { class: 'added', text: `+${added}` }),
      ' ',
      h('span', { class: 'removed', text: `−${removed}` }),
      ` ${label.toLowerCase()}`),
    h('div', { class: 'diff-scroll' },
      h('table', { class: 'diff-table', 'aria-label': label }, h('tbody', {}, rows))));
}

/**
 * A small state chip for a breaker: CLOSED, OPEN, HALF_OPEN… (all of it as an agent reported it).
 */
export function breakerChip(b) {
  const state = String(b.state || 'UNKNOWN').toUpperCase();
  const cls = isOpen(state)
    ? 'chip chip-bad'
    : state === 'HALF_OPEN' ? 'chip chip-warn' : 'chip chip-ok';
  const rate = typeof b.failureRate === 'number' && b.failureRate >= 0
    ? ` · ${b.failureRate.toFixed(0)}% failed`
    : '';
  const title = showHidden(`${b.policy || ''} ${b.key || ''}${rate}`.trim());
  return h('span', { class: cls, title },
    h('span', { class: 'chip-label', text: showHidden(b.key || b.policy || '') }),
    showHidden(` ${state.replace('_', '-')}${b.shadow ? ' (shadow)' : ''}`));
}

/** What each count chip counts, and how its text names them. */
const COUNT_CHIPS = {
  ahead: {
    test: 'agents-ahead',
    label: 'ahead',
    title: 'Agents on a revision above the current one: a document deleted since, whose delete they'
      + ' have not applied yet, or one etcd no longer holds (restored from an older backup).'
      + ' They are not behind, and not counted as on the current revision.',
  },
  'rules-file': {
    test: 'agents-on-rules-file',
    label: 'on a rules file',
    title: 'Agents that run a local rules file (sluice.rules.file): they follow no change saved'
      + ' here, so the rollout bar leaves them out.',
  },
};

/** The kind (a key of COUNT_CHIPS) of each chip countChip made. */
const countChipKinds = new WeakMap();

/**
 * A chip beside a rollout bar for agents that its "n/m" does not show as behind: `kind` 'ahead'
 * (above the current revision) or 'rules-file' (on a local rules file, left out of the bar).
 * Hidden while its count is 0; set the count with updateCountChip.
 */
export function countChip(kind) {
  const { test, title } = COUNT_CHIPS[kind];
  const chip = h('span', { class: 'chip', 'data-test': test, hidden: true, title });
  countChipKinds.set(chip, kind);
  return chip;
}

/** Shows "N ahead" or "N on a rules file" in a chip made by countChip, hidden for 0. */
export function updateCountChip(chip, count) {
  const n = Number(count) > 0 ? Number(count) : 0;
  setText(chip, n ? `${n} ${COUNT_CHIPS[countChipKinds.get(chip)].label}` : '');
  chip.hidden = !n;
}

/**
 * An agent's rollout status (applied, behind, ahead, rejected, rules file, unknown), with why when
 * `title` says.
 */
export function statusChip(status, title) {
  const cls = status === 'applied'
    ? 'chip chip-ok'
    : status === 'rejected' ? 'chip chip-bad'
      : status === 'rules file' || status === 'unknown' ? 'chip' : 'chip chip-warn';
  return h('span', { class: cls, 'data-test': 'agent-status', title, text: showHidden(status) });
}

/** What each node was last filled from (see fillIfChanged). */
const renderKeys = new WeakMap();

/**
 * Replaces a node's children only if the rendering changed, keeping focus when it did not. The
 * key, which holds what agents reported as it is, is kept off the page (no data attribute).
 */
export function fillIfChanged(node, key, ...children) {
  if (renderKeys.get(node) === key) return;
  renderKeys.set(node, key);
  fill(node, ...children);
}
