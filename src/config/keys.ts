import { createHash, createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';

/** Algorithms this service signs and verifies with. jsonwebtoken has no EdDSA. */
export type JwtAlgorithm = 'HS256' | 'ES256' | 'RS256';

/** A key that may verify access tokens. `alg` is pinned: a token is only checked with this one. */
export interface VerificationKey {
  kid: string;
  alg: JwtAlgorithm;
  key: KeyObject;
}

/** The key access tokens are signed with (secret or private). */
export interface SigningKey {
  kid: string;
  alg: JwtAlgorithm;
  key: KeyObject;
}

export class KeyConfigError extends Error {}

export const MIN_SECRET_BYTES = 32;

function shortHash(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('base64url').slice(0, 16);
}

export function secretKey(secret: string, variable: string): KeyObject {
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new KeyConfigError(`${variable} must be at least ${MIN_SECRET_BYTES} bytes long`);
  }
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/** kid of an HS256 secret: a hash prefix, so the secret itself never appears in a header. */
export function secretKeyId(secret: string): string {
  return `hs-${shortHash(secret)}`;
}

function asymmetricAlgorithm(key: KeyObject, variable: string): JwtAlgorithm {
  if (key.asymmetricKeyType === 'ec') {
    if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new KeyConfigError(`${variable}: only P-256 EC keys are supported (ES256)`);
    }
    return 'ES256';
  }
  if (key.asymmetricKeyType === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
      throw new KeyConfigError(`${variable}: RSA keys must be at least 2048 bits (RS256)`);
    }
    return 'RS256';
  }
  throw new KeyConfigError(`${variable}: unsupported key type ${key.asymmetricKeyType ?? 'unknown'} (use P-256 or RSA)`);
}

/** RFC 7638 thumbprint prefix: a stable default `kid` for a public key. */
function thumbprintKeyId(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const members =
    jwk.kty === 'EC'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return shortHash(JSON.stringify(members));
}

function readPem(pem: string, variable: string, kind: 'private' | 'public'): KeyObject {
  // Operators often put PEMs in env files with literal "\n".
  const text = pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem;
  try {
    return kind === 'private' ? createPrivateKey(text) : createPublicKey(text);
  } catch {
    throw new KeyConfigError(`${variable}: not a valid PEM ${kind} key`);
  }
}

export function signingKeyFromPem(pem: string, kid: string | undefined, variable: string): { signing: SigningKey; verifying: VerificationKey } {
  const privateKey = readPem(pem, variable, 'private');
  const alg = asymmetricAlgorithm(privateKey, variable);
  const publicKey = createPublicKey(privateKey);
  const keyId = kid ?? thumbprintKeyId(publicKey);
  return { signing: { kid: keyId, alg, key: privateKey }, verifying: { kid: keyId, alg, key: publicKey } };
}

/**
 * `JWT_VERIFY_KEYS`: a JSON array of retired keys that still verify, each
 * `{"kid": "...", "secret": "..."}` (HS256) or `{"kid": "...", "publicKey": "-----BEGIN PUBLIC KEY-----..."}`.
 */
export function parseVerifyKeys(json: string, variable: string): VerificationKey[] {
  let entries: unknown;
  try {
    entries = JSON.parse(json);
  } catch {
    throw new KeyConfigError(`${variable} must be a JSON array of {kid, secret} or {kid, publicKey}`);
  }
  if (!Array.isArray(entries)) throw new KeyConfigError(`${variable} must be a JSON array`);
  return entries.map((entry, index) => {
    const where = `${variable}[${index}]`;
    if (typeof entry !== 'object' || entry === null) throw new KeyConfigError(`${where} must be an object`);
    const { kid, secret, publicKey } = entry as Record<string, unknown>;
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 128) {
      throw new KeyConfigError(`${where}.kid must be a non-empty string`);
    }
    if (typeof secret === 'string') return { kid, alg: 'HS256', key: secretKey(secret, `${where}.secret`) };
    if (typeof publicKey === 'string') {
      const key = readPem(publicKey, `${where}.publicKey`, 'public');
      return { kid, alg: asymmetricAlgorithm(key, where), key };
    }
    throw new KeyConfigError(`${where} needs "secret" or "publicKey"`);
  });
}
