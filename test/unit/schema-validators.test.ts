import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SUPPORTED_VERSIONS } from '#core';
import { validateAgainstSchema } from '#core/policy/schema-validation';
// @ts-expect-error: a build script (plain ESM, no types)
import { GENERATED_VALIDATORS, validatorSource } from '../../scripts/schema-validators.mjs';

describe('schema validators compiled at build time', () => {
  it('the committed module is what the generator makes of schemas/ (a schema edited without a build would validate by the old one)', () => {
    assert.equal(
      readFileSync(GENERATED_VALIDATORS as string, 'utf8'),
      (validatorSource as () => string)(),
      'run `npm run build` and commit server/src/core/policy/schema-validators.generated.ts',
    );
  });

  it('every supported version has a root and an override validator that reject what the schema rejects', () => {
    for (const version of SUPPORTED_VERSIONS) {
      assert.deepEqual(validateAgainstSchema({ version }, version, 'root'), [], version);
      const root = validateAgainstSchema({ version, surprise: 1 }, version, 'root');
      assert.deepEqual(
        root.map((e) => e.key),
        ['surprise'],
        `${version}: an unknown key is an error of its own`,
      );
      assert.ok(
        validateAgainstSchema({ surprise: 1 }, version, 'override').some((e) => e.key === 'surprise'),
        `${version} override`,
      );
    }
  });

  it('an unsupported version has no validator here (the version check reports it)', () => {
    assert.deepEqual(validateAgainstSchema({ version: '9.9', surprise: 1 }, '9.9', 'root'), []);
    assert.deepEqual(validateAgainstSchema({}, 'constructor', 'root'), [], 'an inherited property is not a version');
  });
});
