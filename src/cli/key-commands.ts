/**
 * Shared flag sets and command builders for the key-creating and signing commands, whose
 * variants (aes / generic-secret, rsa / ec / ml-dsa, one per signing mechanism) differ only in a
 * few flags. Each variant still has its own file and id in the registry.
 */
import { Flags } from './oclif.js';
import type { FlagInput } from '@oclif/core/interfaces';
import { readInputFile } from './files.js';
import { HsmError } from '../core/errors.js';
import { generateKeyPair, generateSymmetric, type GenerateKeyPairInput } from '../core/keys/generate.js';
import { SIGN_HASHES, sign, verify, type SignMechanism } from '../core/keys/sign.js';
import { UNWRAP_KEY_TYPE_CLASSES, unwrapKey, wrapKey, type WrapMechanism } from '../core/keys/wrap.js';
import { cmacGenerate, cmacVerify, decrypt, encrypt, hmacGenerate, hmacVerify, type CipherMechanism } from '../core/keys/data-operations.js';
import { HASH_NAMES } from '../core/mechanisms/provider.js';
import { CURVES, MLDSA_ALGORITHMS } from '../core/keys/model.js';
import { BaseCommand, type ExecuteInput } from './base-command.js';
import { filterFlag } from './key-flags.js';

/** A set of oclif flag definitions. */
type FlagMap = FlagInput;

/** Input data larger than this is refused before it is read (the HSM streams nothing bigger). */
export const MAX_DATA_BYTES = 64 * 1024 * 1024;

const quorumValue = (description: string) => Flags.integer({ description, min: 0, max: 8, helpValue: '<0-8>' });

export const creationFlags = {
  session: Flags.boolean({ description: 'Create a session key: it lives only until logout (or the end of this command).' }),
  'share-crypto-users': Flags.string({ description: 'Crypto users to share the (private) key with.', multiple: true, helpValue: '<USER>...' }),
};

/** A readable summary of a key object as the commands print it (JSON keeps every field). */
export function keyText(key: Record<string, any>, heading?: string): string {
  const a = key.attributes as Record<string, unknown>;
  const info = key['key-info'] as { 'key-owners': Array<{ username: string }>; 'shared-users': Array<{ username: string }> } | undefined;
  const usage = ['encrypt', 'decrypt', 'sign', 'verify', 'wrap', 'unwrap', 'derive'].filter((n) => a[n] === true);
  const kind = [a['key-type'], a.curve ?? a['mldsa-algorithm'] ?? (a['modulus-size-bits'] ? `${String(a['modulus-size-bits'])} bits` : `${String(a['key-length-bytes'])} bytes`)].join(', ');
  const rows: Array<[string, unknown]> = [
    ['key-reference', key['key-reference']],
    ['label', a.label],
    ['class', `${String(a.class)} (${kind})`],
    ['check-value', a['check-value']],
    ['owner', info?.['key-owners'].map((o) => o.username).join(', ')],
    ['shared with', info?.['shared-users'].map((o) => o.username).join(', ') || '-'],
    ['usage', usage.join(' ') || '-'],
    ['token', a.token ? 'yes' : 'no (session key)'],
  ];
  return `${heading ? `${heading}:\n` : ''}${rows.map(([k, v]) => `${heading ? '  ' : ''}${k.padEnd(14)}${String(v)}`).join('\n')}\n`;
}

/** Strict standard base64 (the CLI's --data, --signature). */
export function decodeBase64(flag: string, text: string): Uint8Array {
  const t = text.trim();
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(t)) {
    throw new HsmError('INVALID_ARGUMENT', `${flag} is not valid base64; give standard base64, or raw bytes in a file with ${flag}-path`);
  }
  return new Uint8Array(Buffer.from(t, 'base64'));
}

export function readBytes(flag: string, file: string): Uint8Array {
  try {
    return new Uint8Array(readInputFile(flag, file, MAX_DATA_BYTES));
  } catch (err) {
    throw new HsmError('INVALID_ARGUMENT', (err as Error).message);
  }
}

/** --data (base64) or --data-path (raw bytes): exactly one. */
export function dataFrom(flags: Record<string, any>, name = 'data'): Uint8Array {
  if (flags[name] !== undefined) {
    if (flags[name].length > (MAX_DATA_BYTES * 4) / 3 + 4) throw new HsmError('INVALID_ARGUMENT', `--${name} is larger than ${MAX_DATA_BYTES} bytes`);
    return decodeBase64(`--${name}`, flags[name]);
  }
  return readBytes(`--${name}-path`, flags[`${name}-path`]);
}

