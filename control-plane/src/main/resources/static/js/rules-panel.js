// The rule document editor: a textarea with line numbers, validation as you type against the
// JSON Schema that sampler-rules ships (served by the control plane), a structured view for
// people who would rather not read JSON, a diff against the stored version before saving, and
// a save with If-Match whose 412 offers to reload and re-apply the user's edits.

import { ApiError, call, commentHeaders, enc, etagRevision, listOf, session } from './api.js';
import {
  announce, announceNotice, confirmDialog, fill, h, setText, timeNode, toast,
} from './dom.js';
import { diffLines } from './diff.js';
import {
  lineColumn, lineStarts, locate, loneSurrogates, memberPath, offsetAt, parseWithLocations, pretty,
  showHidden,
} from './json-text.js';
import { merge3 } from './merge.js';
import { starterDocument } from './model.js';
import { compileSchema } from './schema.js';
import { structuredView } from './structured-view.js';
import { diffView } from './widgets.js';

/** The problem type of a 400 about the document itself; other 400s are about the request. */
const INVALID_RULES = 'urn:sluice:problem:invalid-rules';

let schemaPromise = null;

/** The editors drawn in this document, for a save that settles the draft another one restored. */
const editors = new Set();

/**
 * A save succeeded that was under way when its page was closed under the user (the session ended,
 * the page was drawn anew) and its edits kept as `owner`'s draft: what it saved is no unsaved edit.
 * The draft still kept goes (or, typed on after the save began, now starts from what was saved);
 * an editor that has restored it already is told the same. Returns whether such an editor says
 * that the save went through.
 */
function settleSave(from, owner, service, sent, saved) {
  if (!owner) return false;
  session.settleDraft(owner, service, sent, saved);
  let told = false;
  for (const editor of editors) {
    if (editor.page.closed) {
      editors.delete(editor);
    } else if (editor !== from && editor.page.service === service && editor.restoredFor === owner
      && (editor.base?.revision ?? null) === (sent.baseRevision ?? null)) {
      editor.settleRestored(sent, saved);
      told = true;
    }
  }
  return told;
}

/**
 * The rule document's JSON Schema, fetched once per page load; null if not served. It is the
 * sluice-rules.schema.json that sampler-rules ships, copied next to the UI by the build.
 */
function loadSchema() {
  if (!schemaPromise) {
    schemaPromise = fetch('schema/sluice-rules.schema.json', { cache: 'no-cache' })
      .then((r) => {
        if (!r.ok) throw new Error(`schema: ${r.status}`);
        return r.json();
      })
      .then((schema) => compileSchema(schema))
      .catch((e) => {
        console.warn('rule schema not available', e);
        return null;
      });
  }
  return schemaPromise;
}

export class RulesPanel {
  constructor(root, page) {
    this.root = root;
    this.page = page;
    this.validator = null;
    this.schemaState = 'loading';
    /** What the editor started from: {revision, document}; the base of a re-apply. */
    this.base = null;
    this.problems = [];
    /** What the control plane found on the last save, placed in the text it was given. */
    this.serverProblems = [];
    /** How many problems the control plane found: past the 1000 it lists, more than listed. */
    this.serverProblemCount = 0;
    this.locations = new Map();
    /** Whose kept draft the editor holds (restored, not saved since); null for none. */
    this.restoredFor = null;
    editors.add(this);

    const service = page.service;
    this.textarea = h('textarea', {
      id: 'rules-editor', class: 'editor-text', spellcheck: 'false', autocomplete: 'off',
      autocapitalize: 'off', wrap: 'off', 'aria-describedby': 'editor-status',
      'aria-label': `Rule document of ${service} (JSON)`,
    });
    /**
     * Whether this editor was drawn for a writer: its edits are unsaved edits until the page is
     * drawn anew, also when the role changed meanwhile (the app then keeps them as a draft).
     */
    this.editable = page.canWrite;
    /** Whether the editor says that a draft waits for a writer (a reader's page). */
    this.keptDraftShown = false;
    // Read-only until the stored rules are read (resetEditor): text typed before would have no
    // revision to be based on, could not be reviewed, and the read would replace it.
    this.textarea.readOnly = true;
    this.textarea.placeholder = 'Reading the stored rules…';
    this.gutter = h('div', { class: 'gutter', 'aria-hidden': 'true' });
    this.status = h('p', {
      id: 'editor-status', class: 'editor-status', role: 'status', 'aria-live': 'polite',
    });
    this.problemList = h('ul', {
      class: 'problems', 'aria-label': 'Problems in the document', 'data-test': 'problems',
    });
    this.structured = h('div', { class: 'structured', 'data-test': 'structured' });
    // no live region: it is filled as it is shown, which not every screen reader reads out
    this.newer = h('div', { class: 'notice notice-warn', 'data-test': 'newer', hidden: true });
    this.template = h('p', { class: 'notice', role: 'note', 'data-test': 'template', hidden: true,
      text: page.canWrite
        ? `${service} has no rules stored yet. The editor holds a starter template, not stored`
          + ` rules: saving it creates the first revision.`
        : `${service} has no rules stored. The editor shows the starter template a writer would`
          + ` begin from, not stored rules.` });
    // Not a live region: an outcome that takes the focus is read out as it gets it, and inside a
    // live region it would be read twice. Notices that do not take the focus carry their own role.
    this.outcome = h('div', { class: 'outcome' });
    this.review =
      h('section', { class: 'review card', hidden: true, 'aria-labelledby': 'review-title' });

    this.textarea.addEventListener('input', () => {
      this.clearServerProblems();
      this.scheduleValidate();
    });
    this.textarea.addEventListener('scroll', () => {
      this.gutter.scrollTop = this.textarea.scrollTop;
    });

    const actions = [];
    if (page.canWrite) {
      this.comment = h('input', {
        id: 'change-comment',
        type: 'text',
        maxlength: 1000,
        placeholder: 'Why this change? (recorded in history)',
      });
      this.reviewButton = h('button', {
        type: 'button', class: 'btn btn-primary', 'data-test': 'review', text: 'Review changes…',
      });
      this.discardButton = h('button', {
        type: 'button', class: 'btn', 'data-test': 'discard', text: 'Discard edits',
      });
      this.formatButton = h('button', {
        type: 'button', class: 'btn btn-quiet', 'data-test': 'format', text: 'Format',
      });
      this.reviewButton.addEventListener('click', () => this.openReview());
      this.discardButton.addEventListener('click', () => this.discard());
      this.formatButton.addEventListener('click', () => this.format());
      this.deleteButton = h('button', {
        type: 'button',
        class: 'btn btn-danger-quiet',
        'data-test': 'delete-rules',
        hidden: true,
        text: 'Delete rules…',
      });
      this.deleteButton.addEventListener('click', () => this.deleteRules());
      actions.push(
        h('div', { class: 'field comment-field' },
          h('label', { for: 'change-comment', text: 'Comment' }), this.comment),
        h('div', { class: 'actions' },
          this.deleteButton, this.formatButton, this.discardButton, this.reviewButton));
    } else {
      actions.push(h('p', {
        class: 'notice',
        'data-test': 'read-only',
        text: 'Read-only: your token may read the rules but not change them.',
      }));
    }

    this.schemaStateNode = h('span', { class: 'schema-state', 'data-test': 'schema-state' });
    fill(root,
      this.newer,
      this.template,
      this.outcome,
      h('div', { class: 'rules-layout' },
        h('section', { class: 'card editor-card', 'aria-labelledby': 'editor-title' },
          h('div', { class: 'card-head' },
            h('h2', { id: 'editor-title', text: 'Rule document' }),
            this.schemaStateNode),
          h('div', { class: 'editor' }, this.gutter, this.textarea),
          this.status,
          this.problemList,
          actions),
        h('section', { class: 'card structured-card', 'aria-labelledby': 'structured-title' },
          h('div', { class: 'card-head' },
            h('h2', { id: 'structured-title', text: 'Structured view' }),
            h('span', { class: 'hint', text: 'of the document in the editor' })),
          this.structured)),
      this.review);

    page.on('current', () => this.onCurrent());
    loadSchema().then((validator) => {
      this.validator = validator;
      this.schemaState = validator ? 'ready' : 'missing';
      // not looked up in root: a page whose service runs _default replaces the editor
      setText(this.schemaStateNode, validator
        ? 'Checked against the rule schema as you type'
        : 'Schema unavailable: checking JSON syntax only; the server checks the rest on save');
      this.validate();
    });
  }

