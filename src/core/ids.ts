/**
 * Resource identifiers in the formats of cluster.md §1: cluster-, hsm- and backup- ids use 11
 * lowercase base32 characters (a-z, 2-7); ENI, security group, subnet and VPC ids use 17
 * lowercase hex digits.
 */
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export function base32Id(prefix: string, random: (n: number) => Buffer, length = 11): string {
  const bytes = random(length);
  let out = '';
  for (let i = 0; i < length; i++) out += BASE32.charAt(bytes[i]! & 31);
  return `${prefix}-${out}`;
}

export function hexId(prefix: string, random: (n: number) => Buffer, digits = 17): string {
  return `${prefix}-${random(Math.ceil(digits / 2)).toString('hex').slice(0, digits)}`;
}

export const ID_PATTERNS = {
  cluster: /^cluster-[2-7a-zA-Z]{11,16}$/,
  hsm: /^hsm-[2-7a-zA-Z]{11,16}$/,
  eni: /^eni-[0-9a-fA-F]{8,17}$/,
  ip: /^\d{1,3}(\.\d{1,3}){3}$/,
} as const;
