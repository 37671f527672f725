import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { deleteKmsAlias } from '../../core/kms/keys.js';

export default class KmsDeleteAlias extends BaseCommand<typeof KmsDeleteAlias> {
  static override summary = 'Delete an alias; its key stays (KMS DeleteAlias).';
  static override examples = ['<%= config.bin %> kms delete-alias --alias-name alias/orders'];
  static override flags = { 'alias-name': Flags.string({ description: 'The alias.', required: true, helpValue: '<ALIAS>' }) };

  protected async execute({ flags }: ExecuteInput<typeof KmsDeleteAlias>) {
    return { data: await this.perform(deleteKmsAlias, { AliasName: flags['alias-name'] }) };
  }
}