export function symmetricCommand(keyType: 'aes' | 'generic-secret') {
  return class GenerateSymmetric extends BaseCommand {
    static override summary = keyType === 'aes' ? 'Generate an AES key (16, 24 or 32 bytes).' : 'Generate a generic secret key (1 to 800 bytes), e.g. for HMAC.';
    static override examples = [
      `<%= config.bin %> key generate-symmetric ${keyType} --label my-key --key-length-bytes ${keyType === 'aes' ? 32 : 64}`,
      `<%= config.bin %> key generate-symmetric ${keyType} --label shared --key-length-bytes ${keyType === 'aes' ? 16 : 32} --attributes encrypt=true decrypt=true --share-crypto-users bob`,
    ];
    static override flags = {
      label: Flags.string({ description: 'Label (up to 127 characters; need not be unique).', required: true, helpValue: '<LABEL>' }),
      'key-length-bytes': Flags.integer({ description: keyType === 'aes' ? 'Key length: 16, 24 or 32.' : 'Key length: 1 to 800.', required: true, helpValue: '<BYTES>' }),
      attributes: Flags.string({ description: 'Attribute overrides NAME=VALUE (e.g. encrypt=true extractable=false).', multiple: true, helpValue: '<NAME=VALUE>...' }),
      ...creationFlags,
      'manage-key-quorum-value': quorumValue('Approvals needed to manage the key (0 = off).'),
      'use-key-quorum-value': quorumValue('Approvals needed to use the key (0 = off).'),
    };

    protected async execute({ flags }: ExecuteInput) {
      const data = await this.perform(generateSymmetric, {
          keyType,
          label: flags.label,
          keyLengthBytes: flags['key-length-bytes'],
          attributes: flags.attributes,
          session: flags.session,
          shareWith: flags['share-crypto-users'],
          manageQuorum: flags['manage-key-quorum-value'],
          useQuorum: flags['use-key-quorum-value'],
      });
      return { data, text: keyText(data.key) };
    }
  };
}

export function keyPairCommand(keyType: 'rsa' | 'ec' | 'ml-dsa') {
  const specific: FlagMap =
    keyType === 'rsa'
      ? {
          'modulus-size-bits': Flags.integer({ description: 'Modulus size: 2048 to 4096 in steps of 256.', required: true, helpValue: '<BITS>' }),
          'public-exponent': Flags.string({ description: 'Public exponent: odd, at least 65537.', required: true, helpValue: '<EXPONENT>' }),
        }
      : keyType === 'ec'
        ? { curve: Flags.string({ description: 'Curve.', required: true, options: Object.keys(CURVES) }) }
        : { 'mldsa-algorithm': Flags.string({ description: 'Parameter set.', required: true, options: [...MLDSA_ALGORITHMS] }) };
  const example = keyType === 'rsa' ? '--modulus-size-bits 2048 --public-exponent 65537' : keyType === 'ec' ? '--curve prime256v1' : '--mldsa-algorithm ML-DSA-65';
  return class GenerateKeyPair extends BaseCommand {
    static override summary = `Generate ${keyType === 'rsa' ? 'an RSA' : keyType === 'ec' ? 'an EC (or Ed25519)' : 'an ML-DSA'} key pair.`;
    static override description = 'New private keys cannot sign until sign=true is given (--private-attributes sign=true), and public keys cannot verify until verify=true.';
    static override examples = [`<%= config.bin %> key generate-asymmetric-pair ${keyType} ${example} --public-label pub --private-label priv --private-attributes sign=true --public-attributes verify=true`];
    static override flags = {
      ...specific,
      'public-label': Flags.string({ description: 'Label of the public key.', required: true, helpValue: '<LABEL>' }),
      'private-label': Flags.string({ description: 'Label of the private key.', required: true, helpValue: '<LABEL>' }),
      'public-attributes': Flags.string({ description: 'Public key attribute overrides NAME=VALUE.', multiple: true, helpValue: '<NAME=VALUE>...' }),
      'private-attributes': Flags.string({ description: 'Private key attribute overrides NAME=VALUE.', multiple: true, helpValue: '<NAME=VALUE>...' }),
      ...creationFlags,
      'manage-private-key-quorum-value': quorumValue('Approvals needed to manage the private key (0 = off).'),
      'use-private-key-quorum-value': quorumValue('Approvals needed to use the private key (0 = off).'),
    };

    protected async execute({ flags }: ExecuteInput) {
      const input: Omit<GenerateKeyPairInput, 'clusterId'> = {
        keyType,
        publicLabel: flags['public-label'],
        privateLabel: flags['private-label'],
        modulusSizeBits: flags['modulus-size-bits'],
        publicExponent: flags['public-exponent'],
        curve: flags.curve,
        mldsaAlgorithm: flags['mldsa-algorithm'],
        publicAttributes: flags['public-attributes'],
        privateAttributes: flags['private-attributes'],
        session: flags.session,
        shareWith: flags['share-crypto-users'],
        manageQuorum: flags['manage-private-key-quorum-value'],
        useQuorum: flags['use-private-key-quorum-value'],
      };
      const data = await this.perform(generateKeyPair, input);
      return { data, text: keyText(data.public_key, 'public key') + keyText(data.private_key, 'private key') };
    }
  };
}

