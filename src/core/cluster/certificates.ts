/**
 * Cluster identity (cluster.md §5): the partition key pair held inside the first HSM, its
 * PKCS#10 CSR, the InitializeCluster checks of §5.3, and the local issuing CA used by
 * `cluster quickstart`. Certificates and CSRs are built with @peculiar/x509 (loaded only by
 * the operations that need it); verification uses OpenSSL through node:crypto.
 */
import { X509Certificate, createPublicKey, generateKeyPair, webcrypto, type KeyObject } from 'node:crypto';
import { HsmError } from '../errors.js';
import { commonJsExports } from '../module-interop.js';

const RSA_SHA256 = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
} as const;

/** Accepted lengths of a PEM given to InitializeCluster (cluster.md §5.3). */
export const MAX_CERT_PEM_CHARS = 5000;

type X509Module = typeof import('@peculiar/x509');
let x509Module: Promise<X509Module> | undefined;

async function x509(): Promise<X509Module> {
  x509Module ??= (async () => {
    // @peculiar/x509 resolves its services through tsyringe, which needs this polyfill first.
    await import('reflect-metadata');
    const mod = commonJsExports(await import('@peculiar/x509'));
    mod.cryptoProvider.set(webcrypto as unknown as Crypto);
    return mod;
  })();
  return x509Module;
}

function generateRsa(): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return new Promise((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 2048, publicExponent: 0x10001 }, (err, publicKey, privateKey) =>
      err ? reject(err) : resolve({ publicKey, privateKey }),
    ),
  );
}

async function toWebKeys(pair: { publicKey: KeyObject; privateKey: KeyObject }): Promise<CryptoKeyPair> {
  const subtle = webcrypto.subtle;
  const privateKey = await subtle.importKey('pkcs8', pair.privateKey.export({ type: 'pkcs8', format: 'der' }), RSA_SHA256, false, ['sign']);
  const publicKey = await subtle.importKey('spki', pair.publicKey.export({ type: 'spki', format: 'der' }), RSA_SHA256, true, ['verify']);
  return { privateKey, publicKey };
}

export interface PartitionIdentity {
  /** PKCS#8 DER of the partition private key, base64 (kept only inside the sealed store). */
  privateKeyPkcs8: string;
  csrPem: string;
}

/** The first HSM's partition key pair and the cluster CSR over it (cluster.md §5.1). */
export async function createPartitionIdentity(hsmSerial: string, mode: 'FIPS' | 'NON_FIPS'): Promise<PartitionIdentity> {
  const lib = await x509();
  const pair = await generateRsa();
  const keys = await toWebKeys(pair);
  const modeText = mode === 'FIPS' ? 'for FIPS mode' : 'for non-FIPS mode';
  const csr = await lib.Pkcs10CertificateRequestGenerator.create({
    name: [
      { C: ['US'] },
      { ST: ['CA'] },
      { L: ['SanJose'] },
      { O: ['Cavium'] },
      { OU: ['N3FIPS'] },
      { CN: [`HSM:${hsmSerial}:PARTN:1, ${modeText}`] },
    ],
    keys,
    signingAlgorithm: RSA_SHA256,
  });
  return {
    privateKeyPkcs8: pair.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    csrPem: csr.toString('pem'),
  };
}

function parseCertificate(pem: string, what: string): X509Certificate {
  if (typeof pem !== 'string' || !/-----BEGIN CERTIFICATE-----/.test(pem)) {
    throw new HsmError('CERTIFICATE_REJECTED', `${what} is not a PEM certificate (expected a "-----BEGIN CERTIFICATE-----" block)`);
  }
  if (pem.length > MAX_CERT_PEM_CHARS) {
    throw new HsmError('CERTIFICATE_REJECTED', `${what} is ${pem.length} characters long; the limit is ${MAX_CERT_PEM_CHARS}`);
  }
  try {
    return new X509Certificate(pem);
  } catch {
    throw new HsmError('CERTIFICATE_REJECTED', `${what} could not be parsed as an X.509 certificate`);
  }
}

