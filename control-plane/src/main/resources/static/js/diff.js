// Line diff (longest common subsequence) for showing what a save or a rollback would change.
// Rule documents are small (hundreds of lines), so the plain O(n·m) table is fast enough; the
// common head and tail are trimmed first so the usual one-line edit costs next to nothing.

const LIMIT = 4_000_000; // cells; beyond that, fall back to "everything changed"

/** Diffs two texts by line. Returns [{op: ' ' | '-' | '+', text, oldLine, newLine}]. */
export function diffLines(oldText, newText) {
  const a = oldText === '' ? [] : oldText.split('\n');
  const b = newText === '' ? [] : newText.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head
    && tail < b.length - head
    && a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) {
    tail++;
  }
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);

  const out = [];
  for (let k = 0; k < head; k++) out.push({ op: ' ', text: a[k], oldLine: k + 1, newLine: k + 1 });
  let ai = head;
  let bi = head;
  for (const [op, text] of middle(midA, midB)) {
    if (op === ' ') out.push({ op, text, oldLine: ++ai, newLine: ++bi });
    else if (op === '-') out.push({ op, text, oldLine: ++ai, newLine: null });
    else out.push({ op, text, oldLine: null, newLine: ++bi });
  }
  for (let k = a.length - tail; k < a.length; k++) {
    out.push({ op: ' ', text: a[k], oldLine: ++ai, newLine: ++bi });
  }
  return out;
}

function middle(a, b) {
  if ((a.length + 1) * (b.length + 1) > LIMIT) {
    return [...a.map((t) => ['-', t]), ...b.map((t) => ['+', t])];
  }
  const n = a.length;
  const m = b.length;
  const table = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * (m + 1) + j] = a[i] === b[j]
        ? table[(i + 1) * (m + 1) + j + 1] + 1
        : Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
    }
  }
  const ops = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push([' ', a[i]]);
      i++;
      j++;
    } else if (table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) {
      ops.push(['-', a[i++]]);
    } else {
      ops.push(['+', b[j++]]);
    }
  }
  while (i < n) ops.push(['-', a[i++]]);
  while (j < m) ops.push(['+', b[j++]]);
  return ops;
}

/**
 * Groups a diff into hunks with `context` unchanged lines around each change; long unchanged
 * runs become {op: '…', skipped: n}.
 */
export function hunks(lines, context = 3) {
  const keep = new Array(lines.length).fill(false);
  lines.forEach((l, k) => {
    if (l.op === ' ') return;
    const last = Math.min(lines.length - 1, k + context);
    for (let c = Math.max(0, k - context); c <= last; c++) keep[c] = true;
  });
  const out = [];
  let skipped = 0;
  lines.forEach((l, k) => {
    if (keep[k]) {
      if (skipped) out.push({ op: '…', skipped });
      skipped = 0;
      out.push(l);
    } else {
      skipped++;
    }
  });
  if (skipped) out.push({ op: '…', skipped });
  return out;
}

export function stats(lines) {
  let added = 0;
  let removed = 0;
  for (const l of lines) {
    if (l.op === '+') added++;
    else if (l.op === '-') removed++;
  }
  return { added, removed };
}
