// A JSON parser that remembers where every value sits in the text, so an error reported at a
// JSON path ($.breakers[0].slidingWindow.size) can be shown at its line and selected in the
// editor. Syntax errors come back with line and column, never as an exception.

/**
 * The path of a member, written the way the server writes it (JsonPathSteps): `.name` or
 * `['odd key']`, a backslash and a quote escaped with a backslash and hidden characters as `\uXXXX`
 * (showHidden), so a problem's path finds its value here.
 */
export function memberPath(parent, key) {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)
    ? `${parent}.${key}`
    : `${parent}['${showHidden(key.replace(/\\/g, '\\\\').replace(/'/g, "\\'"))}']`;
}

export function itemPath(parent, index) {
  return `${parent}[${index}]`;
}

/**
 * Parses `text`. Returns {value, locations} where locations maps a path to {start, end} offsets,
 * or {error: {message, line, column, offset}}. A text that gives a field twice but is otherwise
 * JSON has both: `error` is the first field given again (so whoever needs the document as written
 * refuses it), `duplicates` lists every one, and `value` and `locations` keep each such field's
 * last value, so its other problems can be listed with them, as the control plane lists them.
 */
export function parseWithLocations(text) {
  const locations = new Map();
  const duplicates = [];
  let i = 0;

  const fail = (message, at = i) => {
    const err = new Error(message);
    err.offset = at;
    throw err;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const describe = () => (i >= text.length ? 'the end of the text' : `'${text[i]}'`);

  function value(path) {
    ws();
    const start = i;
    let v;
    const c = text[i];
    if (c === '{') v = object(path);
    else if (c === '[') v = array(path);
    else if (c === '"') v = string();
    else if (c === '-' || (c >= '0' && c <= '9')) v = number();
    else if (text.startsWith('true', i)) { i += 4; v = true; }
    else if (text.startsWith('false', i)) { i += 5; v = false; }
    else if (text.startsWith('null', i)) { i += 4; v = null; }
    else fail(`expected a value but found ${describe()}`);
    locations.set(path, { start, end: i });
    return v;
  }

  function object(path) {
    i++;
    const result = {};
    ws();
    if (text[i] === '}') { i++; return result; }
    for (;;) {
      ws();
      if (text[i] !== '"') fail(`expected a field name in double quotes but found ${describe()}`);
      const keyStart = i;
      const key = string();
      const p = memberPath(path, key);
      if (Object.prototype.hasOwnProperty.call(result, key)) {
        duplicates.push({ message: `duplicate field '${key}'`, offset: keyStart });
        // the first value is not the one read: no problem may be placed inside it
        for (const known of [...locations.keys()]) {
          if (known.startsWith(`${p}.`) || known.startsWith(`${p}[`)) locations.delete(known);
        }
      }
      ws();
      if (text[i] !== ':') fail(`expected ':' after the field name but found ${describe()}`);
      i++;
      // defined, not assigned: a member named "__proto__" is a member like any other
      Object.defineProperty(result, key, {
        value: value(p), enumerable: true, writable: true, configurable: true,
      });
      const loc = locations.get(p);
      locations.set(p, { start: loc.start, end: loc.end, keyStart });
      ws();
      if (text[i] === ',') { i++; continue; }
      if (text[i] === '}') { i++; return result; }
      fail(`expected ',' or '}' but found ${describe()}`);
    }
  }

  function array(path) {
    i++;
    const result = [];
    ws();
    if (text[i] === ']') { i++; return result; }
    for (;;) {
      result.push(value(itemPath(path, result.length)));
      ws();
      if (text[i] === ',') { i++; continue; }
      if (text[i] === ']') { i++; return result; }
      fail(`expected ',' or ']' but found ${describe()}`);
    }
  }

  function string() {
    const start = i;
    i++;
    let out = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string', start);
      const c = text[i];
      if (c === '"') { i++; return out; }
      if (c === '\\') {
        const e = text[i + 1];
        const simple = {
          '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t',
        };
        if (e in simple) { out += simple[e]; i += 2; continue; }
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        fail('invalid escape in string');
      }
      if (c < ' ') fail('line break or control character inside a string');
      out += c;
      i++;
    }
  }

  function number() {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail('malformed number');
    i += m[0].length;
    return wholeNumber(m[0], !m[2] && !m[3]);
  }

  const placedAt = ({ message, offset }) => ({ message, ...lineColumn(text, offset), offset });
  try {
    const v = value('$');
    ws();
    if (i < text.length) fail(`unexpected ${describe()} after the document`);
    if (!duplicates.length) return { value: v, locations };
    const listed = duplicates.map(placedAt);
    return { value: v, locations, error: listed[0], duplicates: listed };
  } catch (e) {
    // the first problem in the text: a field given twice before the syntax error, if any
    return { error: placedAt(duplicates[0] ?? { message: e.message, offset: e.offset ?? i }) };
  }
}