  shown() {}

  /** Forgets this editor once its page is closed, so that a closed page can be collected. */
  close() {
    editors.delete(this);
  }

  /** The stored document changed (or was loaded). */
  onCurrent() {
    const current = this.page.current;
    // with edits kept or a save of this editor's own: no reset shows or hides it
    this.showDeleteButton();
    if (this.page.defaultOnly) {
      // Nothing to edit: a document under this name could never apply (the page says why).
      this.base = null;
      fill(this.root, h('p', { class: 'empty', 'data-test': 'no-editor' },
        `${showHidden(this.page.service)} has no rule document of its own; its agents run `,
        h('a', { href: '#/service/_default/rules', text: '_default' }), '.'));
      return;
    }
    if (!this.base) {
      this.resetEditor();
      this.restoreDraft();
      return;
    }
    if (current.revision === this.base.revision) {
      this.newer.hidden = true;
      return;
    }
    if (!this.dirty()) {
      this.resetEditor();
      return;
    }
    const said = this.newer.hidden ? null : this.newerSaid;
    const headline = current.revision == null
      ? 'These rules were deleted meanwhile. '
      : `Revision ${current.revision} is now current. `;
    const why = `Your edits are based on revision ${this.base.revision ?? '(none)'};`
      + ' saving them as they are will be refused. ';
    this.newer.hidden = false;
    this.newerSaid = headline + why;
    fill(this.newer,
      h('strong', { text: headline }),
      why,
      this.page.canWrite
        ? h('button', {
          type: 'button',
          class: 'btn btn-small',
          text: 'Re-apply my edits on the new revision',
          onclick: () => this.reapply(),
        })
        : null);
    // read out once per change, not again at each event that leaves it as it is
    if (said !== this.newerSaid) announce(headline + why);
  }

  /** Offers the delete while there are stored rules to delete, and only then. */
  showDeleteButton() {
    if (this.deleteButton) this.deleteButton.hidden = this.page.current?.revision == null;
  }

  resetEditor() {
    const current = this.page.current;
    if (!current) return;
    this.base = { revision: current.revision, document: current.document };
    this.textarea.readOnly = !this.editable;
    this.textarea.placeholder = '';
    this.restoredFor = null;
    this.setText(pretty(current.document ?? starterDocument(this.page.service)));
    this.template.hidden = current.revision != null;
    this.showDeleteButton();
    this.newer.hidden = true;
    this.closeReview();
  }

  /**
   * The edits as they are, for the next sign-in when the session ends under the user; null when
   * they are what a save under way stored (see savedMeanwhile), nothing typed since.
   */
  unsavedDraft() {
    if (this.holdsWhatWentThrough()) return null;
    return {
      service: this.page.service,
      base: this.base,
      text: this.textarea.value,
      comment: this.comment ? this.comment.value : '',
    };
  }

  /**
   * Whether the editor holds exactly what a save that went through, and is being read back, stored
   * (text and comment): no unsaved edits, though not the base yet.
   */
  holdsWhatWentThrough() {
    const saved = this.wentThrough;
    return Boolean(saved
      && this.textarea.value === saved.text
      && (this.comment ? this.comment.value.trim() : '') === saved.comment);
  }

  /**
   * The save that went through and is being read back, as {revision, unchanged}: the page closed
   * now tells of it in no outcome of its own. Null when there is none.
   */
  savedMeanwhile() {
    const saved = this.wentThrough;
    return saved
      ? { service: this.page.service, revision: saved.revision, unchanged: saved.unchanged }
      : null;
  }

