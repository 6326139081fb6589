// The order of a page's reads of one thing it shows (a list, a document), so that reads that
// cross (the 15 s poll's and a change event's) never put older data, or an older error, back.

/**
 * Numbers the reads of one thing and says which outcome is the newest word: an answer, or a
 * failure, to a read asked before the one whose outcome is shown is dropped; a failure counts as
 * shown like data, so an older read's success neither clears it nor draws over it. The reads
 * asked, the newest shown and the reads ended are on `node`'s data attributes (reads, readShown,
 * ended), for tests.
 */
export class ReadOrder {
  constructor(node) {
    this.node = node;
    this.asked = 0;
    this.shown = 0;
    this.ended = 0;
  }

  /** Numbers a new read. */
  ask() {
    const read = ++this.asked;
    this.node.dataset.reads = String(read);
    return read;
  }

  /**
   * Whether the outcome of read `read` (numbered here, or by the caller in the same increasing
   * order) is the newest word; if so, it is the one shown from now on.
   */
  shows(read) {
    if (read < this.shown) return false;
    this.shown = read;
    this.node.dataset.readShown = String(read);
    return true;
  }

  /** Counts a read ended, however it ended. */
  end() {
    this.node.dataset.ended = String(++this.ended);
  }

  /** Runs `body(read)` as a new read, counted ended however it ends. */
  async run(body) {
    const read = this.ask();
    try {
      return await body(read);
    } finally {
      this.end();
    }
  }
}
