/**
 * Whether a string was (probably) seen recently: a fixed table of 32-bit fingerprints, indexed by
 * one hash and compared by another, that allocates nothing. Used as a cache's doorkeeper: a value
 * is cached on its second sighting, so a stream of one-off keys (100k distinct access tokens,
 * each used once) never fills the cache with entries that live long enough to reach V8's old
 * generation and die there. A collision only changes whether something is cached, never what.
 */
export class SeenBefore {
  private readonly fingerprints: Uint32Array;
  private readonly mask: number;

  /** `slots` is rounded up to a power of two (4 bytes each). */
  constructor(slots = 65_536) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(2, slots)));
    this.fingerprints = new Uint32Array(size);
    this.mask = size - 1;
  }

  /** Records `key`; true when it was recorded before (and not displaced since). */
  check(key: string): boolean {
    // FNV-1a and a second multiplier over the last 32 characters: for tokens, the signature.
    let index = 0x811c9dc5;
    let fingerprint = 0x01000193;
    for (let i = Math.max(0, key.length - 32); i < key.length; i += 1) {
      const code = key.charCodeAt(i);
      index = Math.imul(index ^ code, 0x01000193);
      fingerprint = Math.imul(fingerprint ^ code, 0x5bd1e995);
    }
    const slot = (index >>> 0) & this.mask;
    // `| 1`: never 0, the empty slot; `>>> 0` after it, as `|` yields a signed number the Uint32Array would not return.
    const value = (fingerprint | 1) >>> 0;
    if (this.fingerprints[slot] === value) return true;
    this.fingerprints[slot] = value;
    return false;
  }
}