/**
 * A number as written. A whole number JavaScript cannot hold exactly (past 2^53, such as an
 * attribute value a long can hold) keeps its digits as raw JSON where the browser has
 * JSON.rawJSON: the review's diff and the table view show it, and `pretty` writes it, as written
 * (the control plane keeps it exactly), not rounded. Elsewhere it is a Number, rounded.
 */
function wholeNumber(written, whole) {
  const n = Number(written);
  return whole && !Number.isSafeInteger(n) && typeof JSON.rawJSON === 'function'
    ? JSON.rawJSON(written)
    : n;
}

/** Whether `v` is a whole number kept as written (see wholeNumber): a number, not an object. */
export function isRawNumber(v) {
  return typeof JSON.isRawJSON === 'function' && JSON.isRawJSON(v);
}

/**
 * 1-based line and column of an offset. Given `text`'s lineStarts, a binary search: placing many
 * problems in a long text then reads the text once, not once per problem.
 */
export function lineColumn(text, offset, starts = null) {
  if (starts) {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - starts[low] + 1 };
  }
  let line = 1;
  let last = -1;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === '\n') { line++; last = k; }
  }
  return { line, column: offset - last };
}

/**
 * The offsets of the surrogates in `text` that are half of a character, without their other half
 * (at most `limit`). Such text cannot be sent as it is: the browser sends each as U+FFFD.
 */
export function loneSurrogates(text, limit = 100) {
  const found = [];
  const pattern = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
  for (let m = pattern.exec(text); m && found.length < limit; m = pattern.exec(text)) {
    found.push(m.index);
  }
  return found;
}

/** The offset at which each line of `text` starts: `starts[n - 1]` is line n's. */
export function lineStarts(text) {
  const starts = [0];
  for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) starts.push(k + 1);
  return starts;
}

/**
 * The offset of a 1-based line and column (UTF-16 code units, as the control plane counts them) in
 * the text whose `lineStarts` are `starts`, or null where the text has no such place.
 */
export function offsetAt(starts, text, line, column) {
  if (line < 1 || line > starts.length || column < 1) return null;
  const lineEnd = line < starts.length ? starts[line] - 1 : text.length;
  const offset = starts[line - 1] + column - 1;
  return offset <= lineEnd ? offset : null;
}

/**
 * Where to point for an error at `path`: the value's location, or the nearest enclosing
 * value that exists (a missing field is reported at its parent).
 */
export function locate(locations, path) {
  let p = path;
  while (p) {
    const loc = locations.get(p);
    if (loc) return loc;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) break;
    p = p.slice(0, cut);
  }
  return locations.get('$') || { start: 0, end: 0 };
}

/**
 * Characters that are invisible or reorder the text around them where shown: line and paragraph
 * separators and bidirectional controls (what the server refuses in names and globs), C1 controls.
 */
const HIDDEN_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** As HIDDEN_IN_JSON, and the C0 controls, which JSON.stringify escapes itself. */
const HIDDEN =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

// Written as JSON writes them (JSON.stringify, the editor, the control plane's messages), so a
// character reads the same wherever the page shows it: a line feed is \n in the editor, in the
// table view, in a problem and in an agent's rejection error alike.
const SHORT = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };
const escapeChar = (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * `text` with every hidden character written as its JSON escape (`\n`, `\u202e`): for all text from
 * the server or an agent that is put on the page, so a line break or a right-to-left override
 * cannot disguise what the operator reads. Anything else (a number) is shown as its string; null
 * and undefined, a field the server or an agent left out (a history entry without a comment), as
 * nothing, as `h`'s `text` and `setText` show them, never as the words "null" or "undefined".
 */
export function showHidden(text) {
  return text === null || text === undefined ? '' : String(text).replace(HIDDEN, escapeChar);
}

/**
 * Pretty JSON the way the editor shows documents. Hidden characters inside strings are written as
 * `\uXXXX` escapes (the same JSON), so a stored name with a right-to-left override shows what it
 * holds instead of reversing the text after it.
 */
export function pretty(value) {
  return JSON.stringify(value, null, 2).replace(HIDDEN_IN_JSON, escapeChar);
}