function mechanismFlags(mechanism: SignMechanism): FlagMap {
  const hash = Flags.string({ description: 'Hash function.', options: [...SIGN_HASHES], required: true });
  const dataType = Flags.string({ description: 'raw data, or an already computed digest.', options: ['raw', 'digest'], default: 'raw' });
  switch (mechanism) {
    case 'rsa-pkcs':
    case 'ecdsa':
      return { 'hash-function': hash, 'data-type': dataType };
    case 'rsa-pkcs-pss':
      return {
        'hash-function': hash,
        'data-type': dataType,
        mgf: Flags.string({ description: 'Mask generation function (must match the hash).', options: SIGN_HASHES.map((h) => `mgf1-${h}`), required: true }),
        'salt-length': Flags.integer({ description: 'Salt length in bytes.', required: true, min: 0, helpValue: '<BYTES>' }),
      };
    case 'ed25519ph':
      return { 'hash-function': Flags.string({ description: 'Hash function (SHA-512 per RFC 8032).', options: ['sha512'], required: true }), 'data-type': Flags.string({ description: 'raw data, or its SHA-512 digest.', options: ['raw', 'digest'], required: true }) };
    case 'ml-dsa':
      return {
        'hash-function': Flags.string({ description: 'Always shake256.', options: ['shake256'], required: true }),
        'data-type': Flags.string({ description: 'raw data, or the 64-byte external μ.', options: ['raw', 'external-mu'], required: true }),
        context: Flags.string({ description: 'FIPS 204 context string, 0x-hex or base64, at most 255 bytes (extension; default: empty).', helpValue: '<CONTEXT>' }),
      };
    default:
      return {};
  }
}

function mechanismInput(mechanism: SignMechanism, flags: Record<string, any>) {
  return {
    mechanism,
    keyFilter: flags['key-filter'],
    data: dataFrom(flags),
    hash: flags['hash-function'],
    dataType: flags['data-type'],
    mgf: flags.mgf,
    saltLength: flags['salt-length'],
    context: flags.context,
  };
}

const dataFlags = {
  data: Flags.string({ description: 'The data, base64.', exactlyOne: ['data', 'data-path'], helpValue: '<BASE64>' }),
  'data-path': Flags.string({ description: 'File holding the raw data.', helpValue: '<PATH>' }),
};

export function signCommand(mechanism: SignMechanism) {
  return class Sign extends BaseCommand {
    static override summary = `Sign data with a private key (${mechanism}).`;
    static override examples = [`<%= config.bin %> crypto sign ${mechanism} --key-filter attr.label=priv --data-path message.bin${mechanism === 'rsa-pkcs-pss' ? ' --hash-function sha256 --mgf mgf1-sha256 --salt-length 32' : mechanism === 'ml-dsa' ? ' --hash-function shake256 --data-type raw' : mechanism === 'ed25519ph' ? ' --hash-function sha512 --data-type raw' : mechanism === 'ed25519' ? '' : ' --hash-function sha256'}`];
    static override flags = { 'key-filter': filterFlag('The signing key (exactly one match).'), ...dataFlags, ...mechanismFlags(mechanism) };

    protected async execute({ flags }: ExecuteInput) {
      return { data: await this.perform(sign, mechanismInput(mechanism, flags)) };
    }
  };
}

