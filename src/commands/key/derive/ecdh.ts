import { Flags } from '../../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../../cli/base-command.js';
import { filterFlag } from '../../../cli/key-flags.js';
import { parseKeyFilter } from '../../../cli/key-filter.js';
import { creationFlags, keyText } from '../../../cli/key-commands/shared.js';
import { DERIVED_KEY_TYPES, deriveEcdh } from '../../../core/keys/derive.js';
import { MAX_PEM_CHARS } from '../../../core/keys/files.js';
import { HsmError } from '../../../core/errors.js';
import fs from 'node:fs';
import { presentKey } from '../../../cli/presenters/keys.js';
import { formatReference } from '../../../core/keys/model.js';

export default class KeyDeriveEcdh extends BaseCommand<typeof KeyDeriveEcdh> {
  static override summary = 'Derive an AES or generic-secret key by ECDH with a peer public key (extension).';
  static override description =
    'The base key is one of your EC private keys with derive=true (x25519 keys too, in NON_FIPS clusters); the peer key is an SPKI PEM ("PUBLIC KEY") on the same curve. ' +
    'The shared secret (the x coordinate, no KDF, as PKCS #11 CKM_ECDH1_DERIVE with CKD_NULL) becomes the new key; it is never printed.';
  static override examples = [
    '<%= config.bin %> key derive ecdh --base-key-filter attr.label=my-ec-priv --peer-public-key-path peer.pem --key-type aes --label session-key --attributes encrypt=true decrypt=true',
    '<%= config.bin %> key derive ecdh --base-key-filter key-reference=0x0000000000100003 --peer-public-key-path peer.pem --key-type generic-secret --label mac-key',
  ];
  static override flags = {
    'base-key-filter': filterFlag('Your EC private key (exactly one match; derive=true).'),
    'peer-public-key-path': Flags.string({ description: 'PEM file with the peer public key (SPKI).', required: true, helpValue: '<PATH>' }),
    'key-type': Flags.option({ description: 'Type of the new key.', required: true, options: DERIVED_KEY_TYPES })(),
    label: Flags.string({ description: 'Label of the new key (up to 127 characters).', required: true, helpValue: '<LABEL>' }),
    'key-length-bytes': Flags.integer({ description: 'Length of the new key (default: the whole shared secret; for AES the longest of 32, 24 and 16 bytes it fills).', helpValue: '<BYTES>' }),
    attributes: Flags.string({ description: 'Attribute overrides NAME=VALUE (e.g. encrypt=true decrypt=true).', multiple: true, helpValue: '<NAME=VALUE>...' }),
    ...creationFlags,
  };

  protected async execute({ flags }: ExecuteInput<typeof KeyDeriveEcdh>) {
    const path = flags['peer-public-key-path'];
    let size = 0;
    try {
      size = fs.statSync(path).size;
    } catch {
      /* readFile below names the problem */
    }
    if (size > MAX_PEM_CHARS) throw new HsmError('INVALID_ARGUMENT', `--peer-public-key-path ${path} is ${size} bytes; a key PEM is at most ${MAX_PEM_CHARS}`);
    const data = await this.perform(deriveEcdh, {
      peerPublicKeyPem: this.readFile('peer-public-key-path', path),
      keyType: flags['key-type'],
      label: flags.label,
      keyLengthBytes: flags['key-length-bytes'],
      attributes: flags.attributes,
      session: flags.session,
      shareWith: flags['share-crypto-users'],
      baseKeyFilter: parseKeyFilter(flags['base-key-filter'], '--base-key-filter', true),
    });
    const key = presentKey(data.key);
    return { data: { key, 'base-key-reference': formatReference(data.baseKeyRef) }, text: keyText(key) };
  }
}
