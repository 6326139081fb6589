// Sampling rules and breaker policies as tables, for readers who do not want the JSON. Drawn
// from whatever the editor holds, so it must cope with half-written documents: every value is
// shown as text (invisible and bidirectional characters as \uXXXX escapes, as in the editor), and
// missing fields show their defaults in grey.

import { h } from './dom.js';
import { showHidden } from './json-text.js';

// An object as JSON: also a whole number past 2^53 the editor keeps as written (JSON.rawJSON), an
// object without a prototype, which String() and a template literal refuse with a TypeError.
const str = (v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v));
const text = (v) => showHidden(v === undefined || v === null ? '' : str(v));
const dflt = (v, fallback) =>
  (v === undefined ? h('span', { class: 'muted', text: fallback }) : text(v));
const pct = (v) => (typeof v === 'number' ? `${Math.round(v * 1000) / 10}%` : text(v));

export function structuredView(doc) {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    return h('p', { class: 'muted', text: 'The document is not an object.' });
  }
  const sampling = doc.sampling && typeof doc.sampling === 'object' ? doc.sampling : {};
  const rules = Array.isArray(sampling.rules) ? sampling.rules : [];
  const breakers = Array.isArray(doc.breakers) ? doc.breakers : [];
  return [
    h('h3', { text: 'Sampling' }),
    h('dl', { class: 'facts' },
      h('div', {},
        h('dt', { text: 'Default ratio' }),
        h('dd', {}, sampling.defaultRatio === undefined
          ? dflt(undefined, '100% (default)')
          : pct(sampling.defaultRatio))),
      h('div', {},
        h('dt', { text: 'Follows parent decision' }),
        h('dd', {}, sampling.respectParentDecision === undefined
          ? dflt(undefined, 'yes (default)')
          : sampling.respectParentDecision === true
            ? 'yes'
            : sampling.respectParentDecision === false
              ? 'no'
              : text(sampling.respectParentDecision)))),
    rules.length === 0
      ? h('p', { class: 'muted', text: 'No sampling rules: every span gets the default ratio.' })
      : h('div', { class: 'table-scroll' },
        h('table', { class: 'table compact', 'aria-label': 'Sampling rules, tried in order' },
        h('thead', {}, h('tr', {},
          ['#', 'Name', 'Span name', 'Kind', 'Attributes', 'Ratio', 'Max/s']
            .map((c) => h('th', { scope: 'col', text: c })))),
        h('tbody', {}, rules.map((r, i) => {
          const rule = r && typeof r === 'object' ? r : {};
          const match = rule.match && typeof rule.match === 'object' ? rule.match : {};
          const attrs = match.attributes && typeof match.attributes === 'object'
            ? Object.entries(match.attributes)
            : [];
          return h('tr', {},
            h('td', { class: 'num', text: i + 1 }),
            h('th', { scope: 'row', class: 'rule-name', text: text(rule.name) }),
            h('td', {}, dflt(match.spanName, 'any')),
            h('td', {}, dflt(match.spanKind, 'any')),
            h('td', {}, attrs.length
              ? attrs.map(([k, v]) => h('code', { class: 'kv', text: `${text(k)} = ${text(v)}` }))
              : h('span', { class: 'muted', text: 'any' })),
            h('td', { class: 'num', text: pct(rule.ratio) }),
            h('td', { class: 'num' }, dflt(rule.maxPerSecond, '—')));
        })))),
    h('h3', { text: 'Breaker policies' }),
    breakers.length === 0
      ? h('p', { class: 'muted', text: 'No breaker policies: outgoing calls are not protected.' })
      : h('div', { class: 'table-scroll' },
        h('table', { class: 'table compact', 'aria-label': 'Breaker policies, tried in order' },
        h('thead', {}, h('tr', {},
          ['#', 'Name', 'Calls to', 'Opens at', 'Window', 'When open']
            .map((c) => h('th', { scope: 'col', text: c })))),
        h('tbody', {}, breakers.map((b, i) => {
          const p = b && typeof b === 'object' ? b : {};
          const m = p.match && typeof p.match === 'object' ? p.match : {};
          const port = m.port !== undefined ? `:${str(m.port)}` : '';
          const where = `${str(m.host ?? '*')}${port}${str(m.path ?? '')}`;
          const target = text([str(m.method ?? ''), where].filter(Boolean).join(' '));
          const w = p.slidingWindow && typeof p.slidingWindow === 'object' ? p.slidingWindow : {};
          const onOpen = p.onOpen && typeof p.onOpen === 'object' ? p.onOpen : {};
          return h('tr', {},
            h('td', { class: 'num', text: i + 1 }),
            h('th', { scope: 'row', class: 'rule-name' },
              text(p.name),
              p.shadow === true ? h('span', { class: 'chip chip-warn', text: 'shadow' }) : null,
              p.scope === 'rule' ? h('span', { class: 'chip', text: 'one breaker' }) : null),
            h('td', {}, h('code', { text: target })),
            h('td', {},
              `${text(p.failureRateThreshold ?? 50)}% failed`,
              h('br'),
              h('span', {
                class: 'muted',
                text: `${text(p.slowCallRateThreshold ?? 100)}% slower than`
                  + ` ${text(p.slowCallDuration ?? '60s')}`,
              })),
            h('td', {},
              `${text(w.size ?? 20)}`
                + ` ${str(w.type ?? 'COUNT').toUpperCase() === 'TIME' ? 's' : 'calls'}`,
              h('br'),
              h('span', { class: 'muted', text: `min ${text(p.minimumCalls ?? 10)} calls` })),
            h('td', {},
              str(onOpen.mode ?? 'error') === 'response'
                ? `respond ${text(onOpen.status ?? 503)}`
                : 'fail fast',
              h('br'),
              h('span', { class: 'muted', text: `for ${text(p.waitInOpenState ?? '30s')}` })));
        })))),
  ];
}
