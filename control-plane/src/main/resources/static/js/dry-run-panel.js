// The dry run: ask the control plane which sampling rule decides for a span, or which breaker
// policy covers an outgoing call (the same compiled matchers as the agents), under the stored
// rules, or under the editor's unsaved draft when it holds valid changes. Every result says which
// of the two it was.

import { ApiError, call, enc, saidElsewhere } from './api.js';
import { fill, h, setText, toast } from './dom.js';
import { showHidden } from './json-text.js';

const KINDS = ['SERVER', 'CLIENT', 'INTERNAL', 'PRODUCER', 'CONSUMER'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

export class DryRunPanel {
  constructor(root, page) {
    this.root = root;
    this.page = page;
    this.result = h('section', {
      class: 'card result',
      'aria-live': 'polite',
      'aria-labelledby': 'dry-result-title',
      'data-test': 'dry-run-result',
      hidden: true,
    });

    const spanRadio = h('input', {
      type: 'radio', name: 'dry-kind', id: 'dry-span', value: 'span', checked: true,
    });
    const callRadio =
      h('input', { type: 'radio', name: 'dry-kind', id: 'dry-call', value: 'call' });
    this.spanName = h('input', {
      id: 'dry-span-name', type: 'text', placeholder: 'GET /checkout/{id}', spellcheck: 'false',
    });
    this.spanKind =
      h('select', { id: 'dry-span-kind' }, KINDS.map((k) => h('option', { value: k, text: k })));
    this.attributes = h('textarea', {
      id: 'dry-attributes',
      rows: 4,
      spellcheck: 'false',
      placeholder: 'http.request.method=POST\nurl.path=/checkout/42',
      'aria-describedby': 'dry-attributes-help',
    });
    this.method =
      h('select', { id: 'dry-method' }, METHODS.map((m) => h('option', { value: m, text: m })));
    this.url = h('input', {
      id: 'dry-url', type: 'url', placeholder: 'http://payments:8080/pay/42', spellcheck: 'false',
    });

    const spanFields = h('div', { class: 'dry-fields', 'data-for': 'span' },
      h('div', { class: 'field' },
        h('label', { for: 'dry-span-name', text: 'Span name' }), this.spanName),
      h('div', { class: 'field' },
        h('label', { for: 'dry-span-kind', text: 'Span kind' }), this.spanKind),
      h('div', { class: 'field wide' },
        h('label', { for: 'dry-attributes', text: 'Attributes' }), this.attributes,
        h('p', { id: 'dry-attributes-help', class: 'hint', text: 'One per line: key=value.' })));
    const callFields = h('div', { class: 'dry-fields', 'data-for': 'call', hidden: true },
      h('div', { class: 'field' }, h('label', { for: 'dry-method', text: 'Method' }), this.method),
      h('div', { class: 'field wide' }, h('label', { for: 'dry-url', text: 'URL' }), this.url));
    const sync = () => {
      spanFields.hidden = !spanRadio.checked;
      callFields.hidden = spanRadio.checked;
      // A hidden field still takes part in the form's validation: an invalid URL left in the call
      // fields would silently stop a span's evaluation. Disabled fields are not checked (nor sent).
      const lists = [[spanFields, !spanRadio.checked], [callFields, spanRadio.checked]];
      for (const [fields, off] of lists) {
        for (const control of fields.querySelectorAll('input, select, textarea')) {
          control.disabled = off;
        }
      }
    };
    spanRadio.addEventListener('change', sync);
    callRadio.addEventListener('change', sync);
    sync();
    this.spanRadio = spanRadio;
    this.target = h('p', { class: 'hint', 'data-test': 'dry-run-target' });

    const form = h('form', { class: 'card dry-form', 'aria-labelledby': 'dry-title' },
      h('h2', { id: 'dry-title', text: 'Dry run' }),
      this.target,
      h('fieldset', { class: 'radio-row' },
        h('legend', { text: 'What to evaluate' }),
        h('label', { for: 'dry-span' }, spanRadio, ' A span (sampling)'),
        h('label', { for: 'dry-call' }, callRadio, ' An outgoing call (breakers)')),
      spanFields,
      callFields,
      h('div', { class: 'actions' }, h('button', {
        type: 'submit', class: 'btn btn-primary', 'data-test': 'evaluate', text: 'Evaluate',
      })));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.evaluate();
    });
    fill(root, h('div', { class: 'dry-layout' }, form, this.result));
    page.on('current', () => this.describeTarget());
  }

  shown() {
    this.describeTarget();
  }

  /** Says up front what Evaluate will use: the editor's draft or the stored rules. */
  describeTarget() {
    const draft = this.page.rules.draft();
    const revision = this.page.current?.revision;
    setText(this.target, draft?.document
      ? `Evaluates your unsaved draft from the Rules tab (${startedFrom(draft.baseRevision)}), not`
        + ` the stored rules.`
      : draft
        ? 'The Rules tab holds unsaved changes that are not valid: they cannot be evaluated until'
          + ' they are fixed.'
        : revision != null
          ? `Evaluates the stored rules (revision ${revision}).`
          : 'Evaluates the rules the agents of this service run now.');
  }

  /** What Evaluate sends, or {problems} when an attribute line cannot be read. */
  request() {
    if (this.spanRadio.checked) {
      const { attributes, problems } = attributeLines(this.attributes.value);
      if (problems.length) return { problems };
      return { span: { name: this.spanName.value, kind: this.spanKind.value, attributes } };
    }
    return { call: { method: this.method.value, url: this.url.value } };
  }

  async evaluate() {
    this.describeTarget();
    const body = this.request();
    if (body.problems) {
      // left out, a line would make the verdict about another span than the one typed
      fill(this.result,
        h('h2', { id: 'dry-result-title', text: 'Result' }),
        h('p', { class: 'form-error', 'data-test': 'dry-run-attributes-invalid',
          text: 'Not evaluated: fix these attribute lines (one per line: key=value).' }),
        h('ul', { class: 'problems' }, body.problems.map((p) => h('li', { text: showHidden(p) }))));
      this.result.hidden = false;
      this.attributes.focus();
      return;
    }
    const draft = this.page.rules.draft();
    if (draft && !draft.document) {
      // Evaluating the stored rules instead would answer a question the user did not ask.
      this.showInvalidDraft(`Not evaluated: your unsaved draft in the Rules tab has`
        + ` ${draft.problems} problem${draft.problems === 1 ? '' : 's'}. Fix`
        + ` ${draft.problems === 1 ? 'it' : 'them'} (or discard the edits) and evaluate again.`);
      return;
    }
    try {
      const r = await call('POST', `api/v1/services/${enc(this.page.service)}/rules/evaluate`,
        {
          body: draft ? withDocument(body, draft.text) : body,
          label: `Your dry run on the rules of ${this.page.service}`,
        });
      this.show(body, r.body || {}, draft);
    } catch (e) {
      if (saidElsewhere(e, this.page)) return;
      if (draft && e instanceof ApiError && e.status === 400 && e.validationErrors().length) {
        // Found only by the control plane (duplicate names, say).
        const errors = e.validationErrors();
        // past the 1000 listed, the count says how many there are
        const count = e.problemCount();
        this.showInvalidDraft(`Not evaluated: the control plane found ${count}`
          + ` problem${count === 1 ? '' : 's'} in your unsaved draft. Fix`
          + ` ${count === 1 ? 'it' : 'them'} in the Rules tab and evaluate again.`,
          errors.map((p) => `${p.path}: ${p.message}`));
        return;
      }
      toast(`Dry run failed: ${e.message}`, 'error');
      fill(this.result,
        h('h2', { id: 'dry-result-title', text: 'Result' }),
        h('p', { class: 'form-error', text: e.message }));
      this.result.hidden = false;
    }
  }

  showInvalidDraft(message, details = []) {
    const back =
      h('button', { type: 'button', class: 'btn btn-small', text: 'Go to the Rules tab' });
    back.addEventListener('click', () => this.page.goTo('rules'));
    fill(this.result,
      h('h2', { id: 'dry-result-title', text: 'Result' }),
      h('p', { class: 'form-error', 'data-test': 'dry-run-draft-invalid', text: message }),
      details.length
        ? h('ul', { class: 'problems' }, details.map((d) => h('li', { text: showHidden(d) })))
        : null,
      h('div', { class: 'actions' }, back));
    this.result.hidden = false;
  }

  show(request, r, draft) {
    const name = r.name ?? r.rule ?? r.policy ?? r.matched?.name ?? r.match?.name ?? null;
    const decision = r.decision ?? r.result ?? null;
    const known = [
      'name', 'rule', 'policy', 'decision', 'result', 'service', 'source', 'revision', 'kind',
      'draft',
    ];
    const rest = Object.entries(r).filter(([k]) => !known.includes(k));
    const basis = r.draft && draft
      ? `Evaluated against your unsaved draft from the Rules tab`
        + ` (${startedFrom(draft.baseRevision)}), not the stored rules: agents run it only once it`
        + ` is saved.`
      : r.source === null || r.revision === 0
        ? 'Evaluated against the built-in defaults (no rule document applies).'
        : r.source !== undefined
          ? `Evaluated against the stored rules of ${r.source}`
            + `${r.revision !== undefined ? ` at revision ${r.revision}` : ''}`
            + `${r.source !== this.page.service
              ? ` (${this.page.service} has no document of its own)`
              : ''}.`
          : null;
    const what = request.span ? 'sampling rule' : 'breaker policy';
    fill(this.result,
      h('h2', { id: 'dry-result-title', text: 'Result' }),
      h('p', { class: 'verdict' },
        name
          ? ['Decided by ', what, ' ',
            h('strong', { 'data-test': 'deciding-rule', text: showHidden(String(name)) })]
          : h('span', {
            'data-test': 'deciding-rule',
            text: request.span
              ? 'No sampling rule matches: the default ratio decides.'
              : 'No breaker policy covers this call: it is not protected.',
          })),
      basis
        ? h('p', {
          class: 'hint',
          'data-test': 'dry-run-basis',
          'data-basis': r.draft ? 'draft' : 'stored',
          text: showHidden(basis),
        })
        : null,
      decision !== null
        ? h('div', { class: 'decision' }, h('h3', { text: 'Decision' }), facts(decision))
        : null,
      rest.length ? facts(Object.fromEntries(rest)) : null);
    this.result.hidden = false;
  }
}

