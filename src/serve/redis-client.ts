/**
 * A Redis connection for state that replicas share on the request path (rate-limit windows, one-time
 * token ids): it fails fast instead of queueing commands while Redis is away (callers fall back to
 * this process's memory), and reconnects by itself.
 */
import type { Redis } from 'ioredis';

export async function openSharedRedis(url: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
  });
  redis.on('error', () => {}); // callers see failed commands and fall back; ioredis keeps reconnecting
  await redis.connect().catch(() => {});
  return redis;
}