  /**
   * Puts back edits kept when the session ended or the page was drawn anew, with what they started
   * from. A reader's editor cannot hold them: it says they are kept, for a sign-in that may write.
   */
  restoreDraft() {
    const owner = this.page.context.draftOwner;
    if (!owner) return;
    if (!this.editable) {
      const kept = session.peekDraft(owner, this.page.service);
      if (!kept) return;
      this.keptDraftShown = true;
      const discard = h('button', {
        type: 'button',
        class: 'btn btn-small',
        'data-test': 'discard-kept-draft',
        text: 'Discard the draft…',
      });
      discard.addEventListener('click', () => this.discardKeptDraft(owner, discard));
      fill(this.outcome, announceNotice(h('div', {
        class: 'notice notice-warn', 'data-test': 'draft-kept',
      },
        h('p', {
          text: `Your unsaved edits to these rules from before ${draftWhy(kept)} are kept as a`
            + ` draft in this tab, not shown: your token may only read now. Sign in again as the`
            + ` same user with a token that may write (or reload once yours may again) to get them`
            + ` back in the editor: no other user's sign-in gets them.`,
        }),
        h('div', { class: 'actions' }, discard))));
      if (this.page.activeTab !== 'rules') this.page.goTo('rules');
      return;
    }
    const draft = session.takeDraft(owner, this.page.service);
    if (!draft) return;
    this.base = draft.base && typeof draft.base === 'object'
      ? draft.base
      : { revision: null, document: null };
    this.restoredFor = owner;
    this.setText(draft.text);
    this.comment.value = draft.comment || '';
    fill(this.outcome, announceNotice(h('p', { class: 'notice', 'data-test': 'draft-restored',
      text: `Your unsaved edits from before ${draftWhy(draft)} are back in the editor`
        + ` (they started from ${this.base.revision == null
          ? 'a service without rules'
          : `revision ${this.base.revision}`}).` })));
    // the stored rules may have moved on meanwhile: say so, and offer to re-apply
    this.onCurrent();
    // the session may have ended on another tab: the edits are what the user comes back for
    if (this.page.activeTab !== 'rules') this.page.goTo('rules');
  }

  /**
   * The save of the restored draft, under way when the draft was kept, succeeded (see settleSave):
   * what it saved is the current rules, not edits; anything typed on top of it stays, unsaved.
   */
  settleRestored(sent, saved) {
    this.restoredFor = null;
    const now = this.page.current?.revision;
    // the base first, as a save does: made current, what was saved is not newer than the edits
    this.base = saved;
    this.template.hidden = true;
    if (saved.revision != null && !(now != null && now > saved.revision)) {
      this.page.setCurrent(saved);
    }
    if (this.comment.value.trim() === sent.comment) this.comment.value = '';
    if (this.textarea.value === sent.text) this.setText(pretty(saved.document));
    this.onCurrent();
    fill(this.outcome, announceNotice(h('p', {
      class: 'notice notice-ok',
      'data-test': 'draft-saved',
      text: 'The save of these edits, under way when they were kept, went through:'
        + ` they are revision ${saved.revision}.`
        + `${this.hasUnsavedEdits() ? ' What you changed since is not saved yet.' : ''}`,
    })));
  }

  /** Forgets the draft a reader's page says is kept (after asking): no sign-in gets it back. */
  async discardKeptDraft(owner, button) {
    const ok = await confirmDialog({
      title: 'Discard the kept draft?',
      message: `Your unsaved edits to the rules of ${this.page.service} kept in this tab are lost:`
        + ` no sign-in gets them back.`,
      confirmLabel: 'Discard the draft',
      danger: true,
    });
    if (!ok) {
      button.focus();
      return;
    }
    session.takeDraft(owner, this.page.service);
    this.keptDraftShown = false;
    this.showOutcome(h('p', {
      class: 'notice', 'data-test': 'kept-draft-discarded', text: 'The kept draft is discarded.',
    }));
  }

  /** Asks before throwing edits away; a clean editor is just reset. */
  async discard() {
    // A save that went through is being read back: the editor goes back to what it stored (its
    // base once read back), not to the revision before it, which would stay as unsaved edits on it.
    const saved = this.wentThrough;
    if (this.hasUnsavedEdits()) {
      const revision = saved ? saved.revision : this.page.current?.revision;
      const ok = await confirmDialog({
        title: 'Discard your edits?',
        message: `The editor goes back to`
          + ` ${revision == null ? 'the starter document' : `revision ${revision}`};`
          + ' your changes and comment are lost.',
        confirmLabel: 'Discard edits',
        danger: true,
      });
      if (!ok) {
        this.textarea.focus();
        return;
      }
    }
    if (saved && saved === this.wentThrough) {
      this.comment.value = saved.comment;
      this.setText(saved.text);
      return;
    }
    this.comment.value = '';
    this.resetEditor();
  }

  /** Whether the editor holds text or a comment that leaving would lose. */
  hasUnsavedEdits() {
    if (!this.base || !this.editable || this.holdsWhatWentThrough()) return false;
    return this.dirty() || Boolean(this.comment && this.comment.value.trim());
  }

  /**
   * The stored rules could not be read: an editor that has not read them yet says so in place of
   * "Reading…", which would promise a read no longer under way (the page says why above it).
   */
  readFailed() {
    if (this.base) return;
    this.textarea.placeholder =
      'The stored rules could not be read: the editor opens once they are.';
  }

  /** Whether the stored rules are still to be read: says so, as nothing can be based on them. */
  notReadYet() {
    if (this.base) return false;
    toast('The stored rules have not been read yet: the editor opens once they are.', 'error');
    return true;
  }

  dirty() {
    return this.textarea.value !== this.baseText();
  }

  /**
   * The editor's unsaved changes, for the dry run: null when there are none (a reader, a clean
   * editor, or only whitespace changed), {document, text, baseRevision} when they are a valid
   * document,
   * {problems} (their count) when they are not.
   */
  draft() {
    if (!this.base || !this.page.canWrite || this.page.defaultOnly || !this.dirty()) return null;
    clearTimeout(this.validateTimer);
    const doc = this.validate();
    if (!doc) return { problems: this.problems.length };
    if (pretty(doc) === this.baseText()) return null;
    // the text too: the dry run sends it as written, as a save does
    return { document: doc, text: this.textarea.value, baseRevision: this.base.revision };
  }

