import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeName,
  encodeRdata,
  encodeUpdate,
  readName,
} from '../../src/main/services/dns/dns-wire';
import { findTsig, signMessage, verifyResponse, type TsigKey } from '../../src/main/services/dns/tsig';

// Captured on the wire between knsupdate (knot-dnsutils 3.2.6) and knotd 3.2.6:
//   knsupdate -y hmac-sha256:facteur-test.:<secret>  /  update add vec.one.test. 300 TXT "hello"
// An independent implementation signed the request and the server signed its answer.
const key: TsigKey = {
  name: 'facteur-test.',
  algorithm: 'hmac-sha256',
  secret: Buffer.from('KgNi41XwHrDUTgpk7Fuj5nKunHHSWp/1O8VWXugWpe4=', 'base64'),
};
const request = Buffer.from(
  'f2a728000001000000010001036f6e650474657374000006000103766563c00c001000010000012c00060568656c6c6f0c666163746575722d746573740000fa00ff00000000003d0b686d61632d7368613235360000006b0a68f8012c0020fabaa22d5b4afbad88aa19466cc63eef96487b882987b8435f129a53dcb5d694f2a700000000',
  'hex',
);
const response = Buffer.from(
  'f2a7a8000001000000000001036f6e65047465737400000600010c666163746575722d746573740000fa00ff00000000003d0b686d61632d7368613235360000006b0a68f8012c002073f7865d7162dfaf676b8f5a52f74ae64bc65e8223b53b9c993f4788dbe4fc58f2a700000000',
  'hex',
);
const TIME_SIGNED = 1795844344;

describe('TSIG (RFC 8945, hmac-sha256) against vectors from knsupdate and knotd', () => {
  it('reads the TSIG record of the request', () => {
    const t = findTsig(request)!;
    expect(t).toMatchObject({
      keyName: 'facteur-test',
      algorithm: 'hmac-sha256',
      timeSigned: TIME_SIGNED,
      fudge: 300,
      error: 0,
    });
    expect(t.mac).toHaveLength(32);
    expect(t.originalId).toBe(request.readUInt16BE(0));
  });

  it('signs the same bytes to the same MAC as knsupdate', () => {
    const t = findTsig(request)!;
    const unsigned = Buffer.from(request.subarray(0, t.offset));
    unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
    const { wire, mac } = signMessage(unsigned, key, { timeSigned: TIME_SIGNED, fudge: 300 });
    expect(mac.toString('hex')).toBe(t.mac.toString('hex'));
    expect(wire.toString('hex')).toBe(request.toString('hex'));
  });

  it('verifies the server’s signed answer with the request MAC', () => {
    const requestMac = findTsig(request)!.mac;
    expect(verifyResponse(response, requestMac, key, TIME_SIGNED + 1)).toEqual({ ok: true });
  });

  it('refuses a tampered answer, another request MAC, a wrong secret and a stale time', () => {
    const requestMac = findTsig(request)!.mac;
    const tampered = Buffer.from(response);
    tampered[3] = 0x05; // rcode REFUSED
    expect(verifyResponse(tampered, requestMac, key, TIME_SIGNED)).toMatchObject({
      ok: false,
      reason: 'badMac',
    });
    expect(verifyResponse(response, Buffer.alloc(32), key, TIME_SIGNED)).toMatchObject({
      ok: false,
      reason: 'badMac',
    });
    const wrong = { ...key, secret: Buffer.alloc(32, 1) };
    expect(verifyResponse(response, requestMac, wrong, TIME_SIGNED)).toMatchObject({
      ok: false,
      reason: 'badMac',
    });
    expect(verifyResponse(response, requestMac, key, TIME_SIGNED + 301)).toMatchObject({
      ok: false,
      reason: 'badTime',
    });
    expect(verifyResponse(response, requestMac, { ...key, name: 'other.' }, TIME_SIGNED)).toMatchObject({
      ok: false,
      reason: 'wrongKey',
    });
  });

  it('reports an unsigned answer and a server-side TSIG error', () => {
    const unsigned = Buffer.from(response.subarray(0, findTsig(response)!.offset));
    unsigned.writeUInt16BE(0, 10);
    expect(verifyResponse(unsigned, Buffer.alloc(32), key, TIME_SIGNED)).toMatchObject({
      reason: 'unsigned',
    });
    // A BADSIG answer: error 16 and an empty MAC.
    const t = findTsig(response)!;
    const badsig = Buffer.concat([
      response.subarray(0, t.offset),
      encodeName('facteur-test.'),
      Buffer.from('00fa00ff00000000', 'hex'),
      Buffer.from('001d', 'hex'),
      encodeName('hmac-sha256.'),
      Buffer.from('00006b0a68f8012c0000f2a700100000', 'hex'),
    ]);
    expect(verifyResponse(badsig, Buffer.alloc(32), key, TIME_SIGNED)).toEqual({
      ok: false,
      reason: 'serverError',
      error: 'BADSIG',
    });
  });

  it('round-trips its own signature', () => {
    const update = encodeUpdate(0x1234, 'one.test', [{ op: 'deleteRRset', name: 'x.one.test', type: 'TXT' }]);
    const now = 1_800_000_000;
    const { wire, mac } = signMessage(update, key, { timeSigned: now, fudge: 300 });
    expect(wire.readUInt16BE(10)).toBe(1);
    const t = findTsig(wire)!;
    expect(t.mac.equals(mac)).toBe(true);
    expect(t.offset).toBe(update.length);
  });
});

