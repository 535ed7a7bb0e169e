import { describe, expect, it } from 'vitest';
import { classifyAddress } from '../../../src/capabilities/index.js';

describe('address classification', () => {
  it.each([
    ['8.8.8.8', undefined],
    ['93.184.215.14', undefined],
    ['2606:4700:4700::1111', undefined],
    ['127.0.0.53', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'reserved'],
    ['10.255.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', undefined],
    ['192.168.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.128.0.1', undefined],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'benchmarking'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1%eth0', 'link-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['::ffff:127.0.0.1', 'IPv4-mapped'],
    ['::ffff:8.8.8.8', 'IPv4-mapped'],
    ['::127.0.0.1', 'IPv4-compatible'],
    ['64:ff9b::a00:1', 'IPv4-translated (NAT64)'],
    ['2002:a00:1::1', 'IPv4-embedding (6to4/Teredo)'],
    ['100::1', 'reserved'],
    ['not-an-ip', 'invalid'],
  ])('classifies %s as %s', (address, special) => {
    expect(classifyAddress(address).special).toBe(special);
  });

  it('names the IPv4 address an IPv6 address embeds', () => {
    expect(classifyAddress('::ffff:a9fe:a9fe').embedded).toEqual({
      address: '169.254.169.254',
      special: 'link-local',
    });
    expect(classifyAddress('64:ff9b::7f00:1').embedded).toEqual({
      address: '127.0.0.1',
      special: 'loopback',
    });
  });
});