  baseText() {
    return pretty(this.base?.document ?? starterDocument(this.page.service));
  }

  setText(text) {
    // an open review shows, and would save, the text it was opened on
    if (text !== this.textarea.value) this.closeReview();
    this.textarea.value = text;
    this.clearServerProblems();
    this.validate();
  }

  /**
   * Re-indents the document. Text that does not parse cannot be: the status line says so and
   * where the JSON breaks (the problem list has it too, to jump to), until the next edit.
   */
  format() {
    const parsed = parseWithLocations(this.textarea.value);
    if (!parsed.error) {
      this.setText(pretty(parsed.value));
      return;
    }
    // a pending check would overwrite the message
    clearTimeout(this.validateTimer);
    this.validate();
    const e = parsed.error;
    setText(this.status, showHidden(`Cannot format: the JSON does not parse at line ${e.line},`
      + ` column ${e.column} (${e.message}). Fix it first, then format.`));
    this.status.classList.add('bad');
    this.status.classList.remove('good');
  }

  scheduleValidate() {
    clearTimeout(this.validateTimer);
    this.validateTimer = setTimeout(() => this.validate(), 120);
    this.closeReview();
  }

  /** Parses and checks the editor's text; returns the document when it has no problems. */
  validate() {
    const text = this.textarea.value;
    const parsed = parseWithLocations(text);
    let problems = [];
    const syntax = (e) => ({
      path: null,
      message: `JSON syntax: ${e.message}`,
      line: e.line,
      column: e.column,
      start: e.offset,
      end: e.offset + 1,
    });
    if (parsed.error && !parsed.duplicates) {
      problems = [syntax(parsed.error)];
      this.locations = new Map();
    } else {
      this.locations = parsed.locations;
      const found = this.validator ? this.validator(parsed.value) : [];
      const doc = parsed.value;
      if (
        doc
        && typeof doc === 'object'
        && typeof doc.service === 'string'
        && doc.service !== this.page.service
      ) {
        found.push({
          path: '$.service',
          message: `must be '${this.page.service}', the service this page edits`,
        });
      }
      const starts = lineStarts(text);
      found.push(...this.halfCharacters(text, starts));
      // fields given twice, then the other problems of the document as read (each field's last
      // value): all of them at once, as a save would list them
      problems = [
        ...(parsed.duplicates ?? []).map(syntax),
        ...found.map((p) => this.placed(p, text, starts)),
      ];
      fill(this.structured, structuredView(doc));
    }
    this.problems = problems;
    this.showProblems(text);
    return problems.length || parsed.error ? null : parsed.value;
  }

  /**
   * Half characters typed or pasted into the text (a surrogate without its other half). The text
   * is sent as written, and the browser would send each as U+FFFD: the control plane would store
   * that, not what was checked. Escaped ("\ud800") they reach it, which refuses them with these
   * words; here they are found at the place, in the innermost value that holds them.
   */
  halfCharacters(text, starts = lineStarts(text)) {
    return loneSurrogates(text).map((at) => {
      let path = '$';
      let span = Infinity;
      for (const [p, loc] of this.locations) {
        const start = loc.keyStart ?? loc.start;
        if (start <= at && at < loc.end && loc.end - start < span) {
          path = p;
          span = loc.end - start;
        }
      }
      const { line, column } = lineColumn(text, at, starts);
      const hex = text.charCodeAt(at).toString(16).padStart(4, '0');
      return {
        path,
        message: `is not valid Unicode: \\u${hex} is half of a surrogate pair,`
          + ' without its other half',
        line,
        column,
      };
    });
  }

  /** Lists the editor's own findings and the control plane's, and marks their lines. */
  showProblems(text = this.textarea.value) {
    // in the order they appear in the text
    const all = [...this.problems, ...this.serverProblems]
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    this.renderProblems(
      this.problemList, all, this.status, this.problems.length + this.serverProblemCount);
    this.renderGutter(text, all);
  }

  /** The control plane's findings are about the text it was sent: the next edit drops them. */
  clearServerProblems() {
    if (!this.serverProblems.length) return;
    this.serverProblems = [];
    this.serverProblemCount = 0;
    this.showProblems();
    if (this.outcome.querySelector('[data-test=server-errors]')) fill(this.outcome);
  }

  /**
   * `problem` with where it is in `text`: {line, column} and the {start, end} to select. The
   * control plane says where (line and column of the text it was sent, which is the editor's:
   * at a member's name when the problem is about the name); else the editor finds the place by
   * the problem's path, at the field's or member's name where the problem says it is about that.
   * `starts` is `text`'s lineStarts: given when placing many, the text is read once for them all.
   */
  placed(problem, text = this.textarea.value, starts = lineStarts(text)) {
    if (problem.line != null && problem.column != null) {
      const at = offsetAt(starts, text, problem.line, problem.column);
      if (at != null) return { ...problem, ...this.spanAt(at, text, problem) };
    }
    const member = problem.atName
      ? this.locations.get(problem.path)
      : problem.field != null && problem.path
        ? this.locations.get(memberPath(problem.path, problem.field))
        : null;
    if (member && member.keyStart != null) {
      const at = member.keyStart;
      return { ...problem, ...this.spanAt(at, text, lineColumn(text, at, starts)) };
    }
    const loc = locate(this.locations, problem.path);
    const { line, column } = lineColumn(text, loc.keyStart ?? loc.start, starts);
    // Select a short value (a number, a string); for a whole object just place the cursor.
    const end = loc.end - loc.start <= 80 ? loc.end : loc.start;
    return { ...problem, line, column, start: loc.start, end };
  }