describe('UPDATE messages (RFC 2136)', () => {
  it('frames zone, additions, single deletions (class NONE) and RRset deletions (class ANY, empty data)', () => {
    const msg = encodeUpdate(7, 'one.test', [
      { op: 'add', name: 'mail.one.test', ttl: 300, data: { type: 'A', address: '192.0.2.25' } },
      { op: 'delete', name: 'one.test', data: { type: 'TXT', text: 'v=spf1 -all' } },
      { op: 'deleteRRset', name: 'one.test', type: 'MX' },
    ]);
    expect(msg.readUInt16BE(2)).toBe(0x2800); // opcode 5
    expect([4, 6, 8, 10].map((o) => msg.readUInt16BE(o))).toEqual([1, 0, 3, 0]);
    let o = readName(msg, 12).next;
    expect(msg.readUInt32BE(o)).toBe(0x00060001); // SOA IN
    o += 4;
    const records: { name: string; type: number; klass: number; ttl: number; rdata: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const n = readName(msg, o);
      const len = msg.readUInt16BE(n.next + 8);
      records.push({
        name: n.name,
        type: msg.readUInt16BE(n.next),
        klass: msg.readUInt16BE(n.next + 2),
        ttl: msg.readUInt32BE(n.next + 4),
        rdata: msg.subarray(n.next + 10, n.next + 10 + len).toString('hex'),
      });
      o = n.next + 10 + len;
    }
    expect(o).toBe(msg.length);
    expect(records).toEqual([
      { name: 'mail.one.test', type: 1, klass: 1, ttl: 300, rdata: 'c0000219' },
      {
        name: 'one.test',
        type: 16,
        klass: 254,
        ttl: 0,
        rdata: '0b' + Buffer.from('v=spf1 -all').toString('hex'),
      },
      { name: 'one.test', type: 15, klass: 255, ttl: 0, rdata: '' },
    ]);
  });

  it('splits long TXT data into 255-byte strings and encodes CAA, SRV, TLSA', () => {
    const long = 'p='.padEnd(400, 'A');
    const txt = encodeRdata({ type: 'TXT', text: long });
    expect(txt[0]).toBe(255);
    expect(txt[256]).toBe(145);
    expect(txt).toHaveLength(402);
    expect(
      encodeRdata({ type: 'CAA', flags: 0, tag: 'issue', value: 'letsencrypt.org' }).toString('latin1'),
    ).toBe('\x00\x05issueletsencrypt.org');
    expect(
      encodeRdata({ type: 'SRV', priority: 0, weight: 1, port: 993, target: 'mail.one.test' }).toString(
        'hex',
      ),
    ).toBe('0000000103e1' + encodeName('mail.one.test').toString('hex'));
    expect(
      encodeRdata({ type: 'TLSA', usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) }).toString(
        'hex',
      ),
    ).toBe('030101' + 'ab'.repeat(32));
  });

  it('decodes a server answer', () => {
    const m = decodeMessage(response);
    expect(m).toMatchObject({ id: 0xf2a7, response: true, opcode: 'UPDATE', rcode: 'NOERROR' });
  });
});