export function verifyCommand(mechanism: SignMechanism) {
  return class Verify extends BaseCommand {
    static override summary = `Verify a signature with a public key (${mechanism}).`;
    static override examples = [`<%= config.bin %> crypto verify ${mechanism} --key-filter attr.label=pub --data-path message.bin --signature-path message.sig${mechanism === 'ed25519' ? '' : ' …'}`];
    static override flags = {
      'key-filter': filterFlag('The verifying key (exactly one match).'),
      ...dataFlags,
      signature: Flags.string({ description: 'The signature, base64.', exactlyOne: ['signature', 'signature-path'], helpValue: '<BASE64>' }),
      'signature-path': Flags.string({ description: 'File holding the raw signature.', helpValue: '<PATH>' }),
      ...mechanismFlags(mechanism),
    };

    protected async execute({ flags }: ExecuteInput) {
      return { data: await this.perform(verify, { ...mechanismInput(mechanism, flags), signature: dataFrom(flags, 'signature') }) };
    }
  };
}

function wrapMechanismFlags(mechanism: WrapMechanism, unwrap: boolean): FlagMap {
  if (mechanism === 'aes-gcm' || mechanism === 'cloudhsm-aes-gcm') {
    return {
      'tag-length-bits': Flags.integer({ description: 'GCM tag length in bits: 32, 64, 96, 104, 112, 120 or 128.', required: true, helpValue: '<BITS>' }),
      aad: Flags.string({ description: 'Additional authenticated data, hex.', helpValue: '<HEX>' }),
      ...(unwrap && mechanism === 'aes-gcm' ? { iv: Flags.string({ description: 'The IV `key wrap aes-gcm` returned, hex.', required: true, helpValue: '<HEX>' }) } : {}),
    };
  }
  if (mechanism === 'rsa-oaep' || mechanism === 'rsa-aes') {
    return {
      'hash-function': Flags.string({ description: 'OAEP hash.', options: [...SIGN_HASHES], required: true }),
      mgf: Flags.string({ description: 'Mask generation function.', options: SIGN_HASHES.map((h) => `mgf1-${h}`), required: true }),
    };
  }
  return {};
}

function wrapParameters(flags: Record<string, any>) {
  return { tagLengthBits: flags['tag-length-bits'], aad: flags.aad, iv: flags.iv, hash: flags['hash-function'], mgf: flags.mgf };
}

export function wrapCommand(mechanism: WrapMechanism) {
  return class Wrap extends BaseCommand {
    static override summary = `Wrap (export, encrypted) a key you own with ${mechanism}.`;
    static override examples = [`<%= config.bin %> key wrap ${mechanism} --payload-filter attr.label=data-key --wrapping-filter attr.label=${mechanism.startsWith('rsa') ? 'partner-pub' : 'kek'}${wrapMechanismFlags(mechanism, false)['tag-length-bits'] ? ' --tag-length-bits 128' : ''}${mechanism.startsWith('rsa-') && mechanism !== 'rsa-pkcs' ? ' --hash-function sha256 --mgf mgf1-sha256' : ''}`];
    static override flags = {
      'payload-filter': filterFlag('The key to wrap (exactly one match; you must own it).'),
      'wrapping-filter': filterFlag('The wrapping key (exactly one match; wrap=true).'),
      path: Flags.string({ description: 'Write the raw wrapped bytes to this file.', helpValue: '<PATH>' }),
      ...wrapMechanismFlags(mechanism, false),
    };

    protected async execute({ flags }: ExecuteInput) {
      const data = await this.perform(wrapKey, { mechanism, payloadFilter: flags['payload-filter'], wrappingFilter: flags['wrapping-filter'], ...wrapParameters(flags) });
      if (flags.path) {
        this.writeFile('path', flags.path, Buffer.from(String(data.wrapped_key_data), 'base64'), true);
        const { wrapped_key_data: _omit, ...rest } = data;
        return { data: rest, text: `Wrote the wrapped key to ${flags.path}\n` };
      }
      return { data };
    }
  };
}