  /**
   * {line, column, start, end} of the place at `offset`: a member's name that starts there is
   * selected whole, as is a short value (a number, a string); at an object, or anywhere else, the
   * cursor is put there. `{line, column}` of the offset, when known.
   */
  spanAt(offset, text, { line, column } = lineColumn(text, offset)) {
    const loc = this.locationAt(offset);
    let end = offset;
    if (loc && loc.keyStart === offset) {
      const quoted = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(offset));
      end = offset + (quoted ? quoted[0].length : 0);
    } else if (loc && loc.end - loc.start <= 80) {
      end = loc.end;
    }
    return { line, column, start: offset, end };
  }

  /**
   * The value, or the member by its name, that starts at `offset` of the editor's text, or null.
   */
  locationAt(offset) {
    if (this.offsetIndexOf !== this.locations) {
      this.offsetIndex = new Map();
      for (const loc of this.locations.values()) {
        this.offsetIndex.set(loc.start, loc);
        if (loc.keyStart != null) this.offsetIndex.set(loc.keyStart, loc);
      }
      this.offsetIndexOf = this.locations;
    }
    return this.offsetIndex.get(offset) ?? null;
  }

  /** {total}: how many problems the list stands for (the control plane lists at most 1000). */
  renderProblems(list, problems, status, total = problems.length) {
    if (status) {
      const count = `${total} problem${total === 1 ? '' : 's'}`;
      const byServer = problems.length > 0 && problems.every((p) => p.source === 'server');
      setText(status, problems.length === 0
        ? 'No problems found.'
        : byServer ? `The control plane found ${count}:` : `${count} found:`);
      status.classList.toggle('bad', problems.length > 0);
      status.classList.toggle('good', problems.length === 0);
    }
    fill(list, problems.map((p) => h('li', {},
      h('button', {
        type: 'button',
        class: 'problem',
        'data-path': p.path || '',
        'data-source': p.source || 'editor',
        onclick: () => this.select(p),
      },
        h('span', { class: 'problem-line', text: `line ${p.line}` }),
        p.path ? h('code', { class: 'problem-path', text: showHidden(p.path) }) : null,
        h('span', { class: 'problem-message', text: showHidden(p.message) }),
        p.source === 'server'
          ? h('span', { class: 'problem-source', text: 'control plane' })
          : null))));
  }

  renderGutter(text, problems) {
    const lines = text.split('\n').length;
    const bad = new Set(problems.map((p) => p.line));
    const key = `${lines}|${[...bad].join(',')}`;
    if (this.gutter.dataset.key === key) return;
    this.gutter.dataset.key = key;
    const nodes = [];
    for (let n = 1; n <= lines; n++) {
      nodes.push(h('div', { class: bad.has(n) ? 'bad' : null, text: n }));
    }
    fill(this.gutter, nodes);
    this.gutter.scrollTop = this.textarea.scrollTop;
  }

  /** Puts the cursor on a problem's place in the text. */
  select(problem) {
    this.textarea.focus();
    this.textarea.setSelectionRange(
      problem.start, Math.max(problem.start, problem.end ?? problem.start));
    const lineHeight = parseFloat(getComputedStyle(this.textarea).lineHeight) || 18;
    this.textarea.scrollTop = Math.max(0, (problem.line - 3) * lineHeight);
  }

  // ---------------------------------------------------------------- review and save

  openReview() {
    if (this.notReadYet()) return;
    const doc = this.validate();
    // sent as written, so the control plane's lines and columns are the editor's
    const text = this.textarea.value;
    if (!doc) {
      const first = this.problemList.querySelector('button');
      if (first) first.focus();
      toast('Fix the problems listed under the editor first.', 'error');
      return;
    }
    const current = this.page.current;
    const before = current.document ? pretty(current.document) : '';
    const after = pretty(doc);
    const lines = diffLines(before, after);
    // Saving the same document again would only make agents roll out a copy of it.
    const unchanged = current.revision != null && before === after;
    const creates = current.revision == null && this.base.revision == null;
    const save = h('button', {
      type: 'button', class: 'btn btn-primary', 'data-test': 'save', disabled: unchanged,
      'aria-describedby': unchanged ? 'save-unchanged' : null,
      text: creates ? 'Create rules' : 'Save new revision',
    });
    const back = h('button', { type: 'button', class: 'btn', text: 'Back to editing' });
    if (!unchanged) save.addEventListener('click', () => this.save(doc, text, save));
    back.addEventListener('click', () => {
      this.closeReview();
      this.textarea.focus();
    });
    // edits that started from another revision than the current one are refused as they are (the
    // save sends the revision they started from): said here as the notice above the editor says it
    const stale = this.base.revision === current.revision
      ? ''
      : ` Your edits started from ${this.base.revision == null
        ? 'no stored rules'
        : `revision ${this.base.revision}`}: saving them as they are will be refused.`;
    const against = current.revision == null
      ? (creates
        ? 'This service has no rules yet; saving creates them.'
        : `These rules were deleted meanwhile.${stale}`)
      : `Changes against the current revision ${current.revision}${stale ? `.${stale}` : ':'}`;
    fill(this.review,
      h('h2', { id: 'review-title', tabindex: '-1', text: 'Review before saving' }),
      h('p', { 'data-test': 'review-against', text: against }),
      diffView(lines, { label: 'Changes against the current revision' }),
      unchanged
        ? h('p', {
          id: 'save-unchanged',
          class: 'hint',
          'data-test': 'save-unchanged',
          text: `Nothing to save: the document is the same as revision ${current.revision}.`,
        })
        : null,
      h('div', { class: 'actions' }, back, save));
    this.review.hidden = false;
    this.review.querySelector('h2').focus({ preventScroll: true });
    this.review.scrollIntoView({ block: 'start' });
  }

  closeReview() {
    if (!this.review.hidden) {
      this.review.hidden = true;
      fill(this.review);
    }
  }

  /** Saves `doc`, sending `text`, the editor's text it was read from. */
  async save(doc, text, button) {
    button.disabled = true;
    fill(this.outcome);
    // whose draft these edits become should the page be closed under the user while this is sent
    const owner = this.page.context.draftOwner;
    const baseRevision = this.base.revision;
    const headers = {};
    // Replace exactly the revision the edits started from; create only if still absent.
    if (this.base.revision != null) headers['If-Match'] = `"${this.base.revision}"`;
    else headers['If-None-Match'] = '*';
    const comment = this.comment.value.trim();
    if (comment) Object.assign(headers, commentHeaders(comment));
    try {
      const r = await call('PUT', `api/v1/services/${enc(this.page.service)}/rules`, {
        body: text,
        headers,
        label: `Your save of the rules of ${this.page.service}`,
      });
      const revision = r.body?.revision ?? etagRevision(r.headers);
      // the comment of a save that wrote nothing is in no history entry: it stays the user's
      const recorded = r.body?.unchanged ? '' : comment;
      if (this.page.closed) {
        // Closed under the user while the save was sent: its edits were said to be kept as a draft,
        // which the answer settles. Said here (an editor that restored the draft says it itself).
        const sent = { text, comment: recorded, baseRevision };
        if (!settleSave(this, owner, this.page.service, sent, { revision, document: doc })) {
          toast(r.body?.unchanged
            ? `Your save of the rules of ${this.page.service}, under way when the page closed,`
              + ' went through and wrote nothing: they are the same rules as revision'
              + ` ${revision}.`
            : `Your save of the rules of ${this.page.service}, under way when the page closed,`
              + ` went through: it is revision ${revision}.`, 'ok');
        }
        return;
      }
      // Stored: should the page be closed under the user while it is read back, the edits sent are
      // no unsaved edits any more, and the page drawn anew says the save went through.
      this.wentThrough =
        { revision, text, comment: recorded, unchanged: Boolean(r.body?.unchanged) };
      // What the control plane stored, not the editor's reading of what was sent: the stored form
      // spells every default out and holds a match's number as its text, and the editor's reading
      // is a JavaScript number, which rounds a whole number past 2^53. Kept as current, the rounded
      // value would be sent, and stored, with the next save of anything else.
      const stored = await this.storedDocument(revision).finally(() => {
        this.wentThrough = null;
      });
      const saved = stored ?? doc;
      // Typed into while the save was under way: those edits are the user's next ones, kept in the
      // editor on top of what was saved (unsaved, so leaving asks), not replaced by it.
      const typed = this.textarea.value !== text;
      // Another save may have come after this one, and the page heard of it (its event) while this
      // one was answered or read back: the page's current revision is not set back to this one.
      const now = this.page.current?.revision;
      const overtaken = revision != null && now != null && now > revision;
      settleSave(this, owner, this.page.service,
        { text, comment: recorded, baseRevision }, { revision, document: saved });
      // closed while read back: the page drawn anew has said that the save went through
      if (this.page.closed) return;
      if (r.body?.unchanged) {
        // the same rules as stored, only spelled differently (a default left out, keys reordered):
        // the server wrote nothing, so no history entry holds the comment and no rollout starts
        this.base = { revision, document: saved };
        if (!typed) this.setText(pretty(saved));
        this.closeReview();
        this.onCurrent();
        this.showOutcome(h('p', {
          class: 'notice',
          'data-test': 'unchanged',
          text: `Nothing to save: these are the same rules as revision ${revision}`
            + ' (only spelled differently). Nothing was written and the comment was not recorded.',
        }));
        return;
      }
      // a comment typed meanwhile is for the next save
      if (this.comment.value.trim() === comment) this.comment.value = '';
      this.base = { revision, document: saved };
      this.template.hidden = true;
      if (!overtaken) this.page.setCurrent({ revision, document: saved });
      if (!typed) this.setText(pretty(saved));
      // an event of this very save, heard while it was answered, is no newer revision; a later
      // one is: said (edits kept) or shown (a clean editor), as when heard after the save
      this.onCurrent();
      this.closeReview();
      // the rollout bar is at the top of the page: bring it into view, clear of the sticky top bar,
      // as far as the outcome (with the focus) stays in view too; not away from what is typed
      if (!this.typing()) window.scrollTo({ top: 0 });
      this.showOutcome(h('p', {
        class: 'notice notice-ok',
        'data-test': 'saved',
        text: `Saved as revision ${revision}. Agents pick it up now; watch the rollout above.`,
      }));
      this.page.refreshAgents();
    } catch (e) {
      // closed under the user (the session ended, or changed before the save was sent): the page
      // drawn anew has said what became of the save and of the edits
      if (this.page.closed) return;
      button.disabled = false;
      this.closeReview();
      this.showSaveError(e, text);
    }
  }

  /**
   * The document stored as `revision`, as the control plane answers it; null when it cannot be
   * read now or a later revision is current already (the page hears of that one by its event).
   */
  async storedDocument(revision) {
    try {
      const r = await call('GET', `api/v1/services/${enc(this.page.service)}/rules`);
      return etagRevision(r.headers) === revision && r.body && typeof r.body === 'object'
        ? r.body
        : null;
    } catch {
      return null;
    }
  }

  /**
   * Deletes the service's document (after the confirm dialog): its agents fall back to _default,
   * or the built-in defaults; the document stays in history and can be rolled back to.
   */
  async deleteRules() {
    const current = this.page.current;
    if (!current || current.revision == null) return;
    const service = this.page.service;
    const comment = h('input', {
      id: 'delete-comment',
      type: 'text',
      maxlength: 1000,
      placeholder: 'Why? (recorded in history)',
    });
    const lose = this.hasUnsavedEdits() ? ' Your unsaved edits in the editor are lost.' : '';
    const ok = await confirmDialog({
      title: `Delete the rules of ${service}?`,
      message: service === '_default'
        ? [`_default revision ${current.revision} is removed.`
          + ' Every service without rules of its own falls back to the built-in defaults.',
          'The document stays in history: you can roll back to it.']
        : [`Revision ${current.revision} is removed. The agents of ${service} fall back to the`
          + ' _default document, or to the built-in defaults when there is none.',
          `The document stays in history: you can roll back to it.${lose}`],
      extra: h('div', { class: 'field' },
        h('label', { for: 'delete-comment', text: 'Comment (optional)' }), comment),
      confirmLabel: 'Delete rules',
      danger: true,
    });
    if (!ok) {
      this.deleteButton.focus();
      return;
    }
    const headers = { 'If-Match': `"${current.revision}"` };
    const text = comment.value.trim();
    if (text) Object.assign(headers, commentHeaders(text));
    fill(this.outcome);
    try {
      const r = await call('DELETE', `api/v1/services/${enc(service)}/rules`, {
        headers,
        label: `Your deletion of the rules of ${service}`,
      });
      const revision = r.body?.revision;
      this.base = null;
      this.page.setCurrent({ revision: null, document: null });
      // the delete button that held the focus is hidden now (no rules left to delete)
      window.scrollTo({ top: 0 });
      this.showOutcome(h('p', { class: 'notice notice-ok', 'data-test': 'deleted',
        text: `Deleted the rules of ${showHidden(service)}`
          + `${revision != null ? ` (revision ${revision} in history)` : ''}.`
          + ` ${service === '_default'
            ? 'Services without rules of their own run the built-in defaults now.'
            : 'Its agents fall back to _default, or the built-in defaults.'}`
          + ' Roll back from the history to restore them.' }));
      this.page.refreshAgents();
    } catch (e) {
      // closed under the user: the page drawn anew has said what became of the deletion
      if (this.page.closed) return;
      if (e instanceof ApiError && e.status === 412) {
        this.showOutcome(h('p', {
          class: 'notice notice-bad',
          'data-test': 'delete-failed',
          text: 'Someone else changed these rules since you loaded them; nothing was deleted.'
            + ' Check the current revision and try again.',
        }));
        this.page.refreshCurrent();
        return;
      }
      const msg = e instanceof ApiError && e.status === 403
        ? 'Your token may not change rules.'
        : `Deleting failed: ${e.message}`;
      this.showOutcome(
        h('p', { class: 'notice notice-bad', 'data-test': 'delete-failed', text: msg }));
    }
  }

  /** How a save of `sent` (the editor's text then) failed. */
  showSaveError(e, sent) {
    if (e instanceof ApiError && e.status === 412) {
      const reapply = h('button', {
        type: 'button',
        class: 'btn btn-primary',
        'data-test': 'reapply',
        text: 'Reload and re-apply my edits',
      });
      reapply.addEventListener('click', () => this.reapply());
      const theirs = e.problem.currentRevision;
      // 0: no document is stored now (someone deleted the rules)
      const deleted = theirs === 0;
      const who = h('p', { 'data-test': 'conflict-who' });
      if (theirs != null) this.describeChange(theirs, who);
      const started = this.base.revision == null
        ? 'a service without rules'
        : `revision ${this.base.revision}`;
      fill(this.outcome, announceNotice(h('div', {
        class: 'notice notice-bad', 'data-test': 'conflict',
      },
        h('h2', {
          text: deleted ? 'Someone else deleted these rules' : 'Someone else changed these rules',
        }),
        who,
        h('p', { text: deleted
          ? `Your edits started from ${started}, but the rules were deleted since.`
            + ' Nothing was written. Re-apply your edits to keep your version in the editor:'
            + ' saving it then stores the rules again, so check first that they should come back.'
          : `Your edits started from ${started}, but another revision was saved since.`
            + ' Nothing was written: saving would have overwritten their change. Reload the current'
            + ' rules and re-apply your edits on top, check the result, then save again.' }),
        h('div', { class: 'actions' }, reapply))));
      if (!this.typing()) {
        reapply.focus({ preventScroll: true });
        this.outcome.firstChild.scrollIntoView({ block: 'start' });
      }
      this.page.refreshCurrent();
      return;
    }
    if (e instanceof ApiError && e.status === 400) {
      // Found only by the server (duplicate names, say): listed with the editor's own, at their
      // lines.
      // Their lines and columns are the text sent; should the editor hold other text by now (typed
      // into while the save was under way), they are placed by their paths.
      const text = this.textarea.value;
      const starts = lineStarts(text);
      this.serverProblems = e.validationErrors().map((p) => {
        const where = text === sent ? p : { path: p.path, message: p.message };
        return { ...this.placed(where, text, starts), source: 'server' };
      });
      this.serverProblemCount = this.serverProblems.length ? e.problemCount() : 0;
      this.showProblems();
      if (e.problem.type !== INVALID_RULES && !this.serverProblems.length) {
        // Not about the document (a comment the server refuses, a header): its detail says what.
        this.showOutcome(h('p', { class: 'notice notice-bad', 'data-test': 'save-refused' },
          h('strong', { text: 'The control plane refused the save; nothing was saved. ' }),
          e.message));
        return;
      }
      const notice = h('p', { class: 'notice notice-bad', 'data-test': 'server-errors' },
        h('strong', { text: 'The control plane refused the document. ' }),
        this.serverProblems.length
          ? 'Its findings are listed under the editor; nothing was saved.'
          : e.message);
      const first = this.problemList.querySelector('button');
      if (first && this.typing()) {
        // the findings are listed under the editor, where the user types on
        fill(this.outcome, announceNotice(notice));
      } else if (first) {
        // the focus goes to the first finding: the notice is read out
        fill(this.outcome, announceNotice(notice));
        first.focus();
      } else {
        this.showOutcome(notice);
      }
      return;
    }
    const text = e instanceof ApiError && e.status === 403
      ? 'Your token may not change rules.'
      : `Saving failed: ${e.message}`;
    this.showOutcome(h('p', { class: 'notice notice-bad', 'data-test': 'save-failed', text }));
  }

  /**
   * Shows how a save or a delete ended and moves the focus to that message: the review, and the
   * save button with it, is gone by then (as is the delete button once the rules are), and a focus
   * left on a removed button falls back to <body>, where keyboard and screen-reader users would
   * start over from the top of the page.
   *
   * The notice is no live region (no role status or alert), nor inside one: it is read out once,
   * as it takes the focus. But the focus stays in the editor (or the comment) that the user types
   * into meanwhile: then its text is read out through the page's live region (announceNotice)
   * instead. It is scrolled just into view, clear of the sticky top bar (its
   * scroll-margin): the Save button that was clicked sits at the bottom of the page, below the
   * editor, while the outcome is shown above it.
   */
  showOutcome(notice) {
    if (this.typing()) {
      // Typed into while the save or delete was under way: the keys go on into the editor (or the
      // comment), and the outcome is read out instead, where it is.
      fill(this.outcome, announceNotice(notice));
      return;
    }
    notice.tabIndex = -1;
    fill(this.outcome, notice);
    notice.focus({ preventScroll: true });
    notice.scrollIntoView({ block: 'nearest' });
  }

  /** Whether the user is typing in the editor or the comment (they hold the focus). */
  typing() {
    const active = document.activeElement;
    return active !== null
      && (active === this.textarea || (this.comment !== undefined && active === this.comment));
  }

  /**
   * Fills `node` with who made revision `revision`, when and why (from the history). Revision 0
   * means no document is stored: then the newest history entry says who deleted it.
   */
  async describeChange(revision, node) {
    const history = `api/v1/services/${enc(this.page.service)}/rules/history`;
    try {
      const e = revision > 0
        ? (await call('GET', `${history}/${revision}`)).body || {}
        : listOf((await call('GET', `${history}?limit=1`)).body, 'history', 'versions')[0];
      if (!e || (revision === 0 && !/delete/i.test(e.action ?? ''))) {
        setText(node, 'No rules are stored now.');
        return;
      }
      fill(node,
        revision > 0
          ? `Revision ${revision} was saved by `
          : `The rules were deleted (revision ${e.revision}) by `,
        h('strong', { text: showHidden(e.author ?? 'someone') }), ' ', timeNode(e.time),
        e.comment ? [': \u201c', showHidden(e.comment), '\u201d'] : '', '.');
    } catch {
      setText(node,
        revision > 0 ? `Revision ${revision} is current now.` : 'No rules are stored now.');
    }
  }

  /** After a 412: re-applies the user's edits (base → editor) on top of the current revision. */
  async reapply() {
    const parsed = parseWithLocations(this.textarea.value);
    if (parsed.error) {
      toast('Fix the JSON syntax first, so your edits can be re-applied.', 'error');
      return;
    }
    await this.page.refreshCurrent();
    const current = this.page.current;
    const { value, conflicts } =
      merge3(this.base.document ?? undefined, parsed.value, current.document ?? undefined);
    this.base = { revision: current.revision, document: current.document };
    this.setText(pretty(value));
    this.newer.hidden = true;
    // Deleted meanwhile: there is nothing to merge with, the editor holds the user's whole
    // document.
    const gone = current.revision == null;
    const listed = gone ? [] : conflicts;
    fill(this.outcome, announceNotice(h('div', { class: 'notice', 'data-test': 'reapplied' },
      h('p', { text: gone
        ? 'The rules were deleted meanwhile: the editor holds your version. Saving it stores the'
          + ' rules again; check it first.'
        : `Reloaded revision ${current.revision} and re-applied your edits on top.`
          + `${listed.length
            ? ' Both of you changed these places; your version was kept:'
            : ' Check the changes and save again.'}` }),
      listed.length
        ? h('ul', {}, listed.map((c) => h('li', {}, h('code', { text: showHidden(c) }))))
        : null)));
    if (this.validate()) this.openReview();
  }

  /**
   * Adds a breaker policy to the document in the editor (from the dependencies tab), unless the
   * document already has one that guards every call to the same host and port.
   */
  addBreakerPolicy(policy, target = '') {
    if (this.notReadYet()) return false;
    const parsed = parseWithLocations(this.textarea.value);
    if (parsed.error || !parsed.value || typeof parsed.value !== 'object') {
      toast('The editor does not hold valid JSON; fix it before adding a policy.', 'error');
      return false;
    }
    const doc = parsed.value;
    const breakers = Array.isArray(doc.breakers) ? doc.breakers : [];
    const same = breakers.findIndex((b) => b && guardsSameTarget(b.match, policy.match));
    if (same >= 0) {
      this.page.goTo('rules');
      const loc = this.locations.get(`$.breakers[${same}]`);
      if (loc) {
        this.select({
          start: loc.start, end: loc.start, line: lineColumn(this.textarea.value, loc.start).line,
        });
      }
      toast(`The editor already has breaker policy '${breakers[same].name}'`
        + ` for ${target || 'that target'}; nothing was added.`, 'info');
      return false;
    }
    const names = new Set(breakers.map((b) => b && b.name));
    let name = policy.name;
    for (let k = 2; names.has(name); k++) name = `${policy.name}-${k}`;
    breakers.push({ ...policy, name });
    doc.breakers = breakers;
    this.setText(pretty(doc));
    this.page.goTo('rules');
    const loc = this.locations.get(`$.breakers[${breakers.length - 1}]`);
    if (loc) {
      this.select({
        start: loc.start, end: loc.start, line: lineColumn(this.textarea.value, loc.start).line,
      });
    }
    toast(`Added breaker policy '${name}' to the editor. Review and save to apply it.`, 'ok');
    return true;
  }
}

/** How a kept draft came to be kept, as "from before ..." goes on; a session end if not said. */
function draftWhy(draft) {
  return typeof draft.why === 'string' && draft.why ? draft.why : 'your session ended';
}

/** Whether a policy's match guards every call to the host and port another one matches. */
function guardsSameTarget(match, wanted) {
  if (!match || typeof match !== 'object' || !wanted) return false;
  if (match.method !== undefined || match.path !== undefined) return false;
  return typeof match.host === 'string' && typeof wanted.host === 'string'
    && hostKey(match.host) === hostKey(wanted.host)
    && (match.port ?? null) === (wanted.port ?? null);
}

/**
 * A host as breakers key it: in lower case, but an IPv6 literal's zone keeps its case (it names a
 * network interface: fe80::1%ETH0 and fe80::1%eth0 are two targets), without brackets.
 */
function hostKey(host) {
  const h = host.length > 2 && host.startsWith('[') && host.endsWith(']')
    ? host.slice(1, -1)
    : host;
  const zone = h.indexOf('%');
  return zone > 0 && h.slice(0, zone).includes(':')
    ? h.slice(0, zone).toLowerCase() + h.slice(zone)
    : h.toLowerCase();
}
