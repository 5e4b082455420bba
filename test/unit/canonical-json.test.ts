import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalize } from '#core/audit/canonical-json';

// The audit chain hashes entries as RFC 8785 canonical JSON (server/src/core/audit/canonical-json.ts,
// our own since the canonicalize package asked for Node 22). Existing logs must keep their hashes,
// so the output is held to the RFC's own examples.
describe('canonical JSON (RFC 8785)', () => {
  it("writes the RFC's example (section 3.2.2) exactly: numbers in ECMAScript form, strings escaped as JSON.stringify does, members sorted", () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    ) as unknown;
    assert.equal(
      canonicalize(input),
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("sorts member names by UTF-16 code units (the RFC's section 3.2.3 example), not by code points or locale", () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'] as const;
    // (Read back with JSON.parse the order would be lost: JavaScript puts the integer-like "1" first.)
    assert.equal(canonicalize(input), `{${order.map((name) => `${JSON.stringify(name)}:${JSON.stringify(input[name])}`).join(',')}}`);
  });

  it('leaves out members without a JSON form, writes such array elements as null, and refuses what has no canonical form', () => {
    assert.equal(canonicalize({ b: undefined, a: [undefined, () => 1, 1], c: -0 }), '{"a":[null,null,1],"c":0}');
    assert.throws(() => canonicalize({ n: NaN }), /no canonical JSON form/);
    assert.throws(() => canonicalize([Infinity]), /no canonical JSON form/);
    assert.throws(() => canonicalize({ s: '\ud800' }), /lone surrogate/);
  });
});