function csrPublicKey(csrPem: string, lib: X509Module): Promise<Buffer> {
  const csr = new lib.Pkcs10CertificateRequest(csrPem);
  return Promise.resolve(Buffer.from(csr.publicKey.rawData));
}

/**
 * The checks InitializeCluster makes (cluster.md §5.3). Throws CERTIFICATE_REJECTED naming the
 * first rule broken.
 */
export async function checkClusterCertificate(csrPem: string, signedCertPem: string, trustAnchorPem: string): Promise<void> {
  const anchor = parseCertificate(trustAnchorPem, 'the trust anchor');
  const cert = parseCertificate(signedCertPem, 'the signed certificate');
  if (!anchor.checkIssued(anchor) || !anchor.verify(anchor.publicKey)) {
    throw new HsmError('CERTIFICATE_REJECTED', 'the trust anchor is not self-signed; give the root CA certificate that issued the cluster certificate');
  }
  const anchorKey = anchor.publicKey;
  const bits = anchorKey.asymmetricKeyDetails?.modulusLength;
  if (anchorKey.asymmetricKeyType !== 'rsa' || (bits !== 2048 && bits !== 4096)) {
    throw new HsmError('CERTIFICATE_REJECTED', `the trust anchor key must be RSA 2048 or RSA 4096, not ${anchorKey.asymmetricKeyType}${bits ? ` ${bits}` : ''}`);
  }
  const lib = await x509();
  const anchorParsed = new lib.X509Certificate(trustAnchorPem);
  if (anchorParsed.extensions.length > 0) {
    const bc = anchorParsed.getExtension(lib.BasicConstraintsExtension);
    if (!bc || !bc.ca) {
      throw new HsmError('CERTIFICATE_REJECTED', 'the trust anchor has X.509v3 extensions but no BasicConstraints CA:TRUE; issue it as a CA certificate');
    }
  }
  if (!cert.verify(anchorKey) || !cert.checkIssued(anchor)) {
    throw new HsmError('CERTIFICATE_REJECTED', 'the signed certificate was not issued by the trust anchor; sign the cluster CSR with the trust anchor\'s key (no intermediate CAs)');
  }
  const certKey = cert.publicKey.export({ type: 'spki', format: 'der' });
  const csrKey = createPublicKey({ key: await csrPublicKey(csrPem, lib), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'der' });
  if (!certKey.equals(csrKey)) {
    throw new HsmError('CERTIFICATE_REJECTED', 'the signed certificate is not for this cluster: its public key differs from the cluster CSR\'s; sign the CSR from `cluster get-csr`');
  }
}

export interface LocalCa {
  certificatePem: string;
  signedCertificatePem: string;
}

/**
 * For `cluster quickstart`: a fresh self-signed issuing CA (RSA-2048, 10 years, CA:TRUE) and the
 * cluster certificate it signs over the CSR, as an operator would make with openssl.
 */
export async function signWithLocalCa(csrPem: string, clusterId: string, now: number, serial: Buffer): Promise<LocalCa> {
  const lib = await x509();
  const keys = await toWebKeys(await generateRsa());
  const notBefore = new Date(now - 60_000);
  const notAfter = new Date(now + 3652 * 24 * 3600 * 1000);
  const ca = await lib.X509CertificateGenerator.createSelfSigned({
    serialNumber: `01${serial.subarray(0, 8).toString('hex')}`,
    name: `CN=cloudhsm-local customer CA for ${clusterId}`,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: RSA_SHA256,
    extensions: [
      new lib.BasicConstraintsExtension(true, undefined, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.keyCertSign | lib.KeyUsageFlags.cRLSign, true),
    ],
  });
  const csr = new lib.Pkcs10CertificateRequest(csrPem);
  const cert = await lib.X509CertificateGenerator.create({
    serialNumber: `01${serial.subarray(8, 16).toString('hex')}`,
    subject: csr.subject,
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: csr.publicKey,
    signingKey: keys.privateKey,
    signingAlgorithm: RSA_SHA256,
  });
  return { certificatePem: ca.toString('pem'), signedCertificatePem: cert.toString('pem') };
}
