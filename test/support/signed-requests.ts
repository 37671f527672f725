/**
 * Requests as the real AWS SDK signs them, caught before they leave the client: the tests check
 * the endpoint's Signature Version 4 check against them, and change one part at a time (the
 * body, a header, the time) to see each refusal.
 */
import http from 'node:http';
import { KMSClient, ListKeysCommand, type KMSClientConfig } from '@aws-sdk/client-kms';
import type { SignedRequest } from '../../src/server/sigv4.js';

/** A request the SDK signed: what the endpoint would receive, as `rawHeaders` and the body. */
export interface CaughtRequest extends SignedRequest {
  headers: Record<string, string>;
}

class Caught extends Error {
  constructor(readonly request: CaughtRequest) {
    super('caught');
  }
}

/**
 * The request `send` makes with a KMS client on `endpoint` (default: a ListKeys), signed with
 * `accessKeyId`/`secretAccessKey` and never sent.
 */
export async function sdkSigned(
  options: { accessKeyId: string; secretAccessKey: string; endpoint?: string; region?: string; config?: Partial<KMSClientConfig> },
  send: (client: KMSClient) => Promise<unknown> = (client) => client.send(new ListKeysCommand({})),
): Promise<CaughtRequest> {
  const client = new KMSClient({
    endpoint: options.endpoint ?? 'http://127.0.0.1:4599',
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    maxAttempts: 1,
    ...options.config,
    requestHandler: {
      handle: async (request: { method: string; path: string; query?: Record<string, string>; headers: Record<string, string>; body?: unknown }) => {
        const query = new URLSearchParams(request.query ?? {}).toString();
        const headers = { ...request.headers };
        throw new Caught({
          method: request.method,
          url: `${request.path}${query ? `?${query}` : ''}`,
          headers,
          rawHeaders: Object.entries(headers).flat(),
          body: request.body instanceof Uint8Array ? Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength) : Buffer.from(typeof request.body === 'string' ? request.body : ''),
        });
      },
    },
  });
  try {
    await send(client);
  } catch (err) {
    if (err instanceof Caught) return err.request;
    throw err;
  } finally {
    client.destroy();
  }
  throw new Error('the SDK sent nothing');
}

export interface Answer {
  status: number;
  type: string | undefined;
  body: any;
}

/** Sends `headers` and `body` to `endpoint` as they are (no signing, no retries). */
export function post(endpoint: string, headers: Record<string, string>, body: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(endpoint, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        const type = res.headers['x-amzn-errortype'];
        resolve({ status: res.statusCode ?? 0, type: typeof type === 'string' ? type : undefined, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