export function unwrapCommand(mechanism: WrapMechanism) {
  return class Unwrap extends BaseCommand {
    static override summary = `Unwrap (import) a key wrapped with ${mechanism}.`;
    static override examples = [`<%= config.bin %> key unwrap ${mechanism} --filter attr.label=${mechanism.startsWith('rsa') ? 'my-rsa-priv' : 'kek'} --data-path wrapped.bin --key-type-class aes --label imported${mechanism === 'aes-gcm' ? ' --tag-length-bits 128 --iv 0x…' : ''}`];
    static override flags = {
      filter: filterFlag('The unwrapping key (exactly one match; unwrap=true).'),
      data: Flags.string({ description: 'The wrapped key, base64.', exactlyOne: ['data', 'data-path'], helpValue: '<BASE64>' }),
      'data-path': Flags.string({ description: 'File holding the raw wrapped key.', helpValue: '<PATH>' }),
      'key-type-class': Flags.string({ description: 'What the wrapped key is.', required: true, options: [...UNWRAP_KEY_TYPE_CLASSES] }),
      label: Flags.string({ description: 'Label of the new key.', required: true, helpValue: '<LABEL>' }),
      attributes: Flags.string({ description: 'Attribute overrides NAME=VALUE.', multiple: true, helpValue: '<NAME=VALUE>...' }),
      ...creationFlags,
      'manage-key-quorum-value': quorumValue('Approvals needed to manage the key (0 = off).'),
      'use-key-quorum-value': quorumValue('Approvals needed to use the key (0 = off).'),
      ...wrapMechanismFlags(mechanism, true),
    };

    protected async execute({ flags }: ExecuteInput) {
      const data = await this.perform(unwrapKey, {
        mechanism,
        filter: flags.filter,
        data: dataFrom(flags),
        keyTypeClass: flags['key-type-class'],
        label: flags.label,
        attributes: flags.attributes,
        session: flags.session,
        shareWith: flags['share-crypto-users'],
        manageQuorum: flags['manage-key-quorum-value'],
        useQuorum: flags['use-key-quorum-value'],
        ...wrapParameters(flags),
      });
      return { data, text: keyText(data.key) };
    }
  };
}

/** JSON-ready copy of a result whose byte fields become base64 (PRODUCT.md "Extensions"). */
export function base64Fields(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v]));
}

export const outFlag = { out: Flags.string({ description: 'Write the raw result bytes to this file instead.', helpValue: '<FILE>' }) };

function cipherFlags(mechanism: CipherMechanism, decrypting: boolean): FlagMap {
  if (mechanism === 'rsa-oaep') {
    return {
      'hash-function': Flags.string({ description: 'OAEP hash.', options: [...SIGN_HASHES], required: true }),
      mgf: Flags.string({ description: 'Mask generation function (default: MGF1 with the same hash).', options: SIGN_HASHES.map((h) => `mgf1-${h}`) }),
      'oaep-label': Flags.string({ description: 'OAEP label (PKCS #11 source data): 0x-hex or base64 (default: empty).', helpValue: '<LABEL>' }),
    };
  }
  if (mechanism === 'rsa-pkcs') return {};
  if (mechanism === 'aes-key-wrap' || mechanism === 'aes-key-wrap-pad') {
    // The standard IV is implied; an explicit one is accepted only if it is that IV (see data-operations.ts).
    const standard = mechanism === 'aes-key-wrap' ? '0xA6A6A6A6A6A6A6A6 (RFC 3394)' : '0xA65959A6 (RFC 5649)';
    return { iv: Flags.string({ description: `Optional; only the standard IV ${standard}, which is the default.`, helpValue: '<IV>' }) };
  }
  const flags: FlagMap = {
    iv: Flags.string({ description: decrypting ? 'The IV used to encrypt: 0x-hex or base64.' : 'IV: 0x-hex or base64 (default: a fresh random one, returned).', required: decrypting, helpValue: '<IV>' }),
  };
  if (mechanism === 'aes-gcm') {
    flags.aad = Flags.string({ description: 'Additional authenticated data, hex.', helpValue: '<HEX>' });
    if (decrypting) flags.tag = Flags.string({ description: 'The tag encryption returned: 0x-hex or base64.', required: true, helpValue: '<TAG>' });
    else flags['tag-length-bits'] = Flags.integer({ description: 'Tag length in bits (default 128).', default: 128, helpValue: '<BITS>' });
  }
  return flags;
}

