import { keyPairCommand } from '../../../cli/key-commands.js';

export default class extends keyPairCommand('rsa') {}
