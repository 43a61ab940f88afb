import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPolyradError } from '@polyrad/sdk';
import { defaultTags, parseQidoQuery } from './qido-query.parser.js';

const refused = (fn: () => unknown, pattern: RegExp): void =>
  assert.throws(fn, (error: unknown) => isPolyradError(error) && error.code === 'INVALID_DICOMWEB_QUERY' && pattern.test(error.message));

describe('parseQidoQuery', () => {
  it('reads keys by keyword or tag, lists of UIDs, ranges and paging', () => {
    const query = parseQidoQuery('study', { PatientID: 'P*', '0020000D': '1.2.3,1.2.4', StudyDate: '20260101-', limit: '5', offset: '10', fuzzymatching: 'true' });
    assert.deepEqual(
      query.conditions.map((c) => [c.attribute.keyword, c.values, c.fuzzy]),
      [
        ['PatientID', ['P*'], true],
        ['StudyInstanceUID', ['1.2.3', '1.2.4'], true],
        ['StudyDate', ['20260101-'], true],
      ],
    );
    assert.deepEqual([query.limit, query.offset], [5, 10]);
  });

  it('returns an empty key without filtering on it, and ignores keys of lower levels or unknown ones', () => {
    const query = parseQidoQuery('study', { AccessionNumber: '', SOPInstanceUID: '1.2', Modality: 'CT', PatientWeight: '70', includefield: 'StudyDescription,00081030,Rows,all' });
    assert.deepEqual(query.conditions, []);
    assert.deepEqual(query.ignored, ['SOPInstanceUID', 'Modality', 'PatientWeight', 'includefield Rows']);
    assert.equal(query.include, 'all');
    const series = parseQidoQuery('series', { Modality: 'CT,MR', ModalitiesInStudy: 'CT', includefield: 'BodyPartExamined' });
    assert.deepEqual(series.conditions.map((c) => c.values), [['CT', 'MR']]);
    assert.deepEqual(series.ignored, ['ModalitiesInStudy']);
    assert.deepEqual([...(series.include as Set<string>)], ['00080060', '00180015']);
  });

  it('refuses malformed values with a message saying what is expected', () => {
    refused(() => parseQidoQuery('study', { StudyDate: '2026-01-05' }), /StudyDate must be YYYYMMDD/);
    refused(() => parseQidoQuery('study', { StudyDate: '-' }), /StudyDate must be/);
    refused(() => parseQidoQuery('study', { StudyTime: '25:00' }), /StudyTime must be HHMMSS/);
    refused(() => parseQidoQuery('study', { StudyInstanceUID: '1.2.abc' }), /"1.2.abc" is not a UID/);
    refused(() => parseQidoQuery('instance', { InstanceNumber: 'one' }), /InstanceNumber must be an integer/);
    refused(() => parseQidoQuery('study', { limit: '0' }), /limit must be an integer of at least 1/);
    refused(() => parseQidoQuery('study', { fuzzymatching: 'yes' }), /fuzzymatching must be true or false/);
    refused(() => parseQidoQuery('study', { PatientID: { nested: 'x' } }), /PatientID must be plain text/);
  });

  it('caps limit and returns the levels above unless the URL fixes them', () => {
    assert.equal(parseQidoQuery('study', { limit: '999999' }).limit, 10000);
    assert.ok(defaultTags('series', { study: false, series: false }).includes('00100020'), 'PatientID on /series');
    assert.ok(!defaultTags('series', { study: true, series: false }).includes('00100020'), 'not on /studies/{uid}/series');
    assert.ok(defaultTags('instance', { study: true, series: true }).includes('0020000E'), 'instances always say their series');
  });
});