function startedFrom(revision) {
  return revision == null
    ? 'the service has no stored rules yet'
    : `it started from revision ${revision}`;
}

function facts(value) {
  if (value === null || typeof value !== 'object') {
    return h('p', { 'data-test': 'decision', text: showHidden(String(value)) });
  }
  return h('dl', { class: 'facts', 'data-test': 'decision' }, Object.entries(value).map(([k, v]) =>
    h('div', {}, h('dt', { text: showHidden(k) }), h('dd', { text: showHidden(factText(k, v)) }))));
}

function factText(key, v) {
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  if (/ratio$/i.test(key) && typeof v === 'number') {
    return `${Math.round(v * 10000) / 100}% of traces (${v})`;
  }
  return String(v);
}

/**
 * The request `fields` with the draft's `text` as its document, spliced in as written (it parsed
 * as JSON in the editor): the control plane checks the very text a save would send. Re-serialized,
 * a number a double cannot hold (1e-400, 1e400) would be evaluated as 0 or null, where saving the
 * draft is refused.
 */
function withDocument(fields, text) {
  return `${JSON.stringify(fields).slice(0, -1)},"document":${text}}`;
}

/**
 * The attributes of the dry run's lines, key=value each (blank lines skipped), and why any line
 * cannot be one: a line without '=' (url.path: /x) or with nothing before it, or a key given
 * twice. Each would be read as no attribute, or as another value than typed, silently.
 */
function attributeLines(text) {
  const attributes = {};
  const problems = [];
  const lineOf = new Map();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    const n = index + 1;
    const i = line.indexOf('=');
    const key = i > 0 ? line.slice(0, i).trim() : '';
    if (!key) {
      problems.push(`line ${n}: '${line}' is not key=value`);
    } else if (lineOf.has(key)) {
      problems.push(`line ${n}: '${key}' is given on line ${lineOf.get(key)} already`);
    } else {
      lineOf.set(key, n);
      attributes[key] = line.slice(i + 1).trim();
    }
  });
  return { attributes, problems };
}
