import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Webhook } from './server-run.js';

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`): what X-Roku-Signature carries. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** POSTs `payload` to the webhook, signed; failures are logged, never thrown (the run is already over). */
export async function callWebhook(hook: Webhook, payload: unknown, logger: Logger): Promise<void> {
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  try {
    const res = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-roku-timestamp': timestamp,
        'x-roku-signature': webhookSignature(hook.secret, timestamp, body),
      },
      body,
      // a redirect could lead anywhere: only the allowed origin is called
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) logger.warn({ status: res.status }, 'webhook answered with an error');
    await res.body?.cancel();
  } catch (err) {
    logger.warn({ err }, 'webhook call failed');
  }
}
