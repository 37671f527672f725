import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { regionFlag } from '../../cli/kms-flags.js';
import { HsmError } from '../../core/errors.js';
import { createKeyStore } from '../../core/kms/key-stores.js';

export default class KmsCreateCustomKeyStore extends BaseCommand<typeof KmsCreateCustomKeyStore> {
  static override summary = 'Create an AWS KMS custom key store backed by a cluster (KMS CreateCustomKeyStore).';
  static override description = [
    'The cluster must be ACTIVE with two ACTIVE HSMs in different Availability Zones, and no other key store may use it (or a cluster of its backup lineage). The trust anchor is the certificate the cluster was initialized with. The kmsuser crypto user and its password are checked when the store connects, not now.',
    'The password is prompted for (hidden) on a terminal when --key-store-password is left out, or read from standard input with --key-store-password-stdin.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> kms create-custom-key-store --custom-key-store-name ExampleKeyStore --cloud-hsm-cluster-id cluster-1a23b4cdefg --trust-anchor-certificate file://customerCA.crt',
  ];
  static override flags = {
    'custom-key-store-name': Flags.string({ description: 'A name unique among the key stores (1-256 characters).', required: true, helpValue: '<NAME>' }),
    'cloud-hsm-cluster-id': Flags.string({ description: 'The cluster whose HSMs hold the keys.', required: true, helpValue: '<CLUSTER_ID>' }),
    'trust-anchor-certificate': Flags.string({ description: "The cluster's trust anchor (customerCA.crt): file://PATH, a path, or the PEM itself.", required: true, helpValue: '<PEM>' }),
    'key-store-password': Flags.string({ description: 'The current password of the kmsuser crypto user (prompted when left out).', helpValue: '<PASSWORD>', exclusive: ['key-store-password-stdin'] }),
    'key-store-password-stdin': Flags.boolean({ description: 'Read the kmsuser password from standard input.' }),
    region: regionFlag,
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsCreateCustomKeyStore>) {
    const certificate = flags['trust-anchor-certificate'];
    const pem = certificate.trimStart().startsWith('-----BEGIN') ? certificate : this.readFile('trust-anchor-certificate', certificate.replace(/^file:\/\//, ''));
    const password = await this.password({ password: flags['key-store-password'], 'password-stdin': flags['key-store-password-stdin'] }, { confirm: false, what: 'the kmsuser password' });
    if (!password) throw new HsmError('PASSWORD_REQUIRED', 'the kmsuser password is needed: give --key-store-password or --key-store-password-stdin');
    const data = await this.perform(createKeyStore, { CustomKeyStoreName: flags['custom-key-store-name'], CloudHsmClusterId: flags['cloud-hsm-cluster-id'], KeyStorePassword: password, TrustAnchorCertificate: pem, requestRegion: flags.region });
    return { data, text: `Custom key store ${data.CustomKeyStoreId} created (DISCONNECTED); connect it with \`kms connect-custom-key-store --custom-key-store-id ${data.CustomKeyStoreId}\`.\n` };
  }
}
