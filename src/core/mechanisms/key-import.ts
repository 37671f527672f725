/**
 * DER key import (`importPublicDer`, `importPrivateDer`) for each provider: the container is read
 * here, then the key's family turns what it holds into canonical material.
 *
 * The noble provider reads SPKI, PKCS#8 and SEC 1 with key-encoding.ts. The node provider lets
 * OpenSSL read them (it also takes forms key-encoding.ts does not, and reports its own errors),
 * and hands to the noble reading what OpenSSL 3.0 does not know: ML-DSA. DSA keys are OpenSSL's
 * in both (families/dsa.ts).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { bufferOf, checkBytes, invalidArgument, plain } from './checks.js';
import { curveFromOpenSslName } from './curves.js';
import { parseEcPrivateKey, parsePkcs8, parseSpki } from './key-encoding.js';
import { EC_CURVES, type CryptoProvider, type EcCurve, type ImportedKey, type PublicDerFormat } from './provider.js';
import { importRsaPrivateDer, importRsaPublicDer } from './rsa-keys.js';
import { importDsaDer } from './families/dsa.js';
import { ecNode, ecNoble } from './families/ec.js';
import { importEd25519Private, importEd25519Public } from './families/eddsa.js';
import { importMlDsaPrivate, importMlDsaPublic } from './families/ml-dsa.js';
import { importX25519Private, importX25519Public } from './families/x25519.js';

type KeyImport = Pick<CryptoProvider, 'importPublicDer' | 'importPrivateDer'>;

/** What both providers do first with a public key: PKCS#1 is RSA's alone; otherwise it must be SPKI. */
function publicPkcs1OrSpki(der: Uint8Array, format: PublicDerFormat): ImportedKey | undefined {
  checkBytes(der, 'DER');
  if (format === 'pkcs1') return { spec: { type: 'rsa' }, kind: 'public', material: importRsaPublicDer(der, 'pkcs1') };
  const requested: string = format; // callers outside TypeScript may pass anything
  if (requested !== 'spki') throw invalidArgument(`public key format must be spki or pkcs1, got ${requested}`);
  return undefined;
}

export const nobleKeyImport: KeyImport = Object.freeze({
  importPublicDer(der, format) {
    const pkcs1 = publicPkcs1OrSpki(der, format);
    if (pkcs1) return pkcs1;
    const parsed = parseSpki(der);
    switch (parsed.algorithm) {
      case 'rsa':
        return { spec: { type: 'rsa' }, kind: 'public', material: importRsaPublicDer(der, 'spki') };
      case 'ec':
        // Accepts compressed points too (SEC 1 §2.3.4) and returns the canonical uncompressed one.
        return ecNoble.importPublic(parsed.curve!, parsed.publicKey);
      case 'ed25519':
        return importEd25519Public(parsed.publicKey);
      case 'ml-dsa':
        return importMlDsaPublic(parsed.variant!, parsed.publicKey);
      case 'x25519':
        return importX25519Public(parsed.publicKey);
      case 'dsa':
        return importDsaDer(der, 'public');
    }
  },

  importPrivateDer(der, format) {
    checkBytes(der, 'DER');
    switch (format) {
      case 'pkcs1':
        return { spec: { type: 'rsa' }, kind: 'private', material: importRsaPrivateDer(der, 'pkcs1') };
      case 'sec1': {
        const { curve, d, publicPoint } = parseEcPrivateKey(der);
        return ecNoble.importPrivate(curve, d, publicPoint);
      }
      case 'pkcs8':
        break;
      default:
        throw invalidArgument(`private key format must be pkcs8, pkcs1 or sec1, got ${String(format)}`);
    }
    const parsed = parsePkcs8(der);
    switch (parsed.algorithm) {
      case 'rsa':
        return { spec: { type: 'rsa' }, kind: 'private', material: importRsaPrivateDer(der, 'pkcs8') };
      case 'ec': {
        const { curve, d, publicPoint } = parseEcPrivateKey(parsed.privateKey, parsed.curve);
        return ecNoble.importPrivate(curve, d, publicPoint);
      }
      case 'ed25519':
        return importEd25519Private(parsed.privateKey);
      case 'ml-dsa':
        return importMlDsaPrivate(parsed.variant!, parsed.privateKey);
      case 'x25519':
        return importX25519Private(parsed.privateKey);
      case 'dsa':
        return importDsaDer(der, 'private');
    }
  },
} satisfies KeyImport);

