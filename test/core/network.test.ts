import { describe, expect, it } from 'vitest';
import { parseProxy, proxyLabel } from '../../src/core/connection/network.js';
import { bypassesProxy, proxyFor } from '../../src/cli/network.js';

describe('parseProxy', () => {
  it('reads the four schemes, default port 1080, decoded credentials', () => {
    expect(parseProxy('socks5://127.0.0.1')).toEqual({ protocol: 'socks5', host: '127.0.0.1', port: 1080 });
    expect(parseProxy('SOCKS5H://proxy.example:9050')).toMatchObject({ protocol: 'socks5h', host: 'proxy.example', port: 9050 });
    expect(parseProxy('socks4a://[::1]:1081')).toMatchObject({ protocol: 'socks4a', host: '::1', port: 1081 });
    expect(parseProxy('http://al%40ice:p%3Aw@proxy:3128/')).toEqual({ protocol: 'http', host: 'proxy', port: 3128, user: 'al@ice', password: 'p:w' });
  });

  it('refuses other schemes, a missing host and a path, as argument errors, without the password', () => {
    for (const bad of ['https://proxy:443', 'socks4://proxy', 'socks5://u:hunter2@', 'http://proxy:3128/path', 'not a url']) {
      let caught: unknown;
      try {
        parseProxy(bad);
      } catch (err) {
        caught = err;
      }
      expect(caught, bad).toMatchObject({ kind: 'argument' });
      expect((caught as Error).message).not.toMatch(/hunter2/);
    }
  });

  it('labels a proxy without its credentials', () => {
    expect(proxyLabel(parseProxy('http://u:secret@[::1]:3128'))).toBe('http://[::1]:3128');
  });
});

describe("NO_PROXY (curl's rules)", () => {
  it.each([
    ['ftp.example.com', 'example.com', true],
    ['example.com', 'example.com', true],
    ['ftp.example.com', '.example.com', true],
    ['example.com', '.example.com', true],
    ['notexample.com', 'example.com', false],
    ['FTP.Example.COM', 'example.com', true],
    ['anything', '*', true],
    ['host', 'a.b, other ,host', true],
    ['host', 'a.b other', false],
    ['10.1.2.3', '10.0.0.0/8', true],
    ['11.1.2.3', '10.0.0.0/8', false],
    ['127.0.0.1', '127.0.0.1', true],
    ['127.0.0.10', '127.0.0.1', false],
    ['::1', '::1', true],
    ['::1', '[::1]', true],
    ['1.2.3.4', '2.3.4', false],
    ['h', '', false],
  ])('%s with NO_PROXY=%j: direct %s', (host, list, direct) => {
    expect(bypassesProxy(host, list)).toBe(direct);
  });

  it('--proxy beats ALL_PROXY, --noproxy beats NO_PROXY, and "" means none', () => {
    const env = { ALL_PROXY: 'socks5://env:1080', NO_PROXY: 'example.com' };
    expect(proxyFor('h', { timeout: 30 }, env)?.host).toBe('env');
    expect(proxyFor('h', { timeout: 30, proxy: 'http://flag:3128' }, env)?.host).toBe('flag');
    expect(proxyFor('ftp.example.com', { timeout: 30 }, env)).toBeUndefined();
    expect(proxyFor('ftp.example.com', { timeout: 30, noproxy: 'other.org' }, env)?.host).toBe('env');
    expect(proxyFor('h', { timeout: 30, proxy: '' }, env)).toBeUndefined();
    expect(proxyFor('h', { timeout: 30 }, { all_proxy: 'socks5h://lower:1' })?.protocol).toBe('socks5h');
  });
});
