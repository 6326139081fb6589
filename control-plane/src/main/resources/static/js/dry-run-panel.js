// The dry run: ask the control plane which sampling rule decides for a span, or which breaker
// policy covers an outgoing call, under the stored rules (the same compiled matchers as the
// agents).

import { call, enc } from './api.js';
import { fill, h, toast } from './dom.js';

const KINDS = ['SERVER', 'CLIENT', 'INTERNAL', 'PRODUCER', 'CONSUMER'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

export class DryRunPanel {
  constructor(root, page) {
    this.root = root;
    this.page = page;
    this.result = h('section', { class: 'card result', 'aria-live': 'polite', 'aria-labelledby': 'dry-result-title', 'data-test': 'dry-run-result', hidden: true });

    const spanRadio = h('input', { type: 'radio', name: 'dry-kind', id: 'dry-span', value: 'span', checked: true });
    const callRadio = h('input', { type: 'radio', name: 'dry-kind', id: 'dry-call', value: 'call' });
    this.spanName = h('input', { id: 'dry-span-name', type: 'text', placeholder: 'GET /checkout/{id}', spellcheck: 'false' });
    this.spanKind = h('select', { id: 'dry-span-kind' }, KINDS.map((k) => h('option', { value: k, text: k })));
    this.attributes = h('textarea', { id: 'dry-attributes', rows: 4, spellcheck: 'false', placeholder: 'http.request.method=POST\nurl.path=/checkout/42', 'aria-describedby': 'dry-attributes-help' });
    this.method = h('select', { id: 'dry-method' }, METHODS.map((m) => h('option', { value: m, text: m })));
    this.url = h('input', { id: 'dry-url', type: 'url', placeholder: 'http://payments:8080/pay/42', spellcheck: 'false' });

    const spanFields = h('div', { class: 'dry-fields', 'data-for': 'span' },
      h('div', { class: 'field' }, h('label', { for: 'dry-span-name', text: 'Span name' }), this.spanName),
      h('div', { class: 'field' }, h('label', { for: 'dry-span-kind', text: 'Span kind' }), this.spanKind),
      h('div', { class: 'field wide' }, h('label', { for: 'dry-attributes', text: 'Attributes' }), this.attributes,
        h('p', { id: 'dry-attributes-help', class: 'hint', text: 'One per line: key=value.' })));
    const callFields = h('div', { class: 'dry-fields', 'data-for': 'call', hidden: true },
      h('div', { class: 'field' }, h('label', { for: 'dry-method', text: 'Method' }), this.method),
      h('div', { class: 'field wide' }, h('label', { for: 'dry-url', text: 'URL' }), this.url));
    const sync = () => {
      spanFields.hidden = !spanRadio.checked;
      callFields.hidden = spanRadio.checked;
    };
    spanRadio.addEventListener('change', sync);
    callRadio.addEventListener('change', sync);
    this.spanRadio = spanRadio;

    const form = h('form', { class: 'card dry-form', 'aria-labelledby': 'dry-title' },
      h('h2', { id: 'dry-title', text: 'Dry run against the stored rules' }),
      h('fieldset', { class: 'radio-row' },
        h('legend', { text: 'What to evaluate' }),
        h('label', { for: 'dry-span' }, spanRadio, ' A span (sampling)'),
        h('label', { for: 'dry-call' }, callRadio, ' An outgoing call (breakers)')),
      spanFields,
      callFields,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', 'data-test': 'evaluate', text: 'Evaluate' })));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.evaluate();
    });
    fill(root, h('div', { class: 'dry-layout' }, form, this.result));
  }

  shown() {}

  request() {
    if (this.spanRadio.checked) {
      const attributes = {};
      for (const line of this.attributes.value.split('\n')) {
        const i = line.indexOf('=');
        if (i > 0) attributes[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
      return { span: { name: this.spanName.value, kind: this.spanKind.value, attributes } };
    }
    return { call: { method: this.method.value, url: this.url.value } };
  }

  async evaluate() {
    const body = this.request();
    try {
      const r = await call('POST', `/api/v1/services/${enc(this.page.service)}/rules/evaluate`, { body });
      this.show(body, r.body || {});
    } catch (e) {
      toast(`Dry run failed: ${e.message}`, 'error');
      fill(this.result, h('h2', { id: 'dry-result-title', text: 'Result' }), h('p', { class: 'form-error', text: e.message }));
      this.result.hidden = false;
    }
  }

  show(request, r) {
    const name = r.name ?? r.rule ?? r.policy ?? r.matched?.name ?? r.match?.name ?? null;
    const decision = r.decision ?? r.result ?? null;
    const rest = Object.entries(r).filter(([k]) => !['name', 'rule', 'policy', 'decision', 'result', 'service', 'source', 'revision', 'kind'].includes(k));
    const basis = r.source === null || r.revision === 0
      ? 'Evaluated against the built-in defaults (no rule document applies).'
      : r.source !== undefined
        ? `Evaluated against the rules of ${r.source}${r.revision !== undefined ? ` at revision ${r.revision}` : ''}${r.source !== this.page.service ? ` (${this.page.service} has no document of its own)` : ''}.`
        : null;
    const what = request.span ? 'sampling rule' : 'breaker policy';
    fill(this.result,
      h('h2', { id: 'dry-result-title', text: 'Result' }),
      h('p', { class: 'verdict' },
        name ? ['Decided by ', what, ' ', h('strong', { 'data-test': 'deciding-rule', text: String(name) })]
          : h('span', { 'data-test': 'deciding-rule', text: request.span ? 'No sampling rule matches: the default ratio decides.' : 'No breaker policy covers this call: it is not protected.' })),
      basis ? h('p', { class: 'hint', 'data-test': 'dry-run-basis', text: basis }) : null,
      decision !== null ? h('div', { class: 'decision' }, h('h3', { text: 'Decision' }), facts(decision)) : null,
      rest.length ? facts(Object.fromEntries(rest)) : null);
    this.result.hidden = false;
  }
}

function facts(value) {
  if (value === null || typeof value !== 'object') return h('p', { 'data-test': 'decision', text: String(value) });
  return h('dl', { class: 'facts', 'data-test': 'decision' }, Object.entries(value).map(([k, v]) =>
    h('div', {}, h('dt', { text: k }), h('dd', { text: factText(k, v) }))));
}

function factText(key, v) {
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  if (/ratio$/i.test(key) && typeof v === 'number') return `${Math.round(v * 10000) / 100}% of traces (${v})`;
  return String(v);
}