export function cipherCommand(mechanism: CipherMechanism, decrypting: boolean) {
  const verb = decrypting ? 'decrypt' : 'encrypt';
  return class Cipher extends BaseCommand {
    static override summary = `${decrypting ? 'Decrypt' : 'Encrypt'} data with ${mechanism} (extension: the real service offers this through its SDKs).`;
    static override examples = [`<%= config.bin %> crypto ${verb} ${mechanism} --key-filter attr.label=${mechanism.startsWith('rsa') ? (decrypting ? 'rsa-priv' : 'rsa-pub') : 'data-key'} --data-path ${decrypting ? 'cipher.bin' : 'plain.txt'}${mechanism === 'rsa-oaep' ? ' --hash-function sha256' : mechanism === 'rsa-pkcs' || mechanism.startsWith('aes-key-wrap') ? '' : decrypting ? ' --iv <IV>' : ''}${mechanism === 'aes-gcm' && decrypting ? ' --tag <TAG>' : ''}`];
    static override flags = { 'key-filter': filterFlag(`The key (exactly one match; ${verb}=true).`), ...dataFlags, ...cipherFlags(mechanism, decrypting), ...outFlag };

    protected async execute({ flags }: ExecuteInput) {
      const input = {
        mechanism,
        keyFilter: flags['key-filter'],
        data: dataFrom(flags),
        iv: flags.iv,
        aad: flags.aad,
        tag: flags.tag,
        tagLengthBits: flags['tag-length-bits'],
        hash: flags['hash-function'],
        mgf: flags.mgf,
        oaepLabel: flags['oaep-label'],
      };
      const result: Record<string, unknown> = decrypting ? await this.perform(decrypt, input) : await this.perform(encrypt, input);
      const field = decrypting ? 'plaintext' : 'ciphertext';
      if (flags.out) {
        this.writeFile('out', flags.out, Buffer.from(result[field] as Uint8Array), true);
        const { [field]: _omit, ...rest } = result;
        return { data: { ...base64Fields(rest), path: flags.out } };
      }
      return { data: base64Fields(result) };
    }
  };
}

/** `crypto hmac generate|verify` and `crypto cmac generate|verify` (extensions). */
export function macCommand(kind: 'hmac' | 'cmac', verifying: boolean) {
  const keyKinds = kind === 'hmac' ? 'a generic-secret or AES key' : 'an AES key';
  const usage = verifying ? 'verify' : 'sign';
  const hashFlag: FlagMap = kind === 'hmac' ? { 'hash-function': Flags.string({ description: 'Hash function.', options: [...HASH_NAMES], required: true }) } : {};
  const macFlags: FlagMap = verifying
    ? {
        mac: Flags.string({ description: 'The MAC, base64.', exactlyOne: ['mac', 'mac-path'], helpValue: '<BASE64>' }),
        'mac-path': Flags.string({ description: 'File holding the raw MAC.', helpValue: '<PATH>' }),
      }
    : outFlag;
  return class Mac extends BaseCommand {
    static override summary = `${verifying ? 'Check' : 'Compute'} ${kind === 'hmac' ? 'an HMAC' : 'an AES-CMAC'} with ${keyKinds} that allows ${usage} (extension).`;
    static override examples = [
      `<%= config.bin %> crypto ${kind} ${verifying ? 'verify' : 'generate'} --key-filter attr.label=mac-key${kind === 'hmac' ? ' --hash-function sha256' : ''} --data-path message.bin${verifying ? ' --mac <BASE64>' : ''}`,
      `<%= config.bin %> crypto ${kind} ${verifying ? 'verify' : 'generate'} --key-filter attr.label=mac-key${kind === 'hmac' ? ' --hash-function sha256' : ''} --data-path message.bin --mac-length-bytes ${kind === 'hmac' ? 16 : 8}${verifying ? ' --mac <BASE64>' : ''}`,
    ];
    static override flags = {
      'key-filter': filterFlag(`The MAC key (exactly one match; ${usage}=true).`),
      ...hashFlag,
      ...dataFlags,
      'mac-length-bytes': Flags.integer({
        description: kind === 'hmac' ? 'Truncated MAC length in bytes: at least half the hash output and 10 bytes (default: the full hash output).' : 'Truncated MAC length in bytes, 8 to 16 (default 16).',
        helpValue: '<BYTES>',
      }),
      ...macFlags,
    };

    protected async execute({ flags }: ExecuteInput) {
      const input = { keyFilter: flags['key-filter'], hash: flags['hash-function'], data: dataFrom(flags), macLengthBytes: flags['mac-length-bytes'] };
      if (verifying) {
        const op = kind === 'hmac' ? hmacVerify : cmacVerify;
        return { data: await this.perform(op, { ...input, mac: dataFrom(flags, 'mac') }) };
      }
      const result = await this.perform(kind === 'hmac' ? hmacGenerate : cmacGenerate, input);
      if (flags.out) {
        this.writeFile('out', flags.out, Buffer.from(result.mac), true);
        return { data: { 'key-reference': result['key-reference'], path: flags.out } };
      }
      return { data: base64Fields(result) };
    }
  };
}
