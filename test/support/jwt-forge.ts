import { createHmac, createSign, type KeyObject } from 'node:crypto';

/** Hand-made JWTs for attack tests: nothing here goes through jsonwebtoken, on purpose. */
export const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function decodePart(token: string, index: 0 | 1): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8'));
}

export function hs256(header: object, payload: object, secret: string | Buffer | KeyObject): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export function es256(header: object, payload: object, privateKey: KeyObject): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = createSign('sha256').update(input).sign({ key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

export function unsigned(header: object, payload: object): string {
  return `${b64url(header)}.${b64url(payload)}.`;
}
