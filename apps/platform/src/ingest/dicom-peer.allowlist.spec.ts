import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DICOM_PEERS, parseDicomPeers, peerAllowed } from './dicom-peer.allowlist.js';

describe('DICOM peers allow-list', () => {
  it('by default admits any AE title from this machine only', () => {
    const { peers, problems } = parseDicomPeers(DEFAULT_DICOM_PEERS);
    assert.deepEqual(problems, []);
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) assert.ok(peerAllowed(peers, 'ANY_AE', address), address);
    for (const address of ['10.0.0.5', '::ffff:10.0.0.5', '2001:db8::1', undefined]) assert.ok(!peerAllowed(peers, 'ANY_AE', address), String(address));
  });

  it('matches AE title and host together, hosts by address or CIDR range, and AE-only entries from anywhere', () => {
    const { peers, problems } = parseDicomPeers('CT1@10.0.0.5, PACS@10.0.1.0/24, *@192.168.7.7, MR2');
    assert.deepEqual(problems, []);
    assert.ok(peerAllowed(peers, 'CT1', '::ffff:10.0.0.5'));
    assert.ok(!peerAllowed(peers, 'CT1', '10.0.0.6'), 'CT1 from another host');
    assert.ok(!peerAllowed(peers, 'CT2', '10.0.0.5'), 'another AE from CT1 host');
    assert.ok(peerAllowed(peers, 'PACS', '10.0.1.200'));
    assert.ok(!peerAllowed(peers, 'PACS', '10.0.2.1'));
    assert.ok(peerAllowed(peers, 'WHOEVER', '192.168.7.7'));
    assert.ok(peerAllowed(peers, 'MR2', '203.0.113.9'));
  });

  it('opens to everyone only with "*" alone', () => {
    const open = parseDicomPeers('*');
    assert.deepEqual(open.problems, []);
    assert.ok(peerAllowed(open.peers, 'ANYONE', '203.0.113.9'));
    assert.match(parseDicomPeers('CT1,*').problems.join(), /must be the only entry/);
  });

  it('names each bad entry: host names, bad ranges, overlong AE titles, an empty list', () => {
    const { problems } = parseDicomPeers('CT1@pacs.example.org,CT2@10.0.0.0/33,THIS_AE_TITLE_IS_TOO_LONG@10.0.0.1');
    assert.equal(problems.length, 3);
    assert.match(problems[0], /"pacs.example.org" is not an IP address/);
    assert.match(problems[1], /10.0.0.0\/33/);
    assert.match(problems[2], /1 to 16 characters/);
    assert.match(parseDicomPeers(' , ').problems.join(), /no peer given/);
  });
});