function isMlDsa(algorithm: () => string): boolean {
  try {
    return algorithm() === 'ml-dsa';
  } catch {
    return false;
  }
}

function opensslCurve(key: KeyObject): EcCurve {
  const curve = curveFromOpenSslName(key.asymmetricKeyDetails?.namedCurve);
  if (curve === undefined) throw invalidArgument(`unsupported EC curve (named curves ${EC_CURVES.join(', ')} only)`);
  return curve;
}

function exportDer(key: KeyObject, type: 'spki' | 'pkcs8' | 'sec1'): Uint8Array {
  return plain(key.export({ format: 'der', type }));
}

export const nodeKeyImport: KeyImport = Object.freeze({
  importPublicDer(der, format) {
    const pkcs1 = publicPkcs1OrSpki(der, format);
    if (pkcs1) return pkcs1;
    let key: KeyObject;
    try {
      key = createPublicKey({ key: bufferOf(der), format: 'der', type: 'spki' });
    } catch (err) {
      if (isMlDsa(() => parseSpki(der).algorithm)) return nobleKeyImport.importPublicDer(der, 'spki');
      throw invalidArgument('the public key is not valid SubjectPublicKeyInfo DER', err);
    }
    switch (key.asymmetricKeyType) {
      case 'rsa':
        return { spec: { type: 'rsa' }, kind: 'public', material: importRsaPublicDer(der, 'spki') };
      case 'ec':
        // OpenSSL keeps a compressed point compressed; the canonical form is uncompressed.
        return ecNode.importPublic(opensslCurve(key), parseSpki(exportDer(key, 'spki')).publicKey);
      case 'ed25519':
        return importEd25519Public(exportDer(key, 'spki').slice(-32));
      case 'x25519':
        return { spec: { type: 'x25519' }, kind: 'public', material: parseSpki(exportDer(key, 'spki')).publicKey };
      case 'dsa':
        return importDsaDer(der, 'public');
      default:
        throw invalidArgument(`unsupported public key type ${key.asymmetricKeyType ?? 'unknown'}`);
    }
  },

  importPrivateDer(der, format) {
    checkBytes(der, 'DER');
    if (format === 'pkcs1') return { spec: { type: 'rsa' }, kind: 'private', material: importRsaPrivateDer(der, 'pkcs1') };
    const requested: string = format; // callers outside TypeScript may pass anything
    if (requested !== 'pkcs8' && requested !== 'sec1') {
      throw invalidArgument(`private key format must be pkcs8, pkcs1 or sec1, got ${requested}`);
    }
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: bufferOf(der), format: 'der', type: format });
    } catch (err) {
      if (format === 'pkcs8' && isMlDsa(() => parsePkcs8(der).algorithm)) return nobleKeyImport.importPrivateDer(der, 'pkcs8');
      throw invalidArgument(`the private key is not valid ${format === 'pkcs8' ? 'PKCS#8' : 'SEC 1'} DER`, err);
    }
    switch (key.asymmetricKeyType) {
      case 'rsa':
        return { spec: { type: 'rsa' }, kind: 'private', material: importRsaPrivateDer(der, 'pkcs8') };
      case 'ec': {
        const curve = opensslCurve(key);
        const { d, publicPoint } = parseEcPrivateKey(exportDer(key, 'sec1'), curve);
        return ecNode.importPrivate(curve, d, publicPoint);
      }
      case 'ed25519':
        return importEd25519Private(parsePkcs8(exportDer(key, 'pkcs8')).privateKey);
      case 'x25519':
        return importX25519Private(parsePkcs8(exportDer(key, 'pkcs8')).privateKey);
      case 'dsa':
        return importDsaDer(exportDer(key, 'pkcs8'), 'private');
      default:
        throw invalidArgument(`unsupported private key type ${key.asymmetricKeyType ?? 'unknown'}`);
    }
  },
} satisfies KeyImport);
