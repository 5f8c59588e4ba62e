/** ModelCache: least recently used first out; concurrent loads shared. */
import { describe, expect, it } from 'vitest';
import { ModelCache } from './model-cache.js';

describe('ModelCache', () => {
  it('evicts the least recently used entry, counting peeks and hits as uses', async () => {
    const evicted: string[] = [];
    const c = new ModelCache<string>(2, (k) => evicted.push(k));
    await c.get('a', () => 'A');
    await c.get('b', () => 'B');
    expect(c.peek('a')).toBe('A'); // a is now the newest
    expect(c.peek('a')).toBe('A'); // a use of the newest changes nothing
    await c.get('c', () => 'C'); // evicts b
    expect(evicted).toEqual(['b']);
    expect(c.keys()).toEqual(['a', 'c']);
    expect(await c.get('a', () => 'A2')).toBe('A'); // a hit: a becomes the newest again
    await c.get('d', () => 'D'); // evicts c
    expect(evicted).toEqual(['b', 'c']);
    c.delete('d');
    expect(c.peek('a')).toBe('A');
    await c.get('e', () => 'E');
    await c.get('f', () => 'F'); // evicts a
    expect(evicted).toEqual(['b', 'c', 'a']);
    expect([c.hits, c.misses]).toEqual([1, 6]); // a, b, c, d, e, f loaded; one hit (a)
  });

  it('shares one load among concurrent requests for the same key', async () => {
    const c = new ModelCache<number>(4);
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      return 7;
    };
    expect(await Promise.all([c.get('m', load), c.get('m', load), c.get('m', load)])).toEqual([7, 7, 7]);
    expect(loads).toBe(1);
  });
});
