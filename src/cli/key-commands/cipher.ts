/** `crypto encrypt <mechanism>` and `crypto decrypt <mechanism>` (extensions: the real service offers these through its SDKs). */
import { Flags } from '../oclif.js';
import { GCM_FULL_TAG_BITS, mgf1Name, OAEP_HASHES } from '../../core/mechanisms/choices.js';
import { CIPHERS, KEY_WRAP_IVS } from '../../core/mechanisms/table.js';
import { decrypt, encrypt, type CipherMechanism } from '../../core/keys/data-operations.js';
import { BaseCommand, variantFlags, type ExecuteInput } from '../base-command.js';
import { filterFlag } from '../key-flags.js';
import { parseKeyFilter } from '../key-filter.js';
import { EXAMPLE_HASH, base64Fields, dataFlags, dataFrom, outFlag, type FlagMap } from './shared.js';

function cipherFlags(mechanism: CipherMechanism, decrypting: boolean): FlagMap {
  if (mechanism === 'rsa-oaep') {
    return {
      'hash-function': Flags.string({ description: 'OAEP hash.', options: [...OAEP_HASHES], required: true }),
      mgf: Flags.string({ description: 'Mask generation function (default: MGF1 with the same hash).', options: OAEP_HASHES.map(mgf1Name) }),
      'oaep-label': Flags.string({ description: 'OAEP label (PKCS #11 source data): 0x-hex or base64 (default: empty).', helpValue: '<LABEL>' }),
    };
  }
  if (mechanism === 'rsa-pkcs') return {};
  if (mechanism === 'aes-key-wrap' || mechanism === 'aes-key-wrap-pad') {
    // The standard IV is implied; an explicit one is accepted only if it is that IV (see data-operations.ts).
    const standard = `0x${KEY_WRAP_IVS[mechanism].toUpperCase()} (${mechanism === 'aes-key-wrap' ? 'RFC 3394' : 'RFC 5649'})`;
    return { iv: Flags.string({ description: `Optional; only the standard IV ${standard}, which is the default.`, helpValue: '<IV>' }) };
  }
  const flags: FlagMap = {
    iv: Flags.string({ description: decrypting ? 'The IV used to encrypt: 0x-hex or base64.' : 'IV: 0x-hex or base64 (default: a fresh random one, returned).', required: decrypting, helpValue: '<IV>' }),
  };
  if (mechanism === 'aes-gcm') {
    flags.aad = Flags.string({ description: 'Additional authenticated data, hex.', helpValue: '<HEX>' });
    if (decrypting) flags.tag = Flags.string({ description: 'The tag encryption returned: 0x-hex or base64.', required: true, helpValue: '<TAG>' });
    else flags['tag-length-bits'] = Flags.integer({ description: `Tag length in bits (default ${GCM_FULL_TAG_BITS}).`, default: GCM_FULL_TAG_BITS, helpValue: '<BITS>' });
  }
  return flags;
}

/** The flags of every cipher mechanism (each has its own subset of the optional ones). */
interface CipherFlagValues {
  'key-filter': string[];
  data?: string;
  'data-path'?: string;
  iv?: string;
  aad?: string;
  tag?: string;
  'tag-length-bits'?: number;
  'hash-function'?: string;
  mgf?: string;
  'oaep-label'?: string;
  out?: string;
}

export function cipherCommand(mechanism: CipherMechanism, decrypting: boolean) {
  const verb = decrypting ? 'decrypt' : 'encrypt';
  return class Cipher extends BaseCommand {
    static override summary = `${decrypting ? 'Decrypt' : 'Encrypt'} data with ${mechanism} (extension: the real service offers this through its SDKs).`;
    static override examples = [`<%= config.bin %> crypto ${verb} ${mechanism} --key-filter attr.label=${CIPHERS[mechanism].keyType === 'rsa' ? (decrypting ? 'rsa-priv' : 'rsa-pub') : 'data-key'} --data-path ${decrypting ? 'cipher.bin' : 'plain.txt'}${mechanism === 'rsa-oaep' ? ` --hash-function ${EXAMPLE_HASH}` : 'ivBytes' in CIPHERS[mechanism] && decrypting ? ' --iv <IV>' : ''}${mechanism === 'aes-gcm' && decrypting ? ' --tag <TAG>' : ''}`];
    static override flags = { 'key-filter': filterFlag(`The key (exactly one match; ${verb}=true).`), ...dataFlags, ...cipherFlags(mechanism, decrypting), ...outFlag };

    protected async execute(given: ExecuteInput) {
      const flags = variantFlags<CipherFlagValues>(given);
      const input = {
        mechanism,
        data: dataFrom(flags),
        iv: flags.iv,
        aad: flags.aad,
        tag: flags.tag,
        tagLengthBits: flags['tag-length-bits'],
        hash: flags['hash-function'],
        mgf: flags.mgf,
        oaepLabel: flags['oaep-label'],
        keyFilter: parseKeyFilter(flags['key-filter'], '--key-filter', true),
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

