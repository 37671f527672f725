import { Flags } from '../../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../../cli/base-command.js';
import { keyText } from '../../../cli/key-commands/shared.js';
import { KEY_TYPE_CLASSES, MAX_PEM_CHARS, importPem } from '../../../core/keys/files.js';
import { HsmError } from '../../../core/errors.js';
import fs from 'node:fs';
import { presentKey } from '../../../cli/presenters/keys.js';

export default class KeyImportPem extends BaseCommand<typeof KeyImportPem> {
  static override summary = 'Import a public key from a PEM file (private keys too, as an extension).';
  static override description = 'Reads SPKI ("PUBLIC KEY"), PKCS#1 ("RSA PUBLIC KEY" / "RSA PRIVATE KEY"), PKCS#8 ("PRIVATE KEY") and SEC1 ("EC PRIVATE KEY") PEM. Imported keys have local=false.';
  static override examples = [
    '<%= config.bin %> key import pem --path pub.pem --label partner-key --key-type-class rsa-public',
    '<%= config.bin %> key import pem --path ec-key.pem --label signing --key-type-class ec-private --attributes sign=true',
  ];
  static override flags = {
    path: Flags.string({ description: 'The PEM file.', required: true, helpValue: '<PATH>' }),
    label: Flags.string({ description: 'Label of the imported key.', required: true, helpValue: '<LABEL>' }),
    'key-type-class': Flags.option({ description: 'What the file holds.', required: true, options: KEY_TYPE_CLASSES })(),
    attributes: Flags.string({ description: 'Attribute overrides NAME=VALUE.', multiple: true, helpValue: '<NAME=VALUE>...' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KeyImportPem>) {
    let size = 0;
    try {
      size = fs.statSync(flags.path).size;
    } catch {
      /* readFile below names the problem */
    }
    if (size > MAX_PEM_CHARS) throw new HsmError('INVALID_ARGUMENT', `--path ${flags.path} is ${size} bytes; a key PEM is at most ${MAX_PEM_CHARS}`);
    const pem = this.readFile('path', flags.path);
    const { key } = await this.perform(importPem, { pem, label: flags.label, keyTypeClass: flags['key-type-class'], attributes: flags.attributes });
    const presented = presentKey(key);
    return { data: { key: presented, message: 'Successfully imported key' }, text: keyText(presented) };
  }
}
