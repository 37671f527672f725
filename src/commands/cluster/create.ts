import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { createCluster } from '../../core/cluster/operations.js';
import { CLUSTER_MODES, HSM_TYPES } from '../../core/cluster/model.js';
import { optionalTagListFlag, parseTagList } from '../../cli/tag-flags.js';

export default class ClusterCreate extends BaseCommand<typeof ClusterCreate> {
  static override summary = 'Create a cluster (CloudHSMv2 CreateCluster).';
  static override description = 'The cluster starts UNINITIALIZED with one subnet per availability zone. Add its first HSM with `hsm create`, which produces the CSR to sign.';
  static override examples = [
    '<%= config.bin %> cluster create',
    '<%= config.bin %> cluster create --hsm-type hsm2m.medium --mode NON_FIPS --region eu-west-1 --json',
    '<%= config.bin %> cluster create --tag-list Key=team,Value=payments Key=env,Value=staging',
    '<%= config.bin %> cluster create --source-backup-id backup-ro3ywd2bg5f --json',
  ];
  static override flags = {
    'hsm-type': Flags.option({ description: 'HSM type.', options: HSM_TYPES, default: 'hsm2m.medium' })(),
    mode: Flags.option({ description: 'FIPS or NON_FIPS (NON_FIPS only on hsm2m.medium). Cannot change later.', options: CLUSTER_MODES, default: 'FIPS' })(),
    region: Flags.string({ description: 'Region of the cluster.', default: 'us-east-1' }),
    'backup-retention-days': Flags.integer({ description: 'Backup retention in days (7-379).', default: 90 }),
    'availability-zones': Flags.string({ description: 'Comma-separated availability zones to create subnets in (default: all of the region).', delimiter: ',', multiple: true }),
    'tag-list': optionalTagListFlag('Tags for the cluster (1-50); --tags works too.'),
    'source-backup-id': Flags.string({ description: "Restore from this READY backup (ID or ARN): the first HSM receives its users, keys and cluster certificate, with no initialize or activate. Mode must match the backup's.", helpValue: '<BACKUP_ID>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof ClusterCreate>) {
    const data = await this.perform(createCluster, {
      hsmType: flags['hsm-type'],
      mode: flags.mode,
      region: flags.region,
      backupRetentionDays: flags['backup-retention-days'],
      availabilityZones: flags['availability-zones'],
      tags: parseTagList(flags['tag-list']),
      sourceBackupId: flags['source-backup-id'],
    });
    return {
      data,
      text: `Created cluster ${data.ClusterId} (CREATE_IN_PROGRESS, ready as UNINITIALIZED)${data.SourceBackupId ? ` from backup ${data.SourceBackupId}` : ''}.\nNext: hsm create --availability-zone ${Object.keys(data.SubnetMapping)[0]}\n`,
    };
  }
}
